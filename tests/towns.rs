//! A corpus of several towns: ids are qualified by town, the API filters and facets by town,
//! the same town given twice is refused, and identical lists rank identically wherever they
//! stand in the index.

mod common;

use std::path::Path;

use duty_search::eval::load_judgments;
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
    let info =
        build(&corpus, &index, &duty_search::index::Examples::default()).expect("two towns build");
    assert_eq!(info.items, 522);
    assert_eq!(info.towns, ["东塔寺乡", "金星镇"]);
    let engine = Engine::open(&index).expect("the index opens");

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

/// Towns publishing word for word the same lists as 金星镇: 9 × 261 items span several of the
/// ranker's scoring windows, at different offsets in each.
const TWINS: [&str; 8] = [
    "东塔寺乡",
    "郭家桥乡",
    "扁担沟镇",
    "上桥镇",
    "古城镇",
    "板桥乡",
    "马莲渠乡",
    "高闸镇",
];

#[test]
fn identical_towns_get_identical_answers() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    common::copy_corpus(&common::corpus_dir(), &corpus);
    let text = std::fs::read_to_string(corpus.join("lists/jinxing-town-duty-lists.txt")).unwrap();
    for (n, town) in TWINS.iter().enumerate() {
        std::fs::write(
            corpus.join(format!("lists/twin-{n}.txt")),
            text.replace("金星镇", town),
        )
        .unwrap();
    }
    let index = dir.path().join("index");
    assert_eq!(
        build(&corpus, &index, &duty_search::index::Examples::default())
            .unwrap()
            .items,
        9 * 261
    );
    let engine = Engine::open(&index).unwrap();
    let judged =
        load_judgments(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dev-queries.jsonl"))
            .unwrap();
    let mut compared = 0;
    for judgment in &judged {
        let mut request = SearchRequest::new(&judgment.query).unwrap();
        request.limit = 50;
        let answer = |town: &str| {
            let mut request = request.clone();
            request.town = Some(town.to_string());
            let response = engine.search(&request).unwrap();
            let hits: Vec<(String, f32)> = response
                .hits
                .iter()
                .map(|hit| (hit.id.split_once(':').unwrap().1.to_string(), hit.score))
                .collect();
            (response.total, hits, response.facets.town.clone())
        };
        let jinxing = answer("金星镇");
        let everywhere = engine.search(&request).unwrap();
        assert_eq!(everywhere.total, 9 * jinxing.0, "{}", request.query);
        for town in TWINS {
            assert_eq!(answer(town), jinxing, "{town}: {}", request.query);
        }
        compared += usize::from(!jinxing.1.is_empty());
    }
    assert!(compared >= 50, "only {compared} judged queries had hits");
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
    let message = build(
        &corpus,
        &dir.path().join("index"),
        &duty_search::index::Examples::default(),
    )
    .expect_err("a town given twice is refused")
    .to_string();
    assert!(message.contains("jinxing"), "{message}");
    assert!(
        message.contains("利通区金星镇") && message.contains("already given"),
        "{message}"
    );
}
