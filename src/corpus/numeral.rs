//! Chinese numerals as the lists write category ordinals (`一` … `九十九`).

/// The value of one Chinese digit `一` … `九`.
fn digit(c: char) -> Option<u32> {
    "一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .map(|index| index as u32 + 1)
}

/// Parses a Chinese numeral from 1 to 99 (`一`, `十`, `十四`, `二十`, `九十九`), as category
/// headings number themselves; anything else (`零`, `一十`, `一百`, digits, empty) is `None`, so a
/// garbled ordinal is refused rather than guessed.
pub(crate) fn parse(text: &str) -> Option<u32> {
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', d] => digit(*d).map(|units| 10 + units),
        [t, '十'] => digit(*t).filter(|&tens| tens >= 2).map(|tens| tens * 10),
        [t, '十', d] => {
            let tens = digit(*t).filter(|&tens| tens >= 2)?;
            digit(*d).map(|units| tens * 10 + units)
        }
        _ => None,
    }
}

/// Writes 1 to 99 as the category headings do (`一`, `十`, `十四`, `二十`, `九十九`): the
/// inverse of [`parse`], so an item page shows its category as the document numbers it.
pub(crate) fn format(value: u32) -> String {
    let digit = |d: u32| "一二三四五六七八九".chars().nth(d as usize - 1);
    let (tens, units) = (value / 10, value % 10);
    let mut text = String::new();
    if tens > 1 {
        text.extend(digit(tens));
    }
    if tens > 0 {
        text.push('十');
    }
    if units > 0 {
        text.extend(digit(units));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{format, parse};

    #[test]
    fn format_writes_what_parse_reads() {
        for value in 1..=99 {
            assert_eq!(parse(&format(value)), Some(value), "{value}");
        }
        assert_eq!(format(14), "十四");
        assert_eq!(format(20), "二十");
    }

    #[test]
    fn single_digits() {
        let expected = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];
        for (value, text) in (1..).zip(expected) {
            assert_eq!(parse(text), Some(value), "{text}");
        }
    }

    #[test]
    fn tens_and_teens() {
        assert_eq!(parse("十"), Some(10));
        assert_eq!(parse("十一"), Some(11));
        assert_eq!(parse("十四"), Some(14));
        assert_eq!(parse("十九"), Some(19));
        assert_eq!(parse("二十"), Some(20));
        assert_eq!(parse("二十一"), Some(21));
        assert_eq!(parse("五十七"), Some(57));
        assert_eq!(parse("九十九"), Some(99));
    }

    #[test]
    fn refuses_what_is_not_a_numeral_from_1_to_99() {
        for text in [
            "",
            "零",
            "〇",
            "一十",
            "一十一",
            "十十",
            "二二",
            "一百",
            "百",
            "14",
            "十四五",
            "两",
            "x",
            "十x",
            "x十",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn every_value_from_1_to_99_round_trips_through_its_usual_spelling() {
        let digits = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        for value in 1..100u32 {
            let (tens, units) = ((value / 10) as usize, (value % 10) as usize);
            let text = match tens {
                0 => digits[units].to_string(),
                1 => format!("十{}", digits[units]),
                _ => format!("{}十{}", digits[tens], digits[units]),
            };
            assert_eq!(parse(&text), Some(value), "{text}");
        }
    }
}
