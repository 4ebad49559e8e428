//! Staff confirmations and what the engine learns from them, for real: the binary serving on a
//! socket, its SQLite database on disk (killed with SIGKILL and restarted), the review from the
//! command line, a reindex, and the cross-validation of learning on the judged files.

mod common;

use std::path::Path;

use common::corpus::corpus_copy;
use common::process::{command, Server};
use common::{free_port, temp_dir};
use duty_search::eval::{learn_folds, load_judgments};
use duty_search::feedback::{FeedbackStore, Learning, DATABASE_FILE};
use duty_search::index::{build, Examples};
use duty_search::search::{Engine, SearchRequest, EXAMPLE_NOTE};
use duty_search::server::{AppState, CorsPolicy, FeedbackIntake};
use serde_json::{json, Value};

const TOKEN: &str = "feedback-admin-token-0123456789";

/// What a clerk searched and confirmed: public toilets locked at night.
const CONFIRMED: &str =
    "镇上街边的公共厕所天一黑就锁门，晚上出摊的人想上厕所都没地方，希望能延长开放时间";
/// Another resident's words on the same matter (dev-blind-messages dbm087).
const REWORDED: &str = "金星镇中心街的公厕晚上七点就锁门了，我们在街上摆夜市的人上厕所都没地方去，能不能延长一下开放时间，谢谢";
/// The duty that covers both: 爱国卫生运动 … 公共厕所.
const TOILETS: &str = "basic-11-1";

/// POSTs `body` as JSON to `url` and returns the status and the JSON answer.
async fn post(url: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

/// GETs `url` with the admin token and returns the status and the JSON answer.
async fn get_admin(url: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

/// The ids of a search answer's hits.
fn ids(answer: &Value) -> Vec<&str> {
    answer["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| hit["id"].as_str().expect("an id"))
        .collect()
}

/// `serve` on `corpus`, `index` and `data` with the admin token, on a free port.
async fn serve(corpus: &Path, index: &Path, data: &Path, log: &Path) -> Server {
    let port = free_port();
    let mut serve = command(corpus, index);
    serve
        .arg("--data")
        .arg(data)
        .env("DUTY_SEARCH_ADMIN_TOKEN", TOKEN)
        .args(["serve", "--port", &port.to_string()]);
    Server::start(serve, port, log.to_path_buf()).await
}

/// The binary's `feedback …` on `data`, which must succeed; returns what it printed.
fn feedback_command(corpus: &Path, index: &Path, data: &Path, args: &[&str]) -> String {
    let output = command(corpus, index)
        .arg("--data")
        .arg(data)
        .arg("feedback")
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "feedback {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The whole loop over HTTP: a clerk confirms a duty for a message, the confirmation
/// survives the server being killed, an administrator sees it pending and accepts it, the index
/// is rebuilt, and another resident's differently worded message on the same matter now finds
/// that duty first, its explanation saying why.
#[tokio::test]
async fn a_confirmed_and_accepted_duty_is_found_first_for_a_differently_worded_message() {
    let dir = temp_dir("duty-search-feedback-loop-");
    let corpus = corpus_copy(dir.path());
    let (index, data) = (dir.path().join("index"), dir.path().join("data"));
    let log = dir.path().join("serve.log");
    let server = serve(&corpus, &index, &data, &log).await;
    let search = format!("{}/api/search", server.base);

    let (status, before) = post(&search, &json!({"q": REWORDED, "limit": 5})).await;
    assert_eq!(status, 200);
    let before = ids(&before);
    assert!(
        before.contains(&TOILETS) && before[0] != TOILETS,
        "before learning the duty is found, but not first: {before:?}"
    );

    let (status, answer) = post(&search, &json!({"q": CONFIRMED, "limit": 10})).await;
    assert_eq!(status, 200);
    let shown: Vec<String> = ids(&answer).into_iter().map(String::from).collect();
    let confirmation = json!({"query": CONFIRMED, "item_id": TOILETS, "shown": shown});
    let (status, stored) = post(&format!("{}/api/feedback", server.base), &confirmation).await;
    assert_eq!(status, 201, "{stored}");
    let id = stored["id"].as_i64().expect("an id");
    assert!(data.join(DATABASE_FILE).is_file(), "created on first use");

    // SIGKILL: the answered confirmation is on disk.
    drop(server);
    let server = serve(&corpus, &index, &data, &log).await;
    let search = format!("{}/api/search", server.base);
    let (status, pending) = get_admin(&format!("{}/admin/feedback", server.base)).await;
    assert_eq!(status, 200, "{pending}");
    assert_eq!(pending["pending"], 1);
    let item = &pending["items"][0];
    assert_eq!(item["item_id"], TOILETS);
    assert_eq!(item["count"], 1);
    assert!(item["title"]
        .as_str()
        .is_some_and(|t| t.contains("爱国卫生")));
    assert_eq!(item["confirmations"][0]["query"], CONFIRMED);
    assert_eq!(item["confirmations"][0]["shown"], json!(shown));

    let listed = feedback_command(&corpus, &index, &data, &["list"]);
    assert!(
        listed.contains(&format!("{TOILETS} (1 pending)")),
        "{listed}"
    );
    let accepted = feedback_command(&corpus, &index, &data, &["accept", &id.to_string()]);
    assert!(accepted.contains(&format!("#{id} accepted")), "{accepted}");

    let reindex = reqwest::Client::new()
        .post(format!("{}/admin/reindex", server.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("a reindex answer");
    assert_eq!(reindex.status().as_u16(), 200);

    let (status, after) = post(&search, &json!({"q": REWORDED, "explain": true})).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&after)[0], TOILETS, "after learning: {:?}", ids(&after));
    let explanation = &after["hits"][0]["explanation"];
    assert_eq!(explanation["note"], EXAMPLE_NOTE);
    assert!(explanation["examples"]
        .as_f64()
        .is_some_and(|gain| gain > 0.0));
    assert_eq!(after["hits"][1]["explanation"].get("note"), None);
    let (_, pending) = get_admin(&format!("{}/admin/feedback", server.base)).await;
    assert_eq!(pending["pending"], 0, "accepted ones are no longer pending");
}

/// A server on the real index taking at most `per_minute` confirmations a minute into `data`.
fn state(data: &Path, per_minute: u32) -> AppState {
    let mut state = AppState::new(common::engine());
    state.feedback = Some(FeedbackIntake::new(FeedbackStore::new(data), per_minute));
    state.cors = "http://portal.example"
        .parse::<CorsPolicy>()
        .expect("an origin");
    state
}

/// Sends `body` with `content_type` to `/api/feedback` of `base` and returns the status and
/// the answer, which must be JSON.
async fn send_feedback(base: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/feedback"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

/// Hostile confirmations (huge, unknown ids, markup, not JSON, a flood) get a clear 4xx each,
/// and none is stored: the database is not even created until a good one arrives. A flood is
/// cut at the allowance, and the file is its owner's only.
#[tokio::test]
async fn hostile_confirmations_are_refused_and_nothing_is_stored() {
    let dir = temp_dir("duty-search-feedback-hostile-");
    let data = dir.path().join("data");
    let base = format!("http://{}", common::http::serve(state(&data, 3)).await);
    let good = |query: &str| json!({"query": query, "item_id": "coop-7-4", "shown": ["coop-7-4"]});
    let many: Vec<String> = (1..=101).map(|n| format!("basic-1-{n}")).collect();
    let refused: [(&str, String, u16, &str); 11] = [
        (
            "application/json",
            good(&"燃".repeat(2001)).to_string(),
            400,
            "2001 characters",
        ),
        (
            "application/json",
            good(&"燃".repeat(40_000)).to_string(),
            413,
            "",
        ),
        (
            "application/json",
            json!({"query": "燃气", "item_id": "coop-99-1", "shown": []}).to_string(),
            400,
            "unknown item id",
        ),
        (
            "application/json",
            json!({"query": "燃气", "item_id": null, "shown": ["nope"]}).to_string(),
            400,
            "unknown item id",
        ),
        (
            "application/json",
            json!({"query": "燃气", "item_id": null, "shown": many}).to_string(),
            400,
            "at most 100",
        ),
        (
            "application/json",
            json!({"query": "燃气", "item_id": null, "shown": ["coop-7-4", "coop-7-4"]})
                .to_string(),
            400,
            "twice",
        ),
        (
            "application/json",
            good("<script>alert(1)</script>楼道充电").to_string(),
            400,
            "markup",
        ),
        ("application/json", good("  ").to_string(), 400, "blank"),
        (
            "application/json",
            json!({"query": "燃气", "item_id": null, "shown": [], "ip": "1.2.3.4"}).to_string(),
            400,
            "unknown field",
        ),
        ("application/json", "{not json".to_string(), 400, "must be"),
        (
            "text/plain",
            good("燃气").to_string(),
            415,
            "application/json",
        ),
    ];
    for (content_type, body, status, says) in refused {
        let (got, answer) = send_feedback(&base, content_type, body.clone()).await;
        let shown: String = body.chars().take(80).collect();
        assert_eq!(got, status, "{shown}: {answer}");
        let error = answer["error"].as_str().expect("an error message");
        assert!(error.contains(says), "{shown}: {error}");
    }
    assert!(!data.exists(), "nothing refused created or stored anything");

    for n in 0..3 {
        let (status, answer) = send_feedback(
            &base,
            "application/json",
            good(&format!("楼道充电{n}")).to_string(),
        )
        .await;
        assert_eq!(status, 201, "{answer}");
    }
    let (status, answer) =
        send_feedback(&base, "application/json", good("楼道充电").to_string()).await;
    assert_eq!(status, 429, "{answer}");
    assert!(answer["error"]
        .as_str()
        .is_some_and(|e| e.contains("at most 3 a minute")));
    let stored = FeedbackStore::new(&data)
        .with_status("pending")
        .expect("the store reads");
    let queries: Vec<&str> = stored.iter().map(|s| s.query.as_str()).collect();
    assert_eq!(queries, ["楼道充电0", "楼道充电1", "楼道充电2"]);

    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| path.metadata().expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&data.join(DATABASE_FILE)), 0o600);
    let wal = data.join(format!("{DATABASE_FILE}-wal"));
    assert_eq!(
        mode(&wal),
        0o600,
        "SQLite gives its WAL the database's mode"
    );
    assert_eq!(mode(&data), 0o700);
}

/// A browser on another site may post confirmations only from an allowed origin, as it may
/// search; the admin list needs the admin token.
#[tokio::test]
async fn cross_origin_posts_follow_the_allow_list_and_the_review_needs_the_token() {
    let dir = temp_dir("duty-search-feedback-cors-");
    let base = format!(
        "http://{}",
        common::http::serve(state(dir.path(), 10)).await
    );
    let client = reqwest::Client::new();
    for (origin, allowed) in [
        ("http://portal.example", true),
        ("http://elsewhere.example", false),
    ] {
        let preflight = client
            .request(reqwest::Method::OPTIONS, format!("{base}/api/feedback"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .expect("a preflight answer");
        let allow = preflight.headers().get("access-control-allow-origin");
        assert_eq!(allow.is_some_and(|v| v == origin), allowed, "{origin}");
    }
    let review = client
        .get(format!("{base}/admin/feedback"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        review.status().as_u16(),
        403,
        "no admin token is configured"
    );
    let wrong = client
        .get(format!("{base}/api/feedback"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(wrong.status().as_u16(), 405);
}

/// `feedback list|accept|reject|export` on a database of three confirmations: the pending
/// ones grouped by item with counts, decisions recorded (an unknown id and accepting "none
/// fits" refused), and the accepted ones exported as judged queries that `eval` measures.
#[test]
fn the_review_lists_decides_and_exports_judged_queries_that_eval_runs() {
    let dir = temp_dir("duty-search-feedback-review-");
    let (corpus, index, data) = (
        common::corpus_dir(),
        common::index_dir().to_path_buf(),
        dir.path().join("data"),
    );
    let engine = common::engine();
    let store = FeedbackStore::new(&data);
    let record = |query: &str, item: Option<&str>| {
        let body = json!({"query": query, "item_id": item, "shown": []}).to_string();
        let confirmation =
            duty_search::feedback::Confirmation::parse(body.as_bytes(), &engine).expect("valid");
        store.record(&confirmation).expect("stored")
    };
    let charging = record(
        "楼道里有人给电动车飞线充电，物业也不管，太危险了",
        Some("coop-7-4"),
    );
    let wrong = record("电动车充电", Some("coop-1-1"));
    let none = record("考驾照", None);
    record("电瓶车在楼道充电", Some("coop-7-4"));

    let listed = feedback_command(&corpus, &index, &data, &["list"]);
    let first = listed.lines().next().expect("a line");
    assert!(first.starts_with("coop-7-4 (2 pending)"), "{listed}");
    assert!(listed.contains("none fits (1 pending)"), "{listed}");

    feedback_command(&corpus, &index, &data, &["accept", &charging.to_string()]);
    feedback_command(
        &corpus,
        &index,
        &data,
        &["reject", &wrong.to_string(), &none.to_string()],
    );
    let refuse = |args: &[&str], says: &str| {
        let output = command(&corpus, &index)
            .arg("--data")
            .arg(&data)
            .arg("feedback")
            .args(args)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    };
    refuse(&["accept", "999"], "no confirmation with id 999");
    refuse(&["accept", &none.to_string()], "names no item");

    let exported = dir.path().join("accepted.jsonl");
    let said = feedback_command(
        &corpus,
        &index,
        &data,
        &["export", exported.to_str().unwrap()],
    );
    assert!(said.contains("wrote 1 judged queries"), "{said}");
    let judged = load_judgments(&exported).expect("the export reads as judgments");
    assert_eq!(judged.len(), 1);
    assert_eq!(judged[0].kind, "message");
    assert_eq!(judged[0].rel.get("coop-7-4"), Some(&2));
    let eval = command(&corpus, &index)
        .arg("eval")
        .arg(&exported)
        .output()
        .expect("the binary runs");
    let table = String::from_utf8_lossy(&eval.stdout);
    assert!(
        eval.status.success() && table.contains("| message | 1 | 1.000 |"),
        "{table}"
    );
}

/// Guard rails of learning: an accepted example never makes the engine answer a query the
/// lists do not cover, nor makes an item a hit that the query does not match; a pending
/// confirmation counts only when so configured and confirmed that many times; a rejected one
/// never.
#[test]
fn examples_never_answer_what_the_lists_do_not_and_count_only_when_accepted_or_repeated() {
    let dir = temp_dir("duty-search-feedback-guards-");
    let mut examples = Examples::default();
    examples.add("coop-7-4", "考驾照怎么报名");
    examples.add("coop-7-4", "燃气灶漏气");
    examples.add(TOILETS, CONFIRMED);
    build(&common::corpus_dir(), dir.path(), &examples).expect("the corpus builds");
    let engine = Engine::open(dir.path()).expect("the index opens");
    let answer = |query: &str| engine.search(&SearchRequest::new(query).unwrap()).unwrap();
    assert!(
        answer("考驾照").hits.is_empty(),
        "an out-of-scope query still gets no hit"
    );
    let gas = answer("燃气灶漏气");
    assert!(!gas.hits.is_empty());
    assert_ne!(
        gas.hits[0].id, "coop-7-4",
        "an example lifts only items the query matches"
    );
    assert!(gas.hits.iter().all(|hit| hit.id != "coop-7-4"));
    // An explanation still adds up to its hit's score when a phrasing added to it.
    let mut request = SearchRequest::new(REWORDED).unwrap();
    request.explain = true;
    let reworded = engine.search(&request).unwrap();
    assert_eq!(reworded.hits[0].id, TOILETS);
    for hit in &reworded.hits {
        let explanation = hit.explanation.as_ref().expect("an explanation");
        assert!(
            (explanation.score - hit.score).abs() <= 1e-3 * hit.score.max(1.0),
            "{hit:?}"
        );
        assert_eq!(explanation.note.is_some(), hit.id == TOILETS, "{}", hit.id);
    }

    let data = dir.path().join("data");
    let store = FeedbackStore::new(&data);
    let engine = common::engine();
    let record = |query: &str| {
        let body = json!({"query": query, "item_id": "coop-7-4", "shown": []}).to_string();
        let confirmation =
            duty_search::feedback::Confirmation::parse(body.as_bytes(), &engine).expect("valid");
        store.record(&confirmation).expect("stored")
    };
    let learnt = |confirmations: Option<usize>| {
        let learning = Learning {
            store: store.clone(),
            confirmations,
        };
        learning
            .examples()
            .expect("the examples read")
            .of("coop-7-4")
            .to_vec()
    };
    record("楼道飞线充电");
    assert!(
        learnt(None).is_empty(),
        "nothing pending is learnt by default"
    );
    assert!(learnt(Some(2)).is_empty(), "confirmed once of two");
    let again = record("楼道飞线充电 ");
    assert_eq!(learnt(Some(2)), ["楼道飞线充电"], "confirmed twice");
    store
        .decide(again, duty_search::feedback::Decision::Reject)
        .expect("rejected");
    assert!(learnt(Some(2)).is_empty(), "a rejected one never counts");
    let accepted = record("电瓶车楼道充电");
    store
        .decide(accepted, duty_search::feedback::Decision::Accept)
        .expect("accepted");
    assert_eq!(learnt(None), ["电瓶车楼道充电"]);
}

/// What learning may cost a message file's MRR in the cross-validation: measured at 0.006 on
/// dev-blind-messages-5, nothing elsewhere.
const MESSAGE_MRR_LOSS: f64 = 0.0065;

/// The cross-validation the README reports, at its measured figures: on the query files,
/// keywords and complaints lose nothing; on every message file, the engine that learnt the other
/// folds' messages as confirmed keeps Success@5 and loses at most [`MESSAGE_MRR_LOSS`] of MRR
/// (dev-blind-messages-5 loses 0.006); it gains on some.
#[test]
fn cross_validated_learning_holds_its_measured_figures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = temp_dir("duty-search-feedback-folds-");
    let mut gained = Vec::new();
    for entry in std::fs::read_dir(root.join("tests/data")).expect("tests/data") {
        let file = entry.expect("an entry").path();
        let judgments = load_judgments(&file).expect("the judgments load");
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let report = learn_folds(
            &common::corpus_dir(),
            &scratch.path().join(&name),
            &judgments,
            5,
        )
        .expect("the folds run");
        for (kind, plain) in &report.plain.by_kind {
            if !["message", "keyword", "complaint"].contains(&kind.as_str()) {
                continue;
            }
            let learned = &report.learned.by_kind[kind];
            let may_lose = if kind == "message" {
                MESSAGE_MRR_LOSS
            } else {
                0.0
            };
            assert!(
                learned.mrr + 1e-9 >= plain.mrr - may_lose
                    && learned.success_at_5 + 1e-9 >= plain.success_at_5,
                "{name} {kind}: learning lost: MRR {:.3} → {:.3}, Success@5 {:.3} → {:.3}",
                plain.mrr,
                learned.mrr,
                plain.success_at_5,
                learned.success_at_5
            );
            if learned.mrr > plain.mrr + 1e-9 {
                gained.push(name.clone());
            }
        }
    }
    assert!(!gained.is_empty(), "learning gained on no file");
}
