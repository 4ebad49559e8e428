//! Highlighting: item text HTML-escaped, with `<mark>` around the matched terms and nothing else.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// Marks terms in texts; built once per query.
pub struct Highlighter {
    matcher: Option<AhoCorasick>,
}

impl Highlighter {
    /// A highlighter for `terms` (longest match wins).
    pub fn new(terms: &[String]) -> Highlighter {
        let terms: Vec<&String> = terms.iter().filter(|t| !t.is_empty()).collect();
        let matcher = (!terms.is_empty()).then(|| {
            // A handful of terms and a few short texts per query: the NFA builds far faster
            // than a DFA and matches fast enough.
            AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(true)
                .build(terms)
                .expect("highlight terms form a valid automaton")
        });
        Highlighter { matcher }
    }

    /// `text` escaped with its matches marked, or `None` when nothing in it matches.
    pub fn highlight(&self, text: &str) -> Option<String> {
        let matcher = self.matcher.as_ref()?;
        let mut out = String::with_capacity(text.len() + 32);
        let mut last = 0;
        for found in matcher.find_iter(text) {
            out.push_str(&escape(&text[last..found.start()]));
            out.push_str("<mark>");
            out.push_str(&escape(&text[found.start()..found.end()]));
            out.push_str("</mark>");
            last = found.end();
        }
        if last == 0 {
            return None;
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
    fn no_terms_no_highlight() {
        assert_eq!(Highlighter::new(&[]).highlight("燃气"), None);
    }
}
