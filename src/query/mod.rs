//! Query analysis as a pipeline, one stage per module:
//! segment → drop filler → expand synonyms → pinyin fallback → recognise departments.
//! The result is a [`QueryPlan`] of concepts that the search module turns into tantivy queries.

mod department;
mod expand;
mod filler;
mod pinyin;
mod plan;
mod segment;
mod vocabulary;

use std::sync::Arc;

pub use plan::{AltKind, Alternative, Concept, Expansion, Interpretation, QueryPlan};
pub use vocabulary::Vocabulary;

use crate::analysis::Segmenter;
use crate::lexicon::Lexicon;

/// Runs the pipeline with the engine's segmenter, lexicon and vocabulary.
pub struct QueryAnalyzer {
    segmenter: Arc<Segmenter>,
    lexicon: Lexicon,
    vocabulary: Vocabulary,
}

impl QueryAnalyzer {
    /// An analyzer over the given parts (all shared with the index that will be searched).
    pub fn new(segmenter: Arc<Segmenter>, lexicon: Lexicon, vocabulary: Vocabulary) -> Self {
        QueryAnalyzer {
            segmenter,
            lexicon,
            vocabulary,
        }
    }

    /// The words the index knows.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// Analyses one query.
    pub fn analyze(&self, query: &str) -> QueryPlan {
        let (normalized, words) = segment::segment(&self.segmenter, query);
        let words = filler::drop_filler(words, &self.lexicon.stopwords);
        let concepts = expand::expand(
            &normalized,
            &words,
            &self.lexicon.synonyms,
            &self.vocabulary,
            &self.segmenter,
        );
        let mut concepts = pinyin::fallback(
            concepts,
            &self.vocabulary,
            &self.lexicon.synonyms,
            &self.segmenter,
        );
        department::recognize(&mut concepts, &self.vocabulary);
        QueryPlan {
            normalized,
            concepts,
        }
    }
}
