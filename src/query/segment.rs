//! Stage 1, segmentation: the query is normalized and cut into words by the same segmenter as
//! the index; pinyin typed with spaces (`ran qi`) is kept together as one word.

use crate::analysis::{Segmenter, Word};

/// The normalized query and its words.
pub fn segment(segmenter: &Segmenter, query: &str) -> (String, Vec<Word>) {
    let (normalized, words) = segmenter.tagged_words(query);
    let mut merged: Vec<Word> = Vec::with_capacity(words.len());
    for word in words {
        if let Some(previous) = merged.last_mut() {
            let gap = &normalized[previous.end..word.start];
            if is_letters(&previous.text) && is_letters(&word.text) && gap.trim().is_empty() {
                previous.text.push_str(&word.text);
                previous.end = word.end;
                continue;
            }
        }
        merged.push(word);
    }
    (normalized, merged)
}

/// Whether `text` is ASCII letters only: a Latin word or pinyin.
pub fn is_letters(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaced_pinyin_stays_one_word() {
        let segmenter = Segmenter::new([]);
        let (_, words) = segment(&segmenter, "Ran Qi  an quan");
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["ranqianquan"]);
    }

    #[test]
    fn colloquial_words_segment_as_words_once_known() {
        let segmenter = Segmenter::new(["电瓶车"]);
        let (_, words) = segment(&segmenter, "邻居在楼道里给电瓶车充电");
        assert!(words.iter().any(|w| w.text == "电瓶车"));
    }
}
