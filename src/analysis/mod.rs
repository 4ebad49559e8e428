//! Text analysis shared by indexing and querying, as a pipeline of small stages:
//! normalize → segment (jieba, search mode) → derived forms (pinyin, character bigrams).
//!
//! The same [`Segmenter`] instance analyses documents at index time and queries at search time,
//! so both sides always agree on what a word is.

mod ngram;
mod normalize;
pub mod pinyin;
mod segment;
mod tokenizer;

pub use ngram::bigrams;
pub use normalize::normalize;
pub use segment::{Part, Segmenter, Word};
pub use tokenizer::{register_tokenizers, BIGRAM_TOKENIZER, CHINESE_TOKENIZER};
