//! Stage 4, pinyin fallback: letters typed without an input method become the words they spell
//! (ranqi → 燃气); a Chinese word that matches nothing is tried by its sound (然气 → 燃气), and
//! failing that by its character bigrams.

use crate::analysis::{bigrams, pinyin};
use crate::lexicon::Synonyms;

use super::expand::AnalysedTerms;
use super::plan::{AltKind, Alternative, Concept};
use super::segment::is_letters;
use super::vocabulary::Vocabulary;
use crate::tuning::KNOWN_WORD_HOMOPHONE_IMPORTANCE;

/// Replaces unmatched pinyin concepts by the words they spell, and gives unmatched Chinese
/// concepts their homophones or, failing that, their bigrams.
pub fn fallback(
    concepts: Vec<Concept>,
    vocabulary: &Vocabulary,
    synonyms: &Synonyms,
    terms: &AnalysedTerms,
) -> Vec<Concept> {
    let mut out = Vec::with_capacity(concepts.len());
    for concept in concepts {
        if !concept.alternatives.is_empty() {
            out.push(concept);
        } else if is_letters(&concept.label) {
            out.extend(spelled_words(
                &concept.label,
                concept.start,
                vocabulary,
                synonyms,
                terms,
            ));
        } else {
            out.push(sound_alike(concept, vocabulary, synonyms, terms));
        }
    }
    out
}

/// The concepts spelled by joined pinyin letters, one per word; nothing when they spell none.
fn spelled_words(
    letters: &str,
    start: usize,
    vocabulary: &Vocabulary,
    synonyms: &Synonyms,
    terms: &AnalysedTerms,
) -> Vec<Concept> {
    let Some(pieces) = vocabulary.split_pinyin(letters) else {
        return Vec::new();
    };
    pieces
        .into_iter()
        .map(|piece| {
            let alternatives = expand_words(
                vocabulary.words_read_as(&piece),
                AltKind::Pinyin,
                vocabulary,
                synonyms,
                terms,
            );
            Concept::new(piece, start, alternatives)
        })
        .collect()
}

/// Alternatives for words reached by sound: each word itself (analysed, so a list term the
/// index holds as several words still matches), except a colloquial lexicon term the lists never
/// use, which stands for its list terms instead (weijian → 违建 → 违章建筑).
fn expand_words(
    words: &[String],
    kind: AltKind,
    vocabulary: &Vocabulary,
    synonyms: &Synonyms,
    terms: &AnalysedTerms,
) -> Vec<Alternative> {
    let mut alternatives: Vec<Alternative> = Vec::new();
    let mut push = |alt: Alternative| {
        if !alternatives.iter().any(|a| a.text == alt.text) {
            alternatives.push(alt);
        }
    };
    for word in words {
        match synonyms.targets_of(word) {
            Some(_) if !vocabulary.contains(word) => {}
            _ => push(terms.alternative(word, kind)),
        }
        for target in synonyms.targets_of(word).unwrap_or_default() {
            push(terms.alternative(target, AltKind::Synonym));
        }
    }
    alternatives
}

/// Homophones of an unmatched word, then its bigrams. A homophone must keep at least one of the
/// word's characters (然气 → 燃气 keeps 气): an input-method slip changes a character, not the
/// whole word. A word jieba knows (秸杆, 报修) may be a real word rather than a slip, so its
/// homophones count for half: enough to rank, too little to answer on their own.
fn sound_alike(
    mut concept: Concept,
    vocabulary: &Vocabulary,
    synonyms: &Synonyms,
    terms: &AnalysedTerms,
) -> Concept {
    if concept.label.chars().count() < 2 {
        return concept;
    }
    let mut homophones: Vec<String> = Vec::new();
    for reading in pinyin::readings(&concept.label) {
        for word in vocabulary.words_commonly_read_as(&reading) {
            let shares_a_character = word.chars().any(|c| concept.label.contains(c));
            if *word != concept.label && shares_a_character && !homophones.contains(word) {
                homophones.push(word.clone());
            }
        }
    }
    if !homophones.is_empty() && terms.segmenter().knows(&concept.label) {
        concept.importance *= KNOWN_WORD_HOMOPHONE_IMPORTANCE;
    }
    concept.alternatives =
        expand_words(&homophones, AltKind::Homophone, vocabulary, synonyms, terms);
    if concept.alternatives.is_empty() {
        let grams = bigrams(&concept.label);
        if !grams.is_empty() {
            concept.alternatives.push(Alternative {
                text: concept.label.clone(),
                tokens: grams,
                kind: AltKind::Ngram,
            });
        }
    }
    concept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Segmenter;
    use std::sync::Arc;

    /// Terms analysed by jieba's own dictionary, none of them ahead of time.
    fn plain_terms() -> AnalysedTerms {
        AnalysedTerms::new(Arc::new(Segmenter::new([])), &Synonyms::default())
    }

    fn concept(label: &str) -> Concept {
        Concept::new(label, 0, Vec::new())
    }

    #[test]
    fn pinyin_letters_become_the_words_they_spell() {
        let terms = plain_terms();
        let vocabulary = Vocabulary::from_words(&["燃气", "安全"], &[]);
        let concepts = fallback(
            vec![concept("ranqianquan")],
            &vocabulary,
            &Synonyms::default(),
            &terms,
        );
        let labels: Vec<&str> = concepts.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["ranqi", "anquan"]);
        assert_eq!(concepts[0].alternatives[0].text, "燃气");
        assert_eq!(concepts[0].alternatives[0].kind, AltKind::Pinyin);
    }

    #[test]
    fn pinyin_of_a_colloquial_term_reaches_its_list_terms() {
        let terms = plain_terms();
        let mut vocabulary = Vocabulary::from_words(&["违章建筑"], &[]);
        let synonyms = Synonyms::from_text("违建 => 违章建筑\n");
        vocabulary = vocabulary.with_extra(&["违建"]);
        let concepts = fallback(vec![concept("weijian")], &vocabulary, &synonyms, &terms);
        assert_eq!(concepts[0].alternatives[0].text, "违章建筑");
        assert_eq!(concepts[0].alternatives[0].kind, AltKind::Synonym);
    }

    #[test]
    fn homophone_typos_reach_the_real_word() {
        let terms = plain_terms();
        let vocabulary = Vocabulary::from_words(&["燃气", "秸秆", "低保"], &[]);
        for (typo, word) in [("然气", "燃气"), ("秸杆", "秸秆"), ("低宝", "低保")] {
            let concepts = fallback(
                vec![concept(typo)],
                &vocabulary,
                &Synonyms::default(),
                &terms,
            );
            assert_eq!(concepts[0].alternatives[0].text, word, "{typo}");
            assert_eq!(concepts[0].alternatives[0].kind, AltKind::Homophone);
        }
    }

    #[test]
    fn a_rare_reading_of_a_character_makes_no_homophone() {
        // 活 reads guo and 找 hua only rarely: 找过 is not a slip for 找活.
        let terms = plain_terms();
        let vocabulary = Vocabulary::from_words(&["找活", "燃气"], &[]);
        let concepts = fallback(
            vec![concept("找过")],
            &vocabulary,
            &Synonyms::default(),
            &terms,
        );
        assert!(
            concepts[0]
                .alternatives
                .iter()
                .all(|alt| alt.kind != AltKind::Homophone),
            "{:?}",
            concepts[0].alternatives
        );
    }

    #[test]
    fn homophones_keep_a_character_and_known_words_count_less() {
        let terms = plain_terms();
        let vocabulary = Vocabulary::from_words(&["收集", "保修", "燃气"], &[]);
        let none = Synonyms::default();
        let phone = fallback(vec![concept("手机")], &vocabulary, &none, &terms);
        assert!(
            phone[0]
                .alternatives
                .iter()
                .all(|a| a.kind != AltKind::Homophone),
            "手机 is no slip for 收集: {:?}",
            phone[0].alternatives
        );
        let repair = fallback(vec![concept("报修")], &vocabulary, &none, &terms);
        assert_eq!(repair[0].alternatives[0].text, "保修");
        assert!(repair[0].importance < 1.0, "报修 is a word jieba knows");
        let gas = fallback(vec![concept("然气")], &vocabulary, &none, &terms);
        assert_eq!(gas[0].alternatives[0].text, "燃气");
        assert_eq!(gas[0].importance, 1.0, "然气 is no word: a slip for 燃气");
    }

    #[test]
    fn unknown_words_fall_back_to_bigrams() {
        let terms = plain_terms();
        let vocabulary = Vocabulary::from_words(&["秸秆"], &[]);
        let concepts = fallback(
            vec![concept("烧麦秆")],
            &vocabulary,
            &Synonyms::default(),
            &terms,
        );
        assert_eq!(concepts[0].alternatives[0].kind, AltKind::Ngram);
        assert_eq!(concepts[0].alternatives[0].tokens, ["烧麦", "麦秆"]);
    }
}
