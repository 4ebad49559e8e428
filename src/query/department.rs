//! Stage 5, department recognition: a concept that names a department (教育局, or 住建局 through
//! the lexicon) also matches the items that department owns or leads, which then rank first.

use super::plan::{AltKind, Alternative, Concept};
use super::vocabulary::Vocabulary;

/// Adds a department alternative for every department a concept's terms name.
pub fn recognize(concepts: &mut [Concept], vocabulary: &Vocabulary) {
    for concept in concepts {
        let mut names: Vec<String> = Vec::new();
        let texts = std::iter::once(concept.label.as_str())
            .chain(concept.alternatives.iter().map(|alt| alt.text.as_str()));
        for text in texts {
            for name in vocabulary.departments_named(text) {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        }
        concept
            .alternatives
            .extend(names.into_iter().map(|name| Alternative {
                tokens: vec![name.clone()],
                text: name,
                kind: AltKind::Department,
            }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn department_names_are_recognised_through_expansions() {
        let vocabulary = Vocabulary::from_words(
            &[],
            &[
                "利通区住房城乡建设和交通局",
                "利通区教育局",
                "吴忠市住房和城乡建设局",
            ],
        );
        let mut concepts = vec![
            Concept {
                label: "教育局".into(),
                importance: 1.0,
                alternatives: Vec::new(),
            },
            Concept {
                label: "住建局".into(),
                importance: 1.0,
                alternatives: vec![Alternative {
                    text: "住房城乡建设和交通局".into(),
                    tokens: vec!["住房".into()],
                    kind: AltKind::Synonym,
                }],
            },
        ];
        recognize(&mut concepts, &vocabulary);
        assert_eq!(concepts[0].alternatives[0].text, "利通区教育局");
        assert_eq!(concepts[0].alternatives[0].kind, AltKind::Department);
        let housing: Vec<&str> = concepts[1]
            .alternatives
            .iter()
            .filter(|a| a.kind == AltKind::Department)
            .map(|a| a.text.as_str())
            .collect();
        assert_eq!(housing, ["利通区住房城乡建设和交通局"]);
    }
}
