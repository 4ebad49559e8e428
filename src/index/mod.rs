//! The on-disk index: its schema, an atomic build from the corpus, and opening the current build.
//!
//! Layout: `index/CURRENT` names the live generation directory `index/gen-…`. A build writes a
//! fresh generation and then replaces `CURRENT` by an atomic rename, so no reader ever sees half
//! an index, and a failed build leaves the previous generation serving. A build indexes the
//! [`Examples`] it is given with the items. Builds hold the lock of
//! the directory ([`BuildLock`]), so one runs at a time.

mod build;
mod examples;
mod lock;
mod schema;

pub use build::{
    build, corpus_sources, is_stale, open_current, town_key, BuildInfo, IndexHandle,
    BUILD_TIME_LIMIT_ENV, DEFAULT_BUILD_TIME_LIMIT, DEFAULT_IN_MEMORY_MAX_BYTES,
    IN_MEMORY_MAX_BYTES_ENV, LISTS_DIR,
};
pub use examples::Examples;
pub use lock::{BuildLock, DEFAULT_LOCK_WAIT, LOCK_FILE, LOCK_WAIT_ENV};
pub use schema::DutySchema;
