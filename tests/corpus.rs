//! The corpus parser against the real published document, and against malformed copies of it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use duty_search::corpus::{self, Corpus, CorpusError, DepartmentNames, Item, ListKind};
use duty_search::lexicon::Lexicon;

fn corpus_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/lists/jinxing-town-duty-lists.txt")
}

fn text() -> String {
    std::fs::read_to_string(corpus_path()).expect("the corpus file is readable")
}

/// The department-name rules of the repository's lexicon.
fn rules() -> DepartmentNames {
    Lexicon::department_names(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"))
        .expect("the department rules load")
}

fn corpus() -> Corpus {
    corpus::load(&corpus_path(), &rules()).expect("the real corpus parses")
}

fn item<'a>(corpus: &'a Corpus, id: &str) -> &'a Item {
    corpus
        .items
        .iter()
        .find(|item| item.id == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

fn lines(text: &str) -> Vec<&str> {
    text.split('\n').collect()
}

/// Parses an edited copy of the real text and returns the refusal's line and message.
fn refusal(edit: impl FnOnce(&mut Vec<String>)) -> (usize, String) {
    let mut lines: Vec<String> = lines(&text()).into_iter().map(str::to_owned).collect();
    edit(&mut lines);
    let error =
        corpus::parse(&lines.join("\n"), &rules()).expect_err("the edited copy should be refused");
    (error.line, error.message)
}

/// The line at 1-based `number`, for editing.
fn line(lines: &mut [String], number: usize) -> &mut String {
    &mut lines[number - 1]
}

/// One category: ordinal, name, item count.
type Category = (u32, &'static str, usize);

/// Every category of every list.
const CATEGORIES: [(ListKind, &[Category]); 3] = [
    (
        ListKind::Basic,
        &[
            (1, "党的建设", 24),
            (2, "经济发展", 7),
            (3, "民生服务", 15),
            (4, "平安法治", 8),
            (5, "民族宗教", 6),
            (6, "乡村振兴", 1),
            (7, "自然资源", 6),
            (8, "生态环保", 8),
            (9, "城乡建设", 4),
            (10, "文化和旅游", 4),
            (11, "卫生健康", 4),
            (12, "应急管理及消防", 4),
            (13, "综合政务", 10),
        ],
    ),
    (
        ListKind::Coop,
        &[
            (1, "城乡建设", 12),
            (2, "民生服务", 8),
            (3, "民族宗教", 1),
            (4, "平安法治", 3),
            (5, "文化旅游", 1),
            (6, "市场监管", 1),
            (7, "应急管理及消防", 10),
            (8, "生态保护", 4),
            (9, "自然资源", 5),
            (10, "经济发展", 1),
            (11, "社会管理", 3),
            (12, "社会保障", 4),
            (13, "综合政务", 3),
        ],
    ),
    (
        ListKind::Withdrawn,
        &[
            (1, "平安法治", 1),
            (2, "社会保障", 5),
            (3, "自然资源", 22),
            (4, "生态环保", 12),
            (5, "城乡建设", 23),
            (6, "卫生健康", 6),
            (7, "应急管理及消防", 11),
            (8, "市场监管", 4),
            (9, "教育培训监管", 2),
            (10, "安全稳定", 1),
            (11, "社会管理", 7),
            (12, "水利", 2),
            (13, "体育", 2),
            (14, "其他", 6),
        ],
    ),
];

#[test]
fn counts_every_list_and_the_whole() {
    let corpus = corpus();
    assert_eq!(corpus.items.len(), 261);
    let count = |kind| corpus.items.iter().filter(|item| item.list == kind).count();
    assert_eq!(count(ListKind::Basic), 101);
    assert_eq!(count(ListKind::Coop), 56);
    assert_eq!(count(ListKind::Withdrawn), 104);
}

#[test]
fn counts_every_category_of_every_list() {
    let corpus = corpus();
    for (kind, categories) in CATEGORIES {
        let mut found: Vec<(u32, &str, usize)> = Vec::new();
        for item in corpus.items.iter().filter(|item| item.list == kind) {
            match found.last_mut() {
                Some((ordinal, _, count)) if *ordinal == item.category_ordinal => *count += 1,
                _ => found.push((item.category_ordinal, item.category.as_str(), 1)),
            }
        }
        assert_eq!(found, categories, "{kind:?}");
    }
}

#[test]
fn every_item_row_of_the_file_is_an_item_in_document_order() {
    let text = text();
    let rows: Vec<usize> = lines(&text)
        .iter()
        .enumerate()
        .filter(|(_, line)| line.split('\t').next().unwrap().parse::<u32>().is_ok())
        .map(|(index, _)| index + 1)
        .collect();
    let corpus = corpus();
    let item_lines: Vec<usize> = corpus.items.iter().map(|item| item.line).collect();
    assert_eq!(item_lines, rows);
    for item in &corpus.items {
        let row = lines(&text)[item.line - 1];
        assert!(row.starts_with(&format!("{}\t", item.seq)), "{}", item.id);
    }
}

#[test]
fn ids_are_unique_and_spell_list_category_and_seq() {
    let corpus = corpus();
    let ids: HashSet<&str> = corpus.items.iter().map(|item| item.id.as_str()).collect();
    assert_eq!(ids.len(), corpus.items.len());
    for item in &corpus.items {
        let expected = format!(
            "{}-{}-{}",
            item.list.as_str(),
            item.category_ordinal,
            item.seq
        );
        assert_eq!(item.id, expected);
    }
}

#[test]
fn seqs_run_from_one_inside_every_category() {
    let corpus = corpus();
    let mut previous: Option<&Item> = None;
    for item in &corpus.items {
        let expected = match previous {
            Some(p) if p.list == item.list && p.category_ordinal == item.category_ordinal => {
                p.seq + 1
            }
            _ => 1,
        };
        assert_eq!(item.seq, expected, "{}", item.id);
        previous = Some(item);
    }
}

#[test]
fn town_and_district_come_from_the_headings() {
    let corpus = corpus();
    assert_eq!(corpus.town, "金星镇");
    assert_eq!(corpus.district, "利通区");
    for item in &corpus.items {
        assert_eq!(
            (item.town.as_str(), item.district.as_str()),
            ("金星镇", "利通区")
        );
    }
}

#[test]
fn no_field_keeps_html_or_untidy_lines() {
    let corpus = corpus();
    for item in &corpus.items {
        let mut fields = vec![
            item.title.as_str(),
            item.category.as_str(),
            item.department_duties.as_str(),
            item.town_duties.as_str(),
        ];
        fields.extend(item.departments.iter().map(String::as_str));
        fields.extend(item.owner.iter().map(String::as_str));
        for field in fields {
            assert!(
                !field.contains("<p>") && !field.contains("</p>"),
                "{}",
                item.id
            );
            assert!(!field.contains('<') && !field.contains('>'), "{}", item.id);
            for line in field.split('\n') {
                assert_eq!(line, line.trim(), "{}: untrimmed line", item.id);
                assert!(
                    !line.is_empty() || field.is_empty(),
                    "{}: empty line",
                    item.id
                );
            }
        }
        assert!(
            !item.title.is_empty() && !item.title.contains('\n'),
            "{}",
            item.id
        );
    }
}

#[test]
fn owners_follow_the_list() {
    let corpus = corpus();
    for item in &corpus.items {
        match item.list {
            ListKind::Basic => {
                assert_eq!(item.owner, ["金星镇"], "{}", item.id);
                assert!(item.departments.is_empty(), "{}", item.id);
                assert!(item.department_duties.is_empty(), "{}", item.id);
                assert_eq!(item.town_duties, item.title, "{}", item.id);
            }
            ListKind::Coop => {
                assert!(!item.departments.is_empty(), "{}", item.id);
                assert_eq!(item.owner, item.departments, "{}", item.id);
                assert!(!item.town_duties.is_empty(), "{}", item.id);
            }
            ListKind::Withdrawn => {
                assert_eq!(item.owner, item.departments, "{}", item.id);
                assert!(item.town_duties.is_empty(), "{}", item.id);
                let unowned = item.owner.is_empty();
                assert_eq!(unowned, item.id == "withdrawn-6-6", "{}", item.id);
            }
        }
    }
}

#[test]
fn basic_1_1() {
    let corpus = corpus();
    let item = item(&corpus, "basic-1-1");
    assert_eq!(item.list, ListKind::Basic);
    assert_eq!(
        (item.category.as_str(), item.category_ordinal, item.seq),
        ("党的建设", 1, 1)
    );
    assert!(item
        .title
        .starts_with("学习贯彻习近平新时代中国特色社会主义思想和习近平总书记考察宁夏重要讲话精神"));
    assert!(item
        .title
        .ends_with("坚定拥护“两个确立”、坚决做到“两个维护”。"));
    assert_eq!(item.town_duties, item.title);
    assert_eq!(item.owner, ["金星镇"]);
    assert!(item.departments.is_empty() && item.department_duties.is_empty());
    assert_eq!(item.line, 15);
    assert_eq!(item.owner_statement(), "金星镇负责");
}

#[test]
fn basic_13_10_and_numbers_inside_words() {
    let corpus = corpus();
    let last = item(&corpus, "basic-13-10");
    assert_eq!(last.category, "综合政务");
    assert_eq!(
        last.title,
        "做好12345热线平台诉求办理，落实督查督办事项和巡视巡察、审计等反馈问题整改。"
    );
    assert_eq!(last.line, 137);
    assert_eq!(
        item(&corpus, "basic-13-5").title,
        "负责本单位安全保卫工作，落实24小时值班值守和紧急信息报送制度，对突发事件及时上报并进行先期处置。"
    );
    assert_eq!(
        item(&corpus, "withdrawn-2-3").title,
        "对违规领取80岁以上高龄津贴的追缴"
    );
}

#[test]
fn coop_1_1() {
    let corpus = corpus();
    let item = item(&corpus, "coop-1-1");
    assert_eq!(
        item.title,
        "燃气安全监管（含聚能环排查、黑气罐及无码罐回收）"
    );
    assert_eq!(item.category, "城乡建设");
    let departments = ["吴忠市住房和城乡建设局", "利通区住房城乡建设和交通局"];
    assert_eq!(item.departments, departments);
    assert_eq!(item.owner, departments);
    assert_eq!(
        item.department_duties,
        "吴忠市住房和城乡建设局、利通区住房城乡建设和交通局：加强对燃气工作的领导，\
         负责本行政区域内的燃气管理工作、协调相关部门开展燃气工作。"
    );
    assert_eq!(
        item.town_duties,
        "1.加强燃气法律法规和安全知识的宣传，提高全民燃气安全意识；\n\
         2.协调各社区配合燃气经营企业进行入户安全检查。"
    );
    assert_eq!(item.line, 143);
    assert_eq!(
        item.owner_statement(),
        "牵头部门：吴忠市住房和城乡建设局、利通区住房城乡建设和交通局，金星镇配合"
    );
}

#[test]
fn coop_1_3_keeps_its_lead_in_and_splits_its_clauses() {
    let corpus = corpus();
    let item = item(&corpus, "coop-1-3");
    let duties: Vec<&str> = item.department_duties.lines().collect();
    assert_eq!(duties.len(), 4);
    assert_eq!(
        duties[0],
        "吴忠市住房和城乡建设局、利通区住房城乡建设和交通局按照管理范围："
    );
    assert!(duties[1].starts_with("1.制定完善辖区老旧小区改造总体计划"));
    assert!(duties[3].starts_with("3.落实可行性研究报告"));
    assert_eq!(
        item.town_duties,
        "1.召开老旧小区改造相关联席会议；\n2.开展老旧小区改造等政策宣传，动员居民配合；\n\
         3.前期入户调查；\n4.民众满意度调查；\n5.统筹对小区进行长效管理。"
    );
}

#[test]
fn coop_1_8_loses_its_paragraph_tags() {
    let corpus = corpus();
    let item = item(&corpus, "coop-1-8");
    assert_eq!(item.title, "城乡危旧房及自建房安全检查及整治");
    assert_eq!(item.departments, ["利通区住房城乡建设和交通局"]);
    let duties: Vec<&str> = item.department_duties.lines().collect();
    assert_eq!(duties.len(), 7);
    for (number, line) in (1..).zip(&duties) {
        assert!(line.starts_with(&format!("{number}.")), "{line}");
    }
    assert_eq!(
        duties[0],
        "1.负责本辖区的城市危险房屋管理工作。在暴风、雨雪季节，加强对房屋所有人做好排险解危的各项准备的监督检查；"
    );
    assert_eq!(duties[6], "7.负责统筹协调申报危旧房改造项目并组织实施。");
    let town: Vec<&str> = item.town_duties.lines().collect();
    assert_eq!(town.len(), 4);
    assert_eq!(town[3], "4.在辖区内开展住房安全相关法规政策的宣传。");
}

#[test]
fn coop_2_1_names_seven_departments() {
    let corpus = corpus();
    let item = item(&corpus, "coop-2-1");
    assert_eq!(item.title, "精神障碍患者预防及卫生服务");
    assert_eq!(
        item.departments,
        [
            "利通区卫生健康局",
            "利通区人力资源和社会保障局",
            "利通区教育局",
            "利通区民政局",
            "利通区医疗保障局",
            "利通区残疾人联合会",
            "吴忠市公安局利通区分局",
        ]
    );
    assert_eq!(item.department_duties.lines().count(), 7);
    assert_eq!(item.town_duties.lines().count(), 3);
    assert_eq!(item.line, 162);
}

#[test]
fn coop_2_3_splits_clauses_that_name_departments() {
    let corpus = corpus();
    let item = item(&corpus, "coop-2-3");
    assert_eq!(
        item.department_duties,
        "1. 利通区民政局：负责养老机构的指导、监督和管理；\n\
         2. 吴忠市市场监督管理局利通区分局：负责养老服务机构食品安全的监督检查。"
    );
}

#[test]
fn coop_7_4_names_three_departments() {
    let corpus = corpus();
    let item = item(&corpus, "coop-7-4");
    assert_eq!(item.title, "电动自行车停放和充电消防安全管理");
    assert_eq!(item.category, "应急管理及消防");
    assert_eq!(
        item.departments,
        [
            "利通区住房和城乡建设局",
            "利通区消防救援大队",
            "吴忠市公安局利通区分局"
        ]
    );
    assert_eq!(item.owner, item.departments);
    assert_eq!(
        item.town_duties,
        "1.开展电动车入户停放、飞线充电隐患排查;\n2.协调消防、公安机关、住建等单位联合执法。"
    );
}

#[test]
fn withdrawn_2_4() {
    let corpus = corpus();
    let item = item(&corpus, "withdrawn-2-4");
    assert_eq!(item.title, "婚姻登记、档案查询");
    assert_eq!(item.category, "社会保障");
    assert_eq!(item.owner, ["利通区民政局"]);
    assert_eq!(item.departments, ["利通区民政局"]);
    assert_eq!(
        item.department_duties,
        "利通区民政局：进行婚姻登记和档案查询。"
    );
    assert!(item.town_duties.is_empty());
    assert_eq!(item.owner_statement(), "已由利通区民政局承接");
}

#[test]
fn withdrawn_3_2_reads_the_department_before_numbered_clauses() {
    let corpus = corpus();
    let item = item(&corpus, "withdrawn-3-2");
    assert_eq!(item.owner, ["利通区自然资源局"]);
    assert_eq!(
        item.department_duties,
        "利通区自然资源局：\n1. 畅通投诉举报渠道，受理接到的问题线索；\n\
         2. 积极对接所属乡镇、部门，联合开展初步调查核查工作；\n\
         3. 对符合立案条件的，依法依规进行立案查处。"
    );
}

#[test]
fn withdrawn_4_2_names_eight_receiving_departments_in_order() {
    let corpus = corpus();
    let item = item(&corpus, "withdrawn-4-2");
    assert_eq!(item.title, "固废、危废源头管理和排查整治");
    let expected = [
        "利通区工业和信息化局",
        "利通区住房和城乡建设和交通局",
        "利通区发展和改革局",
        "利通区自然资源局",
        "利通区农业农村局",
        "利通区商务和投资促进局",
        "利通区卫生健康局",
        "吴忠市生态环境局利通分局",
    ];
    assert_eq!(item.owner, expected);
    assert_eq!(item.departments, expected);
}

#[test]
fn withdrawn_4_4_names_departments_in_three_clauses() {
    let corpus = corpus();
    let item = item(&corpus, "withdrawn-4-4");
    assert_eq!(
        item.owner,
        [
            "吴忠市生态环境局",
            "吴忠市交通运输局",
            "吴忠市公安局交通管理局"
        ]
    );
}

#[test]
fn withdrawn_5_10_keeps_its_long_title() {
    let corpus = corpus();
    let item = item(&corpus, "withdrawn-5-10");
    assert!(item.title.starts_with("对临街建筑物外立面污浊的"));
    assert!(item.title.ends_with("不符合市容环境卫生规定的处罚"));
    assert!(!item.title.contains('\n'));
    assert_eq!(item.owner, ["利通区综合执法局"]);
    assert_eq!(
        item.department_duties,
        "利通区综合执法局：发现、处罚相关问题。"
    );
}

#[test]
fn withdrawn_6_6_names_nobody() {
    let corpus = corpus();
    let item = item(&corpus, "withdrawn-6-6");
    assert_eq!(item.title, "再生育审批");
    assert!(item.owner.is_empty());
    assert!(item.departments.is_empty());
    assert_eq!(
        item.department_duties,
        "根据优化生育政策要求，不再开展此项工作。"
    );
    assert_eq!(
        item.owner_statement(),
        "无承接部门：根据优化生育政策要求，不再开展此项工作。"
    );
}

#[test]
fn withdrawn_items_naming_departments_in_several_clauses() {
    let corpus = corpus();
    assert_eq!(
        item(&corpus, "withdrawn-7-8").owner,
        [
            "吴忠市市场监督管理局利通区分局",
            "利通区应急管理局",
            "吴忠市消防救援支队",
            "利通区住房和城乡建设和交通局",
        ]
    );
    assert_eq!(
        item(&corpus, "withdrawn-14-3").owner,
        [
            "利通区工业和信息化局",
            "利通区发展和改革局",
            "利通区财政局",
            "利通区住房城乡建设和交通局",
            "利通区水务局",
            "吴忠市市场监督管理局利通区分局",
        ]
    );
    assert_eq!(
        item(&corpus, "withdrawn-14-4").owner,
        ["利通区卫生健康局", "利通区教育局"]
    );
    assert_eq!(
        item(&corpus, "withdrawn-3-6").owner,
        ["吴忠市自然资源局"],
        "a department named after the colon is not a receiver"
    );
}

#[test]
fn withdrawn_14_6_is_the_last_line() {
    let corpus = corpus();
    let last = corpus.items.last().unwrap();
    assert_eq!(last.id, "withdrawn-14-6");
    assert_eq!(last.title, "加强版权管理，推进软件正版化工作");
    assert_eq!(last.category, "其他");
    assert_eq!(last.owner, ["利通区委宣传部"]);
    assert!(last
        .department_duties
        .starts_with("利通区委宣传部：负责推进各乡镇、各单位软件正版化工作；"));
    assert!(last
        .department_duties
        .ends_with("进行检测、检查、升级、维护。"));
    assert_eq!(last.line, 373);
    assert_eq!(last.line, lines(&text()).len());
}

#[test]
fn refuses_a_deleted_last_item_at_its_category_heading() {
    let (number, message) = refusal(|lines| {
        lines.remove(48 - 1);
    });
    assert_eq!(number, 41);
    assert_eq!(
        message,
        "category 二、经济发展 declares 7 items but 6 were found"
    );
}

#[test]
fn refuses_a_deleted_middle_item_at_the_next_row() {
    let (number, message) = refusal(|lines| {
        lines.remove(44 - 1);
    });
    assert_eq!(number, 44);
    assert_eq!(message, "expected item 3 under 二、经济发展, found item 4");
}

#[test]
fn refuses_a_deleted_item_of_the_last_category() {
    let (number, message) = refusal(|lines| {
        lines.remove(373 - 1);
    });
    assert_eq!(number, 367);
    assert_eq!(
        message,
        "category 十四、其他 declares 6 items but 5 were found"
    );
}

#[test]
fn refuses_swapped_seqs() {
    let (number, message) = refusal(|lines| {
        *line(lines, 193) = line(lines, 193).replacen("4\t", "5\t", 1);
        *line(lines, 194) = line(lines, 194).replacen("5\t", "4\t", 1);
    });
    assert_eq!(number, 193);
    assert_eq!(
        message,
        "expected item 4 under 七、应急管理及消防, found item 5"
    );
}

#[test]
fn refuses_an_extra_cell_in_a_coop_row() {
    let (number, message) = refusal(|lines| line(lines, 193).push_str("\t多余的一格"));
    assert_eq!(number, 193);
    assert_eq!(
        message,
        "item 4 under 七、应急管理及消防 has 5 cells after 序号, expected 4 \
         (事项名称、对应上级部门、上级部门职责、乡镇配合职责)"
    );
}

#[test]
fn refuses_a_missing_cell_in_a_withdrawn_row() {
    let (number, message) = refusal(|lines| *line(lines, 324) = "6\t再生育审批".into());
    assert_eq!(number, 324);
    assert!(
        message.contains("has 1 cells after 序号, expected 2"),
        "{message}"
    );
}

#[test]
fn refuses_a_removed_coop_heading() {
    let (number, message) = refusal(|lines| {
        lines.remove(139 - 1);
    });
    assert_eq!(number, 140);
    assert_eq!(
        message,
        "found the table header of 配合履职事项清单 while reading 基本履职事项清单: \
         is its list heading missing?"
    );
}

#[test]
fn refuses_a_removed_withdrawn_heading() {
    let (number, _) = refusal(|lines| {
        lines.remove(237 - 1);
    });
    assert_eq!(number, 238);
}

#[test]
fn refuses_a_removed_basic_heading() {
    let (number, message) = refusal(|lines| {
        lines.remove(11 - 1);
    });
    assert_eq!(number, 13);
    assert_eq!(message, "category 一、党的建设 before any list heading");
}

#[test]
fn refuses_a_missing_last_list() {
    let (number, message) = refusal(|lines| lines.truncate(236));
    assert_eq!(number, 236);
    assert_eq!(
        message,
        "expected list heading 利通区金星镇上级部门收回事项清单, found the end of the document"
    );
}

#[test]
fn refuses_headings_that_disagree_on_the_town() {
    let (number, message) =
        refusal(|lines| *line(lines, 237) = "利通区银星镇上级部门收回事项清单".into());
    assert_eq!(number, 237);
    assert_eq!(
        message,
        "list heading names 利通区银星镇, but the first list heading named 利通区金星镇"
    );
}

#[test]
fn refuses_a_category_out_of_order() {
    let (number, message) =
        refusal(|lines| *line(lines, 175) = line(lines, 175).replace("三、", "四、"));
    assert_eq!(number, 175);
    assert_eq!(
        message,
        "expected category 3 in 配合履职事项清单, found 四、民族宗教"
    );
}

#[test]
fn refuses_an_item_before_any_category() {
    let (number, message) = refusal(|lines| {
        lines.remove(14 - 1);
    });
    assert_eq!(number, 14);
    assert_eq!(
        message,
        "item 1 before any category heading in 基本履职事项清单"
    );
}

#[test]
fn refuses_a_garbled_row() {
    let (number, message) = refusal(|lines| lines.insert(200, "第八页".into()));
    assert_eq!(number, 201);
    assert!(message.ends_with("found `第八页`"), "{message}");
}

#[test]
fn refuses_a_garbled_category_count() {
    let (number, _) = refusal(|lines| *line(lines, 160) = "二、民生服务（八项）".into());
    assert_eq!(number, 160);
}

#[test]
fn load_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.txt");
    std::fs::write(
        &path,
        text().replacen("二、经济发展（7项）", "二、经济发展（8项）", 1),
    )
    .unwrap();
    let error = corpus::load(&path, &rules()).unwrap_err();
    assert!(matches!(error, CorpusError::Parse { .. }));
    assert_eq!(
        error.to_string(),
        format!(
            "{}: line 41: category 二、经济发展 declares 8 items but 7 were found",
            path.display()
        )
    );

    let missing = dir.path().join("missing.txt");
    let error = corpus::load(&missing, &rules()).unwrap_err();
    assert!(matches!(error, CorpusError::Io { .. }));
    assert!(error
        .to_string()
        .starts_with(&format!("{}: ", missing.display())));
}
