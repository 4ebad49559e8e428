//! Stage 0, reduction of a very long message: a pasted work order of up to 2,000 characters is
//! read only for its most telling clauses, at most [`ANALYSED_CHARACTERS`] of them: the matter
//! first, then the story, then the writer's introduction, each kept in the message's order.
//! This bounds what analysing one message costs (query reduction at the clause level, after
//! Kumaran & Carvalho 2009); a message of that length or shorter is read whole.

use std::borrow::Cow;

use super::clauses::{ClauseKind, Clauses};
use crate::analysis::normalize;
use crate::lexicon::LetterShape;
use crate::tuning::ANALYSED_CHARACTERS;

/// `query`, or, when it is longer than [`ANALYSED_CHARACTERS`], its clauses chosen by kind up to
/// that many characters (a clause that no longer fits whole is cut), each with the character
/// that ended it, in the message's order.
pub fn reduce<'a>(query: &'a str, shape: &LetterShape) -> Cow<'a, str> {
    if query.chars().count() <= ANALYSED_CHARACTERS {
        return Cow::Borrowed(query);
    }
    let normalized = normalize(query);
    let clauses: Vec<(usize, usize, ClauseKind)> =
        Clauses::read(&normalized, shape).spans().collect();
    let mut kept: Vec<Option<usize>> = vec![None; clauses.len()];
    let mut left = ANALYSED_CHARACTERS;
    for wanted in [
        ClauseKind::Matter,
        ClauseKind::Background,
        ClauseKind::Introduction,
    ] {
        for (i, &(start, end, kind)) in clauses.iter().enumerate() {
            if kind != wanted || left == 0 {
                continue;
            }
            let take = normalized[start..end].chars().count().min(left);
            left -= take;
            kept[i] = Some(take);
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
    use super::*;
    use crate::lexicon::Phrases;

    fn shape() -> LetterShape {
        let words = |list: &[&str]| Phrases::new(list.iter().map(|w| w.to_string()).collect());
        LetterShape {
            request: words(&["希望"]),
            harm: words(&["臭"]),
            intro: words(&["我是"]),
            ..LetterShape::default()
        }
    }

    #[test]
    fn a_message_within_the_limit_is_read_whole() {
        let message = "我是X村村民，门口的渠很臭，希望管一管。";
        assert!(matches!(reduce(message, &shape()), Cow::Borrowed(m) if m == message));
    }

    #[test]
    fn a_long_message_keeps_its_matter_before_its_story_and_introduction() {
        let story = "那年秋天下了很多雨".repeat(10);
        let message = format!(
            "我是金星镇X村三组的村民。{}。门口的渠很臭，希望管一管。",
            [story.as_str(); 8].join("，")
        );
        let reduced = reduce(&message, &shape());
        assert!(
            reduced.chars().count() <= ANALYSED_CHARACTERS + 12,
            "{reduced}"
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
        assert_eq!(reduced.chars().count(), ANALYSED_CHARACTERS + 1);
        assert!(reduced.starts_with("路边有人烧垃圾"));
    }
}
