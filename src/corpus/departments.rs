//! Department names: who an item names as its owner, and how a name reads as a department's.
//!
//! The coop list names its departments in a column of its own; the withdrawn list names the
//! receiving departments only inside the duty text (`利通区民政局：进行婚姻登记…`), so they are read
//! from the clauses that begin with a list of department names and a colon. What ends a
//! department's name is data, `corpus/lexicon/departments.txt` ([`DepartmentNames`]), shared with
//! query analysis.

use super::cell;

/// How a name reads as a department's: the endings of department names (局, 部, 大队…) and of the
/// branch offices that may follow one (分局). Loaded from `corpus/lexicon/departments.txt`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepartmentNames {
    suffixes: Vec<String>,
    branches: Vec<String>,
}

impl DepartmentNames {
    /// Rules of these name endings and branch-office endings.
    pub fn new(suffixes: Vec<String>, branches: Vec<String>) -> DepartmentNames {
        DepartmentNames { suffixes, branches }
    }

    /// Whether `name` ends like a department's name, with something before the ending
    /// (教育局, 统战部; not 局 alone).
    pub fn ends_like_department(&self, name: &str) -> bool {
        self.suffixes
            .iter()
            .any(|suffix| name.len() > suffix.len() && name.ends_with(suffix.as_str()))
    }

    /// Whether the department `name` is named by `text`: it ends with `text`, or with a branch
    /// office after it (公安局 names 吴忠市公安局利通区分局; 政府 does not name
    /// 利通区人民政府办公室).
    pub fn names(&self, name: &str, text: &str) -> bool {
        name.find(text).is_some_and(|at| {
            let rest = &name[at + text.len()..];
            rest.is_empty() || self.branches.iter().any(|b| rest.ends_with(b.as_str()))
        })
    }

    /// Whether `name` reads as a department in a withdrawn item's duty text: a single word
    /// (letters and parentheses only) that ends like a department's name.
    fn is_department(&self, name: &str) -> bool {
        name.chars()
            .all(|c| c.is_alphanumeric() || "（）()".contains(c))
            && self.ends_like_department(name)
    }
}

/// Splits a `、`-separated list of departments (coop's 对应上级部门), keeping each name exactly as
/// written, so that owners match the document character for character.
pub(crate) fn split(cell: &str) -> Vec<String> {
    cell.split(['、', '\n'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The receiving departments named in a withdrawn item's 承接部门及履职方式: the names before the
/// colon of every clause of the form `NAMES：…`, in order and without duplicates. Text that names
/// nobody (`不再开展此项工作`) yields no department, so no owner is ever invented.
pub(crate) fn receiving(duties: &str, rules: &DepartmentNames) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for clause in duties.split(['；', ';', '\n']) {
        let clause = clause.trim();
        let clause = clause[cell::clause_number_len(clause).unwrap_or(0)..].trim_start();
        let Some((head, _)) = clause.split_once(['：', ':']) else {
            continue;
        };
        let candidates: Vec<&str> = head.split('、').map(str::trim).collect();
        if !candidates.iter().all(|name| rules.is_department(name)) {
            continue;
        }
        for name in candidates {
            if !names.iter().any(|known| known == name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::{split, DepartmentNames};

    /// The rules of `corpus/lexicon/departments.txt`.
    fn rules() -> DepartmentNames {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        crate::lexicon::Lexicon::department_names(&corpus).expect("the department rules load")
    }

    fn receiving(duties: &str) -> Vec<String> {
        super::receiving(duties, &rules())
    }

    #[test]
    fn names_end_like_departments_and_branch_offices_follow_them() {
        let rules = rules();
        assert!(rules.ends_like_department("教育局") && rules.ends_like_department("统战部"));
        assert!(!rules.ends_like_department("局") && !rules.ends_like_department("教育"));
        assert!(rules.names("吴忠市公安局利通区分局", "公安局"));
        assert!(rules.names("利通区教育局", "教育局"));
        assert!(!rules.names("利通区人民政府办公室", "政府"));
    }

    #[test]
    fn split_keeps_names_as_written() {
        assert_eq!(
            split("利通区住房和城乡建设局、利通区消防救援大队、 吴忠市公安局利通区分局"),
            [
                "利通区住房和城乡建设局",
                "利通区消防救援大队",
                "吴忠市公安局利通区分局"
            ]
        );
        assert_eq!(split("利通区民政局"), ["利通区民政局"]);
        assert!(split("、").is_empty());
    }

    #[test]
    fn one_receiving_department() {
        assert_eq!(
            receiving("利通区民政局：进行婚姻登记和档案查询。"),
            ["利通区民政局"]
        );
    }

    #[test]
    fn several_names_before_one_colon() {
        assert_eq!(
            receiving("利通区委宣传部、吴忠市公安局利通区分局：联合开展排查。"),
            ["利通区委宣传部", "吴忠市公安局利通区分局"]
        );
    }

    #[test]
    fn names_in_several_clauses_in_order_without_duplicates() {
        let duties = "吴忠市生态环境局：负责抽测；吴忠市交通运输局：配合市生态环境局抽测; \
                      吴忠市生态环境局、吴忠市公安局交通管理局:负责处罚。";
        assert_eq!(
            receiving(duties),
            [
                "吴忠市生态环境局",
                "吴忠市交通运输局",
                "吴忠市公安局交通管理局"
            ]
        );
    }

    #[test]
    fn a_lead_in_before_numbered_clauses_counts() {
        let duties = "利通区自然资源局：\n1. 畅通投诉举报渠道；\n2. 依法依规进行立案查处。";
        assert_eq!(receiving(duties), ["利通区自然资源局"]);
    }

    #[test]
    fn a_numbered_clause_naming_a_department_counts() {
        let duties = "1. 利通区民政局：负责管理；\n2. 吴忠市消防救援支队：负责检查。";
        assert_eq!(receiving(duties), ["利通区民政局", "吴忠市消防救援支队"]);
    }

    #[test]
    fn nobody_is_invented() {
        assert!(receiving("根据优化生育政策要求，不再开展此项工作。").is_empty());
        assert!(receiving("").is_empty());
    }

    #[test]
    fn colons_after_ordinary_words_name_nobody() {
        assert!(receiving("具体要求如下：按时上报。").is_empty());
        assert!(receiving("严格按照通知要求，由相关部门：负责。").is_empty());
        assert!(receiving("局：只有后缀。").is_empty());
        assert!(receiving("利通区民政局、相关单位：共同负责。").is_empty());
    }

    #[test]
    fn only_the_names_before_the_colon_count() {
        assert_eq!(
            receiving("吴忠市自然资源局：牵头负责，利通区人民政府组织相关部门配合。"),
            ["吴忠市自然资源局"]
        );
    }
}
