//! Temporary copies of the repository's corpus, the ways the tests break them (a list document
//! missing a row, a lexicon line without `=>`), and the generations of an index.

use std::path::{Path, PathBuf};

use super::{copy_corpus, corpus_dir};

/// Copies the repository's corpus to `dir/corpus` and returns that path.
pub fn corpus_copy(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    copy_corpus(&corpus_dir(), &corpus);
    corpus
}

/// Copies the repository's corpus to `dir/corpus` without its synonym files, which a debug
/// build takes seconds to load, and returns that path: for tests that build many times.
pub fn lean_corpus_copy(dir: &Path) -> PathBuf {
    let corpus = corpus_copy(dir);
    std::fs::remove_dir_all(corpus.join("lexicon/synonyms")).expect("remove the synonyms");
    corpus
}

/// A temporary directory (named from `prefix`) holding a [`lean_corpus_copy`] and its index,
/// built: what a test of builds, servers and faults starts from. Returns the directory (kept
/// alive by the caller), the corpus and the index directory.
pub fn indexed_lean_copy(prefix: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = super::temp_dir(prefix);
    let corpus = lean_corpus_copy(dir.path());
    let index = dir.path().join("index");
    duty_search::index::build(&corpus, &index, &duty_search::index::Examples::default())
        .expect("the copy indexes");
    (dir, corpus, index)
}

/// The list document of the corpus at `corpus`.
pub fn list_document(corpus: &Path) -> PathBuf {
    std::fs::read_dir(corpus.join("lists"))
        .expect("lists/")
        .map(|entry| entry.expect("an entry").path())
        .find(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .expect("a list document")
}

/// Deletes item 3 of 二、经济发展 from the list document, so the parser stops at the row that
/// follows; returns the document and that row's 1-based line. `repair` undoes it.
pub fn break_list(corpus: &Path) -> (PathBuf, usize) {
    let list = list_document(corpus);
    let text = std::fs::read_to_string(&list).expect("the list document");
    std::fs::write(list.with_extension("txt.orig"), &text).expect("keep the original");
    let mut lines: Vec<&str> = text.split('\n').collect();
    let heading = lines
        .iter()
        .position(|line| line.starts_with("二、经济发展"))
        .expect("the heading 二、经济发展");
    let removed = lines.remove(heading + 3);
    assert!(removed.starts_with("3\t"), "{removed}");
    std::fs::write(&list, lines.join("\n")).expect("write the broken copy");
    (list, heading + 4)
}

/// Appends a line without `=>` to a synonym file; returns the file and that line's number.
pub fn break_lexicon(corpus: &Path) -> (PathBuf, usize) {
    let file = corpus.join("lexicon/synonyms/basic.txt");
    let mut text = std::fs::read_to_string(&file).expect("a synonym file");
    std::fs::write(file.with_extension("txt.orig"), &text).expect("keep the original");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let line = text.lines().count() + 1;
    text.push_str("飞线充电 电瓶车乱充电\n");
    std::fs::write(&file, text).expect("write the broken lexicon");
    (file, line)
}

/// Puts back a file `break_list` or `break_lexicon` changed.
pub fn repair(file: &Path) {
    let original = file.with_extension("txt.orig");
    std::fs::rename(&original, file).expect("restore the original");
}

/// The generation directory `index/CURRENT` names.
pub fn current_generation(index: &Path) -> String {
    std::fs::read_to_string(index.join("CURRENT"))
        .expect("index/CURRENT is readable")
        .trim()
        .to_string()
}

/// The generation directories (`gen-…`) under `index`.
pub fn generations(index: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(index) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("gen-"))
        .collect();
    names.sort();
    names
}
