//! Turning a [`QueryPlan`] into tantivy queries, built directly rather than through tantivy's
//! `QueryParser`: an unspaced Chinese sentence must not become one phrase (tantivy #718), and
//! query syntax characters are plain text to users.

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::index::DutySchema;
use crate::query::{AltKind, Alternative, Concept, Vocabulary};

/// Score of a match on an item's own department or owner: above any text match, so a
/// department's items rank first for a department query.
const DEPARTMENT_SCORE: f32 = 100.0;
/// Tie breaker of the per-field disjunction: the best field counts fully, the others at 70%, so
/// an item about a term in its title and its duties outranks one that names it in passing.
const FIELD_TIE_BREAKER: f32 = 0.7;
/// Weight of the proximity bonus (adjacent query words adjacent in a title or duty text).
pub const PROXIMITY_WEIGHT: f32 = 0.5;
/// Words the proximity bonus may lie apart.
const PROXIMITY_SLOP: u32 = 2;

/// The query for one alternative of a concept, weighted by its kind and the concept's importance;
/// `None` when a word of it is in no field, so it cannot match (no weight is built for it).
pub fn alternative_query(
    schema: &DutySchema,
    vocabulary: &Vocabulary,
    concept: &Concept,
    alternative: &Alternative,
) -> Option<Box<dyn Query>> {
    let weight = alternative.kind.weight() * concept.importance;
    let query: Box<dyn Query> = match alternative.kind {
        AltKind::Department => Box::new(ConstScoreQuery::new(
            term_query(schema.department, &alternative.text),
            DEPARTMENT_SCORE,
        )),
        AltKind::Ngram => all_of(
            alternative
                .tokens
                .iter()
                .map(|gram| term_query(schema.ngram, gram))
                .collect(),
        ),
        _ => {
            // A multi-word list term scores as the mean of its words, not their sum: a long
            // expansion must not outweigh the word the user typed.
            let words = alternative.tokens.len().max(1) as f32;
            let per_word = alternative
                .tokens
                .iter()
                .map(|token| any_field(schema, vocabulary, token))
                .collect::<Option<Vec<_>>>()?;
            Box::new(BoostQuery::new(all_of(per_word), 1.0 / words))
        }
    };
    Some(Box::new(BoostQuery::new(query, weight)))
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

/// An exact term of a raw field.
pub fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// A token in any analysed text field that has it, each field with its boost; the best field
/// counts fully, the others at the tie breaker. `None` when no field has the token.
fn any_field(schema: &DutySchema, vocabulary: &Vocabulary, token: &str) -> Option<Box<dyn Query>> {
    let per_field: Vec<Box<dyn Query>> = schema
        .weighted_text_fields()
        .into_iter()
        .filter(|(field, _)| vocabulary.field_contains(*field, token))
        .map(|(field, boost)| -> Box<dyn Query> {
            Box::new(BoostQuery::new(term_query(field, token), boost))
        })
        .collect();
    if per_field.is_empty() {
        return None;
    }
    Some(Box::new(DisjunctionMaxQuery::with_tie_breaker(
        per_field,
        FIELD_TIE_BREAKER,
    )))
}

/// All of `queries` must match (one query stands for itself).
fn all_of(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if queries.len() == 1 {
        return queries.remove(0);
    }
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Must, q)).collect(),
    ))
}
