//! Document labels (list, category, town and departments for facets; the action kind for
//! intent) read once
//! when an index opens. A query then finds each
//! candidate's labels by column ordinal in plain tables, never reading a column's dictionary: a
//! province's town column holds thousands of names in compressed blocks, and looking them up per
//! query cost more than the ranking itself at 4,000 towns.

use std::collections::HashMap;

use tantivy::columnar::StrColumn;
use tantivy::{DocId, Searcher};

/// The fast fields read, in the order of a candidate's labels: the three faceted (list,
/// category, town), then the item's action kind, which a message's intent steers by.
const LABEL_FIELDS: [&str; 4] = ["list", "category", "town", "action"];

/// Every distinct facet value of an index, and per segment and facet, ordinal → label.
pub struct DocLabels {
    names: Vec<String>,
    segments: Vec<SegmentLabels>,
}

/// The fast field of an item's departments, which may be several: faceted on its own.
const DEPARTMENT_FIELD: &str = "department";

/// One segment's facet columns and their ordinal → label tables.
struct SegmentLabels {
    columns: [Option<StrColumn>; 4],
    by_ordinal: [Vec<u32>; 4],
    departments: Option<StrColumn>,
    department_ids: Vec<u32>,
}

impl DocLabels {
    /// Reads the facet columns' dictionaries of every segment of `searcher`, which must be the
    /// searcher later queries use (an engine's reader never reloads).
    pub fn read(searcher: &Searcher) -> tantivy::Result<DocLabels> {
        let mut labels = DocLabels {
            names: Vec::new(),
            segments: Vec::new(),
        };
        let mut ids: HashMap<String, u32> = HashMap::new();
        labels.id(&mut ids, "");
        for reader in searcher.segment_readers() {
            let fast = reader.fast_fields();
            let mut segment = SegmentLabels {
                columns: [None, None, None, None],
                by_ordinal: Default::default(),
                departments: None,
                department_ids: Vec::new(),
            };
            for (slot, field) in LABEL_FIELDS.iter().enumerate() {
                if let Some(column) = fast.str(field)? {
                    segment.by_ordinal[slot] = labels.ids_of(&mut ids, &column)?;
                    segment.columns[slot] = Some(column);
                }
            }
            if let Some(column) = fast.str(DEPARTMENT_FIELD)? {
                segment.department_ids = labels.ids_of(&mut ids, &column)?;
                segment.departments = Some(column);
            }
            labels.segments.push(segment);
        }
        Ok(labels)
    }

    /// The label id of each term of `column`'s dictionary, by ordinal.
    fn ids_of(
        &mut self,
        ids: &mut HashMap<String, u32>,
        column: &StrColumn,
    ) -> tantivy::Result<Vec<u32>> {
        let mut by_ordinal = Vec::new();
        let mut terms = column.dictionary().stream()?;
        while terms.advance() {
            by_ordinal.push(self.id(ids, &String::from_utf8_lossy(terms.key())));
        }
        Ok(by_ordinal)
    }

    /// The id of `name`, added if new.
    fn id(&mut self, ids: &mut HashMap<String, u32>, name: &str) -> u32 {
        if let Some(&id) = ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        ids.insert(name.to_string(), id);
        id
    }

    /// Every label; a label id indexes this.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The list, category, town and action label ids of `doc` in segment `segment`; the empty
    /// name for a missing value.
    pub fn of(&self, segment: usize, doc: DocId) -> [u32; 4] {
        let segment = &self.segments[segment];
        std::array::from_fn(|slot| {
            segment.columns[slot]
                .as_ref()
                .and_then(|column| column.term_ords(doc).next())
                .and_then(|ordinal| segment.by_ordinal[slot].get(ordinal as usize).copied())
                .unwrap_or(0)
        })
    }

    /// The label ids of every department `doc` of segment `segment` names (its departments
    /// and owners), each once, for the department facet.
    pub fn departments_of(&self, segment: usize, doc: DocId) -> Vec<u32> {
        let segment = &self.segments[segment];
        let Some(column) = &segment.departments else {
            return Vec::new();
        };
        // An owner is usually among the departments too: each counts once.
        let mut ids: Vec<u32> = column
            .term_ords(doc)
            .filter_map(|ordinal| segment.department_ids.get(ordinal as usize).copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::tests::real_engine;

    #[test]
    fn every_item_has_its_list_category_and_town_labels() {
        let (_index, engine) = real_engine();
        let searcher = engine.reader.searcher();
        let labels = DocLabels::read(&searcher).unwrap();
        assert_eq!(labels.names()[0], "");
        let mut seen = 0;
        for (segment, reader) in searcher.segment_readers().iter().enumerate() {
            for doc in 0..reader.max_doc() {
                let item = engine
                    .stored_item(&searcher, tantivy::DocAddress::new(segment as u32, doc))
                    .unwrap();
                let [list, category, town, action] = labels
                    .of(segment, doc)
                    .map(|id| &labels.names()[id as usize]);
                assert_eq!(list, item.list.as_str());
                assert_eq!(category, &item.category);
                assert_eq!(town, &item.town);
                assert!(["service", "enforcement", "other"].contains(&action.as_str()));
                let mut departments: Vec<&String> = labels
                    .departments_of(segment, doc)
                    .into_iter()
                    .map(|id| &labels.names()[id as usize])
                    .collect();
                let mut named: Vec<&String> = item.departments.iter().chain(&item.owner).collect();
                departments.sort();
                named.sort();
                named.dedup();
                assert_eq!(departments, named, "{}", item.id);
                seen += 1;
            }
        }
        assert_eq!(seen, 261);
    }
}
