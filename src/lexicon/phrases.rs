//! Word lists found as substrings of a text: the markers of a letter's clauses, topics outside
//! the lists, intents. One matcher per list, built once when the lexicon loads.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, MatchKind};

/// A list of words (normalized) with a matcher over them.
#[derive(Debug, Clone, Default)]
pub struct Phrases {
    words: Vec<String>,
    set: HashSet<String>,
    matcher: Option<AhoCorasick>,
}

impl Phrases {
    /// A matcher over `words`; longer words win where several start at one place.
    pub fn new(words: Vec<String>) -> Phrases {
        let matcher = (!words.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&words)
                .expect("a word list forms a valid automaton")
        });
        Phrases {
            set: words.iter().cloned().collect(),
            words,
            matcher,
        }
    }

    /// The words, in file order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Whether `word` is one of the words.
    pub fn has(&self, word: &str) -> bool {
        self.set.contains(word)
    }

    /// Whether some word occurs in `text`.
    pub fn any_in(&self, text: &str) -> bool {
        self.matcher
            .as_ref()
            .is_some_and(|matcher| matcher.is_match(text))
    }

    /// Whether `text` begins with one of the words.
    pub fn starts(&self, text: &str) -> bool {
        self.words
            .iter()
            .any(|word| text.starts_with(word.as_str()))
    }

    /// The words found in `text`, without overlaps: `(start, end, word)` in text order.
    pub fn find<'a>(&'a self, text: &str) -> Vec<(usize, usize, &'a str)> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        matcher
            .find_iter(text)
            .map(|m| {
                (
                    m.start(),
                    m.end(),
                    self.words[m.pattern().as_usize()].as_str(),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_longest_first_and_knows_starts() {
        let phrases = Phrases::new(vec!["公交".into(), "公交线路".into(), "宽带".into()]);
        let found: Vec<&str> = phrases
            .find("问公交线路和宽带")
            .iter()
            .map(|f| f.2)
            .collect();
        assert_eq!(found, ["公交线路", "宽带"]);
        assert!(phrases.any_in("宽带断了") && !phrases.any_in("路灯坏了"));
        assert!(phrases.starts("公交车晚点") && !phrases.starts("坐公交"));
        assert!(phrases.has("宽带") && !phrases.has("宽"));
        assert!(!Phrases::default().any_in("任何"));
    }
}
