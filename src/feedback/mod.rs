//! Staff confirmations, and what the engine learns from them. A clerk who finds the duty a
//! message belongs to confirms it (or says none of the hits fits); the confirmation is stored
//! as pending ([`FeedbackStore`]). An administrator reviews the pending ones grouped by item
//! ([`review`]) and accepts or rejects each; accepted ones become example phrasings of their
//! item ([`Learning::examples`]), indexed at the next reindex, and can be exported as judged
//! queries for `eval` ([`judged_queries`]). Nothing is learned without review, unless a
//! threshold of identical confirmations is configured.

mod store;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::normalize;
use crate::error::{Error, Result};
use crate::eval::Judgment;
use crate::index::Examples;
use crate::search::{Engine, MAX_LIMIT, MAX_QUERY_CHARS};

pub use store::{FeedbackStore, DATABASE_FILE};

/// Characters from which an exported confirmation is judged a `message` (a resident's letter)
/// rather than a `complaint`, as the eval README sizes them.
const MESSAGE_CHARS: usize = 20;

/// A confirmation as a client posts it to `POST /api/feedback`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Posted {
    query: String,
    item_id: Option<String>,
    shown: Vec<String>,
}

/// A checked confirmation: the query a clerk searched, the item they confirmed covers it
/// (`None`: none of the items shown fits) and the ids shown, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The query, trimmed.
    pub query: String,
    /// The confirmed item.
    pub item_id: Option<String>,
    /// The ids of the hits shown, best first.
    pub shown: Vec<String>,
}

impl Confirmation {
    /// Parses and checks a posted JSON body against `engine`'s items: the query must be a
    /// query the search takes (not blank, at most [`MAX_QUERY_CHARS`] characters) without
    /// markup or control characters; the item and every id shown must be items of the index;
    /// at most [`MAX_LIMIT`] ids, each once. Anything else is an [`Error::BadRequest`] saying
    /// what is wrong.
    pub fn parse(body: &[u8], engine: &Engine) -> Result<Confirmation> {
        let posted: Posted = serde_json::from_slice(body).map_err(|e| {
            Error::BadRequest(format!(
                "the body must be {{\"query\": \"…\", \"item_id\": \"coop-7-4\" or null, \
                 \"shown\": [ids]}}: {e}"
            ))
        })?;
        let query = posted.query.trim().to_string();
        if query.is_empty() {
            return Err(Error::BadRequest("query must not be blank".into()));
        }
        let chars = query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::BadRequest(format!(
                "query is {chars} characters long; at most {MAX_QUERY_CHARS} are allowed"
            )));
        }
        if query.contains(['<', '>']) {
            return Err(Error::BadRequest(
                "query must not contain < or >: markup is no resident's message".into(),
            ));
        }
        if query
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Error::BadRequest(
                "query must not contain control characters".into(),
            ));
        }
        if posted.shown.len() > MAX_LIMIT {
            return Err(Error::BadRequest(format!(
                "shown lists {} ids; a page shows at most {MAX_LIMIT}",
                posted.shown.len()
            )));
        }
        for (index, id) in posted.shown.iter().enumerate() {
            if posted.shown[..index].contains(id) {
                return Err(Error::BadRequest(format!("shown lists {id} twice")));
            }
        }
        for id in posted.item_id.iter().chain(&posted.shown) {
            if engine.item(id)?.is_none() {
                return Err(Error::BadRequest(format!("unknown item id {id:?}")));
            }
        }
        Ok(Confirmation {
            query,
            item_id: posted.item_id,
            shown: posted.shown,
        })
    }
}

/// A confirmation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stored {
    /// Its id, as `POST /api/feedback` answered it.
    pub id: i64,
    /// When it was posted, seconds since the Unix epoch.
    pub at: i64,
    /// The query.
    pub query: String,
    /// The confirmed item; `None` when none of the items shown fitted.
    pub item_id: Option<String>,
    /// The ids shown, best first.
    pub shown: Vec<String>,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
}

/// What an administrator decides on a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The item does cover the query: learn from it.
    Accept,
    /// It does not: never learn from it.
    Reject,
}

impl Decision {
    /// The status it gives a confirmation.
    pub fn status(self) -> &'static str {
        match self {
            Decision::Accept => "accepted",
            Decision::Reject => "rejected",
        }
    }
}

/// The pending confirmations of one item, for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ItemReview {
    /// The item confirmed; `None` for "none of the hits fits".
    pub item_id: Option<String>,
    /// Its title, when it names an item the index holds.
    pub title: Option<String>,
    /// How many confirmations are pending for it.
    pub count: usize,
    /// Those confirmations, oldest first.
    pub confirmations: Vec<Stored>,
}

/// The pending confirmations grouped by item, the most confirmed first, each item with its
/// title from `engine`.
pub fn review(store: &FeedbackStore, engine: &Engine) -> Result<Vec<ItemReview>> {
    let mut groups: BTreeMap<Option<String>, Vec<Stored>> = BTreeMap::new();
    for stored in store.with_status("pending")? {
        groups
            .entry(stored.item_id.clone())
            .or_default()
            .push(stored);
    }
    let mut reviews = groups
        .into_iter()
        .map(|(item_id, confirmations)| {
            let title = match &item_id {
                Some(id) => engine.item(id)?.map(|item| item.title),
                None => None,
            };
            Ok(ItemReview {
                item_id,
                title,
                count: confirmations.len(),
                confirmations,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    reviews.sort_by_key(|review| std::cmp::Reverse(review.count));
    Ok(reviews)
}

/// Where a build takes its items' example phrasings from: the accepted confirmations of a
/// data directory and, when `confirmations` is set, a phrasing confirmed that many times for
/// the same item while pending.
#[derive(Clone)]
pub struct Learning {
    /// The confirmations.
    pub store: FeedbackStore,
    /// Identical pending confirmations (same query, once normalized, same item) that count as
    /// accepted; `None`: only accepted ones count.
    pub confirmations: Option<usize>,
}

impl Learning {
    /// The example phrasings to index: every accepted confirmation's query, oldest first, then
    /// each phrasing pending [`Learning::confirmations`] times for its item; per item at most
    /// [`crate::tuning::EXAMPLES_PER_ITEM`].
    pub fn examples(&self) -> Result<Examples> {
        let mut examples = Examples::default();
        for stored in self.store.with_status("accepted")? {
            if let Some(id) = &stored.item_id {
                examples.add(id, &stored.query);
            }
        }
        if let Some(needed) = self.confirmations {
            let mut counts: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
            for stored in self.store.with_status("pending")? {
                let Some(id) = stored.item_id else { continue };
                let key = (id, normalize(&stored.query));
                counts.entry(key).or_insert((0, stored.query)).0 += 1;
            }
            for ((id, _), (count, query)) in counts {
                if count >= needed {
                    examples.add(&id, &query);
                }
            }
        }
        Ok(examples)
    }
}

/// The accepted confirmations as judged queries (the format of `tests/data/*.jsonl`): one per
/// distinct query, each item confirmed for it graded 2; a query of [`MESSAGE_CHARS`] or more
/// is a `message`, a shorter one a `complaint`.
pub fn judged_queries(store: &FeedbackStore) -> Result<Vec<Judgment>> {
    let mut judged: Vec<Judgment> = Vec::new();
    for stored in store.with_status("accepted")? {
        let Some(id) = stored.item_id else { continue };
        if let Some(known) = judged.iter_mut().find(|j| j.query == stored.query) {
            known.rel.insert(id, 2);
            continue;
        }
        let kind = if stored.query.chars().count() >= MESSAGE_CHARS {
            "message"
        } else {
            "complaint"
        };
        judged.push(Judgment {
            qid: format!("fb{}", stored.id),
            kind: kind.to_string(),
            rel: BTreeMap::from([(id, 2)]),
            query: stored.query,
        });
    }
    Ok(judged)
}

/// Writes `judged` to `path` as JSON lines.
pub fn write_judgments(path: &Path, judged: &[Judgment]) -> Result<()> {
    let mut text = String::new();
    for judgment in judged {
        text.push_str(&serde_json::to_string(judgment).expect("a judgment serializes"));
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}
