//! Stage 7, weighing a message's words by where they stand: each concept gets its [`Role`]
//! (the matter, the story around it, the writer's introduction or setting, a name or number)
//! and its importance is scaled by [`role_weight`]. A word bridged by the synonym lexicon is a
//! word of some duty's matter, so it is never read as a name or a setting; and when nothing but
//! names and setting words would match, they count fully (a message about its 小区 alone).

use super::clauses::{ClauseKind, Clauses};
use super::plan::{AltKind, Concept, Role};
use crate::lexicon::LetterShape;
use crate::tuning::role_weight;

/// jieba's tags of places, persons, times, numbers and measure words.
const NAME_TAGS: [&str; 9] = ["ns", "nr", "nrt", "nrfg", "t", "tg", "m", "mq", "q"];

/// Gives every concept (but off-topic ones, already placed) its role and scales its importance.
pub fn weigh(concepts: &mut [Concept], clauses: &Clauses, shape: &LetterShape) {
    let mut previous_is_name = false;
    for concept in concepts.iter_mut() {
        if concept.role == Role::OffTopic {
            previous_is_name = false;
            continue;
        }
        let bridged = concept
            .alternatives
            .iter()
            .any(|alt| alt.kind == AltKind::Synonym);
        let name = !bridged
            && (NAME_TAGS.contains(&concept.tag.as_str())
                || shape.placeholder.has(&concept.label)
                || shape.placeholder.words().iter().any(|p| {
                    p.chars().count() > 1 && concept.label.contains(p.as_str())
                })
                || (previous_is_name && shape.address.has(&concept.label)));
        concept.role = if concept.role == Role::Setting {
            Role::Setting
        } else if name {
            Role::Name
        } else if !bridged && shape.setting.has(&concept.label) {
            Role::Setting
        } else {
            match clauses.kind_at(concept.start) {
                ClauseKind::Matter => Role::Matter,
                ClauseKind::Background => Role::Background,
                ClauseKind::Introduction => Role::Introduction,
            }
        };
        previous_is_name = name;
    }
    let something_else = concepts.iter().any(|concept| {
        matches!(concept.role, Role::Matter | Role::Background) && !concept.alternatives.is_empty()
    });
    for concept in concepts.iter_mut() {
        if !something_else && concept.role != Role::OffTopic {
            concept.role = Role::Matter;
        }
        concept.importance *= role_weight(concept.role);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Phrases;
    use crate::query::Alternative;

    fn shape() -> LetterShape {
        let words = |list: &[&str]| Phrases::new(list.iter().map(|w| w.to_string()).collect());
        LetterShape {
            harm: words(&["臭"]),
            intro: words(&["我是"]),
            setting: words(&["小区"]),
            address: words(&["组"]),
            placeholder: words(&["xx"]),
            ..LetterShape::default()
        }
    }

    fn concept(text: &str, label: &str, tag: &str, kind: Option<AltKind>) -> Concept {
        let alternatives = kind
            .map(|kind| Alternative {
                text: label.into(),
                tokens: vec![label.into()],
                kind,
            })
            .into_iter()
            .collect();
        Concept {
            tag: tag.into(),
            ..Concept::new(label, text.find(label).unwrap(), alternatives)
        }
    }

    #[test]
    fn words_are_weighed_by_clause_name_and_setting() {
        let text = "我是xx村三组村民，去年小区建了养猪场，臭得很";
        let literal = Some(AltKind::Literal);
        let mut concepts = vec![
            concept(text, "村民", "n", literal),
            concept(text, "三组", "m", literal),
            concept(text, "组", "n", literal),
            concept(text, "去年", "t", literal),
            concept(text, "小区", "n", literal),
            concept(text, "养猪场", "n", Some(AltKind::Synonym)),
            concept(text, "臭", "a", literal),
        ];
        concepts[2].start = text.find("三组").unwrap() + "三".len();
        weigh(&mut concepts, &Clauses::read(text, &shape()), &shape());
        let roles: Vec<Role> = concepts.iter().map(|c| c.role).collect();
        use Role::*;
        assert_eq!(
            roles,
            [Introduction, Name, Name, Name, Setting, Background, Matter]
        );
        assert_eq!(concepts[6].importance, 1.0);
        assert!(concepts[5].importance < 1.0 && concepts[0].importance < concepts[5].importance);
    }

    #[test]
    fn setting_words_count_fully_when_nothing_else_matches() {
        let text = "小区的事";
        let mut concepts = vec![
            concept(text, "小区", "n", Some(AltKind::Literal)),
            concept(text, "事", "n", None),
        ];
        weigh(&mut concepts, &Clauses::read(text, &shape()), &shape());
        assert_eq!(concepts[0].role, Role::Matter);
        assert_eq!(concepts[0].importance, 1.0);
    }
}
