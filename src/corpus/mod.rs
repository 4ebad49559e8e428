//! The corpus: a township's published duty lists, parsed into items and validated.

mod cell;
mod departments;
mod model;
mod numeral;
mod parser;
pub mod synthetic;
mod text;

use std::path::{Path, PathBuf};

use thiserror::Error;

pub use departments::DepartmentNames;
pub use model::{Corpus, Item, ListKind};
pub use parser::{parse, ParseError};
pub use text::{decode, DecodeError};

/// Why a corpus file could not be loaded, naming the file so a deployment with several corpora
/// (or a typo in a path) is easy to diagnose.
#[derive(Debug, Error)]
pub enum CorpusError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file that was read.
        path: PathBuf,
        /// What went wrong reading it.
        source: std::io::Error,
    },
    /// The file's bytes are not text in any encoding it may be in.
    #[error(transparent)]
    Encoding(#[from] DecodeError),
    /// The file was read but its text was refused.
    #[error("{}: {source}", path.display())]
    Parse {
        /// The file that was parsed.
        path: PathBuf,
        /// The line at fault and what was expected there.
        source: ParseError,
    },
}

/// Reads and parses a corpus file, so callers get either a validated corpus or an error naming
/// the file and the line at fault; `departments` as for [`parse`].
pub fn load(path: &Path, departments: &DepartmentNames) -> Result<Corpus, CorpusError> {
    let bytes = std::fs::read(path).map_err(|source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (text, encoding) = decode(path, &bytes)?;
    if encoding != "UTF-8" {
        tracing::info!(file = %path.display(), encoding, "list document read");
    }
    parse(&text, departments).map_err(|source| CorpusError::Parse {
        path: path.to_path_buf(),
        source,
    })
}
