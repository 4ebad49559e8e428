//! The index schema, defined in this one place: which fields exist, how each is analysed, and
//! which hold what part of an item.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::TantivyDocument;

use crate::analysis::{BIGRAM_TOKENIZER, CHINESE_TOKENIZER};
use crate::corpus::{Item, ListKind};
use crate::lexicon::Action;
use crate::tuning::{
    CATEGORY_BOOST, DEPARTMENTS_BOOST, DEPARTMENT_DUTIES_BOOST, TITLE_BOOST, TOWN_DUTIES_BOOST,
};

use super::Examples;

/// The fields of the duty index.
#[derive(Debug, Clone)]
pub struct DutySchema {
    /// Item id, exact (`coop-7-4`): lookup by id.
    pub id: Field,
    /// List machine name, exact and fast: filter and facet.
    pub list: Field,
    /// Category name, exact and fast: filter and facet.
    pub category: Field,
    /// Town name, exact and fast: filter and facet across towns.
    pub town: Field,
    /// Each department or owner name, exact and fast: the department filter, its facet and the
    /// owner boost.
    pub department: Field,
    /// What the item does (service, enforcement, other), exact and fast: a message's intent
    /// steers by it.
    pub action: Field,
    /// 事项名称, analysed.
    pub title: Field,
    /// The town's duties, analysed (empty for basic items, whose text is the title).
    pub town_duties: Field,
    /// The departments' duties, analysed.
    pub department_duties: Field,
    /// Department names, analysed, so 民政局 finds 利通区民政局.
    pub departments_text: Field,
    /// Category name, analysed.
    pub category_text: Field,
    /// Character bigrams of title and duties: the n-gram fallback.
    pub ngram: Field,
    /// Residents' phrasings staff confirmed the item covers ([`Examples`]), one value each,
    /// analysed like a query and stored; not one of the item's own texts, so it adds to the
    /// score of an item a query matches and never makes one match (see `search/examples.rs`).
    pub examples: Field,
    /// The whole item as JSON, stored only: hits are answered from it.
    pub item: Field,
    schema: Schema,
}

impl DutySchema {
    /// Builds the schema.
    pub fn new() -> DutySchema {
        let mut builder = Schema::builder();
        let analysed = |tokenizer: &str, record: IndexRecordOption| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(record),
            )
        };
        let positions = IndexRecordOption::WithFreqsAndPositions;
        let id = builder.add_text_field("id", STRING | STORED);
        let list = builder.add_text_field("list", STRING | FAST);
        let category = builder.add_text_field("category", STRING | FAST);
        let town = builder.add_text_field("town", STRING | FAST);
        let department = builder.add_text_field("department", STRING | FAST);
        let action = builder.add_text_field("action", STRING | FAST);
        let title = builder.add_text_field("title", analysed(CHINESE_TOKENIZER, positions));
        let town_duties =
            builder.add_text_field("town_duties", analysed(CHINESE_TOKENIZER, positions));
        let department_duties =
            builder.add_text_field("department_duties", analysed(CHINESE_TOKENIZER, positions));
        let departments_text = builder.add_text_field(
            "departments_text",
            analysed(CHINESE_TOKENIZER, IndexRecordOption::WithFreqs),
        );
        let category_text = builder.add_text_field(
            "category_text",
            analysed(CHINESE_TOKENIZER, IndexRecordOption::WithFreqs),
        );
        let ngram = builder.add_text_field(
            "ngram",
            analysed(BIGRAM_TOKENIZER, IndexRecordOption::WithFreqs),
        );
        let examples = builder.add_text_field(
            "examples",
            analysed(CHINESE_TOKENIZER, IndexRecordOption::Basic).set_stored(),
        );
        let item = builder.add_text_field("item", STORED);
        DutySchema {
            id,
            list,
            category,
            town,
            department,
            action,
            title,
            town_duties,
            department_duties,
            departments_text,
            category_text,
            ngram,
            examples,
            item,
            schema: builder.build(),
        }
    }

    /// The tantivy schema.
    pub fn schema(&self) -> Schema {
        self.schema.clone()
    }

    /// The analysed text fields a query searches, with their boosts (see [`crate::tuning`]):
    /// title over town duties over department duties over departments over category.
    pub fn weighted_text_fields(&self) -> [(Field, f32); 5] {
        [
            (self.title, TITLE_BOOST),
            (self.town_duties, TOWN_DUTIES_BOOST),
            (self.department_duties, DEPARTMENT_DUTIES_BOOST),
            (self.departments_text, DEPARTMENTS_BOOST),
            (self.category_text, CATEGORY_BOOST),
        ]
    }

    /// An item's text in each field of [`DutySchema::weighted_text_fields`], in that order:
    /// what a query's words can match, and what a synonym's list term must occur in.
    pub fn searched_texts(&self, item: &Item) -> [(Field, String); 5] {
        // A basic item's duty text is its title: indexing it twice would count it twice.
        let town_duties = match item.list {
            ListKind::Basic => String::new(),
            ListKind::Coop | ListKind::Withdrawn => item.town_duties.clone(),
        };
        [
            (self.title, item.title.clone()),
            (self.town_duties, town_duties),
            (self.department_duties, item.department_duties.clone()),
            (self.departments_text, item.departments.join("、")),
            (self.category_text, item.category.clone()),
        ]
    }

    /// The document for one item, which does `action`, with its example phrasings.
    pub fn document(&self, item: &Item, action: Action, examples: &Examples) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.action, action.as_str());
        doc.add_text(self.id, &item.id);
        doc.add_text(self.list, item.list.as_str());
        doc.add_text(self.category, &item.category);
        doc.add_text(self.town, &item.town);
        for name in item.departments.iter().chain(&item.owner) {
            doc.add_text(self.department, name);
        }
        let texts = self.searched_texts(item);
        // The n-gram fallback reads the title and the duty texts.
        let ngram_text = texts[..3]
            .iter()
            .map(|(_, text)| text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for (field, text) in texts {
            doc.add_text(field, text);
        }
        doc.add_text(self.ngram, ngram_text);
        for phrasing in examples.of(&item.id) {
            doc.add_text(self.examples, phrasing);
        }
        doc.add_text(
            self.item,
            serde_json::to_string(item).expect("an item serializes to JSON"),
        );
        doc
    }
}

impl Default for DutySchema {
    fn default() -> Self {
        DutySchema::new()
    }
}
