//! The JSON answers of the routes besides the search's, as types: what the handlers send is
//! what `/openapi.json` describes.

use serde::Serialize;
use utoipa::ToSchema;

use crate::corpus::Item;
use crate::feedback::ItemReview;

/// `GET /api/items/{id}`: every field of the item, with its list's label and its ownership in
/// a sentence, as a hit carries them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemAnswer {
    /// The item, every field of the corpus.
    #[serde(flatten)]
    pub item: Item,
    /// The list's label (配合履职事项).
    #[schema(value_type = String)]
    pub list_label: &'static str,
    /// Ownership in a sentence (牵头部门：…，金星镇配合).
    pub owner_statement: String,
}

impl From<Item> for ItemAnswer {
    fn from(item: Item) -> ItemAnswer {
        ItemAnswer {
            list_label: item.list_label(),
            owner_statement: item.owner_statement(),
            item,
        }
    }
}

/// `GET /healthz`: whether the index serving answers, and what it holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` (answered with 503) when a real search or reading items back failed.
    pub status: String,
    /// Items in the index serving.
    pub items: u64,
    /// The towns it holds.
    pub towns: Vec<String>,
    /// When it was built (RFC 3339).
    pub built_at: String,
    /// When it was built (seconds since the Unix epoch).
    pub built_at_unix: u64,
    /// Why it is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /admin/reindex`: the rebuild that was swapped in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reindexed {
    /// Always `reindexed`.
    pub status: String,
    /// Items in the new index.
    pub items: usize,
    /// The towns it holds.
    pub towns: Vec<String>,
    /// When it was built (RFC 3339).
    pub built_at: String,
    /// When it was built (seconds since the Unix epoch).
    pub built_at_unix: u64,
    /// The generation directory it lives in (`gen-…`).
    pub generation: String,
    /// Whether this request joined a rebuild that was already running.
    pub joined: bool,
    /// When that rebuild started (RFC 3339).
    pub started_at: String,
}

/// Every error answer: what is wrong, and for a corpus a reindex refused, where.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorAnswer {
    /// What is wrong, and what is expected.
    pub error: String,
    /// The corpus file at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The 1-based line at fault in that file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// `POST /api/feedback`: the stored confirmation's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recorded {
    /// The confirmation's id, as `duty-search feedback accept|reject` takes it.
    pub id: i64,
}

/// `GET /admin/feedback`: the pending confirmations, grouped by item.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingReview {
    /// Pending confirmations in all.
    pub pending: usize,
    /// Each item's pending confirmations, the most confirmed item first.
    pub items: Vec<ItemReview>,
}
