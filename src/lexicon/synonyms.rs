//! Synonym groups: `电瓶车, 电动车, 小电驴 => 电动自行车` maps how residents and staff say a thing
//! (left) to how the lists say it (right). Left terms are found as substrings of the query, so
//! they fire whatever the segmentation; right terms must occur in the corpus.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, MatchKind};

use super::source::{content_lines, LexiconError};
use crate::analysis::normalize;

/// One line of a synonym file.
#[derive(Debug, Clone)]
struct Group {
    path: PathBuf,
    line: usize,
    triggers: Vec<String>,
    targets: Vec<String>,
}

/// All synonym groups, with a matcher over their left-hand terms.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Group>,
    /// Distinct triggers, in matcher pattern order.
    triggers: Vec<String>,
    /// For each trigger, the merged right-hand terms of every group it appears in.
    targets: Vec<Vec<String>>,
    /// Trigger → its place in `triggers`.
    index: HashMap<String, usize>,
    matcher: Option<AhoCorasick>,
}

/// A left-hand term found in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymMatch<'a> {
    /// The term as written in the lexicon (normalized).
    pub trigger: &'a str,
    /// Byte range in the normalized query.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
    /// The list terms it stands for.
    pub targets: &'a [String],
}

impl Synonyms {
    /// Loads and merges the given files, refusing malformed and duplicate lines with file and line.
    pub fn load(files: &[PathBuf]) -> Result<Synonyms, LexiconError> {
        let mut groups: Vec<Group> = Vec::new();
        let mut seen: HashMap<(Vec<String>, Vec<String>), usize> = HashMap::new();
        for path in files {
            for (number, line) in content_lines(path)? {
                let group = parse_line(path, number, &line)?;
                if let Some(&earlier) = seen.get(&group_key(&group)) {
                    let earlier = &groups[earlier];
                    return Err(LexiconError::at(
                        path,
                        number,
                        format!("duplicate of {}:{}", earlier.path.display(), earlier.line),
                    ));
                }
                seen.insert(group_key(&group), groups.len());
                groups.push(group);
            }
        }
        Ok(Synonyms::from_groups(groups))
    }

    fn from_groups(groups: Vec<Group>) -> Synonyms {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut triggers: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<String>> = Vec::new();
        for group in &groups {
            for trigger in &group.triggers {
                let slot = *index.entry(trigger.clone()).or_insert_with(|| {
                    triggers.push(trigger.clone());
                    targets.push(Vec::new());
                    triggers.len() - 1
                });
                for target in &group.targets {
                    if !targets[slot].contains(target) {
                        targets[slot].push(target.clone());
                    }
                }
            }
        }
        let matcher = (!triggers.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&triggers)
                .expect("synonym triggers form a valid automaton")
        });
        Synonyms {
            groups,
            triggers,
            targets,
            index,
            matcher,
        }
    }

    /// Refuses a group whose right-hand term `is_known` rejects (it occurs nowhere in the corpus,
    /// so the expansion could never match), naming its file and line.
    pub fn check_targets(&self, is_known: impl Fn(&str) -> bool) -> Result<(), LexiconError> {
        for group in &self.groups {
            if let Some(unknown) = group.targets.iter().find(|t| !is_known(t)) {
                return Err(LexiconError::at(
                    &group.path,
                    group.line,
                    format!("unknown entry: {unknown} does not occur in the corpus"),
                ));
            }
        }
        Ok(())
    }

    /// The left-hand terms found in `normalized_query`, leftmost-longest, without overlaps.
    pub fn find<'a>(&'a self, normalized_query: &str) -> Vec<SynonymMatch<'a>> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        matcher
            .find_iter(normalized_query)
            .map(|m| SynonymMatch {
                trigger: &self.triggers[m.pattern().as_usize()],
                start: m.start(),
                end: m.end(),
                targets: &self.targets[m.pattern().as_usize()],
            })
            .collect()
    }

    /// The right-hand terms of an exact left-hand term, if it is one.
    pub fn targets_of(&self, term: &str) -> Option<&[String]> {
        self.index.get(term).map(|&i| self.targets[i].as_slice())
    }

    /// `(list term, colloquial term)` pairs, one per list term: the first colloquial word of its
    /// first group (used to reword synthetic corpora).
    pub fn variants(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for group in &self.groups {
            for target in &group.targets {
                if !pairs.iter().any(|(t, _)| t == target) {
                    pairs.push((target.clone(), group.triggers[0].clone()));
                }
            }
        }
        pairs
    }

    /// The right-hand (list) terms, each once.
    pub fn targets(&self) -> Vec<&str> {
        let mut targets: Vec<&str> = self
            .groups
            .iter()
            .flat_map(|g| g.targets.iter().map(String::as_str))
            .collect();
        targets.sort_unstable();
        targets.dedup();
        targets
    }

    /// The left-hand (colloquial) terms, each once.
    pub fn triggers(&self) -> impl Iterator<Item = &str> {
        self.triggers.iter().map(String::as_str)
    }

    /// Every term on either side, for the pinyin vocabulary.
    pub fn all_terms(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flat_map(|g| g.triggers.iter().chain(g.targets.iter()))
            .map(String::as_str)
    }

    /// Number of groups (lines).
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// A group's terms in a canonical order, so the same group written twice is recognised.
fn group_key(group: &Group) -> (Vec<String>, Vec<String>) {
    let sorted = |terms: &[String]| {
        let mut terms = terms.to_vec();
        terms.sort();
        terms
    };
    (sorted(&group.triggers), sorted(&group.targets))
}

fn parse_line(path: &Path, number: usize, line: &str) -> Result<Group, LexiconError> {
    let error = |message: String| LexiconError::at(path, number, message);
    let mut sides = line.split("=>");
    let (Some(left), Some(right), None) = (sides.next(), sides.next(), sides.next()) else {
        return Err(error(
            "expected `resident terms => list terms` with exactly one =>".into(),
        ));
    };
    let terms = |side: &str, which: &str| -> Result<Vec<String>, LexiconError> {
        let mut terms: Vec<String> = Vec::new();
        for raw in side.split([',', '，']) {
            let term = normalize(raw.trim());
            if term.is_empty() {
                return Err(error(format!("empty term on the {which} side")));
            }
            if term.chars().any(char::is_whitespace) {
                return Err(error(format!("term {term:?} has whitespace inside")));
            }
            if terms.contains(&term) {
                return Err(error(format!("term {term} repeated on the {which} side")));
            }
            terms.push(term);
        }
        Ok(terms)
    };
    Ok(Group {
        path: path.to_path_buf(),
        line: number,
        triggers: terms(left, "left")?,
        targets: terms(right, "right")?,
    })
}

#[cfg(test)]
impl Synonyms {
    /// Synonyms from one file's text, for the query pipeline's unit tests.
    pub fn from_text(text: &str) -> Synonyms {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synonyms.txt");
        std::fs::write(&path, text).unwrap();
        Synonyms::load(&[path]).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Synonyms, LexiconError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.txt");
        std::fs::write(&path, text).unwrap();
        Synonyms::load(&[path])
    }

    #[test]
    fn finds_triggers_as_substrings_and_merges_groups() {
        let synonyms = load_text(
            "# comment\n电瓶车, 电动车 => 电动自行车\n电瓶车 => 飞线充电\n吵 => 噪音扰民, 噪声\n",
        )
        .unwrap();
        let found = synonyms.find("邻居在楼道给电瓶车充电太吵");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].trigger, "电瓶车");
        assert_eq!(found[0].targets, ["电动自行车", "飞线充电"]);
        assert_eq!(found[1].targets, ["噪音扰民", "噪声"]);
        assert_eq!(
            synonyms.targets_of("电动车"),
            Some(&["电动自行车".to_string()][..])
        );
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let error = load_text("a => b\n\nc d => e\n").unwrap_err();
        assert_eq!(error.line, 3);
        let error = load_text("a => b => c\n").unwrap_err();
        assert_eq!(error.line, 1);
        assert!(load_text("a, => b\n")
            .unwrap_err()
            .message
            .contains("empty"));
    }

    #[test]
    fn duplicates_are_reported() {
        let error = load_text("a, b => c\nb, a => c\n").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.contains("duplicate"), "{error}");
        let error = load_text("a, a => c\n").unwrap_err();
        assert!(error.message.contains("repeated"), "{error}");
    }

    #[test]
    fn unknown_targets_are_reported() {
        let synonyms = load_text("电瓶车 => 电动自行车\n吵 => 不存在的词\n").unwrap();
        let error = synonyms.check_targets(|t| t == "电动自行车").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.contains("不存在的词"), "{error}");
    }
}
