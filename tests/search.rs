//! The library end to end on a real index of 金星镇's lists: ranking of a few queries staff
//! ask every day, filters and facets, paging, highlighting, abstaining, item lookup and the
//! interpretation of a colloquial word.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::{engine, ids, run, search};
use duty_search::corpus::ListKind;
use duty_search::query::AltKind;
use duty_search::search::{SearchRequest, SearchResponse};

/// A first page of `limit` hits for `query`, to be given filters.
fn request(query: &str, limit: usize) -> SearchRequest {
    let mut request = SearchRequest::new(query).expect("a valid query");
    request.limit = limit;
    request
}

fn sum(counts: &BTreeMap<String, usize>) -> usize {
    counts.values().sum()
}

/// The highlight with its marks removed and its escapes undone: the original text.
fn unmark(highlight: &str) -> String {
    highlight
        .replace("<mark>", "")
        .replace("</mark>", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Every highlight of every hit holds `<mark>` tags and no other markup, and says the same as
/// the field it highlights.
fn assert_clean_highlights(response: &SearchResponse) {
    for hit in &response.hits {
        for (field, highlight) in &hit.highlights {
            assert!(
                highlight.contains("<mark>"),
                "{} {field}: {highlight}",
                hit.id
            );
            let bare = highlight.replace("<mark>", "").replace("</mark>", "");
            assert!(
                !bare.contains('<') && !bare.contains('>'),
                "{} {field} holds markup other than <mark>: {highlight}",
                hit.id
            );
            let original = match field.as_str() {
                "title" => &hit.title,
                "town_duties" => &hit.town_duties,
                "department_duties" => &hit.department_duties,
                other => panic!("{}: unexpected highlighted field {other}", hit.id),
            };
            assert_eq!(&unmark(highlight), original, "{} {field}", hit.id);
        }
    }
}

#[test]
fn gas_finds_gas_safety_first_with_its_two_lead_departments() {
    let response = search("燃气", 10);
    assert_eq!(
        ids(&response).first(),
        Some(&"coop-1-1"),
        "{:?}",
        ids(&response)
    );
    let hit = &response.hits[0];
    assert_eq!(hit.list, ListKind::Coop);
    assert_eq!(hit.list_label, "配合履职事项");
    assert_eq!(
        hit.owner,
        ["吴忠市住房和城乡建设局", "利通区住房城乡建设和交通局"]
    );
    assert!(
        hit.owner_statement.starts_with("牵头部门："),
        "{}",
        hit.owner_statement
    );
}

#[test]
fn marriage_registration_finds_the_withdrawn_duty_of_civil_affairs() {
    let response = search("婚姻登记", 10);
    assert_eq!(
        ids(&response).first(),
        Some(&"withdrawn-2-4"),
        "{:?}",
        ids(&response)
    );
    let hit = &response.hits[0];
    assert_eq!(hit.list, ListKind::Withdrawn);
    assert_eq!(hit.list_label, "上级部门收回事项");
    assert_eq!(hit.owner, ["利通区民政局"]);
}

#[test]
fn a_complaint_sentence_finds_e_bike_charging() {
    let complaint = "楼道里有人给电动车飞线充电，物业也不管，太危险了";
    assert!(complaint.chars().count() >= 20);
    let response = search(complaint, 5);
    let top = ids(&response);
    assert!(
        top.contains(&"coop-7-4") || top.contains(&"withdrawn-7-6"),
        "top 5: {top:?}"
    );
}

#[test]
fn query_syntax_is_plain_text() {
    let response = search(r#"燃气 AND (安全 OR "监管")^2 ~ [*]:"#, 3);
    assert!(
        ids(&response).contains(&"coop-1-1"),
        "top 3: {:?}",
        ids(&response)
    );
    for query in [
        "(",
        ")",
        "\"",
        "*",
        "*:*",
        "title:燃气",
        "燃气~2",
        "燃气^",
        "[燃气 TO 安全]",
        "\\",
        "-燃气",
        "+燃气",
        "NOT",
        "<p>",
    ] {
        assert!(
            engine().search(&request(query, 10)).is_ok(),
            "{query:?} is refused"
        );
    }
}

#[test]
fn the_list_filter_narrows_hits_but_not_facets() {
    let unfiltered = search("燃气", 100);
    assert!(
        unfiltered.facets.list.len() >= 2,
        "燃气 should match more than one list: {:?}",
        unfiltered.facets.list
    );
    for list in ListKind::ALL {
        let mut filtered = request("燃气", 100);
        filtered.list = Some(list);
        let response = run(&filtered);
        assert!(
            response.hits.iter().all(|hit| hit.list == list),
            "{list:?}: {:?}",
            ids(&response)
        );
        let expected = unfiltered
            .facets
            .list
            .get(list.as_str())
            .copied()
            .unwrap_or(0);
        assert_eq!(response.total, expected, "{list:?}");
        assert_eq!(response.facets, unfiltered.facets, "{list:?}");
    }
}

#[test]
fn the_category_filter_narrows_hits_but_not_facets() {
    let category = "应急管理及消防";
    let unfiltered = search("安全", 100);
    let expected = unfiltered.facets.category.get(category).copied();
    assert!(
        expected.is_some_and(|count| count < unfiltered.total),
        "安全 should match {category} and other categories: {:?}",
        unfiltered.facets.category
    );
    let mut filtered = request("安全", 100);
    filtered.category = Some(category.to_string());
    let response = run(&filtered);
    assert_eq!(Some(response.total), expected);
    assert!(!response.hits.is_empty());
    for hit in &response.hits {
        assert_eq!(hit.category, category, "{}", hit.id);
    }
    assert_eq!(response.facets, unfiltered.facets);
}

#[test]
fn the_department_filter_keeps_items_naming_the_department() {
    let department = "民政局";
    let unfiltered = search("登记", 100);
    let mut filtered = request("登记", 100);
    filtered.department = Some(department.to_string());
    let response = run(&filtered);
    assert!(!response.hits.is_empty(), "登记 from {department}: no hit");
    assert!(response.total < unfiltered.total);
    for hit in &response.hits {
        assert!(
            hit.departments
                .iter()
                .chain(&hit.owner)
                .any(|name| name.contains(department)),
            "{} names {:?} / {:?}",
            hit.id,
            hit.departments,
            hit.owner
        );
    }
    assert!(ids(&response).contains(&"withdrawn-2-4"));
    assert_eq!(response.facets, unfiltered.facets);

    filtered.department = Some("不存在的部门".into());
    let nobody = run(&filtered);
    assert_eq!((nobody.total, nobody.hits.len()), (0, 0));
}

#[test]
fn total_and_facets_agree() {
    for query in [
        "燃气",
        "安全",
        "登记",
        "婚姻登记",
        "楼道里有人给电动车飞线充电，物业也不管，太危险了",
    ] {
        let response = search(query, 100);
        assert!(response.total > 0, "{query}: no hit");
        assert_eq!(sum(&response.facets.list), response.total, "{query} lists");
        assert_eq!(
            sum(&response.facets.category),
            response.total,
            "{query} categories"
        );
        assert_eq!(response.hits.len(), response.total.min(100), "{query}");
        let distinct: HashSet<&str> = ids(&response).into_iter().collect();
        assert_eq!(distinct.len(), response.hits.len(), "{query}: repeated hit");
    }
}

#[test]
fn offset_pages_do_not_overlap() {
    let whole = search("安全", 10);
    assert!(whole.total > 10, "安全 should match more than 10 items");
    let mut page = request("安全", 5);
    let first = run(&page);
    page.offset = 5;
    let second = run(&page);
    assert_eq!((first.total, second.total), (whole.total, whole.total));
    let first_ids: HashSet<&str> = ids(&first).into_iter().collect();
    assert!(
        ids(&second).iter().all(|id| !first_ids.contains(id)),
        "{:?} / {:?}",
        ids(&first),
        ids(&second)
    );
    let joined: Vec<&str> = ids(&first).into_iter().chain(ids(&second)).collect();
    assert_eq!(joined, ids(&whole));

    page.offset = whole.total;
    let beyond = run(&page);
    assert!(beyond.hits.is_empty());
    assert_eq!(beyond.total, whole.total);
}

#[test]
fn highlights_mark_terms_and_carry_no_other_markup() {
    // coop-1-8's duties were wrapped in <p> tags in the source.
    let response = search("危旧房 自建房", 10);
    let hit = response
        .hits
        .iter()
        .find(|hit| hit.id == "coop-1-8")
        .unwrap_or_else(|| panic!("coop-1-8 not found: {:?}", ids(&response)));
    assert!(!hit.highlights.is_empty(), "coop-1-8 has no highlight");
    assert!(
        hit.highlights
            .values()
            .any(|h| h.contains("<mark>自建房</mark>")),
        "{:?}",
        hit.highlights
    );
    assert_clean_highlights(&response);
    for query in [
        "燃气",
        "<p>自建房</p>",
        "<script>燃气</script>",
        "燃气 & \"安全\"",
    ] {
        let response = search(query, 20);
        assert!(!response.hits.is_empty(), "{query}: no hit");
        assert_clean_highlights(&response);
    }
}

#[test]
fn a_withdrawn_duty_nobody_took_over_has_no_owner() {
    let item = engine()
        .item("withdrawn-6-6")
        .expect("lookup")
        .expect("withdrawn-6-6 exists");
    assert!(item.owner.is_empty(), "{:?}", item.owner);
    assert!(
        item.owner_statement().starts_with("无承接部门"),
        "{}",
        item.owner_statement()
    );
}

fn assert_out_of_scope(query: &str) {
    let response = search(query, 10);
    assert_eq!(
        (response.total, ids(&response)),
        (0, vec![]),
        "{query} should find nothing; interpretation {:?}",
        response.interpretation
    );
    assert!(response.facets.list.is_empty() && response.facets.category.is_empty());
}

#[test]
fn a_weather_forecast_is_out_of_scope() {
    assert_out_of_scope("天气预报");
}

#[test]
fn a_driving_licence_is_out_of_scope() {
    assert_out_of_scope("考驾照");
}

#[test]
fn items_are_looked_up_by_id() {
    let item = engine()
        .item("coop-7-4")
        .expect("lookup")
        .expect("coop-7-4 exists");
    assert_eq!(item.id, "coop-7-4");
    assert_eq!(item.list, ListKind::Coop);
    assert_eq!(
        item.departments,
        [
            "利通区住房和城乡建设局",
            "利通区消防救援大队",
            "吴忠市公安局利通区分局"
        ]
    );
    assert_eq!(engine().item("nope").expect("lookup"), None);
    assert_eq!(engine().item("").expect("lookup"), None);
}

#[test]
fn an_e_bike_by_its_colloquial_name_expands_to_the_list_term() {
    let expands = |expansions: &[duty_search::query::Expansion]| {
        expansions.iter().any(|e| {
            e.from == "电瓶车"
                && e.via == AltKind::Synonym
                && e.to.iter().any(|t| t == "电动自行车")
        })
    };
    let plan = engine().analyze("电瓶车");
    let interpretation = plan.interpretation();
    assert!(
        expands(&interpretation.expansions),
        "{:?}",
        interpretation.expansions
    );
    let response = search("电瓶车", 10);
    assert!(
        expands(&response.interpretation.expansions),
        "{:?}",
        response.interpretation.expansions
    );
    assert!(ids(&response).contains(&"coop-7-4"), "{:?}", ids(&response));
}

#[test]
fn invalid_requests_are_refused() {
    let mut bad = request("燃气", 10);
    bad.limit = 0;
    assert!(engine().search(&bad).is_err());
    bad.limit = 101;
    assert!(engine().search(&bad).is_err());
    bad.limit = 10;
    bad.query = "燃".repeat(duty_search::search::MAX_QUERY_CHARS + 1);
    assert!(engine().search(&bad).is_err());
    bad.query = " \t ".into();
    assert!(engine().search(&bad).is_err());
}

#[test]
fn invisible_format_characters_inside_a_query_word_change_nothing() {
    let plain = search("燃气", 10);
    for query in [
        "燃\u{200B}气",
        "\u{FEFF}燃\u{200D}气",
        "燃\u{00AD}气\u{2060}",
    ] {
        let pasted = search(query, 10);
        assert_eq!(ids(&pasted), ids(&plain), "{query:?}");
        assert_eq!(pasted.total, plain.total, "{query:?}");
    }
}

#[test]
fn invisible_format_characters_inside_a_listed_word_are_indexed_as_the_word() {
    let dir = common::temp_dir("duty-search-format-");
    let corpus = common::corpus::lean_corpus_copy(dir.path());
    let list = common::corpus::list_document(&corpus);
    let text = std::fs::read_to_string(&list).expect("the list");
    let pasted = text.replacen("燃气安全监管", "燃\u{200B}气安\u{00AD}全监管", 1);
    assert_ne!(pasted, text, "the list names 燃气安全监管");
    std::fs::write(&list, pasted).expect("write the list");
    let index = dir.path().join("index");
    duty_search::index::build(&corpus, &index, &duty_search::index::Examples::default())
        .expect("the copy indexes");
    let engine = duty_search::search::Engine::open(&index).expect("the index opens");
    let response = engine.search(&request("燃气安全", 10)).expect("a search");
    assert_eq!(
        ids(&response).first(),
        Some(&"coop-1-1"),
        "{:?}",
        ids(&response)
    );
}

/// The department facet counts each item once per department it names (its departments and
/// owners), over the whole answer and before the department filter; the filter takes the
/// nicknames the search box understands.
#[test]
fn the_department_facet_counts_the_answer_and_the_filter_takes_nicknames() {
    let all = search("安全", 100);
    assert!(all.total < 100, "one page holds the whole answer");
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    for hit in &all.hits {
        let mut named: Vec<&String> = hit.departments.iter().chain(&hit.owner).collect();
        named.sort();
        named.dedup();
        for name in named {
            *counted.entry(name.clone()).or_default() += 1;
        }
    }
    assert_eq!(all.facets.department, counted);

    let engine = engine();
    for (nickname, query) in [
        ("城管", "安全"),
        ("住建局", "安全"),
        ("派出所", "安全"),
        ("环保局", "污染"),
    ] {
        let meant = engine.departments_meant(nickname);
        assert!(!meant.is_empty(), "{nickname} names no department");
        let mut filtered = request(query, 100);
        filtered.department = Some(nickname.to_string());
        let answer = run(&filtered);
        assert!(answer.total > 0, "{query} with the filter {nickname}");
        assert_eq!(
            answer.facets.department,
            search(query, 100).facets.department,
            "before the filter"
        );
        for hit in &answer.hits {
            assert!(
                hit.departments
                    .iter()
                    .chain(&hit.owner)
                    .any(|name| meant.contains(name)),
                "{} names none of {meant:?} ({nickname})",
                hit.id
            );
        }
    }
    assert!(engine
        .departments_meant("城管")
        .iter()
        .any(|d| d.contains("综合执法局")));
    assert_eq!(engine.departments_meant("民政局"), ["利通区民政局"]);
}

/// Highlights leave out a single character the query did not type as a word and everyday
/// words of a letter, and join touching matches.
#[test]
fn highlights_mark_what_tells_and_join_touching_matches() {
    let letter = search(
        "领导您好，我们小区服务中心的人说电动车飞线充电归他们上报，可一直没人管，楼道里很危险",
        10,
    );
    assert!(!letter.hits.is_empty());
    for hit in &letter.hits {
        for marked in hit.highlights.values() {
            for mark in marked.split("<mark>").skip(1) {
                let word = mark.split("</mark>").next().unwrap_or_default();
                assert!(
                    word.chars().count() > 1,
                    "{}: a single character marked in {marked}",
                    hit.id
                );
                assert!(
                    !["服务", "中心"].contains(&word),
                    "{}: {word} marked in {marked}",
                    hit.id
                );
            }
            assert!(
                !marked.contains("</mark><mark>"),
                "touching marks: {marked}"
            );
        }
    }
}
