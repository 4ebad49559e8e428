//! duty-search: a search engine over a Chinese township's published duty lists
//! (乡镇履行职责事项清单). The binary `duty-search` is a thin shell over this library.
#![warn(missing_docs)]

pub mod analysis;
pub mod corpus;
pub mod error;
pub mod eval;
pub mod feedback;
pub mod index;
pub mod lexicon;
pub mod query;
pub mod search;
pub mod server;
pub mod tuning;
