//! What query analysis produces: the concepts of a query, each with the alternative terms that
//! can match it, and a plain account of the interpretation for staff.

use serde::Serialize;
use utoipa::ToSchema;

/// How an alternative came about; decides its weight and how much it counts as evidence
/// ([`crate::tuning::alternative_weight`], [`crate::tuning::alternative_evidence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AltKind {
    /// The word as typed.
    Literal,
    /// A dictionary word inside a longer typed word (天气 of 天气预报).
    Part,
    /// A list term from the synonym lexicon (电瓶车 → 电动自行车).
    Synonym,
    /// A word whose pinyin the user typed (ranqi → 燃气).
    Pinyin,
    /// A word that sounds like a typed word that matches nothing (然气 → 燃气).
    Homophone,
    /// Character bigrams of a typed word that matches nothing as a word.
    Ngram,
    /// A department named by the typed word (教育局 → 利通区教育局): ranks its items first.
    Department,
}

impl AltKind {
    /// The kind's name, as the API spells it.
    pub fn name(self) -> &'static str {
        match self {
            AltKind::Literal => "literal",
            AltKind::Part => "part",
            AltKind::Synonym => "synonym",
            AltKind::Pinyin => "pinyin",
            AltKind::Homophone => "homophone",
            AltKind::Ngram => "ngram",
            AltKind::Department => "department",
        }
    }
}

/// One way a concept can match: a term of the lists (or a department name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// The term searched.
    pub text: String,
    /// Its analysed words; all must match (a multi-word list term).
    pub tokens: Vec<String>,
    /// How it came about.
    pub kind: AltKind,
}

/// Where a concept stands in the message, which decides how much it counts
/// ([`crate::tuning::role_weight`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// What the message is about: a clause stating a harm or a request, or any word of a short
    /// query.
    Matter,
    /// The story around the matter: a clause of a letter that states neither harm nor request.
    Background,
    /// The writer's self-introduction (我是X村X组村民).
    Introduction,
    /// A place, person, time, number or address part (金星镇, 三组, 2023年, 某某).
    Name,
    /// The writer's setting (小区, 物业, 村委会), or a department a long message names as
    /// context (打过派出所电话).
    Setting,
    /// A word of asking itself (举报, 反映, 处理, 解决): what the writer wants done, not about
    /// what.
    Request,
    /// A function word the filler list lacks (就, 也, 这, 着): jieba tags it a pronoun, adverb,
    /// preposition, conjunction, particle or direction.
    Function,
    /// A topic none of the lists covers (公交线路, 宽带): no item can match it.
    OffTopic,
}

/// One thing the user asked about: a typed word, a recognised colloquial term, a pinyin word.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concept {
    /// What the user typed for it.
    pub label: String,
    /// How much the concept counts: a single character counts less than a word, a place name
    /// or a background clause's word less than the matter.
    pub importance: f32,
    /// Where it stands in the message.
    pub role: Role,
    /// The terms that match it; the concept scores by its best-matching alternative.
    pub alternatives: Vec<Alternative>,
    /// Byte offset in the normalized query, to find its clause.
    #[serde(skip)]
    pub start: usize,
    /// jieba's part-of-speech tag of its word (empty for a lexicon or pinyin concept).
    #[serde(skip)]
    pub tag: String,
}

impl Concept {
    /// A concept of `label` at byte `start`, matched by `alternatives`, counting fully.
    pub fn new(label: impl Into<String>, start: usize, alternatives: Vec<Alternative>) -> Concept {
        Concept {
            label: label.into(),
            importance: 1.0,
            role: Role::Matter,
            alternatives,
            start,
            tag: String::new(),
        }
    }
}

/// An expansion shown to staff: `from` was also searched as `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Expansion {
    /// What the user typed.
    pub from: String,
    /// The list terms searched in its place.
    pub to: Vec<String>,
    /// Why: `synonym`, `pinyin`, `homophone` or `department`.
    pub via: AltKind,
}

/// How the engine read a query, returned with every answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Interpretation {
    /// The words searched as typed (filler removed).
    pub terms: Vec<String>,
    /// The expansions added.
    pub expansions: Vec<Expansion>,
}

/// What a message asks for, which steers between an item's service and its enforcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    /// To get, apply for or learn how to get something (高龄津贴怎么申请).
    Apply,
    /// To report abuse or fraud (有人冒领高龄津贴).
    Report,
}

/// The analysed query.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueryPlan {
    /// The normalized query text.
    pub normalized: String,
    /// The concepts to match, in query order.
    pub concepts: Vec<Concept>,
    /// What the message asks for, when its words say.
    pub intent: Option<Intent>,
    /// Whether the query is a letter (clauses telling a story around a matter) rather than a
    /// keyword or a short complaint: its abstain rule is its own.
    pub letter: bool,
}

impl QueryPlan {
    /// The interpretation shown to staff.
    pub fn interpretation(&self) -> Interpretation {
        let mut interpretation = Interpretation::default();
        for concept in &self.concepts {
            let literal = concept
                .alternatives
                .iter()
                .any(|alt| alt.kind == AltKind::Literal);
            if literal {
                interpretation.terms.push(concept.label.clone());
            }
            for via in [
                AltKind::Synonym,
                AltKind::Pinyin,
                AltKind::Homophone,
                AltKind::Department,
            ] {
                let to: Vec<String> = concept
                    .alternatives
                    .iter()
                    .filter(|alt| alt.kind == via)
                    .map(|alt| alt.text.clone())
                    .collect();
                if !to.is_empty() {
                    interpretation.expansions.push(Expansion {
                        from: concept.label.clone(),
                        to,
                        via,
                    });
                }
            }
        }
        interpretation
    }

    /// Every term worth highlighting in a hit: the words of all alternatives but n-grams.
    pub fn highlight_terms(&self) -> Vec<String> {
        let mut terms: Vec<String> = Vec::new();
        for alt in self.concepts.iter().flat_map(|c| &c.alternatives) {
            if alt.kind == AltKind::Ngram {
                continue;
            }
            for token in &alt.tokens {
                if !terms.contains(token) {
                    terms.push(token.clone());
                }
            }
        }
        terms
    }
}
