//! What a search is asked and what it answers: the request with its validation, and the
//! response with hits, facets and the query's interpretation.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::corpus::{Item, ListKind};
use crate::error::{Error, Result};
use crate::query::{AltKind, Interpretation};
use crate::tuning::{HIGH_CONFIDENCE_SHARE, MEDIUM_CONFIDENCE_SHARE};

/// Longest query accepted, in characters: a resident's letter or a pasted work order fits, a
/// pasted document does not.
pub const MAX_QUERY_CHARS: usize = 2000;
/// Most hits one page may ask for.
pub const MAX_LIMIT: usize = 100;

/// A validated search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// The query as typed.
    pub query: String,
    /// Hits per page, 1..=100.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Only this list.
    pub list: Option<ListKind>,
    /// Only this category (exact name, e.g. 城乡建设).
    pub category: Option<String>,
    /// Only items naming this department (a full name, or part of one such as 民政局).
    pub department: Option<String>,
    /// Only this town's items (its name as the lists' headings give it, e.g. 金星镇).
    pub town: Option<String>,
    /// Whether each hit carries its [`Explanation`].
    pub explain: bool,
}

impl SearchRequest {
    /// A first page of 10 hits for `query`, without filters; fails like [`SearchRequest::validate`].
    pub fn new(query: &str) -> Result<SearchRequest> {
        let request = SearchRequest {
            query: query.to_string(),
            limit: 10,
            offset: 0,
            list: None,
            category: None,
            department: None,
            town: None,
            explain: false,
        };
        request.validate()?;
        Ok(request)
    }

    /// Refuses a blank or over-long query and a limit outside 1..=100, saying which.
    pub fn validate(&self) -> Result<()> {
        if self.query.trim().is_empty() {
            return Err(Error::BadRequest("q must not be blank".into()));
        }
        let chars = self.query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::BadRequest(format!(
                "q is {chars} characters long; at most {MAX_QUERY_CHARS} are allowed"
            )));
        }
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return Err(Error::BadRequest(format!(
                "limit must be between 1 and {MAX_LIMIT}, got {}",
                self.limit
            )));
        }
        Ok(())
    }
}

/// One ranked duty.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Hit {
    /// Item id (`coop-7-4`).
    pub id: String,
    /// List machine name.
    pub list: ListKind,
    /// List label (配合履职事项).
    #[schema(value_type = String)]
    pub list_label: &'static str,
    /// Category name.
    pub category: String,
    /// 事项名称.
    pub title: String,
    /// Owners exactly as the document names them; empty when it names nobody.
    pub owner: Vec<String>,
    /// Ownership in a sentence (牵头部门：…，金星镇配合).
    pub owner_statement: String,
    /// Departments named by the item.
    pub departments: Vec<String>,
    /// What the town does.
    pub town_duties: String,
    /// What the departments do.
    pub department_duties: String,
    /// The town.
    pub town: String,
    /// Ranking score (higher is better; comparable within one answer only).
    pub score: f32,
    /// How likely the hit is to be a duty that covers the query, by its score's share of the
    /// best hit's and the strength of the answer (calibrated on the judged files: see
    /// [`crate::tuning::HIGH_CONFIDENCE_SHARE`] and [`crate::tuning::STRONG_LETTER_EVIDENCE`]).
    pub confidence: Confidence,
    /// Per field, the HTML-escaped text with `<mark>` around matched terms.
    pub highlights: BTreeMap<String, String>,
    /// Why it scored what it did, when the request asked (`explain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// Why a hit scored what it did: each part of the ranking formula (see [`crate::tuning`]).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Explanation {
    /// Per concept of the query, in query order: how much it counts and how the item matched it.
    pub concepts: Vec<ConceptExplanation>,
    /// The bonus for typed words found close together in the item.
    pub proximity: f32,
    /// What the item's example phrasings (residents' words staff confirmed it covers) added: a
    /// share of the best hit's own score, by how much of the query its phrasing most like it
    /// holds.
    pub examples: f32,
    /// Said when an example phrasing matched: 与已确认的来件相似 (like a message staff
    /// confirmed for this duty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    /// The matched concepts' scores plus the proximity bonus.
    pub raw: f32,
    /// The weighted share of the query's concepts the item matched, 0–1.
    pub coverage: f32,
    /// The evidence the abstain rule reads (the best hit needs at least
    /// [`crate::tuning::MIN_EVIDENCE`]).
    pub evidence: f32,
    /// The hit's score as a share of the best hit's, which gives its confidence.
    pub share_of_best: f32,
    /// Whether the answer is weak: the query is a letter whose best hit shows less evidence or
    /// coverage than a strong answer, so no hit is more than medium.
    pub weak_answer: bool,
    /// The factor the message's intent gave the item, by what it does (see
    /// [`crate::tuning::intent_weight`]).
    pub intent_weight: f32,
    /// raw × coverage^[`crate::tuning::COVERAGE_EXPONENT`] × intent weight + examples: the
    /// hit's score.
    pub score: f32,
}

/// One concept of the query, as one hit matched it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ConceptExplanation {
    /// What the query said for it.
    pub concept: String,
    /// Its importance from query analysis (a single character counts less).
    pub importance: f32,
    /// Importance × specificity (how few items it matched): its share of coverage.
    pub weight: f32,
    /// How the hit matched it; absent when it did not.
    pub matched: Option<MatchedTerm>,
}

/// The alternative of a concept that gave a hit its score for that concept.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MatchedTerm {
    /// The term searched (the word typed, a list term of the lexicon, a department's name…).
    pub term: String,
    /// How the term came from the query: literal, synonym, pinyin, homophone, part, ngram or
    /// department.
    pub via: AltKind,
    /// The index fields it matched in (title, town_duties, department_duties, …).
    pub fields: Vec<String>,
    /// The concept's score from it.
    pub score: f32,
    /// The evidence its kind gives (see [`crate::tuning::alternative_evidence`]).
    pub evidence: f32,
}

/// How far a hit can be trusted, so that a weak answer looks weak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Most hits this close to the best are relevant (about 80–90% on the judged files).
    High,
    /// About half are.
    Medium,
    /// Few are (about 1 in 4 or 5).
    Low,
}

impl Confidence {
    /// The confidence of a hit whose score is `share` of the best hit's (0–1) in an answer
    /// that is `weak` (see [`crate::tuning::STRONG_LETTER_EVIDENCE`]): a weak answer's hits are
    /// at most medium.
    pub fn of(share: f32, weak: bool) -> Confidence {
        if share >= HIGH_CONFIDENCE_SHARE && !weak {
            Confidence::High
        } else if share >= MEDIUM_CONFIDENCE_SHARE {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }
}

impl Hit {
    /// A hit for `item`, scored and highlighted, of `confidence`.
    pub fn new(
        item: Item,
        score: f32,
        confidence: Confidence,
        highlights: BTreeMap<String, String>,
    ) -> Hit {
        Hit {
            list_label: item.list_label(),
            owner_statement: item.owner_statement(),
            id: item.id,
            list: item.list,
            category: item.category,
            title: item.title,
            owner: item.owner,
            departments: item.departments,
            town_duties: item.town_duties,
            department_duties: item.department_duties,
            town: item.town,
            score,
            confidence,
            highlights,
            explanation: None,
        }
    }
}

/// Counts of matching items per list, category, town and department (before the request's
/// filters apply).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Facets {
    /// Per list machine name.
    pub list: BTreeMap<String, usize>,
    /// Per category name.
    pub category: BTreeMap<String, usize>,
    /// Per town.
    pub town: BTreeMap<String, usize>,
    /// Per department an item names (its departments and owners), by full name: what the
    /// department filter offers.
    pub department: BTreeMap<String, usize>,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The query as typed.
    pub query: String,
    /// Matching items after filters (0 when the engine abstains).
    pub total: usize,
    /// Time spent in the engine, in milliseconds.
    pub took_ms: f64,
    /// The requested page of hits.
    pub hits: Vec<Hit>,
    /// Counts per list and category.
    pub facets: Facets,
    /// How the query was read.
    pub interpretation: Interpretation,
    /// When nothing fits: the nearest duty titles, to help rephrase.
    pub suggestions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_problem() {
        assert!(SearchRequest::new("燃气").is_ok());
        let blank = SearchRequest::new("  ").unwrap_err().to_string();
        assert!(blank.contains("blank"), "{blank}");
        assert!(SearchRequest::new(&"燃".repeat(2000)).is_ok());
        let long = SearchRequest::new(&"燃".repeat(2001))
            .unwrap_err()
            .to_string();
        assert!(long.contains("2001"), "{long}");
        let mut request = SearchRequest::new("燃气").unwrap();
        request.limit = 0;
        assert!(request
            .validate()
            .unwrap_err()
            .to_string()
            .contains("limit"));
        request.limit = 101;
        assert!(request.validate().is_err());
    }
}
