//! The document parser: reads the published text line by line into validated items.
//!
//! The document is a preamble (title, table of contents) followed by three lists, each headed
//! `{district}{town}{list heading}` and made of category headings (`一、党的建设（24项）`) and
//! tab-separated item rows, with the table header repeated on every page. The parser checks the
//! structure as it goes (list order, category ordinals, item numbers, declared counts, cell counts)
//! and refuses the document at the first line that does not fit.

use thiserror::Error;

use super::departments::{self, DepartmentNames};
use super::model::{Corpus, Item, ListKind};
use super::{cell, numeral};

/// Why a document was refused: the line at fault and what was expected there, so whoever edits
/// the corpus can find and fix the problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number in the document.
    pub line: usize,
    /// What was expected and what was found.
    pub message: String,
}

/// Endings of the town part of a list heading's prefix.
const TOWN_SUFFIXES: [&str; 3] = ["镇", "乡", "街道"];

/// Endings of the district part of a list heading's prefix.
const DISTRICT_SUFFIXES: [char; 4] = ['区', '县', '市', '旗'];

/// How many characters of an unrecognised row an error message quotes.
const EXCERPT_CHARS: usize = 40;

/// Parses a whole document into its items, refusing it with the first structural error;
/// `departments` says how the withdrawn list's receiving departments are recognised.
pub fn parse(text: &str, departments: &DepartmentNames) -> Result<Corpus, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser {
        departments,
        place: None,
        lists_started: 0,
        list: None,
        items: Vec::new(),
    };
    let mut last_line = 0;
    for (index, line) in text.split('\n').enumerate() {
        last_line = index + 1;
        parser.line(last_line, line)?;
    }
    parser.finish(last_line)
}

/// The table columns of a list, as its header row names them.
fn columns(kind: ListKind) -> &'static [&'static str] {
    match kind {
        ListKind::Basic => &["序号", "事项名称"],
        ListKind::Coop => &[
            "序号",
            "事项名称",
            "对应上级部门",
            "上级部门职责",
            "乡镇配合职责",
        ],
        ListKind::Withdrawn => &["序号", "事项名称", "承接部门及履职方式"],
    }
}

/// A category heading such as `二、经济发展（7项）`.
#[derive(Debug, PartialEq, Eq)]
struct CategoryHeading {
    ordinal: u32,
    name: String,
    /// The heading without its count, as error messages quote it (`二、经济发展`).
    label: String,
    declared: u32,
}

/// What one line of the document is, list headings aside.
#[derive(Debug, PartialEq, Eq)]
enum Row<'a> {
    Blank,
    Header(Vec<&'a str>),
    Separator,
    Category(CategoryHeading),
    Item { seq: u32, cells: Vec<&'a str> },
    Unrecognised,
}

/// Classifies a line by its shape alone, without regard to where it stands.
fn classify(line: &str) -> Row<'_> {
    let line = line.trim_end();
    if line.trim_start().is_empty() {
        return Row::Blank;
    }
    let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
    if let [single] = cells.as_slice() {
        if let Some(heading) = category_heading(single) {
            return Row::Category(heading);
        }
    }
    if cells[0] == "序号" {
        return Row::Header(cells);
    }
    if cells.iter().all(|cell| is_separator_cell(cell)) {
        return Row::Separator;
    }
    if !cells[0].is_empty() && cells[0].bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(seq) = cells[0].parse() {
            return Row::Item {
                seq,
                cells: cells[1..].to_vec(),
            };
        }
    }
    Row::Unrecognised
}

/// A markdown table separator cell (`---`, `:---:`).
fn is_separator_cell(cell: &str) -> bool {
    cell.contains('-') && cell.chars().all(|c| c == '-' || c == ':')
}

/// Reads a list heading (`利通区金星镇基本履职事项清单`) into its list, district and town.
fn list_heading(line: &str) -> Option<(ListKind, String, String)> {
    let line = line.trim();
    ListKind::ALL.into_iter().find_map(|kind| {
        let (district, town) = split_place(line.strip_suffix(kind.heading())?)?;
        Some((kind, district, town))
    })
}

/// Splits a heading prefix such as `利通区金星镇` into district (`利通区`) and town (`金星镇`): the
/// town ends in 镇, 乡 or 街道 and has a name before that ending; the district is everything
/// before the town, ending in 区, 县, 市 or 旗.
fn split_place(prefix: &str) -> Option<(String, String)> {
    if !prefix.chars().all(char::is_alphanumeric) {
        return None;
    }
    let suffix = TOWN_SUFFIXES
        .iter()
        .find(|suffix| prefix.ends_with(*suffix))?;
    let before_suffix = &prefix[..prefix.len() - suffix.len()];
    let (town_name_last, _) = before_suffix.char_indices().next_back()?;
    let district_end = before_suffix[..town_name_last]
        .char_indices()
        .rev()
        .find(|(_, c)| DISTRICT_SUFFIXES.contains(c))
        .map(|(index, c)| index + c.len_utf8())?;
    Some((
        prefix[..district_end].to_owned(),
        prefix[district_end..].to_owned(),
    ))
}

/// Reads a category heading: a Chinese ordinal, `、`, the name and the declared count in
/// parentheses (`（24项）`, full-width or ASCII).
fn category_heading(text: &str) -> Option<CategoryHeading> {
    let (ordinal_text, rest) = text.split_once('、')?;
    let ordinal = numeral::parse(ordinal_text)?;
    let rest = rest
        .strip_suffix("项）")
        .or_else(|| rest.strip_suffix("项)"))?;
    let (name, count) = rest.rsplit_once(['（', '('])?;
    let name = name.trim();
    if name.is_empty() || count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(CategoryHeading {
        ordinal,
        name: name.to_owned(),
        label: format!("{ordinal_text}、{name}"),
        declared: count.parse().ok()?,
    })
}

/// Builds the error for `line`.
fn error(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

/// The parser's state between lines.
struct Parser<'a> {
    departments: &'a DepartmentNames,
    /// District and town, from the first list heading; the others must agree.
    place: Option<(String, String)>,
    lists_started: usize,
    list: Option<OpenList>,
    items: Vec<Item>,
}

impl Parser<'_> {
    /// Reads one line: list headings anywhere, everything else inside the open list; before the
    /// first list heading (the preamble) only category headings and item rows are refused.
    fn line(&mut self, number: usize, text: &str) -> Result<(), ParseError> {
        if let Some((kind, district, town)) = list_heading(text) {
            return self.start_list(number, kind, district, town);
        }
        let row = classify(text);
        match self.list.as_mut() {
            Some(list) => list.line(number, text, row, self.departments, &mut self.items),
            None => match row {
                Row::Category(heading) => Err(error(
                    number,
                    format!("category {} before any list heading", heading.label),
                )),
                Row::Item { seq, .. } => {
                    Err(error(number, format!("item {seq} before any list heading")))
                }
                _ => Ok(()),
            },
        }
    }

    /// Closes the open list and starts the next, checking the place and the list order.
    fn start_list(
        &mut self,
        number: usize,
        kind: ListKind,
        district: String,
        town: String,
    ) -> Result<(), ParseError> {
        if let Some(list) = self.list.take() {
            list.close()?;
        }
        match &self.place {
            Some((known_district, known_town))
                if *known_district != district || *known_town != town =>
            {
                return Err(error(
                    number,
                    format!(
                        "list heading names {district}{town}, but the first list heading named \
                         {known_district}{known_town}"
                    ),
                ));
            }
            Some(_) => {}
            None => self.place = Some((district.clone(), town.clone())),
        }
        match ListKind::ALL.get(self.lists_started) {
            Some(&expected) if expected == kind => {}
            Some(&expected) => {
                return Err(error(
                    number,
                    format!(
                        "expected list heading {district}{town}{}, found {district}{town}{}",
                        expected.heading(),
                        kind.heading()
                    ),
                ));
            }
            None => {
                return Err(error(
                    number,
                    format!(
                        "unexpected list heading {district}{town}{}: all three lists were \
                         already read",
                        kind.heading()
                    ),
                ));
            }
        }
        self.lists_started += 1;
        self.list = Some(OpenList {
            kind,
            line: number,
            district,
            town,
            categories: 0,
            category: None,
        });
        Ok(())
    }

    /// Closes the last list and checks that all three lists were read.
    fn finish(mut self, last_line: usize) -> Result<Corpus, ParseError> {
        if let Some(list) = self.list.take() {
            list.close()?;
        }
        let Some((district, town)) = self.place else {
            return Err(error(
                last_line,
                format!(
                    "expected a list heading ending in {}, found the end of the document",
                    ListKind::Basic.heading()
                ),
            ));
        };
        if let Some(missing) = ListKind::ALL.get(self.lists_started) {
            return Err(error(
                last_line,
                format!(
                    "expected list heading {district}{town}{}, found the end of the document",
                    missing.heading()
                ),
            ));
        }
        Ok(Corpus {
            town,
            district,
            items: self.items,
        })
    }
}

/// The list being read.
struct OpenList {
    kind: ListKind,
    /// The line of the list heading.
    line: usize,
    district: String,
    town: String,
    categories: u32,
    category: Option<OpenCategory>,
}

/// The category being read.
struct OpenCategory {
    heading: CategoryHeading,
    /// The line of the category heading.
    line: usize,
    found: u32,
}

impl OpenList {
    /// Reads one line of this list.
    fn line(
        &mut self,
        number: usize,
        text: &str,
        row: Row<'_>,
        departments: &DepartmentNames,
        items: &mut Vec<Item>,
    ) -> Result<(), ParseError> {
        match row {
            Row::Blank | Row::Separator => Ok(()),
            Row::Header(cells) => self.check_header(number, &cells),
            Row::Category(heading) => self.start_category(number, heading),
            Row::Item { seq, cells } => {
                let item = self.item(number, seq, &cells, departments)?;
                items.push(item);
                Ok(())
            }
            Row::Unrecognised => {
                let excerpt: String = text.trim().chars().take(EXCERPT_CHARS).collect();
                Err(error(
                    number,
                    format!(
                        "expected a category heading, an item row, a table header or a blank \
                         line in {}, found `{excerpt}`",
                        self.kind.heading()
                    ),
                ))
            }
        }
    }

    /// Checks a repeated table header against this list's columns; another list's header means
    /// that list's heading is missing.
    fn check_header(&self, number: usize, cells: &[&str]) -> Result<(), ParseError> {
        if cells == columns(self.kind) {
            return Ok(());
        }
        let message = match ListKind::ALL
            .into_iter()
            .find(|other| cells == columns(*other))
        {
            Some(other) => format!(
                "found the table header of {} while reading {}: is its list heading missing?",
                other.heading(),
                self.kind.heading()
            ),
            None => format!(
                "expected table header {}, found {}",
                columns(self.kind).join(" | "),
                cells.join(" | ")
            ),
        };
        Err(error(number, message))
    }

    /// Closes the open category and starts the next, checking its ordinal.
    fn start_category(
        &mut self,
        number: usize,
        heading: CategoryHeading,
    ) -> Result<(), ParseError> {
        self.close_category()?;
        let expected = self.categories + 1;
        if heading.ordinal != expected {
            return Err(error(
                number,
                format!(
                    "expected category {expected} in {}, found {}",
                    self.kind.heading(),
                    heading.label
                ),
            ));
        }
        self.categories = expected;
        self.category = Some(OpenCategory {
            heading,
            line: number,
            found: 0,
        });
        Ok(())
    }

    /// Reads an item row of the open category, checking its number and its cells.
    fn item(
        &mut self,
        number: usize,
        seq: u32,
        cells: &[&str],
        rules: &DepartmentNames,
    ) -> Result<Item, ParseError> {
        let Some(category) = self.category.as_mut() else {
            return Err(error(
                number,
                format!(
                    "item {seq} before any category heading in {}",
                    self.kind.heading()
                ),
            ));
        };
        let label = &category.heading.label;
        let expected = category.found + 1;
        if seq != expected {
            return Err(error(
                number,
                format!("expected item {expected} under {label}, found item {seq}"),
            ));
        }
        let names = &columns(self.kind)[1..];
        let tidied = |index: usize| {
            let text = cell::tidy(cells[index]);
            if text.is_empty() {
                Err(error(
                    number,
                    format!(
                        "item {seq} under {label} has an empty {} cell",
                        names[index]
                    ),
                ))
            } else {
                Ok(text)
            }
        };
        let (title, departments, department_duties, town_duties, owner) =
            match (self.kind, cells.len()) {
                (ListKind::Basic, 1) => {
                    let duty = tidied(0)?;
                    (
                        duty.clone(),
                        Vec::new(),
                        String::new(),
                        duty,
                        vec![self.town.clone()],
                    )
                }
                (ListKind::Coop, 4) => {
                    let title = tidied(0)?;
                    let departments = departments::split(&tidied(1)?);
                    if departments.is_empty() {
                        return Err(error(
                            number,
                            format!(
                                "item {seq} under {label} names no department in {}",
                                names[1]
                            ),
                        ));
                    }
                    (
                        title,
                        departments.clone(),
                        tidied(2)?,
                        tidied(3)?,
                        departments,
                    )
                }
                (ListKind::Withdrawn, 2) => {
                    let title = tidied(0)?;
                    let department_duties = tidied(1)?;
                    let departments = departments::receiving(&department_duties, rules);
                    (
                        title,
                        departments.clone(),
                        department_duties,
                        String::new(),
                        departments,
                    )
                }
                _ => {
                    return Err(error(
                        number,
                        format!(
                            "item {seq} under {label} has {} cells after 序号, expected {} ({})",
                            cells.len(),
                            names.len(),
                            names.join("、")
                        ),
                    ));
                }
            };
        let item = Item {
            id: format!("{}-{}-{seq}", self.kind.as_str(), category.heading.ordinal),
            list: self.kind,
            category: category.heading.name.clone(),
            category_ordinal: category.heading.ordinal,
            seq,
            title,
            departments,
            department_duties,
            town_duties,
            owner,
            town: self.town.clone(),
            district: self.district.clone(),
            line: number,
        };
        category.found = expected;
        Ok(item)
    }

    /// Checks the category being read against its declared count.
    fn close_category(&mut self) -> Result<(), ParseError> {
        match self.category.take() {
            Some(category) if category.found != category.heading.declared => Err(error(
                category.line,
                format!(
                    "category {} declares {} items but {} were found",
                    category.heading.label, category.heading.declared, category.found
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Ends the list: checks its last category and that it had any.
    fn close(mut self) -> Result<(), ParseError> {
        self.close_category()?;
        if self.categories == 0 {
            return Err(error(
                self.line,
                format!("list {} has no categories", self.kind.heading()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{
        category_heading, classify, split_place, CategoryHeading, Corpus, ParseError, Row,
    };
    use crate::corpus::ListKind;

    /// A small well-formed document with all three lists.
    const SAMPLE: &str = "标题\n\
        目 录\n\
        1. 基本履职事项清单\t01\n\
        \n\
        某区某镇基本履职事项清单\n\
        序号\t事项名称\n\
        一、党的建设（2项）\t\n\
        1\t加强党的建设。\n\
        2\t做好 24小时值守。\n\
        二、经济发展(1项)\n\
        1\t编制计划。\n\
        某区某镇配合履职事项清单\n\
        序号\t事项名称\t对应上级部门\t上级部门职责\t乡镇配合职责\n\
        一、城乡建设（1项）\t\t\t\t\n\
        1\t燃气安全\t甲局、乙大队\t<p>1.甲局：监管；</p> <p>2.乙大队：救援。</p>\t1.宣传； 2.排查。\n\
        ---\t---\t---\t---\t---\n\
        某区某镇上级部门收回事项清单\n\
        \n\
        序号\t事项名称\t承接部门及履职方式\n\
        一、社会保障（2项）\t\t\n\
        1\t婚姻登记\t丙局：进行婚姻登记。\n\
        2\t再生育审批\t不再开展此项工作。";

    /// Parses `text` with the rules of `corpus/lexicon/departments.txt`.
    fn parse(text: &str) -> Result<Corpus, ParseError> {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let rules = crate::lexicon::Lexicon::department_names(&corpus).expect("the rules load");
        super::parse(text, &rules)
    }

    fn refusal(text: &str) -> (usize, String) {
        let error = parse(text).expect_err("the document should be refused");
        (error.line, error.message)
    }

    #[test]
    fn parses_a_small_document() {
        let corpus = parse(SAMPLE).unwrap();
        assert_eq!(
            (corpus.district.as_str(), corpus.town.as_str()),
            ("某区", "某镇")
        );
        let ids: Vec<&str> = corpus.items.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "basic-1-1",
                "basic-1-2",
                "basic-2-1",
                "coop-1-1",
                "withdrawn-1-1",
                "withdrawn-1-2"
            ]
        );

        let basic = &corpus.items[1];
        assert_eq!(basic.list, ListKind::Basic);
        assert_eq!(basic.title, "做好 24小时值守。");
        assert_eq!(basic.town_duties, basic.title);
        assert_eq!(basic.owner, ["某镇"]);
        assert!(basic.departments.is_empty() && basic.department_duties.is_empty());
        assert_eq!(
            (basic.category.as_str(), basic.category_ordinal, basic.seq),
            ("党的建设", 1, 2)
        );
        assert_eq!(basic.line, 9);
        assert_eq!(corpus.items[2].category, "经济发展");

        let coop = &corpus.items[3];
        assert_eq!(coop.title, "燃气安全");
        assert_eq!(coop.departments, ["甲局", "乙大队"]);
        assert_eq!(coop.owner, coop.departments);
        assert_eq!(coop.department_duties, "1.甲局：监管；\n2.乙大队：救援。");
        assert_eq!(coop.town_duties, "1.宣传；\n2.排查。");
        assert_eq!(
            (coop.town.as_str(), coop.district.as_str()),
            ("某镇", "某区")
        );

        let withdrawn = &corpus.items[4];
        assert_eq!(withdrawn.owner, ["丙局"]);
        assert_eq!(withdrawn.departments, ["丙局"]);
        assert_eq!(withdrawn.department_duties, "丙局：进行婚姻登记。");
        assert!(withdrawn.town_duties.is_empty());
        assert!(corpus.items[5].owner.is_empty());
        assert_eq!(corpus.items[5].line, 22);
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_tolerated() {
        let text = format!("\u{feff}{}", SAMPLE.replace('\n', "\r\n"));
        assert_eq!(parse(&text).unwrap(), parse(SAMPLE).unwrap());
    }

    #[test]
    fn classifies_rows_by_shape() {
        assert_eq!(classify(" \t "), Row::Blank);
        assert_eq!(
            classify("序号\t事项名称"),
            Row::Header(vec!["序号", "事项名称"])
        );
        assert_eq!(classify("---\t---------------\t:---:"), Row::Separator);
        assert_eq!(
            classify("12\t甲\t乙\t"),
            Row::Item {
                seq: 12,
                cells: vec!["甲", "乙"]
            }
        );
        assert!(matches!(
            classify("一、党的建设（24项）\t\t"),
            Row::Category(_)
        ));
        for garbled in [
            "1. 基本履职事项清单\t01",
            "一、党的建设",
            "+1\t甲",
            "甲\t乙",
            "-\t-x",
        ] {
            assert_eq!(classify(garbled), Row::Unrecognised, "{garbled}");
        }
    }

    #[test]
    fn reads_category_headings() {
        assert_eq!(
            category_heading("十二、应急管理及消防（4项）"),
            Some(CategoryHeading {
                ordinal: 12,
                name: "应急管理及消防".into(),
                label: "十二、应急管理及消防".into(),
                declared: 4,
            })
        );
        assert_eq!(
            category_heading("二、经济发展(7项)").map(|h| h.declared),
            Some(7)
        );
        for garbled in [
            "二、经济发展",
            "二、（7项）",
            "二、经济发展（七项）",
            "2、经济发展（7项）",
            "二经济发展（7项）",
        ] {
            assert_eq!(category_heading(garbled), None, "{garbled}");
        }
    }

    #[test]
    fn splits_district_and_town() {
        let split = split_place;
        assert_eq!(
            split("利通区金星镇"),
            Some(("利通区".into(), "金星镇".into()))
        );
        assert_eq!(
            split("吴忠市利通区金星镇"),
            Some(("吴忠市利通区".into(), "金星镇".into()))
        );
        assert_eq!(
            split("利通区新市镇"),
            Some(("利通区".into(), "新市镇".into()))
        );
        assert_eq!(split("某县某某乡"), Some(("某县".into(), "某某乡".into())));
        assert_eq!(
            split("某旗城关街道"),
            Some(("某旗".into(), "城关街道".into()))
        );
        for garbled in [
            "金星镇",
            "利通区镇",
            "利通区金星村",
            "利通区 金星镇",
            "1. ",
            "",
        ] {
            assert_eq!(split(garbled), None, "{garbled:?}");
        }
    }

    #[test]
    fn refuses_a_count_mismatch_at_the_category_heading() {
        let text = SAMPLE.replace("\n2\t做好 24小时值守。", "");
        assert_eq!(
            refusal(&text),
            (
                7,
                "category 一、党的建设 declares 2 items but 1 were found".into()
            )
        );
        let text = SAMPLE.replace("二、经济发展(1项)", "二、经济发展(2项)");
        assert_eq!(refusal(&text).0, 10);
        let text = SAMPLE.replace("一、社会保障（2项）", "一、社会保障（3项）");
        assert_eq!(refusal(&text).0, 20);
    }

    #[test]
    fn refuses_items_out_of_order() {
        let text = SAMPLE.replace("2\t做好", "3\t做好");
        assert_eq!(
            refusal(&text),
            (9, "expected item 2 under 一、党的建设, found item 3".into())
        );
    }

    #[test]
    fn refuses_categories_out_of_order() {
        let text = SAMPLE.replace("二、经济发展", "三、经济发展");
        assert_eq!(
            refusal(&text),
            (
                10,
                "expected category 2 in 基本履职事项清单, found 三、经济发展".into()
            )
        );
    }

    #[test]
    fn refuses_a_wrong_cell_count() {
        let text = SAMPLE.replace("婚姻登记\t丙局", "婚姻登记\t多余\t丙局");
        let (line, message) = refusal(&text);
        assert_eq!(line, 21);
        assert!(
            message.contains("3 cells after 序号, expected 2"),
            "{message}"
        );
    }

    #[test]
    fn refuses_an_empty_cell() {
        let text = SAMPLE.replace("\t甲局、乙大队\t", "\t<p></p>\t");
        assert_eq!(
            refusal(&text),
            (
                15,
                "item 1 under 一、城乡建设 has an empty 对应上级部门 cell".into()
            )
        );
    }

    #[test]
    fn refuses_rows_outside_their_place() {
        let text = SAMPLE.replace("一、党的建设（2项）\t\n", "");
        assert_eq!(
            refusal(&text),
            (
                7,
                "item 1 before any category heading in 基本履职事项清单".into()
            )
        );
        let text = SAMPLE.replace("目 录", "一、总则（1项）");
        assert_eq!(
            refusal(&text),
            (2, "category 一、总则 before any list heading".into())
        );
        let text = SAMPLE.replace("目 录", "1\t总则");
        assert_eq!(refusal(&text), (2, "item 1 before any list heading".into()));
    }

    #[test]
    fn refuses_a_garbled_row() {
        let text = SAMPLE.replace("1\t编制计划。", "1 编制计划。");
        let (line, message) = refusal(&text);
        assert_eq!(line, 11);
        assert!(message.ends_with("found `1 编制计划。`"), "{message}");
    }

    #[test]
    fn refuses_missing_lists() {
        let text = SAMPLE.replace("某区某镇配合履职事项清单\n", "");
        assert_eq!(
            refusal(&text),
            (
                12,
                "found the table header of 配合履职事项清单 while reading 基本履职事项清单: \
                 is its list heading missing?"
                    .into()
            )
        );
        let text = SAMPLE.replace("某区某镇配合履职事项清单\n序号", "序号");
        let text = text.replace("某区某镇上级部门收回事项清单", "某区某镇配合履职事项清单");
        assert_eq!(refusal(&text).0, 12);
        let cut = SAMPLE.find("某区某镇上级部门收回事项清单").unwrap();
        assert_eq!(
            refusal(SAMPLE[..cut].trim_end()),
            (
                16,
                "expected list heading 某区某镇上级部门收回事项清单, found the end of the document"
                    .into()
            )
        );
        assert_eq!(refusal("标题\n目 录").0, 2);
    }

    #[test]
    fn refuses_lists_out_of_order_or_repeated() {
        let text = SAMPLE.replace("某区某镇配合履职事项清单", "某区某镇上级部门收回事项清单");
        assert_eq!(
            refusal(&text),
            (
                12,
                "expected list heading 某区某镇配合履职事项清单, found 某区某镇上级部门收回事项清单"
                    .into()
            )
        );
        let text = format!("{SAMPLE}\n某区某镇基本履职事项清单");
        assert_eq!(refusal(&text).0, 23);
    }

    #[test]
    fn refuses_an_empty_list() {
        let text = SAMPLE.replace(
            "某区某镇配合履职事项清单",
            "某区某镇配合履职事项清单\n某区某镇上级部门收回事项清单",
        );
        assert_eq!(
            refusal(&text),
            (12, "list 配合履职事项清单 has no categories".into())
        );
    }

    #[test]
    fn refuses_headings_that_disagree_on_the_place() {
        let text = SAMPLE.replace("某区某镇配合", "某区另镇配合");
        assert_eq!(
            refusal(&text),
            (
                12,
                "list heading names 某区另镇, but the first list heading named 某区某镇".into()
            )
        );
    }

    #[test]
    fn refuses_a_foreign_table_header() {
        let text = SAMPLE.replace("序号\t事项名称\n", "序号\t名称\n");
        assert_eq!(
            refusal(&text),
            (
                6,
                "expected table header 序号 | 事项名称, found 序号 | 名称".into()
            )
        );
    }

    #[test]
    fn refuses_a_coop_item_without_departments() {
        let text = SAMPLE.replace("\t甲局、乙大队\t", "\t、\t");
        assert_eq!(
            refusal(&text),
            (
                15,
                "item 1 under 一、城乡建设 names no department in 对应上级部门".into()
            )
        );
    }

    #[test]
    fn errors_display_their_line() {
        let error = parse("标题").unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 1: expected a list heading ending in 基本履职事项清单, found the end of the document"
        );
    }
}
