//! Stage 6, topics outside the lists: a word of `corpus/lexicon/scope.txt` found in the message
//! (公交线路, 宽带) becomes an off-topic concept that no item can match, replacing the words
//! inside it, so the message's coverage by any item shows what it is really about. A topic word
//! inside a longer lexicon term (快递 in 冒充快递, a fraud) is that term's, not a topic.

use super::plan::{Concept, Role};
use crate::lexicon::{Phrases, SynonymMatch};

/// Adds an off-topic concept for every outside topic found in `normalized`, in query order,
/// but for one that lies inside a longer synonym term found there (`synonyms`).
pub fn mark_outside(
    concepts: &mut Vec<Concept>,
    normalized: &str,
    outside: &Phrases,
    synonyms: &[SynonymMatch],
) {
    let found: Vec<(usize, usize, &str)> = outside
        .find(normalized)
        .into_iter()
        .filter(|&(start, end, _)| {
            !synonyms.iter().any(|term| {
                term.start <= start && end <= term.end && term.end - term.start > end - start
            })
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_topics_replace_the_words_inside_them() {
        let text = "宽带断网，路灯坏了";
        let mut concepts = vec![
            Concept::new("宽带", 0, Vec::new()),
            Concept::new("路灯", text.find("路灯").unwrap(), Vec::new()),
        ];
        mark_outside(&mut concepts, text, &Phrases::new(vec!["宽带".into()]), &[]);
        let labels: Vec<(&str, Role)> = concepts
            .iter()
            .map(|c| (c.label.as_str(), c.role))
            .collect();
        assert_eq!(labels, [("宽带", Role::OffTopic), ("路灯", Role::Matter)]);
    }

    #[test]
    fn a_topic_word_inside_a_longer_lexicon_term_is_not_a_topic() {
        let text = "有人冒充快递打电话";
        let start = text.find("冒充").unwrap();
        let term = SynonymMatch {
            trigger: "冒充快递",
            start,
            end: start + "冒充快递".len(),
            targets: &[],
        };
        let mut concepts = vec![Concept::new("冒充快递", start, Vec::new())];
        mark_outside(
            &mut concepts,
            text,
            &Phrases::new(vec!["快递".into()]),
            &[term],
        );
        let labels: Vec<(&str, Role)> = concepts
            .iter()
            .map(|c| (c.label.as_str(), c.role))
            .collect();
        assert_eq!(labels, [("冒充快递", Role::Matter)]);
    }
}
