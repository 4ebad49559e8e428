//! A corpus of several towns: ids are qualified by town, the API filters and facets by town,
//! and the same town given twice is refused.

mod common;

use std::path::Path;

use duty_search::index::build;
use duty_search::search::{Engine, SearchRequest};

/// A corpus directory holding 金星镇's lists and the same lists published as 东塔寺乡's.
fn two_towns(dir: &Path) -> std::path::PathBuf {
    let corpus = dir.join("corpus");
    common::copy_corpus(&common::corpus_dir(), &corpus);
    let original = corpus.join("lists/jinxing-town-duty-lists.txt");
    let text = std::fs::read_to_string(&original).expect("the real document reads");
    std::fs::write(
        corpus.join("lists/dongtasi-town-duty-lists.txt"),
        text.replace("金星镇", "东塔寺乡"),
    )
    .expect("the second town is written");
    corpus
}

#[test]
fn ids_are_qualified_and_town_filters_and_facets_work() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = two_towns(dir.path());
    let index = dir.path().join("index");
    let info = build(&corpus, &index).expect("two towns build");
    assert_eq!(info.items, 522);
    assert_eq!(info.towns, ["东塔寺乡", "金星镇"]);
    let engine = Engine::open(&corpus, &index).expect("the index opens");

    let mut request = SearchRequest::new("燃气").unwrap();
    request.limit = 20;
    let all = engine.search(&request).unwrap();
    assert_eq!(
        all.facets.town.get("金星镇"),
        all.facets.town.get("东塔寺乡")
    );
    assert!(all
        .hits
        .iter()
        .any(|h| h.id == "litongqu-jinxingzhen:coop-1-1"));
    assert!(all
        .hits
        .iter()
        .any(|h| h.id == "litongqu-dongtasixiang:coop-1-1"));

    request.town = Some("东塔寺乡".into());
    let one = engine.search(&request).unwrap();
    assert!(!one.hits.is_empty());
    assert!(
        one.hits.iter().all(|h| h.town == "东塔寺乡"),
        "{:?}",
        common::ids(&one)
    );
    assert_eq!(one.total, all.total / 2);

    let item = engine
        .item("litongqu-dongtasixiang:withdrawn-2-4")
        .unwrap()
        .expect("a qualified id finds its item");
    assert_eq!(item.owner, ["利通区民政局"]);
    assert_eq!(item.town, "东塔寺乡");
}

#[test]
fn the_same_town_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    common::copy_corpus(&common::corpus_dir(), &corpus);
    std::fs::copy(
        corpus.join("lists/jinxing-town-duty-lists.txt"),
        corpus.join("lists/jinxing-again.txt"),
    )
    .unwrap();
    let message = build(&corpus, &dir.path().join("index"))
        .expect_err("a town given twice is refused")
        .to_string();
    assert!(message.contains("jinxing"), "{message}");
    assert!(
        message.contains("litongqu-jinxingzhen:basic-1-1"),
        "{message}"
    );
}
