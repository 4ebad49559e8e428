//! Segmentation: jieba in default mode for words, plus the dictionary words inside each long
//! word, so 燃气安全监管 is indexed whole and as 燃气 / 安全 / 监管.

use jieba_rs::Jieba;

use super::normalize::normalize;

/// One word of the default segmentation, with its search-mode parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word as it stands in the normalized text.
    pub text: String,
    /// Byte range of the word in the normalized text.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
    /// Dictionary words inside this word (2 and 3 characters), excluding the word itself.
    pub parts: Vec<Part>,
    /// jieba's part-of-speech tag (`n`, `v`, `ns` for a place, `t` for a time…), for words of
    /// [`Segmenter::tagged_words`]; empty otherwise.
    pub tag: String,
}

/// A dictionary word found inside a longer [`Word`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The part's text.
    pub text: String,
    /// Byte range of the part in the normalized text.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
}

/// jieba with the domain's user dictionary loaded: the one segmenter of the engine.
///
/// Building one loads jieba's main dictionary (tens of milliseconds), so it is built once and
/// shared behind an `Arc` by the index tokenizers and the query pipeline.
pub struct Segmenter {
    jieba: Jieba,
}

impl Segmenter {
    /// A segmenter that knows jieba's dictionary plus `user_words` (domain terms such as 九小场所,
    /// and the lexicon's colloquial terms), each of which then segments as one word.
    pub fn new<'a>(user_words: impl IntoIterator<Item = &'a str>) -> Segmenter {
        let mut jieba = Jieba::new();
        for word in user_words {
            let word = normalize(word);
            let word = word.trim();
            if !word.is_empty() {
                jieba.add_word(word, None, None);
            }
        }
        Segmenter { jieba }
    }

    /// Whether jieba's dictionary (with the user words) has `word`: a word it does not know may
    /// be a typo, one it knows (手机, 报修) is not tried as one.
    pub fn knows(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// How often `word` occurs in general Chinese text, by jieba's dictionary (its count in
    /// jieba's corpus; for a word it lacks, an estimate from its parts): 通过 35,063, 证明 6,425,
    /// 电梯 524, 低保 40. What tells a letter's everyday words from its matter.
    pub fn general_frequency(&self, word: &str) -> usize {
        self.jieba.suggest_freq(word).saturating_sub(1)
    }

    /// Normalizes `text` and cuts it into words; punctuation and whitespace are dropped.
    ///
    /// Returns the normalized text too, since the byte ranges refer to it.
    pub fn words(&self, text: &str) -> (String, Vec<Word>) {
        let normalized = normalize(text);
        let cut = self.jieba.cut(&normalized, true);
        let words = self.words_of(cut.iter().map(|t| (t.word, t.byte_start, t.byte_end, "")));
        (normalized, words)
    }

    /// [`Segmenter::words`] with each word's part-of-speech tag: what query analysis reads a
    /// letter's places, names and times by. The same cut, so the words are the same.
    pub fn tagged_words(&self, text: &str) -> (String, Vec<Word>) {
        let normalized = normalize(text);
        let tagged = self.jieba.tag(&normalized, true);
        let words = self.words_of(
            tagged
                .iter()
                .map(|t| (t.word, t.byte_start, t.byte_end, t.tag)),
        );
        (normalized, words)
    }

    /// The words of jieba's `(word, start, end, tag)` tokens, punctuation and whitespace dropped.
    fn words_of<'a>(
        &self,
        tokens: impl Iterator<Item = (&'a str, usize, usize, &'a str)>,
    ) -> Vec<Word> {
        tokens
            .filter(|(word, ..)| is_wordlike(word))
            .map(|(word, start, end, tag)| Word {
                text: word.to_string(),
                start,
                end,
                parts: self.parts(word, start),
                tag: tag.to_string(),
            })
            .collect()
    }

    /// The search-mode parts of one word: every dictionary word of two or more characters
    /// inside it (jieba's full mode), so 违章建筑的拆除 also yields 违章建筑, 违章 and 建筑.
    fn parts(&self, word: &str, offset: usize) -> Vec<Part> {
        if word.chars().count() <= 2 {
            return Vec::new();
        }
        self.jieba
            .cut_all(word)
            .into_iter()
            .filter(|token| {
                token.word != word && token.end - token.start >= 2 && is_wordlike(token.word)
            })
            .map(|token| Part {
                text: token.word.to_string(),
                start: offset + token.byte_start,
                end: offset + token.byte_end,
            })
            .collect()
    }
}

/// A token worth indexing: it has at least one letter, digit or Han character.
fn is_wordlike(token: &str) -> bool {
    token.chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::Segmenter;

    fn texts(segmenter: &Segmenter, text: &str) -> Vec<String> {
        segmenter
            .words(text)
            .1
            .into_iter()
            .map(|w| w.text)
            .collect()
    }

    #[test]
    fn long_words_carry_their_parts() {
        let segmenter = Segmenter::new(["燃气安全监管"]);
        let (_, words) = segmenter.words("燃气安全监管");
        assert_eq!(words.len(), 1);
        let parts: Vec<&str> = words[0].parts.iter().map(|p| p.text.as_str()).collect();
        for expected in ["燃气", "安全", "监管"] {
            assert!(parts.contains(&expected), "{parts:?} lacks {expected}");
        }
    }

    #[test]
    fn user_words_segment_whole_and_punctuation_is_dropped() {
        let segmenter = Segmenter::new(["九小场所", "飞线充电"]);
        let words = texts(&segmenter, "“九小”场所，九小场所与飞线充电。");
        assert!(words.contains(&"九小场所".to_string()), "{words:?}");
        assert!(words.contains(&"飞线充电".to_string()), "{words:?}");
        assert!(words.iter().all(|w| w != "，" && w != "。" && w != "“"));
    }

    #[test]
    fn tagged_words_cut_alike_and_carry_tags() {
        let segmenter = Segmenter::new(["电瓶车"]);
        let text = "王大爷昨天晚上在银川市的楼道里给电瓶车充电";
        let (_, plain) = segmenter.words(text);
        let (_, tagged) = segmenter.tagged_words(text);
        let words =
            |words: &[super::Word]| words.iter().map(|w| w.text.clone()).collect::<Vec<_>>();
        assert_eq!(words(&plain), words(&tagged));
        let tag = |word: &str| tagged.iter().find(|w| w.text == word).unwrap().tag.clone();
        assert_eq!(tag("王大爷"), "nr");
        assert_eq!(tag("昨天晚上"), "t");
        assert_eq!(tag("银川市"), "ns");
    }

    #[test]
    fn general_frequency_tells_everyday_words_from_rare_ones() {
        let segmenter = Segmenter::new(["烧秸秆"]);
        assert!(segmenter.general_frequency("通过") > 10_000);
        assert!(segmenter.general_frequency("电梯") < 1_000);
        assert!(
            segmenter.general_frequency("烧秸秆") < 100,
            "a compound of the lexicon is rare"
        );
    }

    #[test]
    fn byte_ranges_point_into_the_normalized_text() {
        let segmenter = Segmenter::new([]);
        let (normalized, words) = segmenter.words("ＶＯＣｓ污染治理");
        for word in &words {
            assert_eq!(&normalized[word.start..word.end], word.text);
        }
        assert_eq!(words[0].text, "vocs");
    }
}
