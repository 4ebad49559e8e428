//! Normalization: the first stage, so that `ＶＯＣｓ`, `VOCs` and `vocs` are one word.

/// Folds full-width ASCII to half-width, the ideographic space to a space, ASCII to lower case,
/// and control characters to spaces, and drops invisible format characters.
///
/// Chinese text comes from word processors and phone keyboards in full-width forms; without this
/// fold a query typed in one width would not match a document written in the other. Text pasted
/// from web pages and chat apps carries invisible characters inside words (a zero-width space
/// in 燃\u{200B}气, a soft hyphen, a byte order mark): dropped, so the word is still the word.
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !is_format(*c))
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

/// Whether `c` is an invisible format character (Unicode category Cf, as text carries them):
/// the soft hyphen, zero-width space, non-joiner and joiner, direction marks and embeddings,
/// the word joiner and invisible operators, the byte order mark (zero-width no-break space),
/// and the Mongolian vowel separator.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn folds_full_width_and_case() {
        assert_eq!(normalize("ＶＯＣｓ治理１２３４５"), "vocs治理12345");
    }

    #[test]
    fn drops_invisible_format_characters() {
        assert_eq!(
            normalize("\u{FEFF}燃\u{200B}气\u{200D}安\u{00AD}全\u{2060}监\u{200C}管"),
            "燃气安全监管"
        );
    }

    #[test]
    fn folds_full_width_punctuation_keeps_ideographic_and_replaces_controls() {
        assert_eq!(
            normalize("燃气，安全\u{0007}监管。\u{3000}"),
            "燃气,安全 监管。 "
        );
    }
}
