//! Ranking: every item that matches any alternative of any concept is a candidate, scored by
//! its concepts. Candidates are enumerated straight from the alternatives' term scorers (their
//! union), so each term is looked up once per query and no composite scorer is built.
//!
//! Each concept scores by its best alternative (so a concept matched many ways counts once);
//! the sum is scaled by the square of the share of the query's concepts an item matches (each
//! concept weighted by its specificity and by the strength of the evidence that matched it), so
//! more distinct concepts matched rank higher than one concept matched many times; adjacent query
//! words found close together add a proximity bonus. The evidence of a match (literal and lexicon
//! terms are strong, word parts and bigrams weak) is kept for the abstain rule.
//!
//! A concept's specificity is the inverse document frequency of its matches; since every item
//! that matches any concept is a candidate, the candidates themselves give those frequencies, and
//! the final scores are computed once all candidates are collected.

use std::collections::HashMap;

use tantivy::columnar::StrColumn;
use tantivy::query::{Scorer, Weight};
use tantivy::{DocAddress, DocId, DocSet, Searcher, SegmentOrdinal, SegmentReader, TERMINATED};

use super::compile::FIELD_TIE_BREAKER;
use crate::query::AltKind;

/// Specificity (ln(1 + items / items matched)) from which a concept counts as full evidence:
/// a concept found in more than about an eighth of the items counts proportionally less.
const FULL_EVIDENCE_SPECIFICITY: f32 = 2.0;

/// How strongly the share of matched concepts scales the score.
const COVERAGE_EXPONENT: i32 = 2;

/// The scoring parts of one alternative (see [`super::compile::AltPlan`]).
pub struct AltWeight {
    /// Index of its concept.
    pub concept: usize,
    /// Its kind, for the evidence it gives.
    pub kind: AltKind,
    /// Kind weight × concept importance (÷ words).
    pub multiplier: f32,
    /// A fixed score instead of BM25.
    pub constant: Option<f32>,
    /// Per word that must match, `(term weight, field boost)` per field.
    pub words: Vec<Vec<(Box<dyn Weight>, f32)>>,
}

/// [`AltWeight`] with scorers for one segment.
struct SegmentAlt {
    concept: usize,
    kind: AltKind,
    multiplier: f32,
    constant: Option<f32>,
    words: Vec<Vec<(Box<dyn Scorer>, f32)>>,
}

impl SegmentAlt {
    /// The alternative's score at `doc`, if every word matches there.
    fn score(&mut self, doc: DocId) -> Option<f32> {
        let mut total = 0.0;
        for fields in &mut self.words {
            let mut best = 0.0f32;
            let mut sum = 0.0;
            let mut matched = false;
            for (scorer, boost) in fields.iter_mut() {
                if matches(scorer.as_mut(), doc) {
                    let score = *boost * scorer.score();
                    best = best.max(score);
                    sum += score;
                    matched = true;
                }
            }
            if !matched {
                return None;
            }
            total += best + FIELD_TIE_BREAKER * (sum - best);
        }
        Some(self.constant.unwrap_or(total) * self.multiplier)
    }

    /// The smallest document any of its term scorers is on.
    fn next_doc(&self) -> DocId {
        self.words
            .iter()
            .flatten()
            .map(|(scorer, _)| scorer.doc())
            .min()
            .unwrap_or(TERMINATED)
    }

    /// Moves the scorers that are on `doc` past it.
    fn advance_past(&mut self, doc: DocId) {
        for (scorer, _) in self.words.iter_mut().flatten() {
            if scorer.doc() == doc {
                scorer.advance();
            }
        }
    }
}

/// A scored candidate.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Where the item is.
    pub address: DocAddress,
    /// Final ranking score.
    pub score: f32,
    /// Sum over matched concepts of importance × the strongest evidence that matched them ×
    /// how specific the concept is (see `FULL_EVIDENCE_SPECIFICITY`).
    pub evidence: f32,
    /// The item's list (machine name), category and town, for facets: indexes into
    /// [`Ranked::labels`].
    pub facets: [u32; 3],
    /// Whether the item passes the request's filters.
    pub passes_filters: bool,
    /// Sum of the concepts' best scores plus the proximity bonus, before coverage.
    raw: f32,
}

/// The ranking's result: candidates best first, and the facet labels they refer to.
pub struct Ranked {
    /// Every candidate, best first.
    pub candidates: Vec<Candidate>,
    /// Distinct list, category and town names.
    pub labels: Vec<String>,
}

/// Scores every item that matches the query's alternatives.
pub struct Ranker {
    /// Importance of each concept.
    pub importance: Vec<f32>,
    /// Items in the index, for the concepts' inverse document frequencies.
    pub num_docs: u64,
    /// Every alternative of every concept.
    pub alternatives: Vec<AltWeight>,
    /// Proximity bonus weights.
    pub proximity: Vec<Box<dyn Weight>>,
    /// Filters every passing item must match (list, category, department).
    pub filters: Vec<Box<dyn Weight>>,
}

impl Ranker {
    /// Every candidate, scored and sorted best first.
    pub fn rank(&self, searcher: &Searcher) -> tantivy::Result<Ranked> {
        let mut all = Vec::new();
        let mut strengths = Vec::new();
        let mut labels = Labels::default();
        for (segment_ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut segment = self.for_segment(segment_ord as SegmentOrdinal, reader)?;
            segment.output = std::mem::take(&mut all);
            segment.strengths = std::mem::take(&mut strengths);
            segment.labels = std::mem::take(&mut labels);
            let alive = reader.alive_bitset();
            loop {
                let doc = segment
                    .alternatives
                    .iter()
                    .map(SegmentAlt::next_doc)
                    .min()
                    .unwrap_or(TERMINATED);
                if doc == TERMINATED {
                    break;
                }
                if alive.is_none_or(|bits| bits.is_alive(doc)) {
                    segment.collect(doc);
                }
                for alternative in &mut segment.alternatives {
                    alternative.advance_past(doc);
                }
            }
            all = segment.output;
            strengths = segment.strengths;
            labels = segment.labels;
        }
        Ok(Ranked {
            candidates: self.finish(all, &strengths),
            labels: labels.names,
        })
    }

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentRanker> {
        let scorers = |weights: &[Box<dyn Weight>]| {
            weights
                .iter()
                .map(|w| w.scorer(reader, 1.0))
                .collect::<tantivy::Result<Vec<_>>>()
        };
        let fast = reader.fast_fields();
        Ok(SegmentRanker {
            segment_ord,
            alternatives: self
                .alternatives
                .iter()
                .map(|alt| {
                    let words = alt
                        .words
                        .iter()
                        .map(|fields| {
                            fields
                                .iter()
                                .map(|(weight, boost)| Ok((weight.scorer(reader, 1.0)?, *boost)))
                                .collect::<tantivy::Result<Vec<_>>>()
                        })
                        .collect::<tantivy::Result<Vec<_>>>()?;
                    Ok(SegmentAlt {
                        concept: alt.concept,
                        kind: alt.kind,
                        multiplier: alt.multiplier,
                        constant: alt.constant,
                        words,
                    })
                })
                .collect::<tantivy::Result<Vec<_>>>()?,
            proximity: scorers(&self.proximity)?,
            filters: scorers(&self.filters)?,
            columns: [fast.str("list")?, fast.str("category")?, fast.str("town")?],
            ordinals: Default::default(),
            output: Vec::new(),
            strengths: Vec::new(),
            labels: Labels::default(),
            best: vec![(0.0, 0.0); self.importance.len()],
        })
    }

    /// Weighs each concept by its specificity among the candidates, applies coverage, sorts.
    /// `strengths` holds, per candidate in order, the evidence strength of each concept.
    fn finish(&self, mut all: Vec<Candidate>, strengths: &[f32]) -> Vec<Candidate> {
        let concepts = self.importance.len();
        let strengths_of = |i: usize| &strengths[i * concepts..(i + 1) * concepts];
        let weights: Vec<f32> = (0..concepts)
            .map(|concept| {
                let matching = (0..all.len())
                    .filter(|&i| strengths_of(i)[concept] > 0.0)
                    .count();
                if matching == 0 {
                    return 0.0;
                }
                let specificity = (1.0 + self.num_docs as f32 / matching as f32).ln();
                self.importance[concept] * specificity
            })
            .collect();
        let total: f32 = weights.iter().sum();
        // A concept counts as full evidence only when it is specific: one word found in a large
        // share of the lists (工作, 质量, 手续) proves little about what the query is about.
        let rarity: Vec<f32> = weights
            .iter()
            .zip(&self.importance)
            .map(|(weight, importance)| {
                let specificity = if *importance > 0.0 {
                    weight / importance
                } else {
                    0.0
                };
                (specificity / FULL_EVIDENCE_SPECIFICITY).min(1.0)
            })
            .collect();
        for (i, candidate) in all.iter_mut().enumerate() {
            candidate.evidence = strengths_of(i)
                .iter()
                .zip(&self.importance)
                .zip(&rarity)
                .map(|((strength, importance), rarity)| strength * importance * rarity)
                .sum();
            let matched: f32 = weights
                .iter()
                .zip(strengths_of(i))
                .map(|(weight, strength)| weight * strength)
                .sum();
            let coverage = if total > 0.0 { matched / total } else { 0.0 };
            candidate.score = candidate.raw * coverage.powi(COVERAGE_EXPONENT);
        }
        all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
        all
    }
}

/// The per-segment side of [`Ranker`].
struct SegmentRanker {
    segment_ord: SegmentOrdinal,
    alternatives: Vec<SegmentAlt>,
    proximity: Vec<Box<dyn Scorer>>,
    filters: Vec<Box<dyn Scorer>>,
    /// List, category and town columns.
    columns: [Option<StrColumn>; 3],
    /// Per column, term ordinal → label index.
    ordinals: [HashMap<u64, u32>; 3],
    output: Vec<Candidate>,
    strengths: Vec<f32>,
    labels: Labels,
    /// Per concept, the best (score, evidence) for the current document.
    best: Vec<(f32, f32)>,
}

/// Moves `scorer` to `doc` if it can and says whether it matches there.
fn matches(scorer: &mut dyn Scorer, doc: DocId) -> bool {
    if scorer.doc() < doc {
        scorer.seek(doc);
    }
    scorer.doc() == doc && doc != TERMINATED
}

/// Facet names, each stored once.
#[derive(Default)]
struct Labels {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Labels {
    fn id(&mut self, name: String) -> u32 {
        if let Some(&id) = self.index.get(&name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.clone());
        self.index.insert(name, id);
        id
    }
}

impl SegmentRanker {
    fn collect(&mut self, doc: DocId) {
        self.best.iter_mut().for_each(|b| *b = (0.0, 0.0));
        for alternative in &mut self.alternatives {
            if let Some(score) = alternative.score(doc) {
                let best = &mut self.best[alternative.concept];
                best.0 = best.0.max(score);
                best.1 = best.1.max(alternative.kind.evidence());
            }
        }
        if self.best.iter().all(|(score, _)| *score <= 0.0) {
            return;
        }
        let mut raw: f32 = self.best.iter().map(|(score, _)| score).sum();
        for scorer in &mut self.proximity {
            if matches(scorer.as_mut(), doc) {
                raw += super::compile::PROXIMITY_WEIGHT * scorer.score();
            }
        }
        let passes_filters = self
            .filters
            .iter_mut()
            .all(|scorer| matches(scorer.as_mut(), doc));
        let mut facets = [0; 3];
        for (slot, facet) in facets.iter_mut().enumerate() {
            *facet = self.label(slot, doc);
        }
        self.output.push(Candidate {
            address: DocAddress::new(self.segment_ord, doc),
            score: 0.0,
            evidence: 0.0,
            facets,
            passes_filters,
            raw,
        });
        self.strengths
            .extend(self.best.iter().map(|(_, strength)| *strength));
    }

    /// The label index of `doc`'s value in facet column `slot` (list, category, town).
    fn label(&mut self, slot: usize, doc: DocId) -> u32 {
        let Some(column) = &self.columns[slot] else {
            return self.labels.id(String::new());
        };
        let ordinal = column.term_ords(doc).next().unwrap_or(u64::MAX);
        if let Some(&id) = self.ordinals[slot].get(&ordinal) {
            return id;
        }
        let mut name = String::new();
        if ordinal != u64::MAX {
            let _ = column.ord_to_str(ordinal, &mut name);
        }
        let id = self.labels.id(name);
        self.ordinals[slot].insert(ordinal, id);
        id
    }
}
