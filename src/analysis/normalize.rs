//! Normalization: the first stage, so that `ＶＯＣｓ`, `VOCs` and `vocs` are one word.

/// Folds full-width ASCII to half-width, the ideographic space to a space, ASCII to lower case,
/// and control characters to spaces.
///
/// Chinese text comes from word processors and phone keyboards in full-width forms; without this
/// fold a query typed in one width would not match a document written in the other.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => {
                char::from_u32(c as u32 - 0xFEE0).map_or(c, |half| half.to_ascii_lowercase())
            }
            '\u{3000}' => ' ',
            c if c.is_control() => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn folds_full_width_and_case() {
        assert_eq!(normalize("ＶＯＣｓ治理１２３４５"), "vocs治理12345");
    }

    #[test]
    fn folds_full_width_punctuation_keeps_ideographic_and_replaces_controls() {
        assert_eq!(
            normalize("燃气，安全\u{0007}监管。\u{3000}"),
            "燃气,安全 监管。 "
        );
    }
}
