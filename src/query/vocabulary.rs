//! The words the index knows, read from its term dictionaries at open, with their pinyin: what
//! lets pinyin and homophone typos find real words, and department names be recognised.

use std::collections::{HashMap, HashSet};

use tantivy::schema::Field;
use tantivy::Searcher;

use crate::analysis::pinyin;
use crate::corpus::DepartmentNames;
use crate::index::DutySchema;

/// Known words, their pinyin, and the department names of the index.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    terms: HashSet<String>,
    /// Per analysed field, its terms: a query skips the fields where a word cannot match.
    field_terms: HashMap<Field, HashSet<String>>,
    /// Reading → words read so by their most common reading.
    by_pinyin: HashMap<String, Vec<String>>,
    /// Reading → words read so only through a rarer reading of a polyphonic character
    /// (台胞 can read yibao): used only when no word has it as its common reading.
    by_rare_pinyin: HashMap<String, Vec<String>>,
    departments: Vec<String>,
    /// How a word reads as a department's name.
    rules: DepartmentNames,
}

impl Vocabulary {
    /// Reads the analysed text fields' terms and the department names from the index; `extra`
    /// adds words (the lexicon's terms) to the pinyin map, so pinyin can reach them too; `rules`
    /// say what reads as a department's name.
    pub fn from_index<'a>(
        searcher: &Searcher,
        schema: &DutySchema,
        extra: impl Iterator<Item = &'a str>,
        rules: &DepartmentNames,
    ) -> tantivy::Result<Vocabulary> {
        let mut terms = HashSet::new();
        let mut by_field = HashMap::new();
        for (field, _) in schema.weighted_text_fields() {
            let in_field = field_terms(searcher, field)?;
            terms.extend(in_field.iter().cloned());
            by_field.insert(field, in_field);
        }
        let mut departments: Vec<String> = field_terms(searcher, schema.department)?
            .into_iter()
            .collect();
        departments.sort();
        let mut vocabulary = Vocabulary {
            terms,
            field_terms: by_field,
            by_pinyin: HashMap::new(),
            by_rare_pinyin: HashMap::new(),
            departments,
            rules: rules.clone(),
        };
        let words: Vec<String> = vocabulary.terms.iter().cloned().collect();
        for word in &words {
            vocabulary.add_pinyin(word);
        }
        for word in extra {
            vocabulary.add_pinyin(word);
        }
        for words in vocabulary
            .by_pinyin
            .values_mut()
            .chain(vocabulary.by_rare_pinyin.values_mut())
        {
            words.sort();
        }
        Ok(vocabulary)
    }

    fn add_pinyin(&mut self, word: &str) {
        if word.chars().count() < 2 {
            return;
        }
        for (index, reading) in pinyin::readings(word).into_iter().enumerate() {
            let map = if index == 0 {
                &mut self.by_pinyin
            } else {
                &mut self.by_rare_pinyin
            };
            let words = map.entry(reading).or_default();
            if !words.iter().any(|w| w == word) {
                words.push(word.to_string());
            }
        }
    }

    /// Whether the index has this analysed term.
    pub fn contains(&self, term: &str) -> bool {
        self.terms.contains(term)
    }

    /// Whether `field` has this analysed term.
    pub fn field_contains(&self, field: Field, term: &str) -> bool {
        self.field_terms
            .get(&field)
            .is_some_and(|terms| terms.contains(term))
    }

    /// Known words (index terms and lexicon terms) read as `reading`.
    pub fn words_read_as(&self, reading: &str) -> &[String] {
        self.by_pinyin
            .get(reading)
            .or_else(|| self.by_rare_pinyin.get(reading))
            .map_or(&[], Vec::as_slice)
    }

    /// Known words whose most common reading is `reading`: what a typo by sound reaches. An
    /// input-method slip types the intended word's usual reading, so a rare reading of one of
    /// its characters (活 as guo, 找 as hua) must not make 找过 a slip for 找活.
    pub fn words_commonly_read_as(&self, reading: &str) -> &[String] {
        self.by_pinyin.get(reading).map_or(&[], Vec::as_slice)
    }

    fn has_reading(&self, reading: &str) -> bool {
        self.by_pinyin.contains_key(reading) || self.by_rare_pinyin.contains_key(reading)
    }

    /// Splits joined pinyin letters into known words' readings, with as few pieces as possible
    /// (jieganfenshao → jiegan + fenshao); `None` when the letters cannot be covered.
    pub fn split_pinyin(&self, letters: &str) -> Option<Vec<String>> {
        let n = letters.len();
        let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0));
        for end in 1..=n {
            for start in 0..end {
                let Some((pieces, _)) = best[start] else {
                    continue;
                };
                if !self.has_reading(&letters[start..end]) {
                    continue;
                }
                if best[end].is_none_or(|(known, _)| pieces + 1 < known) {
                    best[end] = Some((pieces + 1, start));
                }
            }
        }
        best[n]?;
        let mut pieces = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start) = best[end]?;
            pieces.push(letters[start..end].to_string());
            end = start;
        }
        pieces.reverse();
        Some(pieces)
    }

    /// The departments of the index whose name contains `text`, when `text` reads as a
    /// department's name (ends in 局, 部, 大队, …): 教育局 → 利通区教育局.
    /// The name must end with `text`, or with a branch office after it (公安局 names
    /// 吴忠市公安局利通区分局), so 政府 does not name 利通区人民政府办公室.
    pub fn departments_named(&self, text: &str) -> Vec<&str> {
        if !self.reads_as_department(text) {
            return Vec::new();
        }
        self.departments_headed_by(text)
    }

    /// Whether some department's name ends with `text` or with a branch office after it.
    pub fn heads_a_department(&self, text: &str) -> bool {
        self.departments
            .iter()
            .any(|name| self.rules.names(name, text))
    }

    /// The departments whose name ends with `text` or with a branch office after it.
    pub fn departments_headed_by(&self, text: &str) -> Vec<&str> {
        self.departments
            .iter()
            .filter(|name| self.rules.names(name, text))
            .map(String::as_str)
            .collect()
    }

    /// Whether `text` reads as a department's name: a word ending in 局, 部, 大队, …
    pub fn reads_as_department(&self, text: &str) -> bool {
        self.rules.ends_like_department(text)
    }

    /// The departments of the index whose name contains `text` (the API's department filter).
    pub fn departments_containing(&self, text: &str) -> Vec<&str> {
        self.departments
            .iter()
            .filter(|name| name.contains(text))
            .map(String::as_str)
            .collect()
    }
}

fn field_terms(searcher: &Searcher, field: Field) -> tantivy::Result<HashSet<String>> {
    let mut terms = HashSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted.terms().stream()?;
        while stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                terms.insert(term.to_string());
            }
        }
    }
    Ok(terms)
}

#[cfg(test)]
impl Vocabulary {
    /// A vocabulary from plain lists, for the pipeline stages' unit tests.
    pub fn from_words(words: &[&str], departments: &[&str]) -> Vocabulary {
        let mut vocabulary = Vocabulary {
            terms: words.iter().map(|w| w.to_string()).collect(),
            field_terms: HashMap::new(),
            by_pinyin: HashMap::new(),
            by_rare_pinyin: HashMap::new(),
            departments: departments.iter().map(|d| d.to_string()).collect(),
            rules: crate::lexicon::Lexicon::department_names(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
            )
            .expect("the department rules load"),
        };
        for word in words {
            vocabulary.add_pinyin(word);
        }
        vocabulary
    }

    /// Adds pinyin-only words (lexicon terms the index does not hold), as `from_index` does.
    pub fn with_extra(mut self, words: &[&str]) -> Vocabulary {
        for word in words {
            self.add_pinyin(word);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_joined_pinyin_into_known_words() {
        let vocabulary = Vocabulary::from_words(&["秸秆", "焚烧", "燃气"], &[]);
        assert_eq!(
            vocabulary.split_pinyin("jieganfenshao"),
            Some(vec!["jiegan".to_string(), "fenshao".to_string()])
        );
        assert_eq!(vocabulary.split_pinyin("jieganxyz"), None);
        assert_eq!(vocabulary.words_read_as("ranqi"), ["燃气"]);
        let vocabulary = Vocabulary::from_words(&["土地", "征收", "土地征收"], &[]);
        assert_eq!(
            vocabulary.split_pinyin("tudizhengshou"),
            Some(vec!["tudizhengshou".to_string()])
        );
        let vocabulary = Vocabulary::from_words(&["医保", "台胞", "河湖长制"], &[]);
        assert_eq!(
            vocabulary.words_read_as("yibao"),
            ["医保"],
            "a rare reading yields"
        );
        assert_eq!(vocabulary.words_read_as("hehuzhangzhi"), ["河湖长制"]);
    }

    #[test]
    fn recognises_department_names_by_suffix() {
        let vocabulary =
            Vocabulary::from_words(&[], &["利通区教育局", "利通区民政局", "利通区委统战部"]);
        assert_eq!(vocabulary.departments_named("教育局"), ["利通区教育局"]);
        assert_eq!(vocabulary.departments_named("统战部"), ["利通区委统战部"]);
        assert!(vocabulary.departments_named("教育").is_empty());
        let vocabulary =
            Vocabulary::from_words(&[], &["利通区人民政府办公室", "吴忠市公安局利通区分局"]);
        assert!(vocabulary.departments_named("政府").is_empty());
        assert_eq!(
            vocabulary.departments_named("公安局"),
            ["吴忠市公安局利通区分局"]
        );
    }
}
