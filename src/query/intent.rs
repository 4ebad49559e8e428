//! Stage 8, intent: whether the message asks to get (or asks about) something or reports its
//! abuse, by the words of `corpus/lexicon/intents.txt`; a message with words of both, or
//! neither, has none.

use super::plan::Intent;
use crate::lexicon::Intents;

/// The intent of `normalized`, if its words say one.
pub fn intent(normalized: &str, intents: &Intents) -> Option<Intent> {
    match (
        intents.apply.any_in(normalized),
        intents.report.any_in(normalized),
    ) {
        (true, false) => Some(Intent::Apply),
        (false, true) => Some(Intent::Report),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Phrases;

    #[test]
    fn applying_and_reporting_are_told_apart() {
        let intents = Intents {
            apply: Phrases::new(vec!["申请".into()]),
            report: Phrases::new(vec!["冒领".into()]),
            ..Intents::default()
        };
        assert_eq!(intent("高龄津贴怎么申请", &intents), Some(Intent::Apply));
        assert_eq!(intent("有人冒领高龄津贴", &intents), Some(Intent::Report));
        assert_eq!(intent("冒领的人又去申请", &intents), None);
        assert_eq!(intent("高龄津贴", &intents), None);
    }
}
