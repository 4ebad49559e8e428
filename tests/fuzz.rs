//! Property tests with a bounded budget: the corpus parser and the search engine take any input
//! without panicking. A malformed document is refused with a line inside the document; any query
//! (control characters, emoji, mixed scripts, query syntax, very long text) gets an answer or a
//! request error.

mod common;

use duty_search::corpus::{Corpus, DepartmentNames, ParseError};
use duty_search::error::Error;
use duty_search::lexicon::Lexicon;
use duty_search::search::SearchRequest;
use proptest::prelude::*;

/// Parses `text` with the repository's department-name rules.
fn parse(text: &str) -> Result<Corpus, ParseError> {
    static RULES: std::sync::OnceLock<DepartmentNames> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| {
        Lexicon::department_names(&common::corpus_dir()).expect("the department rules load")
    });
    duty_search::corpus::parse(text, rules)
}

fn document() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        std::fs::read_to_string(common::corpus_dir().join("lists/jinxing-town-duty-lists.txt"))
            .expect("the real document reads")
    })
}

/// One edit of the document's lines.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Replace(usize, String),
    Insert(usize, String),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let line = 0..400usize;
    let text = prop_oneof![
        any::<String>(),
        "[0-9]{1,3}\t[^\n]{0,20}",
        "[一二三四五六七八九十]{1,3}、[^\n（]{0,8}（[0-9]{1,3}项）\t*",
        "序号\t事项名称(\t[^\n]{0,6}){0,4}",
        "[\t<>p/:：、；;.0-9]{0,30}",
    ];
    prop_oneof![
        line.clone().prop_map(Edit::Delete),
        line.clone().prop_map(Edit::Duplicate),
        (line.clone(), line.clone()).prop_map(|(a, b)| Edit::Swap(a, b)),
        (line.clone(), text.clone()).prop_map(|(at, t)| Edit::Replace(at, t)),
        (line.clone(), text).prop_map(|(at, t)| Edit::Insert(at, t)),
        line.prop_map(Edit::Truncate),
    ]
}

fn apply(lines: &mut Vec<String>, edit: &Edit) {
    let len = lines.len().max(1);
    match edit {
        Edit::Delete(at) if !lines.is_empty() => {
            lines.remove(at % len);
        }
        Edit::Duplicate(at) if !lines.is_empty() => {
            let line = lines[at % len].clone();
            lines.insert(at % len, line);
        }
        Edit::Swap(a, b) if !lines.is_empty() => lines.swap(a % len, b % len),
        Edit::Replace(at, text) if !lines.is_empty() => lines[at % len] = text.clone(),
        Edit::Insert(at, text) => lines.insert(at % (lines.len() + 1), text.clone()),
        Edit::Truncate(at) => lines.truncate(at % (lines.len() + 1)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_document_parses_or_is_refused_at_a_line(edits in prop::collection::vec(edit(), 1..4)) {
        let mut lines: Vec<String> = document().split('\n').map(String::from).collect();
        for edit in &edits {
            apply(&mut lines, edit);
        }
        let text = lines.join("\n");
        if let Err(error) = parse(&text) {
            let count = text.split('\n').count();
            prop_assert!(error.line >= 1 && error.line <= count + 1, "line {} of {count}: {error}", error.line);
            prop_assert!(!error.message.is_empty());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(text in any::<String>()) {
        let _ = parse(&text);
    }
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\u{0}-\\u{1f}\\u{7f}燃气 ]{1,40}",
        "[a-z ']{1,40}",
        "[燃气电瓶车噪音扰民秸秆焚烧AND OR NOT:()\"*^~\\[\\]\\\\+!{}/ -]{1,60}",
        "[\\u{1F300}-\\u{1F6FF}\\u{4E00}-\\u{9FFF}a-zA-Z0-9ｱ-ﾝ한글]{1,80}",
        "[\\u{4E00}-\\u{9FFF}]{400,600}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_query_is_answered_or_refused(q in query(), limit in 0usize..120, offset in 0usize..400) {
        let engine = common::engine();
        let result = SearchRequest::new(&q).and_then(|mut request| {
            request.limit = limit;
            request.offset = offset;
            engine.search(&request)
        });
        match result {
            Ok(response) => {
                prop_assert!(response.hits.len() <= limit);
                prop_assert!(response.total >= response.hits.len());
            }
            Err(Error::BadRequest(message)) => prop_assert!(!message.is_empty()),
            Err(other) => prop_assert!(false, "{q:?} failed inside the engine: {other}"),
        }
    }
}
