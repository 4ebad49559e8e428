//! The jieba user dictionary: one domain term a line (`九小场所`), optionally followed by a
//! frequency and a part-of-speech tag as in jieba's own format; only the term is used.

use std::path::Path;

use super::source::{content_lines, LexiconError};

/// Loads the user dictionary's terms.
pub fn load(path: &Path) -> Result<Vec<String>, LexiconError> {
    let mut words = Vec::new();
    for (number, line) in content_lines(path)? {
        let mut fields = line.split_whitespace();
        let word = fields.next().unwrap_or_default();
        if let Some(freq) = fields.next() {
            if freq.parse::<u32>().is_err() {
                return Err(LexiconError::at(
                    path,
                    number,
                    format!("expected `term [frequency] [tag]`, found frequency {freq:?}"),
                ));
            }
        }
        if words.iter().any(|w| w == word) {
            return Err(LexiconError::at(
                path,
                number,
                format!("duplicate term {word}"),
            ));
        }
        words.push(word.to_string());
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_terms_and_rejects_bad_frequency() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("userdict.txt");
        std::fs::write(&path, "# terms\n九小场所\n散乱污 20 n\n").unwrap();
        assert_eq!(load(&path).unwrap(), vec!["九小场所", "散乱污"]);
        std::fs::write(&path, "九小场所\n散乱污 many\n").unwrap();
        let error = load(&path).unwrap_err();
        assert_eq!(error.line, 2);
    }

    #[test]
    fn duplicate_terms_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("userdict.txt");
        std::fs::write(&path, "九小场所\n\n九小场所\n").unwrap();
        let error = load(&path).unwrap_err();
        assert_eq!(error.line, 3);
        assert!(error.to_string().contains("duplicate"), "{error}");
    }
}
