//! Query analysis as a pipeline, one stage per module:
//! reduce a very long message → segment → read the clauses → drop filler → expand synonyms →
//! pinyin fallback → recognise departments → mark topics outside the lists → weigh words by
//! role → read the intent.
//! The result is a [`QueryPlan`] of concepts that the search module turns into tantivy queries.

mod clauses;
mod department;
mod expand;
mod filler;
mod intent;
mod pinyin;
mod plan;
mod reduce;
mod scope;
mod segment;
mod vocabulary;
mod weigh;

use std::sync::Arc;

pub use plan::{AltKind, Alternative, Concept, Expansion, Intent, Interpretation, QueryPlan, Role};
pub use vocabulary::Vocabulary;

use crate::analysis::Segmenter;
use crate::lexicon::Lexicon;

/// From this count in jieba's dictionary a word is everyday Chinese (服务 13,036, 中心
/// 23,969; 安全 9,921 and 登记 1,810 are not): too common to be worth marking.
pub const GENERIC_FREQUENCY: usize = 10_000;

/// Runs the pipeline with the engine's segmenter, lexicon and vocabulary.
pub struct QueryAnalyzer {
    segmenter: Arc<Segmenter>,
    terms: expand::AnalysedTerms,
    lexicon: Lexicon,
    vocabulary: Vocabulary,
}

impl QueryAnalyzer {
    /// An analyzer over the given parts (all shared with the index that will be searched).
    pub fn new(segmenter: Arc<Segmenter>, lexicon: Lexicon, vocabulary: Vocabulary) -> Self {
        QueryAnalyzer {
            terms: expand::AnalysedTerms::new(Arc::clone(&segmenter), &lexicon.synonyms),
            segmenter,
            lexicon,
            vocabulary,
        }
    }

    /// The words the index knows.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// Whether `word` says too little to be marked in a hit: a stopword, or a word general
    /// Chinese uses at least [`GENERIC_FREQUENCY`] times in jieba's dictionary (服务, 中心).
    pub fn is_generic(&self, word: &str) -> bool {
        self.lexicon.stopwords.contains(word)
            || self.segmenter.general_frequency(word) >= GENERIC_FREQUENCY
    }

    /// Analyses one query.
    pub fn analyze(&self, query: &str) -> QueryPlan {
        let query = reduce::reduce(query, &self.lexicon.letter);
        let (normalized, words) = segment::segment(&self.segmenter, &query);
        let clauses = clauses::Clauses::read(&normalized, &self.lexicon.letter);
        let words = clauses.keep_once(filler::drop_filler(words, &self.lexicon.stopwords));
        let synonyms = self.lexicon.synonyms.find(&normalized);
        let concepts = expand::expand(&words, &synonyms, &self.vocabulary, &self.terms);
        let mut concepts = pinyin::fallback(
            concepts,
            &self.vocabulary,
            &self.lexicon.synonyms,
            &self.terms,
        );
        department::recognize(&mut concepts, &self.vocabulary);
        scope::mark_outside(&mut concepts, &normalized, &self.lexicon.scope, &synonyms);
        weigh::weigh(
            &mut concepts,
            &normalized,
            &clauses,
            &self.lexicon.letter,
            &self.segmenter,
            &self.vocabulary,
        );
        let intent = intent::intent(&normalized, &self.lexicon.intents);
        QueryPlan {
            normalized,
            concepts,
            intent,
            letter: clauses.is_letter(),
        }
    }
}
