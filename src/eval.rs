//! Relevance evaluation built in, in the spirit of Elasticsearch's ranking-evaluation API: judged
//! queries in, MRR@10, nDCG@10, Success@1/5, Recall@5 and the out-of-scope abstain rate out,
//! overall and per kind; and a cross-validation of learning from staff confirmations
//! ([`learn_folds`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::index::{build, Examples};
use crate::search::{Engine, SearchRequest};

/// Ranks considered by every metric.
const DEPTH: usize = 10;

/// One judged query, as a line of the judgments file.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Judgment {
    /// Query id.
    pub qid: String,
    /// The query text.
    pub query: String,
    /// keyword, complaint, pinyin, typo, department or oos.
    pub kind: String,
    /// Item id → grade (2 covers the query, 1 related); empty for out-of-scope queries.
    pub rel: BTreeMap<String, u8>,
}

/// Reads a JSONL judgments file; a bad line is reported with its number.
pub fn load_judgments(path: &Path) -> Result<Vec<Judgment>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut judgments = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let judgment = serde_json::from_str(line).map_err(|e| Error::Judgments {
            path: path.to_path_buf(),
            line: index + 1,
            message: e.to_string(),
        })?;
        judgments.push(judgment);
    }
    Ok(judgments)
}

/// The repository's judged query files, relative to its root: short queries and residents'
/// messages, each a development set and held-out sets. The benchmarks draw their query sets
/// from all of them.
pub const JUDGED_QUERY_FILES: [&str; 6] = [
    "tests/data/dev-queries.jsonl",
    "tests/data/holdout-queries.jsonl",
    "tests/data/dev-messages.jsonl",
    "tests/data/holdout-messages.jsonl",
    "tests/data/dev-blind-messages.jsonl",
    "tests/data/holdout-blind-messages.jsonl",
];

/// The queries of `kind` (keyword, complaint…) in every file of [`JUDGED_QUERY_FILES`] under
/// the repository root `root`, in file order.
pub fn judged_queries(root: &Path, kind: &str) -> Result<Vec<String>> {
    let mut queries = Vec::new();
    for file in JUDGED_QUERY_FILES {
        let judgments = load_judgments(&root.join(file))?;
        queries.extend(
            judgments
                .into_iter()
                .filter(|judgment| judgment.kind == kind)
                .map(|judgment| judgment.query),
        );
    }
    Ok(queries)
}

/// Metrics over a set of queries.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Queries counted.
    pub queries: usize,
    /// In-scope queries (non-empty judgments).
    pub judged: usize,
    /// Mean reciprocal rank of the first relevant hit in the top 10.
    pub mrr: f64,
    /// Normalized discounted cumulative gain at 10.
    pub ndcg: f64,
    /// Share with a relevant hit first.
    pub success_at_1: f64,
    /// Share with a relevant hit in the top 5.
    pub success_at_5: f64,
    /// Mean share of judged items in the top 5.
    pub recall_at_5: f64,
    /// In-scope queries of a kind dispatched by owner (keyword, complaint, message).
    pub dispatched: usize,
    /// Share of those whose first hit has the owner of a grade-2 item (of a grade-1 item when
    /// none is graded 2): the dispatch accuracy a 12345 desk works by.
    pub owner_at_1: f64,
    /// Out-of-scope queries.
    pub out_of_scope: usize,
    /// Share of out-of-scope queries answered with no hit.
    pub abstain_rate: f64,
}

/// One query's outcome, for finding what to fix.
#[derive(Debug, Clone, Serialize)]
pub struct QueryOutcome {
    /// Query id.
    pub qid: String,
    /// Kind.
    pub kind: String,
    /// Query text.
    pub query: String,
    /// Rank of the first relevant hit (1-based), if any in the top 10.
    pub first_relevant: Option<usize>,
    /// The ids returned.
    pub returned: Vec<String>,
    /// Whether the query was judged out of scope.
    pub out_of_scope: bool,
}

/// The evaluation of a judgments file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// All queries.
    pub overall: Metrics,
    /// Per kind.
    pub by_kind: BTreeMap<String, Metrics>,
    /// Per query.
    pub outcomes: Vec<QueryOutcome>,
}

#[derive(Default)]
struct Sums {
    queries: usize,
    judged: usize,
    mrr: f64,
    ndcg: f64,
    s1: f64,
    s5: f64,
    r5: f64,
    dispatched: usize,
    owner_right: usize,
    oos: usize,
    abstained: usize,
}

impl Sums {
    fn metrics(&self) -> Metrics {
        let per = |sum: f64| {
            if self.judged == 0 {
                0.0
            } else {
                sum / self.judged as f64
            }
        };
        Metrics {
            queries: self.queries,
            judged: self.judged,
            mrr: per(self.mrr),
            ndcg: per(self.ndcg),
            success_at_1: per(self.s1),
            success_at_5: per(self.s5),
            recall_at_5: per(self.r5),
            dispatched: self.dispatched,
            owner_at_1: if self.dispatched == 0 {
                0.0
            } else {
                self.owner_right as f64 / self.dispatched as f64
            },
            out_of_scope: self.oos,
            abstain_rate: if self.oos == 0 {
                0.0
            } else {
                self.abstained as f64 / self.oos as f64
            },
        }
    }
}

/// Runs every judged query against `engine` and computes the metrics.
pub fn evaluate(engine: &Engine, judgments: &[Judgment]) -> Result<Report> {
    evaluate_each(judgments, |_| engine)
}

/// Runs judged query `i` against `engine_of(i)` and computes the metrics.
fn evaluate_each<'a>(
    judgments: &[Judgment],
    engine_of: impl Fn(usize) -> &'a Engine,
) -> Result<Report> {
    let mut overall = Sums::default();
    let mut by_kind: BTreeMap<String, Sums> = BTreeMap::new();
    let mut outcomes = Vec::new();
    for (index, judgment) in judgments.iter().enumerate() {
        let engine = engine_of(index);
        let mut request = SearchRequest::new(&judgment.query)?;
        request.limit = DEPTH;
        let hits = engine.search(&request)?.hits;
        let owner_right = match hits.first() {
            Some(first) if DISPATCHED_KINDS.contains(&judgment.kind.as_str()) => {
                let owner = owner_set(&first.owner);
                let mut right = false;
                for id in dispatch_targets(&judgment.rel) {
                    let item = engine.item(id)?.ok_or_else(|| Error::UnknownJudgedItem {
                        qid: judgment.qid.clone(),
                        id: id.clone(),
                    })?;
                    right |= owner_set(&item.owner) == owner;
                }
                right
            }
            _ => false,
        };
        let returned: Vec<String> = hits.into_iter().map(|hit| hit.id).collect();
        let grade = |id: &String| judgment.rel.get(id).copied().unwrap_or(0);
        let first_relevant = returned.iter().position(|id| grade(id) > 0).map(|i| i + 1);
        for sums in [
            &mut overall,
            by_kind.entry(judgment.kind.clone()).or_default(),
        ] {
            sums.queries += 1;
            if judgment.rel.is_empty() {
                sums.oos += 1;
                sums.abstained += usize::from(returned.is_empty());
                continue;
            }
            sums.judged += 1;
            if DISPATCHED_KINDS.contains(&judgment.kind.as_str()) {
                sums.dispatched += 1;
                sums.owner_right += usize::from(owner_right);
            }
            sums.mrr += first_relevant.map_or(0.0, |rank| 1.0 / rank as f64);
            sums.s1 += f64::from(u8::from(first_relevant == Some(1)));
            sums.s5 += f64::from(u8::from(first_relevant.is_some_and(|r| r <= 5)));
            let relevant = judgment.rel.values().filter(|g| **g > 0).count();
            let found = returned.iter().take(5).filter(|id| grade(id) > 0).count();
            sums.r5 += found as f64 / relevant.max(1) as f64;
            sums.ndcg += ndcg(&returned, &judgment.rel);
        }
        outcomes.push(QueryOutcome {
            qid: judgment.qid.clone(),
            kind: judgment.kind.clone(),
            query: judgment.query.clone(),
            first_relevant,
            returned,
            out_of_scope: judgment.rel.is_empty(),
        });
    }
    Ok(Report {
        overall: overall.metrics(),
        by_kind: by_kind
            .iter()
            .map(|(k, s)| (k.clone(), s.metrics()))
            .collect(),
        outcomes,
    })
}

/// Kinds whose queries a cross-validation learns from ([`learn_folds`]): what residents send.
pub const LEARNED_KINDS: [&str; 2] = ["complaint", "message"];

/// A cross-validation of learning from confirmations: the same judged queries answered by the
/// plain engine and, each, by an engine that learned from the other folds.
#[derive(Debug, Clone)]
pub struct FoldReport {
    /// Without learning.
    pub plain: Report,
    /// With learning.
    pub learned: Report,
}

/// Splits `judgments` into `folds` folds (query `i` in fold `i % folds`) and, for each fold,
/// builds an index from `corpus_dir` whose examples are the complaints and messages of the
/// other folds, as if staff had confirmed each of their grade-2 items and an administrator had
/// accepted them; every query of the fold is answered by that engine. The plain engine is built
/// with no examples. The indexes are built under `scratch`, which is removed afterwards.
pub fn learn_folds(
    corpus_dir: &Path,
    scratch: &Path,
    judgments: &[Judgment],
    folds: usize,
) -> Result<FoldReport> {
    let folds = folds.max(2);
    let result = (|| {
        let open = |name: String, examples: &Examples| {
            let dir = scratch.join(name);
            build(corpus_dir, &dir, examples)?;
            Engine::open(&dir)
        };
        let plain = open("plain".into(), &Examples::default())?;
        let mut learned = Vec::with_capacity(folds);
        for fold in 0..folds {
            let mut examples = Examples::default();
            for (index, judgment) in judgments.iter().enumerate() {
                if index % folds == fold || !LEARNED_KINDS.contains(&judgment.kind.as_str()) {
                    continue;
                }
                for (id, _) in judgment.rel.iter().filter(|(_, grade)| **grade == 2) {
                    examples.add(id, &judgment.query);
                }
            }
            learned.push(open(format!("fold-{fold}"), &examples)?);
        }
        Ok(FoldReport {
            plain: evaluate(&plain, judgments)?,
            learned: evaluate_each(judgments, |index| &learned[index % folds])?,
        })
    })();
    let _ = std::fs::remove_dir_all(scratch);
    result
}

/// Kinds whose answers are dispatched to an owner, for [`Metrics::owner_at_1`].
const DISPATCHED_KINDS: [&str; 3] = ["keyword", "complaint", "message"];

/// The items whose owner a first hit must have: those graded 2, or graded 1 when none is.
fn dispatch_targets(rel: &BTreeMap<String, u8>) -> Vec<&String> {
    let top = rel.values().copied().max().unwrap_or(0);
    rel.iter()
        .filter(|(_, grade)| **grade == top)
        .map(|(id, _)| id)
        .collect()
}

/// Owners as a set: the same departments in another order are the same owner.
fn owner_set(owner: &[String]) -> Vec<&str> {
    let mut set: Vec<&str> = owner.iter().map(String::as_str).collect();
    set.sort_unstable();
    set.dedup();
    set
}

fn ndcg(returned: &[String], rel: &BTreeMap<String, u8>) -> f64 {
    let discount = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = returned
        .iter()
        .take(DEPTH)
        .enumerate()
        .map(|(i, id)| f64::from(rel.get(id).copied().unwrap_or(0)) * discount(i))
        .sum();
    let mut ideal: Vec<u8> = rel.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(DEPTH)
        .enumerate()
        .map(|(i, g)| f64::from(*g) * discount(i))
        .sum();
    if idcg == 0.0 {
        0.0
    } else {
        dcg / idcg
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| kind | queries | MRR@10 | nDCG@10 | Success@1 | Success@5 | Recall@5 | owner@1 | abstain (oos) |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|---|---|")?;
        let row = |f: &mut fmt::Formatter<'_>, kind: &str, m: &Metrics| {
            let judged = |value: f64| {
                if m.judged == 0 {
                    "–".to_string()
                } else {
                    format!("{value:.3}")
                }
            };
            let owner = if m.dispatched == 0 {
                "–".to_string()
            } else {
                format!("{:.3}", m.owner_at_1)
            };
            let abstain = if m.out_of_scope == 0 {
                "–".to_string()
            } else {
                format!("{:.3}", m.abstain_rate)
            };
            writeln!(
                f,
                "| {kind} | {} | {} | {} | {} | {} | {} | {owner} | {abstain} |",
                m.queries,
                judged(m.mrr),
                judged(m.ndcg),
                judged(m.success_at_1),
                judged(m.success_at_5),
                judged(m.recall_at_5),
            )
        };
        for (kind, metrics) in &self.by_kind {
            row(f, kind, metrics)?;
        }
        row(f, "all", &self.overall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndcg_is_one_for_the_ideal_order_and_less_otherwise() {
        let rel: BTreeMap<String, u8> = [("a".to_string(), 2), ("b".to_string(), 1)].into();
        let ideal = ndcg(&["a".into(), "b".into()], &rel);
        assert!((ideal - 1.0).abs() < 1e-9);
        let swapped = ndcg(&["b".into(), "a".into()], &rel);
        assert!(swapped < 1.0 && swapped > 0.5);
        assert_eq!(ndcg(&["x".into()], &rel), 0.0);
    }
}
