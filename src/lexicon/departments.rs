//! Department-name rules: `suffix: 局 部 …` and `branch: 分局` lines, read into
//! [`DepartmentNames`] for the parser and for query analysis alike.

use std::path::Path;

use super::source::{word_sections, LexiconError};
use crate::corpus::DepartmentNames;

/// Loads the rules file, which must exist: without it no withdrawn item's receiving department
/// could be read, and its owner would silently be lost.
pub fn load(path: &Path) -> Result<DepartmentNames, LexiconError> {
    let [suffixes, branches]: [Vec<String>; 2] = word_sections(path, &["suffix", "branch"], true)?
        .try_into()
        .expect("one list per kind");
    if suffixes.is_empty() {
        return Err(LexiconError::at(path, 0, "no `suffix:` rule"));
    }
    Ok(DepartmentNames::new(suffixes, branches))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<DepartmentNames, LexiconError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("departments.txt");
        std::fs::write(&path, text).unwrap();
        load(&path)
    }

    #[test]
    fn rules_add_up_and_read_names() {
        let rules = load_text("# c\nsuffix: 局 部\nsuffix: 大队\nbranch: 分局\n").unwrap();
        assert!(rules.ends_like_department("消防救援大队"));
        assert!(rules.names("吴忠市公安局利通区分局", "公安局"));
    }

    #[test]
    fn bad_lines_are_refused_at_their_line() {
        for (text, line) in [
            ("suffix: 局\nbranch 分局\n", 2),
            ("suffix: 局\nending: 所\n", 2),
            ("suffix: 局 局\n", 1),
            ("suffix:\n", 1),
            ("branch: 分局\n", 0),
        ] {
            assert_eq!(load_text(text).unwrap_err().line, line, "{text}");
        }
        let missing = load(Path::new("/nonexistent/departments.txt")).unwrap_err();
        assert!(missing.message.contains("missing"), "{missing}");
    }
}
