//! Searching: the [`Engine`] answers a [`SearchRequest`] from the index with ranked, highlighted
//! hits, facets and the query's interpretation, or abstains when nothing fits.

mod bm25;
mod compile;
mod examples;
mod highlight;
mod labels;
mod live;
mod rank;
mod request;
mod score;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, EnableScoring, Query};
use tantivy::schema::Value;
use tantivy::{IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

pub use highlight::{escape, Highlighter};
pub use live::LiveIndex;
pub use request::{
    ConceptExplanation, Confidence, Explanation, Facets, Hit, MatchedTerm, SearchRequest,
    SearchResponse, MAX_LIMIT, MAX_QUERY_CHARS,
};

use crate::corpus::Item;
use crate::error::{Error, Result};
use crate::index::{build, is_stale, open_current, BuildInfo, DutySchema, Examples, IndexHandle};
use crate::query::{QueryAnalyzer, QueryPlan, Role, Vocabulary};
use crate::tuning::{
    LETTER_MIN_EVIDENCE, MIN_EVIDENCE, OFF_TOPIC_MIN_EVIDENCE, RELATIVE_CUTOFF,
    STRONG_LETTER_COVERAGE, STRONG_LETTER_EVIDENCE,
};
use compile::{alternative_plan, proximity_queries, term_query};
use examples::LearnedExamples;
use labels::DocLabels;
use rank::{AltWeight, Candidate, Ranked, Ranker, WINDOW};
use score::ConceptWeights;

/// What an explanation says when the item's example phrasings matched: the message is like
/// one staff confirmed for this duty.
pub const EXAMPLE_NOTE: &str = "与已确认的来件相似";
/// Suggestions offered when abstaining.
const SUGGESTIONS: usize = 3;
/// A suggested title is cut to this many characters.
const SUGGESTION_CHARS: usize = 30;

/// An opened index with its query analyzer: everything needed to answer searches.
///
/// Open it once and share it: opening loads jieba's dictionary and the lexicon, and reads the
/// index's vocabulary.
pub struct Engine {
    schema: DutySchema,
    /// Never reloaded: a new index is a new engine.
    reader: IndexReader,
    labels: DocLabels,
    /// The items' example phrasings (residents' words staff confirmed), read at open.
    learned: LearnedExamples,
    analyzer: QueryAnalyzer,
    info: BuildInfo,
    /// The generation directory, named in errors.
    dir: PathBuf,
}

impl Engine {
    /// Opens the live index generation under `index_dir`, whose queries are analysed with the
    /// lexicon that generation was built with.
    pub fn open(index_dir: &Path) -> Result<Engine> {
        let IndexHandle {
            dir,
            index,
            lexicon,
            segmenter,
            info,
        } = open_current(index_dir)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| Error::index(&dir, e))?;
        let schema = DutySchema::new();
        let searcher = reader.searcher();
        let lexicon_terms: Vec<String> = lexicon.synonyms.all_terms().map(String::from).collect();
        let vocabulary = Vocabulary::from_index(
            &searcher,
            &schema,
            lexicon_terms.iter().map(String::as_str),
            &lexicon.departments,
        )
        .map_err(|e| Error::index(&dir, e))?;
        let labels = DocLabels::read(&searcher).map_err(|e| Error::index(&dir, e))?;
        let learned = LearnedExamples::read(&searcher, &schema, &segmenter)
            .map_err(|e| Error::index(&dir, e))?;
        Ok(Engine {
            schema,
            reader,
            labels,
            learned,
            analyzer: QueryAnalyzer::new(segmenter, lexicon, vocabulary),
            info,
            dir,
        })
    }

    /// Opens the engine on the live index of `index_dir`, building it from `corpus_dir` (with
    /// `examples`) first when it is missing, older than the corpus, or names a generation that
    /// is not there, and rebuilding it (saying so in the log) when it cannot be opened or does
    /// not hold what its build wrote. What `serve`, `search` and `eval` start with.
    pub fn open_or_build(
        corpus_dir: &Path,
        index_dir: &Path,
        examples: &Examples,
    ) -> Result<Engine> {
        if is_stale(corpus_dir, index_dir)? {
            tracing::info!(
                index = %index_dir.display(),
                "index missing, unreadable or older than the corpus; building it"
            );
            let info = build(corpus_dir, index_dir, examples)?;
            tracing::info!(items = info.items, generation = %info.generation, "index built");
        }
        let opened = Engine::open(index_dir).and_then(|engine| {
            let (held, built) = (engine.num_items(), engine.info().items as u64);
            if held == built {
                Ok(engine)
            } else {
                Err(Error::index(
                    &engine.dir,
                    format!("holds {held} items but its build wrote {built}"),
                ))
            }
        });
        match opened {
            Err(error @ (Error::Index { .. } | Error::Io { .. })) => {
                tracing::warn!(
                    index = %index_dir.display(),
                    %error,
                    "index unusable; rebuilding it from the corpus"
                );
                let info = build(corpus_dir, index_dir, examples)?;
                tracing::info!(items = info.items, generation = %info.generation, "index rebuilt");
                Engine::open(index_dir)
            }
            other => other,
        }
    }

    /// What the build of the open index reported.
    pub fn info(&self) -> &BuildInfo {
        &self.info
    }

    /// Number of items in the index.
    pub fn num_items(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// How a query is read, without searching.
    pub fn analyze(&self, query: &str) -> QueryPlan {
        self.analyzer.analyze(query)
    }

    /// Answers a search request.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse> {
        request.validate()?;
        let started = Instant::now();
        let plan = self.analyzer.analyze(&request.query);
        let searcher = self.reader.searcher();
        let ranked = self.rank(&searcher, &plan, request, WINDOW)?;
        let candidates = &ranked.candidates;
        let mut response = SearchResponse {
            query: request.query.clone(),
            total: 0,
            took_ms: 0.0,
            hits: Vec::new(),
            facets: Facets::default(),
            interpretation: plan.interpretation(),
            suggestions: Vec::new(),
        };
        let confident = ranked
            .own_best
            .is_some_and(|(evidence, _)| answers(&plan, evidence));
        let weak = ranked
            .own_best
            .is_some_and(|(evidence, coverage)| weak_answer(&plan, evidence, coverage));
        if confident {
            let floor = candidates[0].score * RELATIVE_CUTOFF;
            let kept: Vec<&Candidate> = candidates.iter().filter(|c| c.score >= floor).collect();
            let names = self.labels.names();
            let mut counts = vec![[0usize; 3]; names.len()];
            for candidate in &kept {
                for (slot, label) in candidate.facets[..3].iter().enumerate() {
                    counts[*label as usize][slot] += 1;
                }
            }
            let mut departments = vec![0usize; names.len()];
            for candidate in &kept {
                let address = candidate.address;
                for label in self
                    .labels
                    .departments_of(address.segment_ord as usize, address.doc_id)
                {
                    departments[label as usize] += 1;
                }
            }
            for (label, count) in names.iter().zip(departments) {
                if count > 0 {
                    response.facets.department.insert(label.clone(), count);
                }
            }
            for (label, counts) in names.iter().zip(&counts) {
                let facets = [
                    &mut response.facets.list,
                    &mut response.facets.category,
                    &mut response.facets.town,
                ];
                for (facet, count) in facets.into_iter().zip(counts) {
                    if *count > 0 {
                        facet.insert(label.clone(), *count);
                    }
                }
            }
            let passing: Vec<&&Candidate> = kept.iter().filter(|c| c.passes_filters).collect();
            response.total = passing.len();
            let highlighter = Highlighter::new(&self.highlight_terms(&plan));
            for candidate in passing.into_iter().skip(request.offset).take(request.limit) {
                let item = self.stored_item(&searcher, candidate.address)?;
                let highlights = highlights(&highlighter, &item);
                let share = share_of_best(candidate.score, candidates[0].score);
                let confidence = Confidence::of(share, weak);
                let mut hit = Hit::new(item, round(candidate.score), confidence, highlights);
                if request.explain {
                    hit.explanation =
                        Some(self.explain(&searcher, &plan, request, &ranked, candidate, weak)?);
                }
                response.hits.push(hit);
            }
        } else {
            for candidate in candidates.iter().take(SUGGESTIONS) {
                let title = self.stored_item(&searcher, candidate.address)?.title;
                response
                    .suggestions
                    .push(title.chars().take(SUGGESTION_CHARS).collect());
            }
        }
        response.took_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(response)
    }

    /// The candidates of the plan within the relative cutoff (at least the best few, for
    /// suggestions), scored and sorted best first.
    /// `window` is the ranker's [`WINDOW`], a parameter so tests can show it changes nothing.
    fn rank(
        &self,
        searcher: &Searcher,
        plan: &QueryPlan,
        request: &SearchRequest,
        window: u32,
    ) -> Result<Ranked> {
        match self.ranker(searcher, plan, request, window)? {
            Some(ranker) => ranker
                .rank(searcher)
                .map_err(|e| Error::index(&self.dir, e)),
            None => Ok(Ranked {
                candidates: Vec::new(),
                weights: ConceptWeights::new(&[], &[], &[], 0),
                examples: None,
                own_best: None,
            }),
        }
    }

    /// The ranker of the plan's concepts under the request's filters; `None` when no
    /// alternative of the plan can match anything.
    fn ranker(
        &self,
        searcher: &Searcher,
        plan: &QueryPlan,
        request: &SearchRequest,
        window: u32,
    ) -> Result<Option<Ranker<'_>>> {
        let scoring = EnableScoring::enabled_from_searcher(searcher);
        let weight_of = |query: &dyn Query| {
            query
                .weight(scoring)
                .map_err(|e| Error::index(&self.dir, e))
        };
        let vocabulary = self.analyzer.vocabulary();
        let mut alternatives = Vec::new();
        let mut terms: Vec<Term> = Vec::new();
        let mut term_index: HashMap<Term, usize> = HashMap::new();
        for (index, concept) in plan.concepts.iter().enumerate() {
            for (alternative_index, alternative) in concept.alternatives.iter().enumerate() {
                let Some(alt) =
                    alternative_plan(&self.schema, vocabulary, index, concept, alternative)
                else {
                    continue;
                };
                let words = alt
                    .words
                    .into_iter()
                    .map(|word| {
                        word.fields
                            .into_iter()
                            .map(|(term, boost)| {
                                let next = terms.len();
                                let index = *term_index.entry(term).or_insert_with_key(|term| {
                                    terms.push(term.clone());
                                    next
                                });
                                (index, boost)
                            })
                            .collect()
                    })
                    .collect();
                alternatives.push(AltWeight {
                    concept: alt.concept,
                    alternative: alternative_index,
                    kind: alt.kind,
                    multiplier: alt.multiplier,
                    constant: alt.constant,
                    words,
                });
            }
        }
        if alternatives.is_empty() {
            return Ok(None);
        }
        let proximity = proximity_queries(&self.schema, &plan.concepts)
            .iter()
            .map(|q| weight_of(q.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        let filters = self
            .filter_queries(request)
            .iter()
            .map(|q| weight_of(q.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Ranker {
            importance: plan.concepts.iter().map(|c| c.importance).collect(),
            off_topic: plan
                .concepts
                .iter()
                .map(|c| c.role == Role::OffTopic)
                .collect(),
            intent: plan.intent,
            letter: plan.letter,
            num_docs: searcher.num_docs(),
            alternatives,
            terms,
            proximity,
            filters,
            relative_cutoff: RELATIVE_CUTOFF,
            at_least: SUGGESTIONS,
            window,
            labels: &self.labels,
            examples: (!self.learned.is_empty()).then(|| (&self.learned, plan.concepts.clone())),
        }))
    }

    /// Why the candidate at `address` scored what it did, in the terms of the plan, in an
    /// answer that is `weak_answer` (see `weak_answer`).
    fn explain(
        &self,
        searcher: &Searcher,
        plan: &QueryPlan,
        request: &SearchRequest,
        ranked: &Ranked,
        candidate: &Candidate,
        weak_answer: bool,
    ) -> Result<Explanation> {
        let ranker = self
            .ranker(searcher, plan, request, WINDOW)?
            .ok_or_else(|| Error::index(&self.dir, "a hit of a query that matches nothing"))?;
        let matched = ranker
            .explain(searcher, candidate.address)
            .map_err(|e| Error::index(&self.dir, e))?;
        let strengths: Vec<f32> = matched
            .concepts
            .iter()
            .map(|m| m.as_ref().map_or(0.0, |m| m.strength))
            .collect();
        let examples = ranked
            .examples
            .as_ref()
            .map_or(0.0, |bonus| bonus.of(&self.learned, candidate.address));
        let scored = ranked.weights.score(matched.raw, &strengths);
        let schema = self.schema.schema();
        let concepts = plan
            .concepts
            .iter()
            .zip(&matched.concepts)
            .enumerate()
            .map(|(index, (concept, matched))| ConceptExplanation {
                concept: concept.label.clone(),
                importance: concept.importance,
                weight: round(ranked.weights.weight[index]),
                matched: matched.as_ref().map(|m| {
                    let alternative =
                        &concept.alternatives[ranker.alternatives[m.alternative].alternative];
                    MatchedTerm {
                        term: alternative.text.clone(),
                        via: alternative.kind,
                        fields: m
                            .fields
                            .iter()
                            .map(|field| schema.get_field_name(*field).to_string())
                            .collect(),
                        score: round(m.score),
                        evidence: m.strength,
                    }
                }),
            })
            .collect();
        Ok(Explanation {
            concepts,
            proximity: round(matched.proximity),
            examples: round(examples),
            note: (examples > 0.0).then_some(EXAMPLE_NOTE),
            raw: round(matched.raw),
            coverage: round(scored.coverage),
            evidence: round(scored.evidence),
            share_of_best: round(share_of_best(candidate.score, ranked.candidates[0].score)),
            weak_answer,
            intent_weight: candidate.steer,
            score: round(scored.score * candidate.steer + examples),
        })
    }

    /// One query per filter of the request; an item must match all of them.
    fn filter_queries(&self, request: &SearchRequest) -> Vec<Box<dyn Query>> {
        let mut filters = Vec::new();
        if let Some(list) = request.list {
            filters.push(term_query(self.schema.list, list.as_str()));
        }
        if let Some(category) = &request.category {
            filters.push(term_query(self.schema.category, category));
        }
        if let Some(town) = &request.town {
            filters.push(term_query(self.schema.town, town));
        }
        if let Some(department) = &request.department {
            let names: Vec<Box<dyn Query>> = self
                .departments_meant(department)
                .into_iter()
                .map(|name| term_query(self.schema.department, &name))
                .collect();
            filters.push(Box::new(BooleanQuery::union(names)));
        }
        filters
    }

    /// The departments of the index a department filter means: those whose name contains it
    /// (民政局), else those the query analyzer reads it as (城管, 派出所, 住建局: a nickname or
    /// a department named by its synonyms), so the filter understands what the search box does.
    pub fn departments_meant(&self, text: &str) -> Vec<String> {
        let vocabulary = self.analyzer.vocabulary();
        let named = vocabulary.departments_containing(text);
        if !named.is_empty() {
            return named.into_iter().map(String::from).collect();
        }
        let mut names: Vec<String> = Vec::new();
        for alternative in self
            .analyzer
            .analyze(text)
            .concepts
            .iter()
            .flat_map(|concept| &concept.alternatives)
        {
            for name in vocabulary.departments_containing(&alternative.text) {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        }
        names
    }

    /// The terms a hit's text is marked with: the plan's, less what says nothing to the reader.
    /// A single character is marked only when the query has it as a word of its own; a
    /// stopword or an everyday word of general Chinese (服务, 中心) only when it is a word of a
    /// short query, never in a letter's many words.
    fn highlight_terms(&self, plan: &QueryPlan) -> Vec<String> {
        let typed = |term: &str| plan.concepts.iter().any(|c| c.label == term);
        plan.highlight_terms()
            .into_iter()
            .filter(|term| {
                if term.chars().count() == 1 {
                    typed(term)
                } else if self.analyzer.is_generic(term) {
                    typed(term) && !plan.letter
                } else {
                    true
                }
            })
            .collect()
    }

    /// The whole item with this id, if any.
    pub fn item(&self, id: &str) -> Result<Option<Item>> {
        let searcher = self.reader.searcher();
        let query = term_query(self.schema.id, id);
        let top = searcher
            .search(query.as_ref(), &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| Error::index(&self.dir, e))?;
        top.first()
            .map(|(_, address)| self.stored_item(&searcher, *address))
            .transpose()
    }

    /// Reads the first item of every segment back, by its address and by its id, and returns
    /// the last one read: what `/healthz` checks beside a search (for that item's title), so
    /// that a damaged store or term index shows.
    pub fn self_check(&self) -> Result<Option<Item>> {
        let searcher = self.reader.searcher();
        let mut last = None;
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            let Some(doc) = segment.doc_ids_alive().next() else {
                continue;
            };
            let address = tantivy::DocAddress::new(ordinal as u32, doc);
            let item = self.stored_item(&searcher, address)?;
            if self.item(&item.id)?.is_none() {
                return Err(Error::index(
                    &self.dir,
                    format!("item {} is stored but not found by its id", item.id),
                ));
            }
            last = Some(item);
        }
        Ok(last)
    }

    fn stored_item(&self, searcher: &Searcher, address: tantivy::DocAddress) -> Result<Item> {
        let doc: TantivyDocument = searcher
            .doc(address)
            .map_err(|e| Error::index(&self.dir, e))?;
        let json = doc
            .get_first(self.schema.item)
            .and_then(|value| value.as_str())
            .ok_or_else(|| Error::index(&self.dir, "a document has no stored item"))?;
        serde_json::from_str(json).map_err(|e| Error::index(&self.dir, e))
    }
}

/// A score as a share of the best's, 0–1.
fn share_of_best(score: f32, best: f32) -> f32 {
    if best > 0.0 {
        (score / best).min(1.0)
    } else {
        0.0
    }
}

/// The abstain rule: whether a best hit of this `evidence` answers `plan`. A short query needs
/// [`MIN_EVIDENCE`]; a letter, whose words each count for less, needs [`LETTER_MIN_EVIDENCE`]; a
/// query naming a topic outside the lists needs [`OFF_TOPIC_MIN_EVIDENCE`] for each such topic,
/// since its other words meet the lists by chance. Coverage is not asked for: a letter of several
/// matters covers little of itself with any one duty.
fn answers(plan: &QueryPlan, evidence: f32) -> bool {
    let mut needed = if plan.letter {
        LETTER_MIN_EVIDENCE
    } else {
        MIN_EVIDENCE
    };
    let off_topic = plan
        .concepts
        .iter()
        .filter(|c| c.role == Role::OffTopic)
        .count();
    if off_topic > 0 {
        needed = needed.max(OFF_TOPIC_MIN_EVIDENCE * off_topic as f32);
    }
    evidence >= needed
}

/// Whether an answer whose best hit shows this `evidence` and `coverage` is weak: a letter's
/// best hit below [`STRONG_LETTER_EVIDENCE`] or [`STRONG_LETTER_COVERAGE`] is right far less
/// often, so none of its hits has high confidence.
fn weak_answer(plan: &QueryPlan, evidence: f32, coverage: f32) -> bool {
    plan.letter && (evidence < STRONG_LETTER_EVIDENCE || coverage < STRONG_LETTER_COVERAGE)
}

fn highlights(highlighter: &Highlighter, item: &Item) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (field, text) in [
        ("title", &item.title),
        ("town_duties", &item.town_duties),
        ("department_duties", &item.department_duties),
    ] {
        if let Some(marked) = highlighter.highlight(text) {
            out.insert(field.to_string(), marked);
        }
    }
    out
}

fn round(score: f32) -> f32 {
    (score * 1000.0).round() / 1000.0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::eval::load_judgments;

    /// An engine on the real corpus, indexed into a temporary directory that lives as long as
    /// the engine is used.
    pub(crate) fn real_engine() -> (tempfile::TempDir, Engine) {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let index = tempfile::tempdir().unwrap();
        build(&corpus, index.path(), &Examples::default()).unwrap();
        let engine = Engine::open(index.path()).unwrap();
        (index, engine)
    }

    /// An explanation recomputes a hit's score by the ranking's own formula: for every judged
    /// query, with and without a filter, it gives each hit's score and names its concepts.
    #[test]
    fn explanations_add_up_to_the_hit_scores() {
        let (_index, engine) = real_engine();
        let mut explained = 0;
        for file in ["dev-queries.jsonl", "holdout-queries.jsonl"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(file);
            for judgment in load_judgments(&path).unwrap() {
                let mut request = SearchRequest::new(&judgment.query).unwrap();
                request.explain = true;
                for list in [None, Some(crate::corpus::ListKind::Withdrawn)] {
                    request.list = list;
                    let response = engine.search(&request).unwrap();
                    let concepts = engine.analyze(&request.query).concepts.len();
                    for hit in &response.hits {
                        let explanation = hit.explanation.as_ref().expect("an explanation");
                        let tolerance = 1e-3 * hit.score.max(1.0);
                        assert!(
                            (explanation.score - hit.score).abs() <= tolerance,
                            "{}: {} scored {} but is explained as {explanation:?}",
                            request.query,
                            hit.id,
                            hit.score
                        );
                        assert_eq!(explanation.concepts.len(), concepts);
                        assert!(explanation.concepts.iter().any(|c| c.matched.is_some()));
                        explained += 1;
                    }
                }
            }
        }
        assert!(explained > 900, "only {explained} hits explained");
    }

    /// Scoring a window of documents at a time is an optimisation: one document per window,
    /// a few, or the whole index at once must give the very same candidates, scores, evidence
    /// and facets, with and without filters.
    #[test]
    fn the_ranking_does_not_depend_on_the_scoring_window() {
        let (_index, engine) = real_engine();
        let searcher = engine.reader.searcher();
        let judged = load_judgments(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dev-queries.jsonl"),
        )
        .unwrap();
        let mut ranked_some = 0;
        for judgment in &judged {
            let mut request = SearchRequest::new(&judgment.query).unwrap();
            for list in [None, Some(crate::corpus::ListKind::Coop)] {
                request.list = list;
                let plan = engine.analyze(&request.query);
                let rank = |window| {
                    let ranked = engine.rank(&searcher, &plan, &request, window).unwrap();
                    ranked.candidates
                };
                let whole = rank(1 << 20);
                for window in [1, 2, 7, 64, WINDOW] {
                    assert_eq!(rank(window), whole, "window {window}: {}", request.query);
                }
                ranked_some += usize::from(whole.len() > 1);
            }
        }
        assert!(ranked_some > 100, "only {ranked_some} rankings compared");
    }
}
