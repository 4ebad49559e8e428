//! BM25 as tantivy's term scorer computes it (k1 = 1.2, the same idf and the same length cache
//! over tantivy's field-length codes), but with the length normalization `b` chosen per field
//! ([`crate::tuning::length_normalization`]): a basic item's title is its whole duty text, so
//! its length says little about how much it is about a word.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;

/// BM25's term-frequency saturation, as tantivy's.
const K1: f32 = 1.2;

/// One term's BM25 weight in one field.
#[derive(Clone)]
pub struct Bm25 {
    weight: f32,
    cache: Arc<[f32; 256]>,
}

impl Bm25 {
    /// The weight of a term found in `doc_freq` of `docs` documents, in a field whose values
    /// average `average_length` tokens and whose length counts as much as `b` (0–1).
    pub fn new(doc_freq: u64, docs: u64, average_length: f32, b: f32) -> Bm25 {
        let x = ((docs - doc_freq.min(docs)) as f32 + 0.5) / (doc_freq as f32 + 0.5);
        let idf = (1.0 + x).ln();
        let mut cache = [0.0; 256];
        for (id, slot) in cache.iter_mut().enumerate() {
            let length = FieldNormReader::id_to_fieldnorm(id as u8) as f32;
            *slot = K1 * (1.0 - b + b * length / average_length);
        }
        Bm25 {
            weight: idf * (1.0 + K1),
            cache: Arc::new(cache),
        }
    }

    /// The score of a document whose field length code is `length_id` and where the term occurs
    /// `term_freq` times.
    pub fn score(&self, length_id: u8, term_freq: u32) -> f32 {
        let term_freq = term_freq as f32;
        self.weight * term_freq / (term_freq + self.cache[length_id as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::query::Bm25Weight;

    #[test]
    fn with_tantivys_b_it_scores_as_tantivy() {
        let ours = Bm25::new(3, 261, 17.5, 0.75);
        let tantivy = Bm25Weight::for_one_term_without_explain(3, 261, 17.5);
        for (length, freq) in [(0u8, 1u32), (10, 1), (40, 2), (200, 3), (255, 7)] {
            assert!((ours.score(length, freq) - tantivy.score(length, freq)).abs() < 1e-5);
        }
    }

    #[test]
    fn less_length_normalization_favours_long_fields_less_harshly() {
        let (full, light) = (Bm25::new(3, 261, 17.5, 0.75), Bm25::new(3, 261, 17.5, 0.25));
        let long = FieldNormReader::fieldnorm_to_id(80);
        let short = FieldNormReader::fieldnorm_to_id(8);
        let ratio = |bm25: &Bm25| bm25.score(short, 1) / bm25.score(long, 1);
        assert!(ratio(&full) > ratio(&light) && ratio(&light) > 1.0);
    }
}
