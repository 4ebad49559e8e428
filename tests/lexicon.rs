//! The lexicon as the build sees it: the repository's files load and validate, and a bad line in
//! a copy is refused with its file and line while the live index stays as it was.

mod common;

use std::path::Path;

use duty_search::error::Error;
use duty_search::index::build;
use duty_search::lexicon::Lexicon;

/// A copy of the corpus with `line` appended to the coop synonym file.
fn corpus_with_synonym_line(dir: &Path, line: &str) -> std::path::PathBuf {
    let corpus = dir.join("corpus");
    common::copy_corpus(&common::corpus_dir(), &corpus);
    let file = corpus.join("lexicon/synonyms/coop.txt");
    let mut text = std::fs::read_to_string(&file).expect("the coop synonyms read");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    std::fs::write(&file, text).expect("the copy is written");
    corpus
}

fn last_line_number(corpus: &Path) -> usize {
    std::fs::read_to_string(corpus.join("lexicon/synonyms/coop.txt"))
        .expect("the coop synonyms read")
        .lines()
        .count()
}

#[test]
fn the_repository_lexicon_is_substantial_and_valid() {
    let lexicon = Lexicon::load(&common::corpus_dir()).expect("the lexicon loads");
    assert!(
        lexicon.synonyms.len() >= 500,
        "several hundred synonym groups, got {}",
        lexicon.synonyms.len()
    );
    assert!(lexicon.stopwords.contains("怎么办"));
    assert!(!lexicon.stopwords.contains("噪音"));
    assert!(lexicon.user_words.iter().any(|w| w == "九小场所"));
}

#[test]
fn a_malformed_synonym_line_is_refused_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_with_synonym_line(dir.path(), "电瓶车 电动自行车");
    let line = last_line_number(&corpus);
    let index = dir.path().join("index");
    let error = build(&corpus, &index, &duty_search::index::Examples::default())
        .expect_err("the bad line is refused");
    let Error::Lexicon(error) = &error else {
        panic!("expected a lexicon error, got {error}");
    };
    assert!(error.path.ends_with("lexicon/synonyms/coop.txt"), "{error}");
    assert_eq!(error.line, line, "{error}");
    assert!(!index.join("CURRENT").exists(), "nothing is made live");
}

#[test]
fn an_unknown_entry_is_reported_and_the_live_index_kept() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    build(
        &common::corpus_dir(),
        &index,
        &duty_search::index::Examples::default(),
    )
    .expect("the real corpus builds");
    let live = std::fs::read_to_string(index.join("CURRENT")).unwrap();

    let corpus = corpus_with_synonym_line(dir.path(), "电瓶车 => 不存在于清单的说法");
    let line = last_line_number(&corpus);
    let error = build(&corpus, &index, &duty_search::index::Examples::default())
        .expect_err("the unknown entry is refused");
    let message = error.to_string();
    assert!(message.contains("coop.txt"), "{message}");
    assert!(message.contains(&format!("line {line}")), "{message}");
    assert!(message.contains("不存在于清单的说法"), "{message}");
    assert_eq!(
        std::fs::read_to_string(index.join("CURRENT")).unwrap(),
        live
    );
    assert!(
        index.join(live.trim()).is_dir(),
        "the live generation is intact"
    );
}

#[test]
fn a_duplicate_group_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let lexicon_line = "电瓶车的说法, 小电驴的说法 => 电动自行车";
    let corpus = corpus_with_synonym_line(dir.path(), lexicon_line);
    let file = corpus.join("lexicon/synonyms/coop.txt");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(lexicon_line);
    text.push('\n');
    std::fs::write(&file, text).unwrap();
    let line = last_line_number(&corpus);
    let error = build(
        &corpus,
        &dir.path().join("index"),
        &duty_search::index::Examples::default(),
    )
    .expect_err("the duplicate is refused");
    let message = error.to_string();
    assert!(message.contains(&format!("line {line}")), "{message}");
    assert!(message.contains("duplicate"), "{message}");
}
