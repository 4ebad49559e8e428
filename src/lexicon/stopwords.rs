//! Complaint filler: words such as 有人, 请问, 怎么办 that carry no subject and are dropped from
//! queries before matching. One word a line.

use std::collections::HashSet;
use std::path::Path;

use super::source::{content_lines, LexiconError};
use crate::analysis::normalize;

/// The set of filler words.
#[derive(Debug, Clone, Default)]
pub struct Stopwords {
    words: HashSet<String>,
}

impl Stopwords {
    /// Loads the stopword file; a line with whitespace inside or a repeated word is refused.
    pub fn load(path: &Path) -> Result<Stopwords, LexiconError> {
        let mut words = HashSet::new();
        for (number, line) in content_lines(path)? {
            if line.chars().any(char::is_whitespace) {
                return Err(LexiconError::at(path, number, "expected one word a line"));
            }
            if !words.insert(normalize(&line)) {
                return Err(LexiconError::at(
                    path,
                    number,
                    format!("duplicate stopword {line}"),
                ));
            }
        }
        Ok(Stopwords { words })
    }

    /// Whether `word` (normalized) is filler.
    pub fn contains(&self, word: &str) -> bool {
        self.words.contains(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_words_and_refuses_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stopwords.txt");
        std::fs::write(&path, "# filler\n有人\n请问\n").unwrap();
        let stopwords = Stopwords::load(&path).unwrap();
        assert!(stopwords.contains("有人") && !stopwords.contains("燃气"));
        std::fs::write(&path, "有人\n请问\n有人\n").unwrap();
        assert_eq!(Stopwords::load(&path).unwrap_err().line, 3);
    }
}
