//! The library's one error type: every failure says which file (and line) or which request
//! field it concerns.

use std::path::PathBuf;

use crate::corpus::CorpusError;
use crate::lexicon::LexiconError;

/// Anything that can go wrong building, opening or searching the index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A corpus document is malformed or unreadable.
    #[error("corpus refused: {0}")]
    Corpus(#[from] CorpusError),
    /// A lexicon file is malformed or names an unknown entry.
    #[error("lexicon refused: {0}")]
    Lexicon(#[from] LexiconError),
    /// The corpus directory holds no duty list documents.
    #[error("{}: no duty list documents (*.txt) found", .0.display())]
    EmptyCorpus(PathBuf),
    /// Two documents give the lists of the same town.
    #[error("{}: the lists of {town} were already given by an earlier document", path.display())]
    DuplicateTown {
        /// The later document.
        path: PathBuf,
        /// The district and town both documents name.
        town: String,
    },
    /// A judged queries file has a bad line.
    #[error("{}: line {line}: {message}", path.display())]
    Judgments {
        /// The judgments file.
        path: PathBuf,
        /// The 1-based line at fault.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A judged query names an item the index does not hold.
    #[error("judged query {qid} names item {id}, which the index does not hold")]
    UnknownJudgedItem {
        /// The query's id.
        qid: String,
        /// The unknown item id.
        id: String,
    },
    /// A file system operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The index is missing, unreadable or was written by an incompatible build.
    #[error("index {}: {message}", path.display())]
    Index {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Another build of the same index directory held its lock for longer than a build may
    /// wait; nothing was written.
    #[error(
        "index {}: another build of this index is running ({holder}) and did not finish \
         within {}; try again once it has finished",
        path.display(),
        humantime::format_duration(*waited)
    )]
    BuildLocked {
        /// The lock file.
        path: PathBuf,
        /// Who holds it (`pid N`).
        holder: String,
        /// How long this build waited.
        waited: std::time::Duration,
    },
    /// A build ran past its time limit and gave up; the previous generation stays live.
    #[error(
        "index {}: the build took longer than its limit of {} and gave up; the previous index \
         stays live",
        path.display(),
        humantime::format_duration(*limit)
    )]
    BuildTimedOut {
        /// The index directory.
        path: PathBuf,
        /// The time limit.
        limit: std::time::Duration,
    },
    /// The feedback database cannot be opened, read or written.
    #[error("feedback database {}: {message}", path.display())]
    Feedback {
        /// The database file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A setting (an environment variable) is malformed; the message names it.
    #[error("{0}")]
    Setting(String),
    /// A search request is invalid; the message is shown to the user.
    #[error("{0}")]
    BadRequest(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An index error on `path`.
    pub fn index(path: impl Into<PathBuf>, message: impl ToString) -> Error {
        Error::Index {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
