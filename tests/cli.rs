//! The `duty-search` binary as staff and deployments run it: index, search, eval and serve,
//! each on its own temporary index built from the repository's corpus, and its refusals.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::corpus::{break_list, current_generation};
use common::process::{binary, run, Server};
use common::{copy_corpus, corpus_dir, free_port};
use duty_search::search::{Engine, SearchRequest};
use tempfile::TempDir;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

fn temp_dir() -> TempDir {
    common::temp_dir("duty-search-cli-")
}

/// The generation directory `index/CURRENT` names.
fn live_generation(index: &Path) -> PathBuf {
    index.join(current_generation(index))
}

#[test]
fn index_builds_every_item() {
    let dir = temp_dir();
    let index = dir.path().join("index");
    let output = run(&corpus_dir(), &index, &["index"]);
    assert_success(&output, "index");
    assert!(stdout(&output).contains("261"), "{}", stdout(&output));
    assert!(live_generation(&index).is_dir());
}

#[test]
fn search_prints_gas_safety_first_with_its_owners() {
    let dir = temp_dir();
    let output = run(&corpus_dir(), dir.path(), &["search", "燃气"]);
    assert_success(&output, "search 燃气");
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    let first = lines
        .iter()
        .position(|line| line.trim_start().starts_with("1."))
        .unwrap_or_else(|| panic!("no result line:\n{text}"));
    assert!(lines[first].contains("coop-1-1 "), "{text}");
    let owner = lines.get(first + 1).copied().unwrap_or_default();
    assert!(
        owner.contains("吴忠市住房和城乡建设局") && owner.contains("利通区住房城乡建设和交通局"),
        "{text}"
    );
}

#[test]
fn search_explains_its_reading_of_the_query() {
    let dir = temp_dir();
    let output = run(
        &corpus_dir(),
        dir.path(),
        &["search", "电瓶车", "--explain"],
    );
    assert_success(&output, "search 电瓶车 --explain");
    let text = stdout(&output);
    assert!(text.contains("\"concepts\""), "{text}");
    assert!(text.contains("\"synonym\""), "{text}");
    assert!(text.contains("电动自行车"), "{text}");
}

#[test]
fn eval_prints_the_metrics_table() {
    let dir = temp_dir();
    let output = run(
        &corpus_dir(),
        dir.path(),
        &["eval", "tests/data/dev-queries.jsonl"],
    );
    assert_success(&output, "eval");
    let text = stdout(&output);
    assert!(text.lines().any(|l| l.starts_with("| kind |")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("| all |")), "{text}");
}

#[test]
fn a_missing_corpus_is_refused_naming_the_path() {
    let dir = temp_dir();
    for args in [&["index"][..], &["search", "燃气"]] {
        let output = run(Path::new("/nonexistent"), dir.path(), args);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(
            stderr(&output).contains("/nonexistent"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_malformed_corpus_is_refused_and_the_previous_index_keeps_serving() {
    let dir = temp_dir();
    let corpus = dir.path().join("corpus");
    let index = dir.path().join("index");
    copy_corpus(&corpus_dir(), &corpus);
    assert_success(&run(&corpus, &index, &["index"]), "index of the good copy");
    let live = live_generation(&index);

    // Item 3 of 二、经济发展 deleted: the parser must stop at the row that follows.
    let (list, at) = break_list(&corpus);

    let output = run(&corpus, &index, &["index"]);
    assert!(
        !output.status.success(),
        "index of a broken corpus succeeded"
    );
    let message = stderr(&output);
    assert!(message.contains(&format!("line {at}")), "{message}");
    let file = list.file_name().unwrap().to_string_lossy();
    assert!(message.contains(file.as_ref()), "{message}");

    assert_eq!(live_generation(&index), live, "CURRENT moved");
    assert!(live.is_dir(), "the live generation was removed");
    let engine = Engine::open(&index).expect("the previous index opens");
    assert_eq!(engine.num_items(), common::ITEMS);
    let response = engine
        .search(&SearchRequest::new("燃气").unwrap())
        .expect("a search");
    assert!(!response.hits.is_empty());
}

#[tokio::test]
async fn serve_builds_a_missing_index_and_answers() {
    let dir = temp_dir();
    let index = dir.path().join("fresh-index");
    let port = free_port();
    // Configured through the environment, as a deployment would.
    let mut command = binary();
    command
        .env("DUTY_SEARCH_CORPUS", corpus_dir())
        .env("DUTY_SEARCH_INDEX", &index)
        .env("DUTY_SEARCH_BIND", "127.0.0.1")
        .env("DUTY_SEARCH_PORT", port.to_string())
        .env(
            "DUTY_SEARCH_CORS_ORIGINS",
            "http://portal.example:8000, https://intranet.example",
        )
        .arg("serve");
    let server = Server::start(command, port, dir.path().join("serve.log")).await;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let health: serde_json::Value = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("a health answer")
        .json()
        .await
        .expect("JSON health");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["items"], common::ITEMS);
    assert!(live_generation(&index).is_dir(), "serve built no index");

    let response = client
        .get(format!("{base}/api/search"))
        .query(&[("q", "燃气")])
        .send()
        .await
        .expect("a search answer");
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON search");
    assert_eq!(body["query"], "燃气");
    let ids: Vec<&str> = body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|hit| hit["id"].as_str())
        .collect();
    assert!(ids.contains(&"coop-1-1"), "{ids:?}");

    // The search page is in the binary; pages of the listed origins may call the API.
    let page = client
        .get(format!("{base}/"))
        .send()
        .await
        .expect("the page");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page
        .text()
        .await
        .expect("HTML")
        .contains("/assets/duty-search.js"));
    for (origin, allowed) in [
        ("http://portal.example:8000", true),
        ("https://intranet.example", true),
        ("http://other.example", false),
    ] {
        let answer = client
            .get(format!("{base}/api/search"))
            .query(&[("q", "燃气")])
            .header("origin", origin)
            .send()
            .await
            .expect("a search answer");
        let header = answer.headers().get("access-control-allow-origin");
        assert_eq!(
            header.and_then(|v| v.to_str().ok()),
            allowed.then_some(origin),
            "Origin: {origin}"
        );
    }
    drop(server);
}

#[test]
fn serve_refuses_a_cors_origin_that_is_no_origin() {
    let dir = temp_dir();
    let output = run(
        &corpus_dir(),
        dir.path(),
        &[
            "serve",
            "--port",
            "0",
            "--cors-origin",
            "http://portal.example",
            "--cors-origin",
            "http://portal.example/intranet.html",
        ],
    );
    assert!(
        !output.status.success(),
        "serve accepted a path as an origin"
    );
    let error = stderr(&output);
    assert!(
        error.contains("--cors-origin") && error.contains("http://portal.example/intranet.html"),
        "{error}"
    );
    assert!(
        !dir.path().join("CURRENT").exists(),
        "the flags are checked before any index is built"
    );
}
