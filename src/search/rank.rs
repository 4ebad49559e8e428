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
//!
//! Items are scored a window of [`WINDOW`] documents at a time, term at a time: each term scorer
//! walks its postings in the window once, adding into per-document accumulators. The cost
//! follows the postings, not candidates × terms, which matters on a province-sized index where
//! a complaint's common words match hundreds of thousands of items through dozens of terms.

use std::collections::HashMap;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::query::{Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{
    DocAddress, DocId, DocSet, Searcher, SegmentOrdinal, SegmentReader, Term, TERMINATED,
};

use super::bm25::Bm25;
use super::examples::{ExampleBonus, LearnedExamples};
use super::labels::DocLabels;
use super::score::ConceptWeights;
use crate::lexicon::Action;
use crate::query::Intent;
use crate::query::{AltKind, Concept};
use crate::tuning::{
    alternative_evidence, field_tie_breaker, intent_weight, length_normalization, DIVERSE_POOL,
    DIVERSE_TOP, DIVERSITY, PROXIMITY_WEIGHT,
};

// A candidate's matched concepts are one bit each of a `u64`.
const _: () = assert!(crate::tuning::MAX_CONCEPTS <= 64);

/// Where a candidate's action label stands among its labels (see [`DocLabels::of`]).
const ACTION_LABEL: usize = 3;

/// The scoring parts of one alternative (see [`super::compile::AltPlan`]).
pub struct AltWeight {
    /// Index of its concept.
    pub concept: usize,
    /// Index of the alternative among its concept's.
    pub alternative: usize,
    /// Its kind, for the evidence it gives.
    pub kind: AltKind,
    /// Kind weight × concept importance (÷ words).
    pub multiplier: f32,
    /// A fixed score instead of BM25.
    pub constant: Option<f32>,
    /// Per word that must match, `(index in` [`Ranker::terms`]`, field boost)` per field.
    pub words: Vec<Vec<(usize, f32)>>,
}

/// How one concept matched one item, as [`Ranker::explain`] finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptMatch {
    /// The alternative that gave the concept its score: an index into [`Ranker::alternatives`].
    pub alternative: usize,
    /// The fields its words matched in, in schema order of first match.
    pub fields: Vec<Field>,
    /// The concept's score (its best alternative's).
    pub score: f32,
    /// The strongest evidence among the alternatives that matched.
    pub strength: f32,
}

/// One item's match, recomputed by [`Ranker::explain`] as the ranking computed it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMatch {
    /// Per concept of the query, how it matched, if it did.
    pub concepts: Vec<Option<ConceptMatch>>,
    /// The proximity bonus.
    pub proximity: f32,
    /// The concepts' scores plus the proximity bonus: what coverage then scales.
    pub raw: f32,
}

/// A term's BM25 weight over the whole index and where its postings are in each segment,
/// found with one dictionary lookup per segment however many alternatives use the term.
struct TermStats {
    bm25: Bm25,
    /// Per segment, `None` when the term is not in it.
    infos: Vec<Option<TermInfo>>,
}

impl TermStats {
    /// Looks every term up in every segment. The weights are BM25's as tantivy's `TermQuery`
    /// computes them (document frequency and average field length over all segments).
    fn resolve(
        searcher: &Searcher,
        terms: &[Term],
        letter: bool,
    ) -> tantivy::Result<Vec<TermStats>> {
        let readers = searcher.segment_readers();
        let total_docs: u64 = readers.iter().map(|r| u64::from(r.max_doc())).sum();
        let mut average_length: HashMap<Field, f32> = HashMap::new();
        terms
            .iter()
            .map(|term| {
                let field = term.field();
                let mut infos = Vec::with_capacity(readers.len());
                let mut doc_freq = 0u64;
                for reader in readers {
                    let info = reader.inverted_index(field)?.get_term_info(term)?;
                    doc_freq += info.as_ref().map_or(0, |info| u64::from(info.doc_freq));
                    infos.push(info);
                }
                let average = match average_length.get(&field) {
                    Some(average) => *average,
                    None => {
                        let mut tokens = 0u64;
                        for reader in readers {
                            tokens += reader.inverted_index(field)?.total_num_tokens();
                        }
                        let average = tokens as f32 / total_docs as f32;
                        average_length.insert(field, average);
                        average
                    }
                };
                Ok(TermStats {
                    bm25: Bm25::new(
                        doc_freq,
                        total_docs,
                        average,
                        length_normalization(searcher.schema().get_field_name(field), letter),
                    ),
                    infos,
                })
            })
            .collect()
    }
}

/// A term's postings in one segment, scored by BM25 as tantivy's term scorer scores them.
struct TermPostings {
    postings: SegmentPostings,
    lengths: FieldNormReader,
    bm25: Bm25,
}

impl TermPostings {
    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn advance(&mut self) {
        self.postings.advance();
    }

    fn score(&self) -> f32 {
        let length = self.lengths.fieldnorm_id(self.postings.doc());
        self.bm25.score(length, self.postings.term_freq())
    }
}

/// [`AltWeight`] with postings for one segment; a field whose term is not in the segment has
/// none.
struct SegmentAlt {
    concept: usize,
    kind: AltKind,
    multiplier: f32,
    constant: Option<f32>,
    words: Vec<Vec<(TermPostings, f32)>>,
}

impl SegmentAlt {
    /// The smallest document any of its terms is on.
    fn next_doc(&self) -> DocId {
        self.words
            .iter()
            .flatten()
            .map(|(postings, _)| postings.doc())
            .min()
            .unwrap_or(TERMINATED)
    }
}

/// A scored candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Where the item is.
    pub address: DocAddress,
    /// Final ranking score.
    pub score: f32,
    /// Sum over matched concepts of importance × the strongest evidence that matched them ×
    /// how specific the concept is (see `FULL_EVIDENCE_SPECIFICITY`).
    pub evidence: f32,
    /// The weighted share of the query's concepts it matched.
    pub coverage: f32,
    /// The factor the message's intent gave its score (1 when none).
    pub steer: f32,
    /// The concepts it matched, one bit per concept (a query has at most 64).
    matched: u64,
    /// The item's list (machine name), category and town, for facets: indexes into
    /// [`DocLabels::names`].
    pub facets: [u32; 4],
    /// Whether the item passes the request's filters.
    pub passes_filters: bool,
    /// Sum of the concepts' best scores plus the proximity bonus, before coverage.
    raw: f32,
}

/// The ranking's result: candidates best first.
pub struct Ranked {
    /// The candidates within the ranker's cutoff (and at least its `at_least` best), best
    /// first.
    pub candidates: Vec<Candidate>,
    /// How much each concept counted.
    pub weights: ConceptWeights,
    /// What the candidates gained by their example phrasings, when some item has any.
    pub examples: Option<ExampleBonus>,
    /// The evidence and coverage of the best candidate by its own texts (before what example
    /// phrasings add): what the abstain rule reads, so examples never answer a query the
    /// lists do not. `None` without candidates.
    pub own_best: Option<(f32, f32)>,
}

/// Documents scored together. Per-window accumulators take concepts × window pairs of floats,
/// small enough to stay in cache.
pub const WINDOW: u32 = 1024;

/// Scores every item that matches the query's alternatives.
pub struct Ranker<'a> {
    /// Importance of each concept.
    pub importance: Vec<f32>,
    /// Per concept, whether it names a topic outside the lists (see [`ConceptWeights::new`]).
    pub off_topic: Vec<bool>,
    /// What the message asks for, which steers between service and enforcement items.
    pub intent: Option<Intent>,
    /// Whether the query is a letter (see [`crate::tuning::length_normalization`]).
    pub letter: bool,
    /// Items in the index, for the concepts' inverse document frequencies.
    pub num_docs: u64,
    /// Every alternative of every concept; one without words never matches.
    pub alternatives: Vec<AltWeight>,
    /// The distinct terms the alternatives look up.
    pub terms: Vec<Term>,
    /// Proximity bonus weights.
    pub proximity: Vec<Box<dyn Weight>>,
    /// Filters every passing item must match (list, category, department).
    pub filters: Vec<Box<dyn Weight>>,
    /// Candidates scoring below this share of the best are dropped...
    pub relative_cutoff: f32,
    /// ...except the best this many, whatever their score.
    pub at_least: usize,
    /// Documents scored at a time ([`WINDOW`]).
    pub window: u32,
    /// The index's facet labels.
    pub labels: &'a DocLabels,
    /// The items' example phrasings and the query's concepts, when some item has phrasings.
    pub examples: Option<(&'a LearnedExamples, Vec<Concept>)>,
}

impl Ranker<'_> {
    /// The candidates within the cutoff (and at least the best `at_least`), scored and sorted
    /// best first.
    pub fn rank(&self, searcher: &Searcher) -> tantivy::Result<Ranked> {
        let mut all = Vec::new();
        let mut strengths = Vec::new();
        let terms = TermStats::resolve(searcher, &self.terms, self.letter)?;
        for (segment_ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut segment = self.for_segment(segment_ord as SegmentOrdinal, reader, &terms)?;
            segment.output = std::mem::take(&mut all);
            segment.strengths = std::mem::take(&mut strengths);
            let alive = reader.alive_bitset();
            let mut base = segment.next_doc();
            while base != TERMINATED {
                let end = base.saturating_add(segment.window);
                segment.score_window(base, end);
                segment
                    .collect_window(base, end, |doc| alive.is_none_or(|bits| bits.is_alive(doc)));
                base = segment.next_doc();
            }
            all = segment.output;
            strengths = segment.strengths;
        }
        Ok(self.finish(all, &strengths))
    }

    /// How the item at `address` matched, computed as [`Ranker::rank`] computes it but for this
    /// one document, by seeking each term's postings to it: what `--explain` shows.
    pub fn explain(&self, searcher: &Searcher, address: DocAddress) -> tantivy::Result<DocMatch> {
        let terms = TermStats::resolve(searcher, &self.terms, self.letter)?;
        let reader = searcher.segment_reader(address.segment_ord);
        let doc = address.doc_id;
        let mut concepts: Vec<Option<ConceptMatch>> = vec![None; self.importance.len()];
        for (index, alternative) in self.alternatives.iter().enumerate() {
            if alternative.words.is_empty() {
                continue;
            }
            let mut total = 0.0;
            let mut fields: Vec<Field> = Vec::new();
            let mut all_matched = true;
            for word in &alternative.words {
                let (mut best, mut sum, mut matched) = (0.0f32, 0.0f32, false);
                for &(term, boost) in word {
                    let Some(mut postings) =
                        postings(reader, address.segment_ord, &self.terms[term], &terms[term])?
                    else {
                        continue;
                    };
                    if postings.doc() < doc {
                        postings.postings.seek(doc);
                    }
                    if postings.doc() != doc {
                        continue;
                    }
                    let score = boost * postings.score();
                    (best, sum, matched) = (best.max(score), sum + score, true);
                    if !fields.contains(&self.terms[term].field()) {
                        fields.push(self.terms[term].field());
                    }
                }
                if !matched {
                    all_matched = false;
                    break;
                }
                total += best + self.tie_breaker() * (sum - best);
            }
            if !all_matched {
                continue;
            }
            let score = alternative.constant.unwrap_or(total) * alternative.multiplier;
            let strength = alternative_evidence(alternative.kind);
            let slot = &mut concepts[alternative.concept];
            match slot {
                Some(known) => {
                    known.strength = known.strength.max(strength);
                    if score > known.score {
                        (known.score, known.alternative, known.fields) = (score, index, fields);
                    }
                }
                None => {
                    *slot = Some(ConceptMatch {
                        alternative: index,
                        fields,
                        score,
                        strength,
                    })
                }
            }
        }
        let mut raw: f32 = concepts.iter().flatten().map(|c| c.score).sum();
        let mut proximity = 0.0;
        for weight in &self.proximity {
            let mut scorer = weight.scorer(reader, 1.0)?;
            if matches(scorer.as_mut(), doc) {
                let bonus = PROXIMITY_WEIGHT * scorer.score();
                proximity += bonus;
                raw += bonus;
            }
        }
        Ok(DocMatch {
            concepts,
            proximity,
            raw,
        })
    }

    /// The share of a word's other fields' scores added to its best field's.
    fn tie_breaker(&self) -> f32 {
        field_tie_breaker(self.letter)
    }

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
        terms: &[TermStats],
    ) -> tantivy::Result<SegmentRanker<'_>> {
        let scorers = |weights: &[Box<dyn Weight>]| {
            weights
                .iter()
                .map(|w| w.scorer(reader, 1.0))
                .collect::<tantivy::Result<Vec<_>>>()
        };
        let window = self.window.min(reader.max_doc()).max(1);
        let concepts = self.importance.len();
        Ok(SegmentRanker {
            segment_ord,
            tie_breaker: self.tie_breaker(),
            alternatives: self
                .alternatives
                .iter()
                .filter(|alt| !alt.words.is_empty())
                .map(|alt| {
                    let words = alt
                        .words
                        .iter()
                        .map(|fields| {
                            let mut found = Vec::with_capacity(fields.len());
                            for &(term, boost) in fields {
                                if let Some(postings) =
                                    postings(reader, segment_ord, &self.terms[term], &terms[term])?
                                {
                                    found.push((postings, boost));
                                }
                            }
                            Ok(found)
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
            labels: self.labels,
            output: Vec::new(),
            strengths: Vec::new(),
            window,
            concepts,
            best: vec![(0.0, 0.0); concepts * window as usize],
            candidate: vec![false; window as usize],
            word: vec![WordScore::default(); window as usize],
            alt: vec![AltScore::default(); window as usize],
            word_docs: Vec::new(),
            alt_docs: Vec::new(),
        })
    }

    /// Weighs each concept by its specificity among the candidates, scores them by the formula
    /// of [`ConceptWeights`], keeps those within the cutoff and sorts them. `strengths` holds,
    /// per candidate in order, the evidence strength of each concept.
    fn finish(&self, mut all: Vec<Candidate>, strengths: &[f32]) -> Ranked {
        let concepts = self.importance.len();
        let strengths_of = |i: usize| &strengths[i * concepts..(i + 1) * concepts];
        let mut matching = vec![0usize; concepts];
        for i in 0..all.len() {
            for (count, strength) in matching.iter_mut().zip(strengths_of(i)) {
                *count += usize::from(*strength > 0.0);
            }
        }
        let weights =
            ConceptWeights::new(&self.importance, &matching, &self.off_topic, self.num_docs);
        // The action labels' ids, looked up once rather than compared by name per candidate.
        let label_id = |action: Action| {
            let names = self.labels.names();
            names.iter().position(|name| name == action.as_str())
        };
        let (service, enforcement) = (label_id(Action::Service), label_id(Action::Enforcement));
        let action_of = |candidate: &Candidate| {
            let id = Some(candidate.facets[ACTION_LABEL] as usize);
            if id == service {
                Some(Action::Service)
            } else if id == enforcement {
                Some(Action::Enforcement)
            } else {
                None
            }
        };
        for (i, candidate) in all.iter_mut().enumerate() {
            let scored = weights.score(candidate.raw, strengths_of(i));
            candidate.steer = intent_weight(self.intent, action_of(candidate));
            candidate.score = scored.score * candidate.steer;
            candidate.evidence = scored.evidence;
            candidate.coverage = scored.coverage;
            candidate.matched = strengths_of(i)
                .iter()
                .enumerate()
                .filter(|(_, strength)| **strength > 0.0)
                .fold(0, |mask, (concept, _)| mask | 1 << concept);
        }
        let best_first = |a: &Candidate, b: &Candidate| {
            b.score.total_cmp(&a.score).then(a.address.cmp(&b.address))
        };
        let own_best = all
            .iter()
            .min_by(|a, b| best_first(a, b))
            .map(|best| (best.evidence, best.coverage));
        let examples = self.examples.as_ref().and_then(|(learned, concepts)| {
            let best = all.iter().map(|c| c.score).fold(0.0f32, f32::max);
            let bonus = learned.bonus(concepts, &weights.weight, self.num_docs, best)?;
            for candidate in &mut all {
                candidate.score += bonus.of(learned, candidate.address);
            }
            Some(bonus)
        });
        let floor = all.iter().map(|c| c.score).fold(0.0f32, f32::max) * self.relative_cutoff;
        let within = all.iter().filter(|c| c.score >= floor).count();
        if within >= self.at_least {
            all.retain(|c| c.score >= floor);
        } else if all.len() > self.at_least && self.at_least > 0 {
            all.select_nth_unstable_by(self.at_least - 1, best_first);
            all.truncate(self.at_least);
        }
        all.sort_unstable_by(best_first);
        if self.letter {
            diversify(&mut all, &weights.weight);
        }
        Ranked {
            candidates: all,
            weights,
            examples,
            own_best,
        }
    }
}

/// Orders the first [`DIVERSE_TOP`] candidates of a letter so that the matters of a message
/// that names several each get a duty there: each place goes to the candidate of the best
/// score discounted by how much of what it matched the places before already cover (maximal
/// marginal relevance, Carbonell & Goldstein 1998), among the first [`DIVERSE_POOL`].
/// `weights` are the concepts' weights; scores are left as they are.
fn diversify(candidates: &mut [Candidate], weights: &[f32]) {
    let weight_of = |mask: u64| -> f32 {
        weights
            .iter()
            .enumerate()
            .filter(|(concept, _)| mask & (1 << concept) != 0)
            .map(|(_, weight)| weight)
            .sum()
    };
    let pool = candidates.len().min(DIVERSE_POOL);
    let mut covered = 0u64;
    for place in 0..DIVERSE_TOP.min(pool) {
        let value = |candidate: &Candidate| {
            let all = weight_of(candidate.matched);
            let overlap = if all > 0.0 {
                weight_of(candidate.matched & covered) / all
            } else {
                0.0
            };
            candidate.score * (1.0 - DIVERSITY * overlap)
        };
        let best = (place..pool)
            .max_by(|a, b| {
                value(&candidates[*a])
                    .total_cmp(&value(&candidates[*b]))
                    .then(b.cmp(a))
            })
            .expect("a candidate left");
        candidates[place..=best].rotate_right(1);
        covered |= candidates[place].matched;
    }
}

/// The postings of `term` in the segment `reader`, if it is there.
fn postings(
    reader: &SegmentReader,
    segment_ord: SegmentOrdinal,
    term: &Term,
    stats: &TermStats,
) -> tantivy::Result<Option<TermPostings>> {
    let Some(info) = &stats.infos[segment_ord as usize] else {
        return Ok(None);
    };
    let field = term.field();
    let postings = reader
        .inverted_index(field)?
        .read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
    let lengths = reader
        .fieldnorms_readers()
        .get_field(field)?
        .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
    Ok(Some(TermPostings {
        postings,
        lengths,
        bm25: stats.bm25.clone(),
    }))
}

/// One word's score at a document: its best field and the sum of all fields.
#[derive(Clone, Copy, Default)]
struct WordScore {
    matched: bool,
    best: f32,
    sum: f32,
}

/// An alternative's score at a document so far: the words matched and their total.
#[derive(Clone, Copy, Default)]
struct AltScore {
    words: usize,
    total: f32,
}

/// The per-segment side of [`Ranker`], with the accumulators of the window being scored.
struct SegmentRanker<'a> {
    segment_ord: SegmentOrdinal,
    alternatives: Vec<SegmentAlt>,
    proximity: Vec<Box<dyn Scorer>>,
    filters: Vec<Box<dyn Scorer>>,
    labels: &'a DocLabels,
    output: Vec<Candidate>,
    strengths: Vec<f32>,
    /// Documents per window.
    window: u32,
    /// Concepts of the query.
    concepts: usize,
    /// The query's [`field_tie_breaker`].
    tie_breaker: f32,
    /// Per document of the window and concept, the best (score, evidence).
    best: Vec<(f32, f32)>,
    /// Per document of the window, whether some alternative matched it.
    candidate: Vec<bool>,
    /// Per document of the window, the score of the word being summed.
    word: Vec<WordScore>,
    /// Per document of the window, the alternative being summed.
    alt: Vec<AltScore>,
    /// Window offsets the word being summed matched.
    word_docs: Vec<usize>,
    /// Window offsets the alternative being summed matched with its first word.
    alt_docs: Vec<usize>,
}

/// Moves `scorer` to `doc` if it can and says whether it matches there.
fn matches(scorer: &mut dyn Scorer, doc: DocId) -> bool {
    if scorer.doc() < doc {
        scorer.seek(doc);
    }
    scorer.doc() == doc && doc != TERMINATED
}

impl SegmentRanker<'_> {
    /// The smallest document any alternative's term scorer is on.
    fn next_doc(&self) -> DocId {
        self.alternatives
            .iter()
            .map(SegmentAlt::next_doc)
            .min()
            .unwrap_or(TERMINATED)
    }

    /// Scores the documents in `base..end` by every alternative: a word scores its best field
    /// plus the tie breaker times the others, an alternative the sum of its words when all
    /// match, a concept its best alternative.
    fn score_window(&mut self, base: DocId, end: DocId) {
        for alternative in &mut self.alternatives {
            self.alt_docs.clear();
            for (index, fields) in alternative.words.iter_mut().enumerate() {
                self.word_docs.clear();
                for (postings, boost) in fields.iter_mut() {
                    while postings.doc() < end {
                        let offset = (postings.doc() - base) as usize;
                        let score = *boost * postings.score();
                        let word = &mut self.word[offset];
                        if !word.matched {
                            *word = WordScore {
                                matched: true,
                                best: 0.0,
                                sum: 0.0,
                            };
                            self.word_docs.push(offset);
                        }
                        word.best = word.best.max(score);
                        word.sum += score;
                        postings.advance();
                    }
                }
                for &offset in &self.word_docs {
                    let word = std::mem::take(&mut self.word[offset]);
                    let score = word.best + self.tie_breaker * (word.sum - word.best);
                    let alt = &mut self.alt[offset];
                    if index == 0 {
                        *alt = AltScore {
                            words: 1,
                            total: score,
                        };
                        self.alt_docs.push(offset);
                    } else if alt.words == index {
                        alt.words += 1;
                        alt.total += score;
                    }
                }
            }
            let words = alternative.words.len();
            for &offset in &self.alt_docs {
                let alt = std::mem::take(&mut self.alt[offset]);
                if alt.words < words {
                    continue;
                }
                let score = alternative.constant.unwrap_or(alt.total) * alternative.multiplier;
                let best = &mut self.best[offset * self.concepts + alternative.concept];
                best.0 = best.0.max(score);
                best.1 = best.1.max(alternative_evidence(alternative.kind));
                self.candidate[offset] = true;
            }
        }
    }

    /// Collects the window's matched documents that are alive and scored above zero, with
    /// their proximity bonus, filters and facets, and clears the window's accumulators.
    fn collect_window(&mut self, base: DocId, end: DocId, alive: impl Fn(DocId) -> bool) {
        let len = (end - base).min(self.window) as usize;
        for offset in 0..len {
            if !std::mem::take(&mut self.candidate[offset]) {
                continue;
            }
            let doc = base + offset as DocId;
            let range = offset * self.concepts..(offset + 1) * self.concepts;
            let scored = self.best[range.clone()]
                .iter()
                .any(|(score, _)| *score > 0.0);
            if scored && alive(doc) {
                self.collect(doc, range.clone());
            }
            self.best[range].fill((0.0, 0.0));
        }
    }

    /// Adds `doc`, whose concepts' best scores are `self.best[range]`, to the candidates.
    fn collect(&mut self, doc: DocId, range: std::ops::Range<usize>) {
        let mut raw: f32 = self.best[range.clone()]
            .iter()
            .map(|(score, _)| score)
            .sum();
        for scorer in &mut self.proximity {
            if matches(scorer.as_mut(), doc) {
                raw += PROXIMITY_WEIGHT * scorer.score();
            }
        }
        let passes_filters = self
            .filters
            .iter_mut()
            .all(|scorer| matches(scorer.as_mut(), doc));
        let facets = self.labels.of(self.segment_ord as usize, doc);
        self.output.push(Candidate {
            address: DocAddress::new(self.segment_ord, doc),
            score: 0.0,
            evidence: 0.0,
            coverage: 0.0,
            steer: 1.0,
            matched: 0,
            facets,
            passes_filters,
            raw,
        });
        self.strengths
            .extend(self.best[range].iter().map(|(_, strength)| *strength));
    }
}
