//! Pinyin: toneless, joined syllables (燃气 → ranqi), so queries typed without an input method
//! and homophone typos (然气) reach the words the lists use.

use pinyin::{ToPinyin, ToPinyinMulti};

/// At most this many readings are produced for one word with several polyphonic characters.
const MAX_READINGS: usize = 8;

/// The toneless readings of `word`, the most common first; empty when a character has no pinyin.
///
/// Polyphonic characters give several readings (河湖长制 → hehuchangzhi, hehuzhangzhi), so a
/// user who types either finds the word.
pub fn readings(word: &str) -> Vec<String> {
    let mut readings = vec![String::new()];
    for c in word.chars() {
        let Some(multi) = c.to_pinyin_multi() else {
            return Vec::new();
        };
        let syllables: Vec<&str> = multi.into_iter().map(|p| p.plain()).collect();
        let mut next = Vec::new();
        for prefix in &readings {
            for syllable in &syllables {
                let mut reading = prefix.clone();
                reading.push_str(syllable);
                if !next.contains(&reading) {
                    next.push(reading);
                }
            }
        }
        next.truncate(MAX_READINGS);
        readings = next;
    }
    readings
}

/// `text` with each Han character replaced by its most common toneless syllable; other characters
/// are kept, lower-cased (VOCs治理 → vocszhili).
pub fn to_pinyin_text(text: &str) -> String {
    text.chars()
        .zip(text.to_pinyin())
        .map(|(c, p)| p.map_or_else(|| c.to_ascii_lowercase().to_string(), |p| p.plain().into()))
        .collect()
}

/// When `query` is pinyin typed without an input method (ASCII letters, spaces, apostrophes),
/// its letters joined and lower-cased; otherwise `None`.
pub fn ascii_pinyin(query: &str) -> Option<String> {
    let query = query.trim();
    let only_letters = query
        .chars()
        .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '\'');
    if query.is_empty() || !only_letters {
        return None;
    }
    Some(
        query
            .chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_toneless_and_joined() {
        assert_eq!(readings("燃气")[0], "ranqi");
        assert_eq!(readings("违建")[0], "weijian");
    }

    #[test]
    fn polyphonic_words_have_every_reading() {
        let all = readings("河湖长制");
        assert!(all.contains(&"hehuzhangzhi".to_string()), "{all:?}");
        assert!(all.contains(&"hehuchangzhi".to_string()), "{all:?}");
    }

    #[test]
    fn non_han_words_have_no_reading() {
        assert!(readings("vocs").is_empty());
    }

    #[test]
    fn mixed_text_keeps_latin() {
        assert_eq!(to_pinyin_text("VOCs治理"), "vocszhili");
    }

    #[test]
    fn ascii_pinyin_joins_syllables() {
        assert_eq!(ascii_pinyin("Ran Qi").as_deref(), Some("ranqi"));
        assert_eq!(ascii_pinyin("xi'an").as_deref(), Some("xian"));
        assert_eq!(ascii_pinyin("12345"), None);
        assert_eq!(ascii_pinyin("燃气"), None);
    }
}
