//! The on-disk index: its schema, an atomic build from the corpus, and opening the current build.
//!
//! Layout: `index/CURRENT` names the live generation directory `index/gen-…`. A build writes a
//! fresh generation and then replaces `CURRENT` by an atomic rename, so no reader ever sees half
//! an index, and a failed build leaves the previous generation serving.

mod build;
mod schema;

pub use build::{
    build, corpus_sources, is_stale, open_current, town_key, BuildInfo, IndexHandle, LISTS_DIR,
};
pub use schema::DutySchema;
