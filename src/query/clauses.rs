//! Stage 2, a letter's clauses: the message is cut into clauses at its punctuation, and each is
//! read as the matter (it states a harm or a request), the story around it, or the writer's
//! self-introduction, by the markers of `corpus/lexicon/letter.txt`.

use std::collections::HashMap;

use crate::analysis::Word;
use crate::lexicon::LetterShape;
use crate::tuning::BARE_REQUEST_REST;

/// How a clause reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseKind {
    /// It states a harm or a request, or the message marks no clause so.
    Matter,
    /// The story around the matter.
    Background,
    /// The writer introducing themselves (我是X村村民).
    Introduction,
}

/// The clauses of a normalized message, as byte ranges with their kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clauses {
    clauses: Vec<(usize, usize, ClauseKind)>,
}

impl Clauses {
    /// Whether the message is a letter: enough clauses to tell a story around its matter.
    pub fn is_letter(&self) -> bool {
        self.clauses.len() >= LETTER_CLAUSES
    }
}

/// Clauses from which a message tells a story around its matter; a shorter one, a complaint
/// such as 老人一个人住，吃饭没人管, is all matter.
const LETTER_CLAUSES: usize = 3;

/// Characters that end a clause.
fn ends_clause(c: char) -> bool {
    matches!(
        c,
        '，' | ',' | '。' | '.' | '！' | '!' | '？' | '?' | '；' | ';' | '：' | ':' | '…'
    ) || c.is_whitespace()
}

/// Whether a clause only asks (怎么举报, 该找谁呢): its request words leave at most
/// [`BARE_REQUEST_REST`] characters, so what it asks about is the clause before it
/// (我觉得是传销，怎么举报).
fn only_asks(text: &str, shape: &LetterShape) -> bool {
    let asked: usize = shape
        .request
        .find(text)
        .iter()
        .map(|(start, end, _)| text[*start..*end].chars().count())
        .sum();
    asked > 0 && text.chars().filter(|c| c.is_alphanumeric()).count() <= asked + BARE_REQUEST_REST
}

impl Clauses {
    /// Reads the clauses of `normalized` by the markers of `shape`.
    pub fn read(normalized: &str, shape: &LetterShape) -> Clauses {
        let mut clauses = Vec::new();
        let mut start = 0;
        for (at, c) in normalized.char_indices().chain([(normalized.len(), '。')]) {
            if !ends_clause(c) {
                continue;
            }
            let text = &normalized[start..at];
            if text.chars().any(char::is_alphanumeric) {
                let kind = if shape.intro.starts(text) {
                    ClauseKind::Introduction
                } else if shape.request.any_in(text) || shape.harm.any_in(text) {
                    ClauseKind::Matter
                } else {
                    ClauseKind::Background
                };
                clauses.push((start, at, kind));
            }
            start = at + c.len_utf8();
        }
        for i in 1..clauses.len() {
            let (start, end, kind) = clauses[i];
            if kind == ClauseKind::Matter
                && clauses[i - 1].2 == ClauseKind::Background
                && only_asks(&normalized[start..end], shape)
            {
                clauses[i - 1].2 = ClauseKind::Matter;
            }
        }
        let story = clauses.len() >= LETTER_CLAUSES;
        if !story
            || !clauses
                .iter()
                .any(|(_, _, kind)| *kind == ClauseKind::Matter)
        {
            for clause in &mut clauses {
                if clause.2 == ClauseKind::Background {
                    clause.2 = ClauseKind::Matter;
                }
            }
        }
        Clauses { clauses }
    }

    /// The kind of the clause holding byte `at` (the matter, for a position in no clause).
    pub fn kind_at(&self, at: usize) -> ClauseKind {
        self.clauses
            .iter()
            .find(|(start, end, _)| *start <= at && at < *end)
            .map_or(ClauseKind::Matter, |(_, _, kind)| *kind)
    }

    /// `words` with each text kept once, where it is said in the most telling clause (the
    /// matter over the story over the introduction): a long work order repeats its words
    /// (来电人, the place), and a word counts by its best use.
    pub fn keep_once(&self, words: Vec<Word>) -> Vec<Word> {
        let rank = |kind: ClauseKind| match kind {
            ClauseKind::Matter => 0,
            ClauseKind::Background => 1,
            ClauseKind::Introduction => 2,
        };
        let mut kept: Vec<Word> = Vec::with_capacity(words.len());
        let mut at: HashMap<String, usize> = HashMap::new();
        for word in words {
            match at.get(&word.text) {
                Some(&index) => {
                    if rank(self.kind_at(word.start)) < rank(self.kind_at(kept[index].start)) {
                        kept[index] = word;
                    }
                }
                None => {
                    at.insert(word.text.clone(), kept.len());
                    kept.push(word);
                }
            }
        }
        kept.sort_by_key(|word| word.start);
        kept
    }

    /// The clauses as byte ranges of the message with their kind, in order.
    pub fn spans(&self) -> impl Iterator<Item = (usize, usize, ClauseKind)> + '_ {
        self.clauses.iter().copied()
    }

    /// The clauses' kinds, in order.
    #[cfg(test)]
    pub fn kinds(&self) -> Vec<ClauseKind> {
        self.clauses.iter().map(|(_, _, kind)| *kind).collect()
    }
}

/// A small letter shape for the stages' tests: request 希望/请, harm 臭, introduction 我是.
#[cfg(test)]
pub fn test_shape() -> LetterShape {
    use crate::lexicon::Phrases;
    let words = |list: &[&str]| Phrases::new(list.iter().map(|w| w.to_string()).collect());
    LetterShape {
        request: words(&["希望", "请"]),
        harm: words(&["臭"]),
        intro: words(&["我是"]),
        ..LetterShape::default()
    }
}

#[cfg(test)]
mod tests {
    use super::test_shape as shape;
    use super::*;
    use crate::lexicon::Phrases;

    #[test]
    fn clauses_read_as_introduction_story_and_matter() {
        let text = "我是三组村民，去年搬来的，养猪场臭得很，希望管管";
        let clauses = Clauses::read(text, &shape());
        use ClauseKind::*;
        assert_eq!(clauses.kinds(), [Introduction, Background, Matter, Matter]);
        assert_eq!(clauses.kind_at(text.find("去年").unwrap()), Background);
        assert_eq!(clauses.kind_at(text.find("养猪场").unwrap()), Matter);
    }

    #[test]
    fn a_clause_that_only_asks_makes_the_clause_before_it_the_matter() {
        let shape = LetterShape {
            request: Phrases::new(vec!["怎么".into(), "举报".into(), "希望".into()]),
            ..shape()
        };
        use ClauseKind::*;
        let asks = Clauses::read(
            "我姐姐天天去开会，交了三万入会，我觉得是传销，怎么举报",
            &shape,
        );
        assert_eq!(asks.kinds(), [Background, Background, Matter, Matter]);
        let says_more = Clauses::read("我姐姐天天去开会，交了三万入会，希望镇上派人来看看", &shape);
        assert_eq!(says_more.kinds(), [Background, Background, Matter]);
    }

    #[test]
    fn a_word_said_again_is_kept_once_at_its_most_telling_clause() {
        let text = "我是养猪场边上的，去年养猪场建起来，养猪场臭得很";
        let (normalized, words) = crate::analysis::Segmenter::new(["养猪场"]).words(text);
        let clauses = Clauses::read(&normalized, &shape());
        let kept = clauses.keep_once(words);
        let pig: Vec<&Word> = kept.iter().filter(|w| w.text == "养猪场").collect();
        assert_eq!(pig.len(), 1);
        assert_eq!(clauses.kind_at(pig[0].start), ClauseKind::Matter);
    }

    #[test]
    fn a_message_marking_no_clause_or_too_short_for_a_story_is_all_matter() {
        let clauses = Clauses::read("楼道 电瓶车充电，天天这样", &shape());
        assert!(clauses
            .kinds()
            .iter()
            .all(|kind| *kind == ClauseKind::Matter));
        let clauses = Clauses::read("老人一个人住，臭得很", &shape());
        assert!(clauses
            .kinds()
            .iter()
            .all(|kind| *kind == ClauseKind::Matter));
        assert_eq!(Clauses::read("", &shape()).kinds(), []);
    }
}
