//! Stage 6, topics outside the lists: a word of `corpus/lexicon/scope.txt` found in the message
//! (公交线路, 宽带) becomes an off-topic concept that no item can match, replacing the words
//! inside it, so the message's coverage by any item shows what it is really about. A topic word
//! inside a longer lexicon term (快递 in 冒充快递, a fraud) is that term's, not a topic.

use super::plan::{AltKind, Concept, Role};
use crate::lexicon::Phrases;

/// Adds an off-topic concept for every outside topic found in `normalized`, in query order,
/// but for one that lies inside a longer synonym term found there.
pub fn mark_outside(concepts: &mut Vec<Concept>, normalized: &str, outside: &Phrases) {
    let found: Vec<(usize, usize, &str)> = outside
        .find(normalized)
        .into_iter()
        .filter(|(start, end, _)| !inside_a_longer_term(concepts, *start, *end))
        .collect();
    if found.is_empty() {
        return;
    }
    concepts.retain(|concept| {
        !found
            .iter()
            .any(|(start, end, _)| *start <= concept.start && concept.start < *end)
    });
    for (start, _, word) in found {
        concepts.push(Concept {
            role: Role::OffTopic,
            ..Concept::new(word, start, Vec::new())
        });
    }
    concepts.sort_by_key(|concept| concept.start);
}

/// Whether bytes `start..end` lie inside a longer term of the synonym lexicon among `concepts`.
fn inside_a_longer_term(concepts: &[Concept], start: usize, end: usize) -> bool {
    concepts.iter().any(|concept| {
        let concept_end = concept.start + concept.label.len();
        concept.start <= start
            && end <= concept_end
            && concept.label.len() > end - start
            && concept
                .alternatives
                .iter()
                .any(|alt| alt.kind == AltKind::Synonym)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::plan::Alternative;

    #[test]
    fn outside_topics_replace_the_words_inside_them() {
        let text = "宽带断网，路灯坏了";
        let mut concepts = vec![
            Concept::new("宽带", 0, Vec::new()),
            Concept::new("路灯", text.find("路灯").unwrap(), Vec::new()),
        ];
        mark_outside(&mut concepts, text, &Phrases::new(vec!["宽带".into()]));
        let labels: Vec<(&str, Role)> = concepts
            .iter()
            .map(|c| (c.label.as_str(), c.role))
            .collect();
        assert_eq!(labels, [("宽带", Role::OffTopic), ("路灯", Role::Matter)]);
    }

    #[test]
    fn a_topic_word_inside_a_longer_lexicon_term_is_not_a_topic() {
        let text = "有人冒充快递打电话";
        let fraud = Alternative {
            text: "电信网络诈骗".into(),
            tokens: vec!["电信网络诈骗".into()],
            kind: AltKind::Synonym,
        };
        let mut concepts = vec![Concept::new(
            "冒充快递",
            text.find("冒充").unwrap(),
            vec![fraud],
        )];
        mark_outside(&mut concepts, text, &Phrases::new(vec!["快递".into()]));
        let labels: Vec<(&str, Role)> = concepts
            .iter()
            .map(|c| (c.label.as_str(), c.role))
            .collect();
        assert_eq!(labels, [("冒充快递", Role::Matter)]);
    }
}
