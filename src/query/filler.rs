//! Stage 2, filler removal: words such as 有人, 请问, 怎么办 carry no subject and are dropped.

use crate::analysis::Word;
use crate::lexicon::Stopwords;

/// The words that are not filler.
pub fn drop_filler(words: Vec<Word>, stopwords: &Stopwords) -> Vec<Word> {
    words
        .into_iter()
        .filter(|word| !stopwords.contains(&word.text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Segmenter;

    #[test]
    fn filler_is_dropped_and_subject_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stopwords.txt");
        std::fs::write(&path, "请问\n有人\n怎么办\n了\n").unwrap();
        let stopwords = Stopwords::load(&path).unwrap();
        let (_, words) = Segmenter::new([]).words("请问有人烧秸秆了怎么办");
        let kept: Vec<String> = drop_filler(words, &stopwords)
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert!(kept.contains(&"秸秆".to_string()), "{kept:?}");
        assert!(!kept
            .iter()
            .any(|w| w == "请问" || w == "有人" || w == "怎么办" || w == "了"));
    }
}
