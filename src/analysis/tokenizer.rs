//! The tantivy side of analysis: tokenizers registered on the index under fixed names, so the
//! schema can name them and both writer and reader use the same ones.

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer, TokenizerManager};

use super::ngram::bigrams;
use super::segment::Segmenter;

/// Name of the jieba search-mode tokenizer in the index's tokenizer manager.
pub const CHINESE_TOKENIZER: &str = "duty_zh";
/// Name of the character-bigram tokenizer (the n-gram fallback field).
pub const BIGRAM_TOKENIZER: &str = "duty_bigram";

/// Registers this crate's tokenizers on `manager`; called for every index that is opened or built.
pub fn register_tokenizers(manager: &TokenizerManager, segmenter: Arc<Segmenter>) {
    manager.register(CHINESE_TOKENIZER, ChineseTokenizer { segmenter });
    manager.register(BIGRAM_TOKENIZER, BigramTokenizer);
}

/// jieba search mode for tantivy: every word at its own position, its parts at the same position,
/// so phrase and proximity queries over consecutive words work.
#[derive(Clone)]
struct ChineseTokenizer {
    segmenter: Arc<Segmenter>,
}

impl Tokenizer for ChineseTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let (_, words) = self.segmenter.words(text);
        let mut tokens = Vec::new();
        for (position, word) in words.into_iter().enumerate() {
            for part in word.parts {
                tokens.push(token(part.text, part.start, part.end, position));
            }
            tokens.push(token(word.text, word.start, word.end, position));
        }
        VecTokenStream::new(tokens)
    }
}

/// Overlapping character bigrams of the Han text, for terms jieba cuts differently in a query
/// than in the lists.
#[derive(Clone)]
struct BigramTokenizer;

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = bigrams(text)
            .into_iter()
            .enumerate()
            .map(|(position, gram)| token(gram, 0, 0, position))
            .collect();
        VecTokenStream::new(tokens)
    }
}

fn token(text: String, offset_from: usize, offset_to: usize, position: usize) -> Token {
    Token {
        offset_from,
        offset_to,
        position,
        text,
        position_length: 1,
    }
}

/// A token stream over tokens computed up front.
struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> VecTokenStream {
        VecTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(mut tokenizer: impl Tokenizer, text: &str) -> Vec<(String, usize)> {
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push((token.text.clone(), token.position));
        }
        out
    }

    #[test]
    fn parts_share_their_word_position() {
        let segmenter = Arc::new(Segmenter::new(["燃气安全监管"]));
        let tokens = collect(ChineseTokenizer { segmenter }, "加强燃气安全监管");
        let position_of = |text: &str| tokens.iter().find(|(t, _)| t == text).map(|(_, p)| *p);
        assert_eq!(position_of("加强"), Some(0));
        assert_eq!(position_of("燃气安全监管"), Some(1));
        assert_eq!(position_of("燃气"), Some(1));
        assert_eq!(position_of("监管"), Some(1));
    }

    #[test]
    fn bigram_stream_counts_positions() {
        let tokens = collect(BigramTokenizer, "秸秆焚烧");
        assert_eq!(
            tokens,
            vec![("秸秆".into(), 0), ("秆焚".into(), 1), ("焚烧".into(), 2)]
        );
    }
}
