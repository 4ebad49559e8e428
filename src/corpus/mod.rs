//! The corpus: a township's published duty lists, parsed into items and validated.

mod model;

pub use model::{Corpus, Item, ListKind};
