//! The score formula, apart from the postings traversal that feeds it: how an item's raw match
//! score (its concepts' best alternatives summed, plus proximity) becomes its ranking score and
//! its evidence, given how specific each of the query's concepts is.
//!
//! - A concept's weight is its importance × its specificity, ln(1 + items / items it matched).
//! - An item's coverage is the weighted share of concepts it matched, each matched concept
//!   counted by the strength of its evidence (a lexicon term 0.9, a word part 0.4, …).
//! - Its score is raw × coverage^[`COVERAGE_EXPONENT`].
//! - Its evidence, for the abstain rule, sums importance × strength × rarity over its concepts;
//!   rarity is specificity over [`FULL_EVIDENCE_SPECIFICITY`], at most 1, so a word found in a
//!   large share of the lists (工作, 质量) proves little.

use crate::tuning::{COVERAGE_EXPONENT, FULL_EVIDENCE_SPECIFICITY};

/// How much each concept of one query counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptWeights {
    /// Per concept, its importance from query analysis.
    pub importance: Vec<f32>,
    /// Per concept, importance × specificity; 0 for a concept nothing matched.
    pub weight: Vec<f32>,
    /// Per concept, how far a match of it counts as evidence, 0..=1.
    pub rarity: Vec<f32>,
}

/// What the formula makes of one item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// The ranking score.
    pub score: f32,
    /// The weighted share of the query's concepts matched, 0..=1.
    pub coverage: f32,
    /// The evidence the abstain rule reads.
    pub evidence: f32,
}

impl ConceptWeights {
    /// Weights for concepts of `importance` of which `matching[i]` items (out of `num_docs`)
    /// matched concept `i`. A concept nothing matched weighs nothing, unless `off_topic` says
    /// it names a topic outside the lists: it then weighs as a concept of one item, so it
    /// counts against every item's coverage.
    pub fn new(
        importance: &[f32],
        matching: &[usize],
        off_topic: &[bool],
        num_docs: u64,
    ) -> ConceptWeights {
        let specificity: Vec<f32> = matching
            .iter()
            .zip(off_topic.iter().chain(std::iter::repeat(&false)))
            .map(|(&matching, &off_topic)| {
                if matching == 0 && !off_topic {
                    0.0
                } else {
                    (1.0 + num_docs as f32 / matching.max(1) as f32).ln()
                }
            })
            .collect();
        ConceptWeights {
            importance: importance.to_vec(),
            weight: importance
                .iter()
                .zip(&specificity)
                .map(|(importance, specificity)| importance * specificity)
                .collect(),
            rarity: specificity
                .iter()
                .map(|specificity| (specificity / FULL_EVIDENCE_SPECIFICITY).min(1.0))
                .collect(),
        }
    }

    /// The score, coverage and evidence of an item with match score `raw` whose concepts
    /// matched with evidence `strengths` (0 for a concept it did not match).
    pub fn score(&self, raw: f32, strengths: &[f32]) -> Scored {
        let total: f32 = self.weight.iter().sum();
        let matched: f32 = self
            .weight
            .iter()
            .zip(strengths)
            .map(|(weight, strength)| weight * strength)
            .sum();
        let coverage = if total > 0.0 { matched / total } else { 0.0 };
        let evidence = strengths
            .iter()
            .zip(&self.importance)
            .zip(&self.rarity)
            .map(|((strength, importance), rarity)| strength * importance * rarity)
            .sum();
        Scored {
            score: raw * coverage.powi(COVERAGE_EXPONENT),
            coverage,
            evidence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-5
    }

    #[test]
    fn one_concept_fully_matched_keeps_its_raw_score() {
        let weights = ConceptWeights::new(&[1.0], &[3], &[], 100);
        let scored = weights.score(7.5, &[1.0]);
        assert!(close(scored.coverage, 1.0));
        assert!(close(scored.score, 7.5));
        assert!(close(scored.evidence, 1.0), "3 of 100 items is specific");
    }

    #[test]
    fn coverage_is_the_weighted_share_of_concepts_and_squares_into_the_score() {
        // Two concepts matching as many items weigh the same: half the weight matched.
        let weights = ConceptWeights::new(&[1.0, 1.0], &[10, 10], &[], 100);
        let half = weights.score(8.0, &[1.0, 0.0]);
        assert!(close(half.coverage, 0.5));
        assert!(close(half.score, 8.0 * 0.25));
        // The rarer concept weighs more: matching it alone covers more than the common one.
        let weights = ConceptWeights::new(&[1.0, 1.0], &[2, 50], &[], 100);
        let rare = weights.score(1.0, &[1.0, 0.0]).coverage;
        let common = weights.score(1.0, &[0.0, 1.0]).coverage;
        assert!(rare > 0.7 && common < 0.3 && close(rare + common, 1.0));
    }

    #[test]
    fn weak_evidence_counts_for_less_in_coverage_and_evidence() {
        let weights = ConceptWeights::new(&[1.0, 1.0], &[5, 5], &[], 100);
        let strong = weights.score(1.0, &[1.0, 1.0]);
        let part = weights.score(1.0, &[1.0, 0.4]);
        assert!(close(strong.coverage, 1.0));
        assert!(close(part.coverage, 0.7));
        assert!(close(strong.evidence, 2.0) && close(part.evidence, 1.4));
    }

    #[test]
    fn a_common_or_unimportant_concept_proves_little() {
        // In 60 of 100 items: specificity ln(1 + 100/60) ≈ 0.98, half of full evidence.
        let common = ConceptWeights::new(&[1.0], &[60], &[], 100).score(1.0, &[1.0]);
        assert!(
            common.evidence > 0.45 && common.evidence < 0.5,
            "{common:?}"
        );
        // A single character (importance 0.35) counts a third.
        let single = ConceptWeights::new(&[0.35], &[1], &[], 100).score(1.0, &[1.0]);
        assert!(close(single.evidence, 0.35));
    }

    #[test]
    fn concepts_nothing_matched_weigh_nothing() {
        let weights = ConceptWeights::new(&[1.0, 1.0], &[4, 0], &[], 100);
        assert_eq!(weights.weight[1], 0.0);
        let scored = weights.score(2.0, &[1.0, 0.0]);
        assert!(
            close(scored.coverage, 1.0),
            "an unmatchable concept costs no coverage"
        );
        assert_eq!(
            ConceptWeights::new(&[], &[], &[], 100)
                .score(1.0, &[])
                .score,
            0.0
        );
    }
}
