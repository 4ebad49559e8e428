//! Reading lexicon files: comment and blank-line handling, and errors that name file and line.

use std::path::{Path, PathBuf};

/// A lexicon file could not be read or has a bad line.
#[derive(Debug, thiserror::Error)]
#[error("{}: line {line}: {message}", path.display())]
pub struct LexiconError {
    /// The file at fault.
    pub path: PathBuf,
    /// 1-based line at fault; 0 when the whole file is (e.g. unreadable).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl LexiconError {
    /// An error at `line` of `path`.
    pub fn at(path: &Path, line: usize, message: impl Into<String>) -> LexiconError {
        LexiconError {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    /// The file could not be read.
    pub fn io(path: &Path, error: std::io::Error) -> LexiconError {
        LexiconError::at(path, 0, error.to_string())
    }
}

/// The meaningful lines of a lexicon file: `(line number, trimmed text)`, skipping blank lines
/// and `#` comments. A missing file has no lines.
pub fn content_lines(path: &Path) -> Result<Vec<(usize, String)>, LexiconError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(LexiconError::io(path, e)),
    };
    Ok(text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(number, line)| (number, line.to_string()))
        .collect())
}
