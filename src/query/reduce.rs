//! Stage 0, reduction of a very long message: a pasted work order of up to 2,000 characters is
//! read only for its most telling clauses, at most [`ANALYSED_CHARACTERS`] characters of them:
//! the matter first, then the story, then the writer's introduction, each kept in the message's
//! order. This bounds what analysing one message costs (query reduction at the clause level,
//! after Kumaran & Carvalho 2009); a message of that length or shorter is read whole.

use std::borrow::Cow;

use super::clauses::{ClauseKind, Clauses};
use crate::analysis::normalize;
use crate::lexicon::LetterShape;
use crate::tuning::ANALYSED_CHARACTERS;

/// `query`, or, when normalized it is longer than [`ANALYSED_CHARACTERS`], the normalized
/// clauses that fit whole in that many characters, chosen by kind (matter, story,
/// introduction), each followed by the character that ended it (`。` for the last clause; a run
/// of punctuation becomes its first character), in the message's order. When no clause fits
/// whole (a message without punctuation), the first clause of the most telling kind is cut to
/// fit.
pub fn reduce<'a>(query: &'a str, shape: &LetterShape) -> Cow<'a, str> {
    // Normalization never lengthens a text, so a query within the limit is read whole without it.
    if query.chars().count() <= ANALYSED_CHARACTERS {
        return Cow::Borrowed(query);
    }
    let normalized = normalize(query);
    if normalized.chars().count() <= ANALYSED_CHARACTERS {
        return Cow::Borrowed(query);
    }
    let clauses: Vec<(usize, usize, ClauseKind)> =
        Clauses::read(&normalized, shape).spans().collect();
    let length =
        |&(start, end, _): &(usize, usize, ClauseKind)| normalized[start..end].chars().count();
    let by_kind = [
        ClauseKind::Matter,
        ClauseKind::Background,
        ClauseKind::Introduction,
    ];
    let mut kept: Vec<Option<usize>> = vec![None; clauses.len()];
    let mut left = ANALYSED_CHARACTERS;
    for wanted in by_kind {
        for (i, clause) in clauses.iter().enumerate() {
            let whole = length(clause) + 1;
            if clause.2 == wanted && whole <= left {
                left -= whole;
                kept[i] = Some(whole - 1);
            }
        }
    }
    if kept.iter().all(Option::is_none) {
        let first = by_kind
            .iter()
            .find_map(|&wanted| clauses.iter().position(|clause| clause.2 == wanted));
        if let Some(i) = first {
            kept[i] = Some(ANALYSED_CHARACTERS - 1);
        }
    }
    let mut reduced = String::new();
    for (&(start, end, _), take) in clauses.iter().zip(kept) {
        if let Some(take) = take {
            reduced.extend(normalized[start..end].chars().take(take));
            reduced.push(normalized[end..].chars().next().unwrap_or('。'));
        }
    }
    Cow::Owned(reduced)
}

#[cfg(test)]
mod tests {
    use super::super::clauses::test_shape as shape;
    use super::*;

    #[test]
    fn a_message_within_the_limit_is_read_whole() {
        let message = "我是X村村民，门口的渠很臭，希望管一管。";
        assert!(matches!(reduce(message, &shape()), Cow::Borrowed(m) if m == message));
    }

    #[test]
    fn a_long_message_keeps_its_matter_before_its_story_and_introduction() {
        let story = "那年秋天下了很多雨".repeat(10);
        let message = format!(
            "我是{}。{}。门口的渠很臭，希望管一管。",
            "金星镇的村民".repeat(10),
            [story.as_str(); 8].join("，")
        );
        let reduced = reduce(&message, &shape());
        assert!(reduced.chars().count() <= ANALYSED_CHARACTERS, "{reduced}");
        assert_eq!(
            reduced.matches("那年秋天").count(),
            60,
            "six story clauses fit whole"
        );
        assert!(reduced.ends_with("门口的渠很臭,希望管一管。"), "{reduced}");
        assert!(reduced.contains("那年秋天"));
        assert!(
            !reduced.contains("我是"),
            "the introduction comes last and does not fit"
        );
    }

    #[test]
    fn a_long_message_without_punctuation_is_cut_to_the_limit() {
        let message = "路边有人烧垃圾".repeat(300);
        let reduced = reduce(&message, &shape());
        assert_eq!(reduced.chars().count(), ANALYSED_CHARACTERS);
        assert!(reduced.starts_with("路边有人烧垃圾"));
    }
}
