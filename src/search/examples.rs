//! What the items' example phrasings (residents' words staff confirmed an item covers) add to
//! a query's candidates: a candidate gains by its phrasing most like the query, the weighted
//! share of the query's concepts that one phrasing holds, so a message like a confirmed one
//! finds its item while a message sharing a word or two with the many phrasings of an item
//! gains little. The gain is a share of the best candidate's own score
//! ([`EXAMPLES_BOOST`] × share^[`EXAMPLES_SHARE_EXPONENT`]); it never makes an item a
//! candidate (an item must match the query in its own texts) and never counts as evidence, so
//! an example cannot answer a query the lists do not.

use std::collections::{BTreeSet, HashMap, HashSet};

use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, DocSet, Searcher, TantivyDocument, TERMINATED};

use crate::analysis::Segmenter;
use crate::index::DutySchema;
use crate::query::{AltKind, Concept};
use crate::tuning::{EXAMPLES_BOOST, EXAMPLES_SHARE_EXPONENT};

/// Per item that has example phrasings, the words of each (as the index analyses them).
#[derive(Debug, Default)]
pub struct LearnedExamples {
    by_doc: HashMap<DocAddress, Vec<HashSet<String>>>,
}

/// One phrasing's words.
type Words = HashSet<String>;

impl LearnedExamples {
    /// Reads the example phrasings of every item that has any: the documents the `examples`
    /// field's terms are on, and their stored phrasings, analysed by `segmenter`.
    pub fn read(
        searcher: &Searcher,
        schema: &DutySchema,
        segmenter: &Segmenter,
    ) -> tantivy::Result<LearnedExamples> {
        let mut by_doc = HashMap::new();
        for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
            let inverted = reader.inverted_index(schema.examples)?;
            let mut docs = BTreeSet::new();
            let mut terms = inverted.terms().stream()?;
            while terms.advance() {
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
                while postings.doc() != TERMINATED {
                    docs.insert(postings.doc());
                    postings.advance();
                }
            }
            for doc in docs {
                let address = DocAddress::new(ordinal as u32, doc);
                let stored: TantivyDocument = searcher.doc(address)?;
                let phrasings = stored
                    .get_all(schema.examples)
                    .filter_map(|value| value.as_str())
                    .map(|text| words(segmenter, text))
                    .collect();
                by_doc.insert(address, phrasings);
            }
        }
        Ok(LearnedExamples { by_doc })
    }

    /// Whether no item has a phrasing.
    pub fn is_empty(&self) -> bool {
        self.by_doc.is_empty()
    }

    /// The bonus of the query of `concepts` whose best candidate scored `best` by its own texts:
    /// `weight[i]` is concept `i`'s weight by the items' own texts (0 for a concept none
    /// matched), and `num_docs` the items of the index. `None` when no item has a phrasing.
    pub fn bonus(
        &self,
        concepts: &[Concept],
        weight: &[f32],
        num_docs: u64,
        best: f32,
    ) -> Option<ExampleBonus> {
        if self.is_empty() {
            return None;
        }
        let words: Vec<Vec<Vec<String>>> = concepts.iter().map(concept_words).collect();
        // A concept the lists do not name (a resident's own word) weighs by how few items'
        // phrasings hold it.
        let weights = words
            .iter()
            .zip(concepts.iter().zip(weight))
            .map(|(alternatives, (concept, &weight))| {
                if weight > 0.0 {
                    return weight;
                }
                let holding = self
                    .by_doc
                    .values()
                    .filter(|phrasings| phrasings.iter().any(|p| holds(p, alternatives)))
                    .count();
                if holding == 0 {
                    0.0
                } else {
                    concept.importance * (1.0 + num_docs as f32 / holding as f32).ln()
                }
            })
            .collect();
        Some(ExampleBonus {
            words,
            weights,
            best,
        })
    }

    /// The weighted share of the concepts that the item at `address`'s phrasing most like the
    /// query holds (0 when it has none).
    fn best_share(&self, address: DocAddress, bonus: &ExampleBonus) -> f32 {
        let total: f32 = bonus.weights.iter().sum();
        let Some(phrasings) = self.by_doc.get(&address) else {
            return 0.0;
        };
        if total <= 0.0 {
            return 0.0;
        }
        phrasings
            .iter()
            .map(|phrasing| {
                bonus
                    .words
                    .iter()
                    .zip(&bonus.weights)
                    .filter(|(alternatives, _)| holds(phrasing, alternatives))
                    .map(|(_, weight)| weight)
                    .sum::<f32>()
                    / total
            })
            .fold(0.0, f32::max)
    }
}

/// How one query's candidates gain by their phrasings.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleBonus {
    /// Per concept, the word lists that match it: its typed word and each alternative's words
    /// (but bigrams and departments).
    words: Vec<Vec<Vec<String>>>,
    /// Per concept, its weight in the share a phrasing holds.
    weights: Vec<f32>,
    /// The best candidate's score by its own texts.
    best: f32,
}

impl ExampleBonus {
    /// What the item at `address` gains by its phrasings, read from `learned`.
    pub fn of(&self, learned: &LearnedExamples, address: DocAddress) -> f32 {
        let share = learned.best_share(address, self);
        EXAMPLES_BOOST * share.powi(EXAMPLES_SHARE_EXPONENT) * self.best
    }
}

/// Whether `phrasing` holds every word of one of `alternatives`.
fn holds(phrasing: &Words, alternatives: &[Vec<String>]) -> bool {
    alternatives
        .iter()
        .any(|words| !words.is_empty() && words.iter().all(|word| phrasing.contains(word)))
}

/// The word lists that match `concept` in a phrasing: its typed word, and the words of each
/// of its alternatives but bigrams and departments.
fn concept_words(concept: &Concept) -> Vec<Vec<String>> {
    let mut lists = vec![vec![concept.label.clone()]];
    for alternative in &concept.alternatives {
        if !matches!(alternative.kind, AltKind::Ngram | AltKind::Department)
            && !lists.contains(&alternative.tokens)
        {
            lists.push(alternative.tokens.clone());
        }
    }
    lists
}

/// A phrasing's words as the index's tokenizer makes them: each word and its parts.
fn words(segmenter: &Segmenter, text: &str) -> Words {
    let (_, words) = segmenter.words(text);
    let mut set = HashSet::new();
    for word in words {
        set.extend(word.parts.into_iter().map(|part| part.text));
        set.insert(word.text);
    }
    set
}
