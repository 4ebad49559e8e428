//! duty-search: a search engine over a Chinese township's published duty lists
//! (乡镇履行职责事项清单). The binary `duty-search` is a thin shell over this library.

pub mod corpus;
