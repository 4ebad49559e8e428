//! Character bigrams: the fallback analysis for when segmentation disagrees between a query and
//! the lists (烧麦秆 vs 秸秆, or a word jieba does not know).

use super::normalize::normalize;

/// Overlapping bigrams of each run of Han characters in `text` (after normalization).
pub fn bigrams(text: &str) -> Vec<String> {
    let normalized = normalize(text);
    let mut grams = Vec::new();
    let mut run: Vec<char> = Vec::new();
    for c in normalized.chars().chain(std::iter::once(' ')) {
        if is_han(c) {
            run.push(c);
            continue;
        }
        grams.extend(run.windows(2).map(|pair| pair.iter().collect::<String>()));
        run.clear();
    }
    grams
}

/// Whether `c` is a CJK unified ideograph (the basic block and extension A).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

#[cfg(test)]
mod tests {
    use super::bigrams;

    #[test]
    fn bigrams_stop_at_non_han() {
        assert_eq!(bigrams("麦秆，VOCs治理"), vec!["麦秆", "治理"]);
    }

    #[test]
    fn single_characters_give_nothing() {
        assert!(bigrams("吵").is_empty());
    }
}
