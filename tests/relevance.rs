//! Relevance on residents' words, on the real index: the judged development and held-out query
//! sets must not fall below the figures measured when the ranking and lexicon were last tuned,
//! and the query interpretation shown to staff says why a duty matched.

mod common;

use std::path::Path;

use duty_search::eval::{evaluate, load_judgments, Metrics, Report};
use duty_search::query::{AltKind, Role};
use duty_search::search::Confidence;

fn report(file: &str) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let judgments = load_judgments(&path).expect("the judgments load");
    evaluate(&common::engine(), &judgments).expect("every judged query runs")
}

fn kind<'a>(report: &'a Report, kind: &str) -> &'a Metrics {
    if kind == "all" {
        return &report.overall;
    }
    report
        .by_kind
        .get(kind)
        .unwrap_or_else(|| panic!("no {kind} queries"))
}

/// The `(metric, measured, floor)` triples of `what` that fall below their floor, as messages.
fn below(what: &str, checks: &[(&str, f64, f64)]) -> Vec<String> {
    checks
        .iter()
        .filter(|(_, got, floor)| got + 1e-9 < *floor)
        .map(|(metric, got, floor)| format!("{what} {metric} {got:.3} < {floor:.3}"))
        .collect()
}

/// Checks `(kind, MRR@10, Success@1, Success@5, nDCG@10)` floors and the out-of-scope floor.
fn assert_floors(report: &Report, floors: &[(&str, f64, f64, f64, f64)], abstain: f64) {
    let mut failures = Vec::new();
    for &(name, mrr, s1, s5, ndcg) in floors {
        let m = kind(report, name);
        failures.extend(below(
            name,
            &[
                ("MRR@10", m.mrr, mrr),
                ("Success@1", m.success_at_1, s1),
                ("Success@5", m.success_at_5, s5),
                ("nDCG@10", m.ndcg, ndcg),
            ],
        ));
    }
    let oos = kind(report, "oos").abstain_rate;
    if oos + 1e-9 < abstain {
        failures.push(format!("oos abstain rate {oos:.3} < {abstain:.3}"));
    }
    assert!(
        failures.is_empty(),
        "relevance regressed:\n{}\n{report}",
        failures.join("\n")
    );
}

// Floors: `(kind, MRR@10, Success@1, Success@5, nDCG@10)` and the out-of-scope abstain rate,
// as measured with `duty-search eval tests/data/dev-queries.jsonl` (and the held-out file, written
// independently of the lexicon) when the lexicon and ranking were last tuned. Raise them when
// relevance improves; never lower them to let a change through.
// FLOORS-BEGIN
const DEV_FLOORS: [(&str, f64, f64, f64, f64); 6] = [
    ("complaint", 0.9575, 0.9165, 0.9995, 0.8745),
    ("keyword", 0.9995, 0.9995, 0.9995, 0.9425),
    ("pinyin", 0.9995, 0.9995, 0.9995, 0.9085),
    ("typo", 0.9995, 0.9995, 0.9995, 0.9745),
    ("department", 0.9995, 0.9995, 0.9995, 0.9995),
    ("all", 0.9835, 0.9665, 0.9995, 0.9175),
];
const DEV_ABSTAIN: f64 = 0.9995;
const HOLDOUT_FLOORS: [(&str, f64, f64, f64, f64); 6] = [
    ("complaint", 0.9385, 0.8825, 0.9995, 0.8365),
    ("keyword", 0.9995, 0.9995, 0.9995, 0.9225),
    ("pinyin", 0.9995, 0.9995, 0.9995, 0.9335),
    ("typo", 0.9995, 0.9995, 0.9995, 0.9635),
    ("department", 0.9995, 0.9995, 0.9995, 0.9945),
    ("all", 0.9755, 0.9525, 0.9995, 0.9005),
];
const HOLDOUT_ABSTAIN: f64 = 0.9325;
// FLOORS-END

#[test]
fn dev_set_stays_at_its_measured_figures() {
    assert_floors(&report("dev-queries.jsonl"), &DEV_FLOORS, DEV_ABSTAIN);
}

#[test]
fn held_out_set_stays_at_its_measured_figures() {
    assert_floors(
        &report("holdout-queries.jsonl"),
        &HOLDOUT_FLOORS,
        HOLDOUT_ABSTAIN,
    );
}

fn expansions_via(query: &str, via: AltKind) -> Vec<String> {
    common::search(query, 5)
        .interpretation
        .expansions
        .into_iter()
        .filter(|e| e.via == via)
        .flat_map(|e| e.to)
        .collect()
}

#[test]
fn pinyin_reaches_the_list_terms_of_the_word_it_spells() {
    let response = common::search("wei jian", 5);
    let reached: Vec<String> = response
        .interpretation
        .expansions
        .iter()
        .flat_map(|e| e.to.clone())
        .collect();
    assert!(reached.iter().any(|t| t == "违章建筑"), "{reached:?}");
    assert!(
        response.hits.iter().any(|h| h.id == "basic-9-1"),
        "违建 by pinyin finds the town's illegal-building duty"
    );
}

#[test]
fn a_homophone_typo_is_read_as_the_word_it_sounds_like() {
    assert!(expansions_via("然气泄漏", AltKind::Homophone).contains(&"燃气".to_string()));
    assert_eq!(common::search("然气", 1).hits[0].id, "coop-1-1");
}

#[test]
fn a_department_nickname_ranks_that_departments_items_first() {
    let named = expansions_via("住建局", AltKind::Department);
    assert!(
        named.contains(&"利通区住房城乡建设和交通局".to_string()),
        "{named:?}"
    );
    let response = common::search("教育局", 5);
    assert_eq!(response.hits.len(), 5);
    for hit in &response.hits {
        assert!(
            hit.departments
                .iter()
                .chain(&hit.owner)
                .any(|d| d == "利通区教育局"),
            "{} does not name 利通区教育局",
            hit.id
        );
    }
}

#[test]
fn complaint_filler_is_not_searched() {
    let response = common::search("请问有人在地里烧麦秆怎么办", 3);
    let terms = &response.interpretation.terms;
    assert!(
        !terms
            .iter()
            .any(|t| t == "请问" || t == "有人" || t == "怎么办"),
        "{terms:?}"
    );
    assert_eq!(response.hits[0].id, "basic-8-6");
}

/// `(file, MRR@10, Success@1, Success@5, nDCG@10, owner@1, abstain)` of the judged residents'
/// messages (the `all` row: dev-blind-messages-6 to -8 also hold short complaints), as measured
/// when the letter reading was last tuned: the dev files were tuned on, the holdout files only
/// checked.
#[rustfmt::skip]
const MESSAGE_FLOORS: [(&str, f64, f64, f64, f64, f64, f64); 12] = [
    ("dev-messages.jsonl", 0.9425, 0.8975, 0.9995, 0.7965, 0.8855, 0.9085),
    ("holdout-messages.jsonl", 0.8895, 0.8325, 0.9685, 0.7755, 0.8015, 0.8325),
    ("dev-blind-messages.jsonl", 0.9535, 0.9195, 0.9885, 0.7495, 0.8965, 0.9565),
    ("holdout-blind-messages.jsonl", 0.8575, 0.8015, 0.9415, 0.6885, 0.8365, 0.6245),
    ("dev-blind-messages-2.jsonl", 0.8885, 0.8515, 0.9425, 0.6675, 0.8065, 0.8435),
    ("dev-blind-messages-3.jsonl", 0.9015, 0.8415, 0.9675, 0.7675, 0.7785, 0.8795),
    ("dev-blind-messages-4.jsonl", 0.9335, 0.8995, 0.9885, 0.8265, 0.8775, 0.9665),
    ("dev-blind-messages-5.jsonl", 0.9295, 0.8805, 0.9755, 0.7825, 0.9045, 0.8885),
    ("dev-blind-messages-6.jsonl", 0.8815, 0.8255, 0.9415, 0.7885, 0.7965, 0.8385),
    ("dev-blind-messages-7.jsonl", 0.9165, 0.8725, 0.9715, 0.7965, 0.7745, 0.8965),
    ("dev-blind-messages-8.jsonl", 0.6975, 0.5785, 0.8415, 0.5985, 0.5785, 0.8745),
    ("holdout-blind-messages-2.jsonl", 0.7945, 0.6965, 0.9185, 0.7035, 0.7675, 0.9515),
];

#[test]
fn residents_messages_stay_at_their_measured_figures() {
    let mut failures = Vec::new();
    for (file, mrr, s1, s5, ndcg, owner, abstain) in MESSAGE_FLOORS {
        let report = report(file);
        let m = kind(&report, "all");
        failures.extend(below(
            file,
            &[
                ("MRR@10", m.mrr, mrr),
                ("Success@1", m.success_at_1, s1),
                ("Success@5", m.success_at_5, s5),
                ("nDCG@10", m.ndcg, ndcg),
                ("owner@1", m.owner_at_1, owner),
                ("abstain", m.abstain_rate, abstain),
            ],
        ));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_department_named_as_context_does_not_take_over_the_ranking() {
    let response = common::search("冒充公安局的人打电话让我转账到安全账户", 10);
    assert_eq!(
        response.hits[0].id, "basic-4-8",
        "the anti-fraud duty first"
    );
    assert!(
        response
            .interpretation
            .expansions
            .iter()
            .all(|e| e.via != AltKind::Department),
        "公安局 is context here: {:?}",
        response.interpretation.expansions
    );
    let asked = common::search("公安局", 10);
    assert!(
        asked.hits.len() > 5,
        "a query about the department still gets its items"
    );
}

#[test]
fn applying_for_a_benefit_and_reporting_its_abuse_get_different_duties() {
    for asking in ["请问高龄津贴怎么申请", "我家老人八十多了，高龄津贴能领吗"]
    {
        assert_eq!(
            common::search(asking, 3).hits[0].id,
            "basic-3-6",
            "{asking}"
        );
    }
    assert_eq!(
        common::search("有人冒领高龄津贴", 3).hits[0].id,
        "withdrawn-2-3"
    );
    assert_eq!(common::search("我想申请低保", 3).hits[0].id, "basic-3-4");
    assert_eq!(
        common::search("举报邻居骗低保", 3).hits[0].id,
        "withdrawn-2-2"
    );
}

#[test]
fn a_letter_about_a_topic_outside_the_lists_gets_no_hits() {
    let letter = "领导您好，我每天坐城际班车去银川上班，最近头班车从六点半改到七点半了，\
                  我们一车人上班都迟到，老人去医院看病也不方便，希望恢复原来的发车时间，谢谢。";
    let response = common::search(letter, 10);
    assert!(response.hits.is_empty(), "{:?}", common::ids(&response));
    assert_eq!(response.total, 0);
}

#[test]
fn a_letter_is_read_by_the_role_of_each_word() {
    let plan = common::engine().analyze(
        "尊敬的领导您好，我是金星镇某某村三组村民，住在教育局家属院后面。\
         来电人反映：去年冬天开始，村口那户人家养的大狼狗一直不拴，已经咬伤两个放学的小孩了，\
         诉求：请相关部门尽快处理，谢谢。",
    );
    assert!(plan.letter);
    let role = |label: &str| {
        plan.concepts
            .iter()
            .find(|c| c.label == label)
            .map(|c| c.role)
            .unwrap_or_else(|| panic!("no concept {label}: {:#?}", plan.concepts))
    };
    assert_eq!(role("三组"), Role::Name);
    assert_eq!(
        role("教育局"),
        Role::Setting,
        "a department in a place name is context"
    );
    assert_eq!(role("咬伤"), Role::Matter, "the clause stating the harm");
    let weight = |label: &str| {
        plan.concepts
            .iter()
            .find(|c| c.label == label)
            .unwrap()
            .importance
    };
    assert!(weight("咬伤") > weight("三组") && weight("咬伤") > weight("教育局"));
    for filler in ["来电人", "诉求", "相关"] {
        assert!(
            plan.concepts.iter().all(|c| c.label != filler),
            "{filler} is searched"
        );
    }
    let response = common::search(&plan.normalized, 3);
    assert_eq!(response.hits[0].id, "basic-11-4");
}

#[test]
fn each_matter_of_a_letter_gets_its_duty_in_the_top_five() {
    let letter = "反映两件事：一是村口的路灯坏了好几个月了，晚上黑黢黢的，老人摔过好几回；\
                  二是我们组有户人家养的大狼狗不拴，已经咬伤两个小孩了。希望尽快处理，谢谢。";
    let response = common::search(letter, 5);
    let ids = common::ids(&response);
    for duty in ["basic-9-1", "basic-11-4"] {
        assert!(ids.contains(&duty), "{duty} not in {ids:?}");
    }
}

#[test]
fn the_longest_letter_is_answered_with_a_bounded_plan_and_calibrated_confidence() {
    let letter: String = "村里有人天天晚上在路边烧塑料和垃圾，烟大得呛人，孩子咳嗽了好几天，\
                          找过村干部也没用，希望有关部门管一管。"
        .chars()
        .cycle()
        .take(duty_search::search::MAX_QUERY_CHARS)
        .collect();
    let plan = common::engine().analyze(&letter);
    assert!(plan.concepts.len() <= duty_search::tuning::MAX_CONCEPTS);
    let response = common::search(&letter, 10);
    assert!(!response.hits.is_empty());
    let best = response.hits[0].score;
    for hit in &response.hits {
        assert_eq!(
            hit.confidence,
            Confidence::of(hit.score / best, false),
            "{} scored {} of {best}",
            hit.id,
            hit.score
        );
    }
    assert_eq!(
        response.hits[0].confidence,
        Confidence::High,
        "a strong answer"
    );
}

/// A pasted work order of the longest length accepted, whose matter comes after 1,970
/// characters of story: analysis reads at most `ANALYSED_CHARACTERS` characters of it, the
/// matter first, and its duty comes first.
#[test]
fn the_longest_work_order_is_read_for_its_matter_within_the_analysed_length() {
    let matter = "楼道里有人给电动车飞线充电，希望管一管。";
    let letter: String = "前些年我们一家从外地搬到镇上住，孩子在镇上念书，老人身体还算硬朗，"
        .chars()
        .cycle()
        .take(duty_search::search::MAX_QUERY_CHARS - matter.chars().count())
        .chain(matter.chars())
        .collect();
    let plan = common::engine().analyze(&letter);
    let read = plan.normalized.chars().count();
    assert!(
        read <= duty_search::tuning::ANALYSED_CHARACTERS,
        "{read} characters analysed"
    );
    assert!(plan.normalized.contains("飞线充电"), "{}", plan.normalized);
    assert_eq!(common::search(&letter, 5).hits[0].id, "coop-7-4");
}

#[test]
fn weak_answers_to_letters_have_no_high_confidence_hit() {
    let mut weak = 0;
    for file in ["dev-blind-messages-2.jsonl", "dev-blind-messages-3.jsonl"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file);
        for judged in load_judgments(&path).expect("judgments") {
            let mut request = duty_search::search::SearchRequest::new(&judged.query).unwrap();
            request.explain = true;
            let response = common::run(&request);
            let Some(best) = response.hits.first() else {
                continue;
            };
            let explanation = best.explanation.as_ref().expect("an explanation");
            // The explanation's figures are rounded to three places.
            let clearly_below = explanation.evidence
                < duty_search::tuning::STRONG_LETTER_EVIDENCE - 0.001
                || explanation.coverage < duty_search::tuning::STRONG_LETTER_COVERAGE - 0.001;
            let letter = common::engine().analyze(&judged.query).letter;
            if letter && clearly_below {
                assert!(explanation.weak_answer, "{}", judged.qid);
            }
            if !letter {
                assert!(!explanation.weak_answer, "{}: not a letter", judged.qid);
            }
            if explanation.weak_answer {
                weak += 1;
                assert!(
                    response
                        .hits
                        .iter()
                        .all(|hit| hit.confidence != Confidence::High),
                    "{}: {:?}",
                    judged.qid,
                    common::ids(&response)
                );
            }
        }
    }
    assert!(
        weak >= 10,
        "only {weak} weak answers: the rule is not exercised"
    );
}
