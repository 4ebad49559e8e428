//! Turning a [`QueryPlan`] into term lookups and tantivy queries, built directly rather than
//! through tantivy's `QueryParser`: an unspaced Chinese sentence must not become one phrase
//! (tantivy #718), and query syntax characters are plain text to users.
//!
//! [`QueryPlan`]: crate::query::QueryPlan

use tantivy::query::{PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::index::DutySchema;
use crate::query::{AltKind, Alternative, Concept, Vocabulary};
use crate::tuning::{alternative_weight, DEPARTMENT_SCORE, PROXIMITY_SLOP};

/// One word of an alternative: its term in each field that holds it, with the field's boost.
pub struct WordPlan {
    /// `(term, boost)` per field.
    pub fields: Vec<(Term, f32)>,
}

/// How one alternative of a concept is matched and scored, as plain term lookups: the ranker
/// scores each word as its best field plus the tie breaker times the others, and the
/// alternative as the sum of its words (all must match) times `multiplier`.
pub struct AltPlan {
    /// Index of its concept in the plan.
    pub concept: usize,
    /// Its kind, for the evidence it gives.
    pub kind: AltKind,
    /// Kind weight × concept importance (÷ words, for a multi-word list term).
    pub multiplier: f32,
    /// The words that must all match.
    pub words: Vec<WordPlan>,
    /// A fixed score instead of BM25 (a department's own items).
    pub constant: Option<f32>,
}

/// The plan for one alternative of a concept; `None` when a word of it is in no field, so it
/// cannot match (no term is looked up for it).
pub fn alternative_plan(
    schema: &DutySchema,
    vocabulary: &Vocabulary,
    concept_index: usize,
    concept: &Concept,
    alternative: &Alternative,
) -> Option<AltPlan> {
    let weight = alternative_weight(alternative.kind) * concept.importance;
    let single = |field: Field, text: &str| WordPlan {
        fields: vec![(Term::from_field_text(field, text), 1.0)],
    };
    let (words, multiplier, constant) = match alternative.kind {
        AltKind::Department => (
            vec![single(schema.department, &alternative.text)],
            weight,
            Some(DEPARTMENT_SCORE),
        ),
        AltKind::Ngram => (
            alternative
                .tokens
                .iter()
                .map(|gram| single(schema.ngram, gram))
                .collect(),
            weight,
            None,
        ),
        _ => {
            let words = alternative
                .tokens
                .iter()
                .map(|token| any_field(schema, vocabulary, token))
                .collect::<Option<Vec<_>>>()?;
            // A multi-word list term scores as the mean of its words, not their sum: a long
            // expansion must not outweigh the word the user typed.
            let count = words.len().max(1) as f32;
            (words, weight / count, None)
        }
    };
    Some(AltPlan {
        concept: concept_index,
        kind: alternative.kind,
        multiplier,
        words,
        constant,
    })
}

/// A token in each analysed text field that has it, with the field's boost; `None` when no
/// field has it.
fn any_field(schema: &DutySchema, vocabulary: &Vocabulary, token: &str) -> Option<WordPlan> {
    let fields: Vec<(Term, f32)> = schema
        .weighted_text_fields()
        .into_iter()
        .filter(|(field, _)| vocabulary.field_contains(*field, token))
        .map(|(field, boost)| (Term::from_field_text(field, token), boost))
        .collect();
    (!fields.is_empty()).then_some(WordPlan { fields })
}

/// Proximity bonus queries: each pair of adjacent single-word literal concepts as a sloppy phrase
/// in the title and in the duty texts.
pub fn proximity_queries(schema: &DutySchema, concepts: &[Concept]) -> Vec<Box<dyn Query>> {
    let literal = |concept: &Concept| {
        concept
            .alternatives
            .iter()
            .find(|alt| alt.kind == AltKind::Literal && alt.tokens.len() == 1)
            .map(|alt| alt.tokens[0].clone())
    };
    let words: Vec<Option<String>> = concepts.iter().map(literal).collect();
    let mut queries: Vec<Box<dyn Query>> = Vec::new();
    for pair in words.windows(2) {
        let (Some(first), Some(second)) = (&pair[0], &pair[1]) else {
            continue;
        };
        for field in [schema.title, schema.town_duties, schema.department_duties] {
            let terms = vec![
                (0, Term::from_field_text(field, first)),
                (1, Term::from_field_text(field, second)),
            ];
            queries.push(Box::new(PhraseQuery::new_with_offset_and_slop(
                terms,
                PROXIMITY_SLOP,
            )));
        }
    }
    queries
}

/// An exact term of a field.
pub fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}
