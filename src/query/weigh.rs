//! Stage 7, weighing a message's words by where they stand: each concept gets its [`Role`]
//! (the matter, the story around it, the writer's introduction or setting, a name or number)
//! and its importance is scaled by [`role_weight`]. A word bridged by the synonym lexicon is a
//! word of some duty's matter, so it is never read as a name or a setting; and when nothing but
//! names and setting words would match, they count fully (a message about its 小区 alone).

use std::collections::HashMap;

use super::clauses::{ClauseKind, Clauses};
use super::plan::{AltKind, Concept, Role};
use super::vocabulary::Vocabulary;
use crate::analysis::Segmenter;
use crate::lexicon::LetterShape;
use crate::tuning::{key_weight, role_weight, MAX_CONCEPTS};

/// jieba's tags of places, persons, times, numbers and measure words.
const NAME_TAGS: [&str; 9] = ["ns", "nr", "nrt", "nrfg", "t", "tg", "m", "mq", "q"];

/// jieba's tags of function words: pronouns, adverbs, prepositions, conjunctions, particles,
/// modal words, interjections, onomatopoeia and directions.
const FUNCTION_TAGS: [&str; 15] = [
    "r", "d", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "y", "e", "o", "f",
];

/// Whether a word of this tag is a name: places, persons, times, numbers. jieba's dictionary
/// tags some common nouns as names (幼儿园 as a person's), so a word the lists use is a person
/// only never, and a place only when it ends like one (金星镇, 利通区).
fn is_name_tag(tag: &str, word: &str, known: bool) -> bool {
    if !NAME_TAGS.contains(&tag) {
        return false;
    }
    match tag {
        "nr" | "nrt" | "nrfg" => !known,
        "ns" => !known || word.ends_with(PLACE_ENDINGS),
        _ => true,
    }
}

/// How place names end.
const PLACE_ENDINGS: [char; 7] = ['省', '市', '县', '区', '镇', '乡', '村'];

/// Whether the text right after `concept` in `normalized` begins with a locative word: then the
/// concept names a place (农贸市场 in 农贸市场东门口).
fn names_a_place(concept: &Concept, normalized: &str, shape: &LetterShape) -> bool {
    normalized
        .get(concept.start + concept.label.len()..)
        .is_some_and(|rest| shape.locative.starts(rest))
}

/// A letter names its matter in the story and points back to it where it asks (这些狗谁来处理
/// after 一群野狗, 这个厂 after 塑料加工厂): a story's word that ends with a noun of the matter
/// is the matter.
fn refer_back(concepts: &mut [Concept]) {
    let pointed: Vec<String> = concepts
        .iter()
        .filter(|c| c.role == Role::Matter && c.tag.starts_with('n'))
        .map(|c| c.label.clone())
        .collect();
    for concept in concepts.iter_mut() {
        if concept.role == Role::Background
            && !concept.alternatives.is_empty()
            && pointed
                .iter()
                .any(|p| concept.label.len() > p.len() && concept.label.ends_with(p.as_str()))
        {
            concept.role = Role::Matter;
        }
    }
}

/// Gives every concept (but off-topic ones, already placed) its role and scales its importance;
/// a word said again is one concept, at its most important place; a message of more than
/// [`MAX_CONCEPTS`] keeps its most important ones.
pub fn weigh(
    concepts: &mut Vec<Concept>,
    normalized: &str,
    clauses: &Clauses,
    shape: &LetterShape,
    segmenter: &Segmenter,
    vocabulary: &Vocabulary,
) {
    let known = |word: &str| vocabulary.contains(word);
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
        let name = clauses.is_letter() && names_a_place(concept, normalized, shape)
            || !bridged
                && (is_name_tag(&concept.tag, &concept.label, known(&concept.label))
                    || shape.placeholder.has(&concept.label)
                    || shape
                        .placeholder
                        .words()
                        .iter()
                        .any(|p| p.chars().count() > 1 && concept.label.contains(p.as_str()))
                    || (previous_is_name && shape.address.has(&concept.label)));
        concept.role = if concept.role == Role::Setting {
            Role::Setting
        } else if name {
            Role::Name
        } else if !bridged && shape.setting.has(&concept.label) {
            Role::Setting
        } else if !bridged && shape.request.has(&concept.label) {
            Role::Request
        } else if !bridged && FUNCTION_TAGS.contains(&concept.tag.as_str()) {
            Role::Function
        } else {
            match clauses.kind_at(concept.start) {
                ClauseKind::Matter => Role::Matter,
                ClauseKind::Background => Role::Background,
                ClauseKind::Introduction => Role::Introduction,
            }
        };
        previous_is_name = name;
    }
    refer_back(concepts);
    let something_else = concepts.iter().any(|concept| {
        matches!(concept.role, Role::Matter | Role::Background) && !concept.alternatives.is_empty()
    });
    for concept in concepts.iter_mut() {
        if !something_else && concept.role != Role::OffTopic {
            concept.role = Role::Matter;
        }
        concept.importance *= role_weight(concept.role);
        if clauses.is_letter() && concept.role != Role::OffTopic {
            concept.importance *= key_weight(segmenter.general_frequency(&concept.label));
        }
    }
    let mut merged: Vec<Concept> = Vec::with_capacity(concepts.len());
    let mut at: HashMap<String, usize> = HashMap::with_capacity(concepts.len());
    for concept in concepts.drain(..) {
        match at.get(&concept.label) {
            Some(&index) => {
                let known = &mut merged[index];
                if known.importance < concept.importance {
                    (known.importance, known.role) = (concept.importance, concept.role);
                }
            }
            None => {
                at.insert(concept.label.clone(), merged.len());
                merged.push(concept);
            }
        }
    }
    if merged.len() > MAX_CONCEPTS {
        let mut by_importance: Vec<usize> = (0..merged.len()).collect();
        by_importance.sort_by(|a, b| merged[*b].importance.total_cmp(&merged[*a].importance));
        let mut keep = vec![false; merged.len()];
        for &index in &by_importance[..MAX_CONCEPTS] {
            keep[index] = true;
        }
        let mut index = 0;
        merged.retain(|_| {
            index += 1;
            keep[index - 1]
        });
    }
    *concepts = merged;
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
            locative: words(&["门口"]),
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

    /// Weighs `concepts` of `text` with [`shape`] and no vocabulary.
    fn weighed(text: &str, concepts: &mut Vec<Concept>) {
        let segmenter = Segmenter::new([]);
        let clauses = Clauses::read(text, &shape());
        weigh(
            concepts,
            text,
            &clauses,
            &shape(),
            &segmenter,
            &Vocabulary::default(),
        );
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
        weighed(text, &mut concepts);
        let roles: Vec<Role> = concepts.iter().map(|c| c.role).collect();
        assert_eq!(concepts.len(), 7, "no word is said twice");
        use Role::*;
        assert_eq!(
            roles,
            [Introduction, Name, Name, Name, Setting, Background, Matter]
        );
        let importance: Vec<f32> = concepts.iter().map(|c| c.importance).collect();
        assert!(
            importance[6] > importance[5],
            "the matter over the story: {importance:?}"
        );
        assert!(importance[5] > importance[4] && importance[4] > importance[1]);
    }

    #[test]
    fn function_words_weigh_little_and_repeats_merge_at_their_best() {
        let text = "就这样，臭得很，又臭又脏";
        let literal = Some(AltKind::Literal);
        let mut concepts = vec![
            concept(text, "就", "d", literal),
            concept(text, "臭", "a", literal),
            Concept {
                tag: "a".into(),
                ..Concept::new("臭", text.rfind("臭").unwrap(), Vec::new())
            },
        ];
        weighed(text, &mut concepts);
        assert_eq!(concepts.len(), 2);
        assert_eq!(concepts[0].role, Role::Function);
        assert_eq!(concepts[1].role, Role::Matter);
        assert!(concepts[1].importance > 5.0 * concepts[0].importance);
    }

    #[test]
    fn setting_words_count_fully_when_nothing_else_matches() {
        let text = "小区的事";
        let mut concepts = vec![
            concept(text, "小区", "n", Some(AltKind::Literal)),
            concept(text, "事", "n", None),
        ];
        weighed(text, &mut concepts);
        assert_eq!(concepts[0].role, Role::Matter);
        assert_eq!(concepts[0].importance, 1.0);
    }

    #[test]
    fn a_story_word_the_matter_points_back_to_is_the_matter() {
        let text = "去年来了一群野狗，前天又来了，这些狗臭得很";
        let literal = Some(AltKind::Literal);
        let mut concepts = vec![
            concept(text, "野狗", "n", literal),
            concept(text, "前天", "t", literal),
            Concept {
                tag: "n".into(),
                ..Concept::new("狗", text.rfind("狗").unwrap(), Vec::new())
            },
        ];
        weighed(text, &mut concepts);
        assert_eq!(concepts[2].role, Role::Matter);
        assert_eq!(
            concepts[0].role,
            Role::Matter,
            "野狗, pointed back to by 这些狗"
        );
        assert_eq!(concepts[1].role, Role::Name);
        let mut unpointed = vec![
            concept(text, "野狗", "n", literal),
            concept(text, "前天", "t", literal),
        ];
        weighed(text, &mut unpointed);
        assert_eq!(
            unpointed[0].role,
            Role::Background,
            "no word of the matter names it"
        );
    }
}
