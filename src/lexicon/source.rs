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
/// and `#` comments. A missing file has no lines. The file may be in any encoding
/// [`crate::corpus::decode`] reads.
pub fn content_lines(path: &Path) -> Result<Vec<(usize, String)>, LexiconError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(LexiconError::io(path, e)),
    };
    let (text, encoding) = crate::corpus::decode(path, &bytes).map_err(|error| {
        LexiconError::at(
            path,
            error.line,
            format!(
                "byte offset {}: not valid {}{}; save the file as UTF-8",
                error.offset, error.encoding, error.tried
            ),
        )
    })?;
    if encoding != "UTF-8" {
        tracing::info!(file = %path.display(), encoding, "lexicon file read");
    }
    Ok(text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(number, line)| (number, line.to_string()))
        .collect())
}

/// The lines of a `kind: WORD WORD …` file (department rules, letter shapes, intents): per kind
/// of `kinds`, its words in file order, several lines of a kind adding up. A line without a
/// colon, of another kind, without words, or repeating a word of its kind is refused with its
/// line. `required` says whether a missing file is an error (otherwise it has no words).
pub fn word_sections(
    path: &Path,
    kinds: &[&str],
    required: bool,
) -> Result<Vec<Vec<String>>, LexiconError> {
    if required && !path.exists() {
        return Err(LexiconError::at(path, 0, "missing"));
    }
    let mut sections: Vec<Vec<String>> = vec![Vec::new(); kinds.len()];
    for (number, line) in content_lines(path)? {
        let Some((kind, words)) = line.split_once(':') else {
            return Err(LexiconError::at(
                path,
                number,
                format!(
                    "expected `KIND: WORD …` with KIND one of {}",
                    kinds.join(", ")
                ),
            ));
        };
        let Some(slot) = kinds.iter().position(|k| *k == kind.trim()) else {
            return Err(LexiconError::at(
                path,
                number,
                format!(
                    "unknown kind {:?}; expected one of {}",
                    kind.trim(),
                    kinds.join(", ")
                ),
            ));
        };
        let list = &mut sections[slot];
        let mut any = false;
        for word in words.split_whitespace() {
            let word = crate::analysis::normalize(word);
            if list.contains(&word) {
                return Err(LexiconError::at(
                    path,
                    number,
                    format!("{word} is given twice as {}", kinds[slot]),
                ));
            }
            list.push(word);
            any = true;
        }
        if !any {
            return Err(LexiconError::at(path, number, "a line without words"));
        }
    }
    Ok(sections)
}
