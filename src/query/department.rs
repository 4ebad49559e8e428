//! Stage 5, department recognition: a concept that names a department (教育局, or 住建局 through
//! the lexicon) also matches the items that department owns or leads, which then rank first.

use super::plan::{AltKind, Alternative, Concept, Role};
use super::vocabulary::Vocabulary;

/// Adds a department alternative for every department a concept names.
///
/// A concept names departments when the typed word reads as a department's name (教育局, 住建局:
/// it and its expansions are matched against the index's department names), or when it is a
/// nickname whose every expansion is part of a department's name (城管 → 综合执法局). A word
/// with some department among broader expansions (残疾 → 残疾人证, 残疾人联合会) names none.
///
/// A query about a department names little else (民政局, 住建局管什么). When it names at least
/// [`CONTEXT_FROM_CONCEPTS`] other matched words, its departments are context (打过派出所电话,
/// 冒充公安局的人): they get no department alternative and the role [`Role::Setting`].
pub fn recognize(concepts: &mut [Concept], vocabulary: &Vocabulary) {
    let named: Vec<Vec<String>> = concepts
        .iter()
        .map(|concept| departments_named(concept, vocabulary))
        .collect();
    let others = concepts
        .iter()
        .zip(&named)
        .filter(|(concept, names)| {
            names.is_empty()
                && concept.importance >= 1.0
                && concept
                    .alternatives
                    .iter()
                    .any(|alt| alt.kind != AltKind::Ngram && alt.kind != AltKind::Part)
        })
        .count();
    let context = others >= CONTEXT_FROM_CONCEPTS;
    for (concept, names) in concepts.iter_mut().zip(named) {
        if names.is_empty() {
            continue;
        }
        if context {
            concept.role = Role::Setting;
            continue;
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

/// Matched words besides a department's from which the department is context.
const CONTEXT_FROM_CONCEPTS: usize = 2;

/// The departments `concept` names, without repeats.
fn departments_named(concept: &Concept, vocabulary: &Vocabulary) -> Vec<String> {
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
            .all(|text| vocabulary.heads_a_department(text))
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
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synonyms(label: &str, targets: &[&str]) -> Concept {
        let alternatives = targets
            .iter()
            .map(|target| Alternative {
                text: target.to_string(),
                tokens: vec![target.to_string()],
                kind: AltKind::Synonym,
            })
            .collect();
        Concept::new(label, 0, alternatives)
    }

    fn vocabulary() -> Vocabulary {
        Vocabulary::from_words(
            &[],
            &[
                "利通区住房城乡建设和交通局",
                "利通区教育局",
                "吴忠市住房和城乡建设局",
                "吴忠市公安局利通区分局",
            ],
        )
    }

    #[test]
    fn department_names_are_recognised_through_expansions() {
        let mut concepts = vec![
            Concept::new("教育局", 0, Vec::new()),
            synonyms("住建局", &["住房城乡建设和交通局"]),
            synonyms("城管", &["住房城乡建设和交通局"]),
            synonyms("残疾", &["残疾人证", "教育局"]),
        ];
        recognize(&mut concepts, &vocabulary());
        assert_eq!(concepts[0].alternatives[0].text, "利通区教育局");
        assert_eq!(concepts[0].alternatives[0].kind, AltKind::Department);
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
        let housing: Vec<&str> = concepts[1]
            .alternatives
            .iter()
            .filter(|a| a.kind == AltKind::Department)
            .map(|a| a.text.as_str())
            .collect();
        assert_eq!(housing, ["利通区住房城乡建设和交通局"]);
    }

    #[test]
    fn a_department_among_other_matters_is_context() {
        let mut concepts = vec![
            Concept::new("公安局", 0, Vec::new()),
            synonyms("转账", &["反电信网络诈骗"]),
            synonyms("安全账户", &["反电信网络诈骗"]),
        ];
        recognize(&mut concepts, &vocabulary());
        assert_eq!(concepts[0].role, Role::Setting);
        assert!(concepts[0].alternatives.is_empty());
        let mut alone = vec![
            Concept::new("公安局", 0, Vec::new()),
            synonyms("职责", &["职责"]),
        ];
        recognize(&mut alone, &vocabulary());
        assert_eq!(alone[0].alternatives[0].kind, AltKind::Department);
    }
}
