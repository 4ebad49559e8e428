//! Stage 8, intent: whether the message asks to get something, reports its abuse, or only
//! asks about it, by the words of `corpus/lexicon/intents.txt` and the harm words of
//! `letter.txt`. A message with apply and report words both has none; so has a complaint (it
//! names a harm, but no abuse of a benefit).

use super::plan::Intent;
use crate::lexicon::{Intents, Phrases};

/// The intent of `normalized`, if its words say one; `harm` are the words of a complaint.
pub fn intent(normalized: &str, intents: &Intents, harm: &Phrases) -> Option<Intent> {
    match (
        intents.apply.any_in(normalized),
        intents.report.any_in(normalized),
    ) {
        (true, false) => Some(Intent::Apply),
        (false, true) => Some(Intent::Report),
        (false, false) if !harm.any_in(normalized) => Some(Intent::Ask),
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
        let harm = Phrases::new(vec!["臭".into()]);
        assert_eq!(intent("高龄津贴怎么申请", &intents, &harm), Some(Intent::Apply));
        assert_eq!(intent("有人冒领高龄津贴", &intents, &harm), Some(Intent::Report));
        assert_eq!(intent("冒领的人又去申请", &intents, &harm), None);
        assert_eq!(intent("高龄津贴", &intents, &harm), Some(Intent::Ask));
        assert_eq!(intent("养猪场臭", &intents, &harm), None);
    }
}
