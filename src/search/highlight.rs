//! Highlighting: item text HTML-escaped, with `<mark>` around the matched terms and nothing else.

/// Marks terms in texts; made once per query.
pub struct Highlighter {
    terms: Vec<String>,
}

impl Highlighter {
    /// A highlighter for `terms` (at each place the longest term wins; ASCII case is ignored).
    pub fn new(terms: &[String]) -> Highlighter {
        let mut terms: Vec<String> = terms
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| t.to_ascii_lowercase())
            .collect();
        terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
        terms.dedup();
        Highlighter { terms }
    }

    /// `text` escaped with its matches marked, or `None` when nothing in it matches.
    ///
    /// Each term is found with a plain substring search: a query has a few dozen terms and a hit
    /// a few short texts, so this costs less than building an automaton per query.
    pub fn highlight(&self, text: &str) -> Option<String> {
        let folded = text.to_ascii_lowercase();
        let mut found: Vec<(usize, usize)> = Vec::new();
        for term in &self.terms {
            found.extend(
                folded
                    .match_indices(term.as_str())
                    .map(|(at, t)| (at, at + t.len())),
            );
        }
        if found.is_empty() {
            return None;
        }
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        // Overlaps go to the leftmost longest; touching matches become one mark, so that
        // 电动车 next to 充电 reads as one span without a gap.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (start, end) in found {
            match spans.last_mut() {
                Some(last) if start < last.1 => {}
                Some(last) if start == last.1 => last.1 = end,
                _ => spans.push((start, end)),
            }
        }
        let mut out = String::with_capacity(text.len() + 32);
        let mut last = 0;
        for (start, end) in spans {
            out.push_str(&escape(&text[last..start]));
            out.push_str("<mark>");
            out.push_str(&escape(&text[start..end]));
            out.push_str("</mark>");
            last = end;
        }
        out.push_str(&escape(&text[last..]));
        Some(out)
    }
}

/// Escapes the five HTML-significant characters.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_longest_terms_and_escapes_the_rest() {
        let highlighter = Highlighter::new(&["燃气".into(), "燃气安全".into()]);
        assert_eq!(
            highlighter.highlight("<p>燃气安全监管</p>").as_deref(),
            Some("&lt;p&gt;<mark>燃气安全</mark>监管&lt;/p&gt;")
        );
        assert_eq!(highlighter.highlight("婚姻登记"), None);
    }

    #[test]
    fn overlapping_terms_take_the_leftmost_longest_and_case_folds() {
        let highlighter = Highlighter::new(&["安全".into(), "燃气安全".into(), "vocs".into()]);
        assert_eq!(
            highlighter.highlight("燃气安全、安全与VOCs").as_deref(),
            Some("<mark>燃气安全</mark>、<mark>安全</mark>与<mark>VOCs</mark>")
        );
    }

    #[test]
    fn touching_matches_are_one_mark() {
        let highlighter = Highlighter::new(&["电动车".into(), "充电".into()]);
        assert_eq!(
            highlighter.highlight("电动车充电、充电桩").as_deref(),
            Some("<mark>电动车充电</mark>、<mark>充电</mark>桩")
        );
    }

    #[test]
    fn no_terms_no_highlight() {
        assert_eq!(Highlighter::new(&[]).highlight("燃气"), None);
    }
}
