//! Stage 5, department recognition: a concept that names a department (教育局, or 住建局 through
//! the lexicon) also matches the items that department owns or leads, which then rank first.

use super::plan::{AltKind, Alternative, Concept};
use super::vocabulary::Vocabulary;

/// Adds a department alternative for every department a concept names.
///
/// A concept names departments when the typed word reads as a department's name (教育局, 住建局:
/// it and its expansions are matched against the index's department names), or when it is a
/// nickname whose every expansion is part of a department's name (城管 → 综合执法局). A word
/// with some department among broader expansions (残疾 → 残疾人证, 残疾人联合会) names none.
pub fn recognize(concepts: &mut [Concept], vocabulary: &Vocabulary) {
    for concept in concepts {
        let expansions: Vec<&str> = concept
            .alternatives
            .iter()
            .filter(|alt| alt.kind == AltKind::Synonym)
            .map(|alt| alt.text.as_str())
            .collect();
        let mut found: Vec<&str> = Vec::new();
        if vocabulary.reads_as_department(&concept.label) {
            found.extend(vocabulary.departments_named(&concept.label));
            for text in &expansions {
                found.extend(vocabulary.departments_named(text));
            }
        } else if !expansions.is_empty()
            && expansions
                .iter()
                .all(|text| !vocabulary.departments_headed_by(text).is_empty())
        {
            for text in &expansions {
                found.extend(vocabulary.departments_headed_by(text));
            }
        }
        let mut names: Vec<String> = Vec::new();
        for name in found {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
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
        concepts.push(Concept {
            label: "城管".into(),
            importance: 1.0,
            alternatives: vec![Alternative {
                text: "住房城乡建设和交通局".into(),
                tokens: vec!["住房".into()],
                kind: AltKind::Synonym,
            }],
        });
        concepts.push(Concept {
            label: "残疾".into(),
            importance: 1.0,
            alternatives: vec![
                Alternative {
                    text: "残疾人证".into(),
                    tokens: vec!["残疾人证".into()],
                    kind: AltKind::Synonym,
                },
                Alternative {
                    text: "教育局".into(),
                    tokens: vec!["教育局".into()],
                    kind: AltKind::Synonym,
                },
            ],
        });
        recognize(&mut concepts, &vocabulary);
        assert_eq!(concepts[0].alternatives[0].text, "利通区教育局");
        let nickname = concepts[2].alternatives.last().unwrap();
        assert_eq!(
            nickname.kind,
            AltKind::Department,
            "a nickname names its department"
        );
        assert!(
            concepts[3]
                .alternatives
                .iter()
                .all(|a| a.kind != AltKind::Department),
            "a word with broader expansions names no department"
        );
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
