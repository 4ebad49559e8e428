//! Example phrasings of items: residents' words that staff confirmed an item covers and an
//! administrator accepted (see [`crate::feedback`]). A build indexes them in the `examples`
//! field, so a message phrased like a confirmed one finds its item.

use std::collections::BTreeMap;

use crate::tuning::EXAMPLES_PER_ITEM;

/// Per item id, its example phrasings, at most [`EXAMPLES_PER_ITEM`] each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Examples {
    by_item: BTreeMap<String, Vec<String>>,
}

impl Examples {
    /// Adds `phrasing` to the examples of item `id`, unless the item has it already or has
    /// [`EXAMPLES_PER_ITEM`]: the first ones added are kept.
    pub fn add(&mut self, id: &str, phrasing: &str) {
        let phrasings = self.by_item.entry(id.to_string()).or_default();
        if phrasings.len() < EXAMPLES_PER_ITEM && !phrasings.iter().any(|p| p == phrasing) {
            phrasings.push(phrasing.to_string());
        }
    }

    /// The example phrasings of item `id` (none when it has none).
    pub fn of(&self, id: &str) -> &[String] {
        self.by_item.get(id).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_keeps_distinct_phrasings_up_to_its_cap() {
        let mut examples = Examples::default();
        for n in 0..EXAMPLES_PER_ITEM + 5 {
            examples.add("coop-7-4", &format!("楼道里充电{n}"));
            examples.add("coop-7-4", "楼道里充电0");
        }
        assert_eq!(examples.of("coop-7-4").len(), EXAMPLES_PER_ITEM);
        assert_eq!(examples.of("coop-7-4")[0], "楼道里充电0");
        assert!(examples.of("basic-1-1").is_empty());
    }
}
