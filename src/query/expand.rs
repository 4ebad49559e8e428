//! Stage 3, expansion: words become concepts; colloquial terms and abbreviations found by the
//! synonym lexicon become concepts whose alternatives are the lists' terms.

use std::collections::HashMap;
use std::sync::Arc;

use crate::analysis::{Segmenter, Word};
use crate::lexicon::{SynonymMatch, Synonyms};

use super::plan::{AltKind, Alternative, Concept};
use super::vocabulary::Vocabulary;
use crate::tuning::SINGLE_CHARACTER_IMPORTANCE;

/// Builds the query's concepts from its words and the synonym terms found in it (`matches`, from
/// [`Synonyms::find`] over the normalized query), in query order.
pub fn expand(
    words: &[Word],
    matches: &[SynonymMatch],
    vocabulary: &Vocabulary,
    terms: &AnalysedTerms,
) -> Vec<Concept> {
    let mut placed: Vec<(usize, Concept)> = Vec::new();
    for found in matches {
        let mut alternatives = Vec::new();
        if vocabulary.contains(found.trigger) {
            alternatives.push(terms.alternative(found.trigger, AltKind::Literal));
        }
        for target in found.targets {
            alternatives.push(terms.alternative(target, AltKind::Synonym));
        }
        placed.push((
            found.start,
            Concept::new(found.trigger, found.start, alternatives),
        ));
    }
    for word in words {
        let overlapping = matches
            .iter()
            .find(|m| word.start < m.end && m.start < word.end);
        if let Some(found) = overlapping {
            let inside = found.start <= word.start && word.end <= found.end;
            if inside || !vocabulary.contains(&word.text) {
                continue;
            }
        }
        placed.push((word.start, word_concept(word, vocabulary)));
    }
    placed.sort_by_key(|(start, _)| *start);
    placed.into_iter().map(|(_, concept)| concept).collect()
}

/// A concept for a typed word: the word itself if the index knows it, and its known parts.
fn word_concept(word: &Word, vocabulary: &Vocabulary) -> Concept {
    let mut alternatives = Vec::new();
    if vocabulary.contains(&word.text) {
        alternatives.push(Alternative {
            text: word.text.clone(),
            tokens: vec![word.text.clone()],
            kind: AltKind::Literal,
        });
    }
    for part in &word.parts {
        if vocabulary.contains(&part.text) && !alternatives.iter().any(|a| a.text == part.text) {
            alternatives.push(Alternative {
                text: part.text.clone(),
                tokens: vec![part.text.clone()],
                kind: AltKind::Part,
            });
        }
    }
    let single_character = word.text.chars().count() == 1;
    Concept {
        importance: if single_character {
            SINGLE_CHARACTER_IMPORTANCE
        } else {
            1.0
        },
        tag: word.tag.clone(),
        ..Concept::new(word.text.clone(), word.start, alternatives)
    }
}

/// The lexicon's terms (synonym triggers and their list terms), each analysed once when the
/// analyzer is made: a long letter matches a hundred synonym groups, and analysing their list
/// terms again for every query took a large share of a letter's analysis. A word outside the
/// lexicon (one reached by its sound) is analysed when asked for.
pub struct AnalysedTerms {
    segmenter: Arc<Segmenter>,
    tokens: HashMap<String, Vec<String>>,
}

impl AnalysedTerms {
    /// Analyses every term of `synonyms` with `segmenter`, the one queries are cut with.
    pub fn new(segmenter: Arc<Segmenter>, synonyms: &Synonyms) -> AnalysedTerms {
        let tokens = synonyms
            .all_terms()
            .map(|term| (term.to_string(), tokens_of(&segmenter, term)))
            .collect();
        AnalysedTerms { segmenter, tokens }
    }

    /// The segmenter the terms were analysed with.
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// An alternative for a list term, analysed into the words that must all match.
    pub fn alternative(&self, term: &str, kind: AltKind) -> Alternative {
        let tokens = match self.tokens.get(term) {
            Some(tokens) => tokens.clone(),
            None => tokens_of(&self.segmenter, term),
        };
        Alternative {
            text: term.to_string(),
            tokens,
            kind,
        }
    }
}

fn tokens_of(segmenter: &Segmenter, term: &str) -> Vec<String> {
    let (_, words) = segmenter.words(term);
    words.into_iter().map(|word| word.text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colloquial_term_becomes_one_concept_with_list_terms() {
        let segmenter = Segmenter::new(["电瓶车", "电动自行车"]);
        let vocabulary = Vocabulary::from_words(&["电动自行车", "充电", "楼道"], &[]);
        let synonyms = Synonyms::from_text("电瓶车 => 电动自行车\n");
        let (normalized, words) = segmenter.words("楼道里给电瓶车充电");
        let terms = AnalysedTerms::new(Arc::new(segmenter), &synonyms);
        let found = synonyms.find(&normalized);
        let concepts = expand(&words, &found, &vocabulary, &terms);
        let labels: Vec<&str> = concepts.iter().map(|c| c.label.as_str()).collect();
        assert!(
            labels.contains(&"电瓶车") && labels.contains(&"充电"),
            "{labels:?}"
        );
        let ebike = concepts.iter().find(|c| c.label == "电瓶车").unwrap();
        assert_eq!(ebike.alternatives.len(), 1);
        assert_eq!(ebike.alternatives[0].kind, AltKind::Synonym);
        assert_eq!(ebike.alternatives[0].text, "电动自行车");
    }

    #[test]
    fn single_characters_count_less_and_parts_are_alternatives() {
        let segmenter = Segmenter::new(["燃气安全监管"]);
        let vocabulary = Vocabulary::from_words(&["燃气", "监管"], &[]);
        let (_, words) = segmenter.words("燃气安全监管 吃");
        let concepts = expand(
            &words,
            &[],
            &vocabulary,
            &AnalysedTerms::new(Arc::new(segmenter), &Synonyms::default()),
        );
        assert_eq!(concepts[0].alternatives[0].kind, AltKind::Part);
        let eat = concepts.iter().find(|c| c.label == "吃").unwrap();
        assert!(eat.importance < 0.5);
    }
}
