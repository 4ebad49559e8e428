//! Scale benchmark: generates a synthetic corpus of N towns from the real lists, builds its index
//! and measures in-process query latency on the judged keyword and complaint queries.
//!
//! ```sh
//! cargo run --release --example scale -- 10        # one table row per run
//! for n in 10 100 1000 4000; do cargo run --release --example scale -- $n; done
//! ```
//!
//! Prints `| towns | items | build s | index MB | keyword p50/p99 µs | complaint p50/p99 µs | peak RSS MB |`.
//! Work files go to a temporary directory that is removed at the end.

use std::path::Path;
use std::time::Instant;

use duty_search::corpus::synthetic::write_towns;
use duty_search::eval::load_judgments;
use duty_search::index::build;
use duty_search::lexicon::Lexicon;
use duty_search::search::{Engine, SearchRequest};

/// Each judged query is run this many times for the percentiles.
const ROUNDS: usize = 20;

fn main() {
    let towns: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("usage: scale TOWNS");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("a work directory");
    let corpus = work.path().join("corpus");
    copy_dir(&repo.join("corpus/lexicon"), &corpus.join("lexicon"));
    let source = std::fs::read_to_string(repo.join("corpus/lists/jinxing-town-duty-lists.txt"))
        .expect("the real lists read");
    let lexicon = Lexicon::load(&repo.join("corpus")).expect("the lexicon loads");
    write_towns(
        &source,
        &lexicon.synonyms.variants(),
        towns,
        42,
        &corpus.join("lists"),
    )
    .expect("the synthetic corpus is written");

    let index = work.path().join("index");
    let started = Instant::now();
    let info = build(&corpus, &index).expect("the synthetic corpus builds");
    let build_secs = started.elapsed().as_secs_f64();
    let index_mb = dir_size(&index) as f64 / 1e6;

    let engine = Engine::open(&corpus, &index).expect("the index opens");
    let keyword = latencies(&engine, repo, "keyword");
    let complaint = latencies(&engine, repo, "complaint");
    println!(
        "| {towns} | {} | {build_secs:.1} | {index_mb:.1} | {:.0} / {:.0} | {:.0} / {:.0} | {:.0} |",
        info.items,
        keyword.0,
        keyword.1,
        complaint.0,
        complaint.1,
        peak_rss_mb()
    );
}

/// p50 and p99 in microseconds of the judged queries of `kind`.
fn latencies(engine: &Engine, repo: &Path, kind: &str) -> (f64, f64) {
    let mut requests = Vec::new();
    for file in ["dev-queries.jsonl", "holdout-queries.jsonl"] {
        let judgments =
            load_judgments(&repo.join("tests/data").join(file)).expect("the judgments load");
        for judgment in judgments.into_iter().filter(|j| j.kind == kind) {
            requests.push(SearchRequest::new(&judgment.query).expect("a valid query"));
        }
    }
    let mut micros: Vec<f64> = Vec::new();
    for _ in 0..ROUNDS {
        for request in &requests {
            let started = Instant::now();
            engine.search(request).expect("the query runs");
            micros.push(started.elapsed().as_secs_f64() * 1e6);
        }
    }
    micros.sort_by(f64::total_cmp);
    let at = |share: f64| micros[((micros.len() - 1) as f64 * share) as usize];
    (at(0.50), at(0.99))
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| match entry.metadata() {
                    Ok(meta) if meta.is_dir() => dir_size(&entry.path()),
                    Ok(meta) => meta.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("read a directory").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}
