//! The domain lexicon, kept as documented text files in `corpus/` and loaded at start:
//! the jieba user dictionary, complaint filler (stopwords) and synonym groups that map how
//! residents say a thing to how the lists say it.
//!
//! Changing a file needs a reindex or a restart, never a code change.

mod departments;
mod letter;
mod phrases;
mod source;
mod stopwords;
mod synonyms;
mod userdict;

use std::path::{Path, PathBuf};

use crate::corpus::DepartmentNames;

pub use letter::{Action, Intents, LetterShape};
pub use phrases::Phrases;
pub use source::LexiconError;
pub use stopwords::Stopwords;
pub use synonyms::{SynonymMatch, Synonyms};

/// File of domain terms that must segment as one word (jieba user dictionary).
pub const USERDICT_FILE: &str = "lexicon/userdict.txt";
/// File of complaint filler words dropped from queries.
pub const STOPWORDS_FILE: &str = "lexicon/stopwords.txt";
/// File of department-name rules (name endings, branch offices).
pub const DEPARTMENTS_FILE: &str = "lexicon/departments.txt";
/// File of what marks a letter's clauses and words.
pub const LETTER_FILE: &str = "lexicon/letter.txt";
/// File of the topics outside the lists.
pub const SCOPE_FILE: &str = "lexicon/scope.txt";
/// File of message intents and item action kinds.
pub const INTENTS_FILE: &str = "lexicon/intents.txt";
/// Directory of synonym group files (`*.txt`, loaded in name order).
pub const SYNONYMS_DIR: &str = "lexicon/synonyms";

/// Everything the analysis and query pipeline know about the domain's words.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Domain terms for jieba.
    pub user_words: Vec<String>,
    /// Complaint filler.
    pub stopwords: Stopwords,
    /// Colloquial / abbreviation → list-term groups.
    pub synonyms: Synonyms,
    /// How a name reads as a department's.
    pub departments: DepartmentNames,
    /// What marks a letter's clauses and words.
    pub letter: LetterShape,
    /// Topics none of the lists covers.
    pub scope: Phrases,
    /// What a message asks for and what an item does.
    pub intents: Intents,
}

impl Lexicon {
    /// Loads the lexicon files from `corpus_dir`. A missing stopword file or synonym directory is
    /// an empty one (the department rules must exist); a malformed line is an error naming its
    /// file and line.
    pub fn load(corpus_dir: &Path) -> Result<Lexicon, LexiconError> {
        let user_words = userdict::load(&corpus_dir.join(USERDICT_FILE))?;
        let stopwords = Stopwords::load(&corpus_dir.join(STOPWORDS_FILE))?;
        let synonyms = Synonyms::load(&synonym_files(&corpus_dir.join(SYNONYMS_DIR))?)?;
        let departments = Lexicon::department_names(corpus_dir)?;
        Ok(Lexicon {
            user_words,
            stopwords,
            synonyms,
            departments,
            letter: LetterShape::load(&corpus_dir.join(LETTER_FILE))?,
            scope: letter::load_scope(&corpus_dir.join(SCOPE_FILE))?,
            intents: Intents::load(&corpus_dir.join(INTENTS_FILE))?,
        })
    }

    /// Only the department-name rules of `corpus_dir`: what parsing a list document needs.
    pub fn department_names(corpus_dir: &Path) -> Result<DepartmentNames, LexiconError> {
        departments::load(&corpus_dir.join(DEPARTMENTS_FILE))
    }

    /// Every lexicon file under `corpus_dir` that exists, for staleness checks.
    pub fn files(corpus_dir: &Path) -> Result<Vec<PathBuf>, LexiconError> {
        let mut files: Vec<PathBuf> = [
            USERDICT_FILE,
            STOPWORDS_FILE,
            DEPARTMENTS_FILE,
            LETTER_FILE,
            SCOPE_FILE,
            INTENTS_FILE,
        ]
        .iter()
        .map(|name| corpus_dir.join(name))
        .filter(|path| path.exists())
        .collect();
        files.extend(synonym_files(&corpus_dir.join(SYNONYMS_DIR))?);
        Ok(files)
    }

    /// The words jieba must know: user dictionary terms and the synonyms' colloquial terms, so
    /// those segment as words too. The list terms on the right are not added: a long one would
    /// swallow the words inside it wherever it occurs in the lists.
    pub fn segmenter_words(&self) -> impl Iterator<Item = &str> {
        self.user_words
            .iter()
            .map(String::as_str)
            .chain(self.synonyms.triggers())
    }
}

fn synonym_files(dir: &Path) -> Result<Vec<PathBuf>, LexiconError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| LexiconError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| LexiconError::io(dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "txt") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
