//! In-process latency of the real corpus: index build time, then search latency per query kind
//! (p50, p99, mean) over the judged queries of `tests/data/dev-queries.jsonl` and
//! `tests/data/holdout-queries.jsonl`, each query run many rounds, and query analysis alone.
//! Criterion (`cargo bench --bench search`) gives means; this gives the tail as well.
//!
//! The judged complaints are 7–20 characters long, while a complaint as the hotline writes it
//! down runs to 20–60; `complaint-joined` therefore also measures longer ones, made by joining
//! each judged complaint with the next (and the one after, until it has 20 characters) with `，`.
//! `message` are the judged residents' letters (20–600 characters); `message-2000` joins each
//! with the ones after it to the longest query accepted, 2,000 characters.
//!
//! ```sh
//! cargo run --release --example latency                 # 200 rounds a query, 5 builds
//! cargo run --release --example latency -- --rounds 50 --builds 3 --work target/bench
//! ```
//!
//! Prints one `key=value` line per measurement (read by `scripts/bench.sh`):
//!
//! ```text
//! build items=261 runs=5 median_ms=140.2 min_ms=131.0 max_ms=160.9
//! search kind=keyword queries=68 chars=2-6 samples=13600 p50_us=55.1 p99_us=180.3 mean_us=62.0 max_us=900.1
//! analyze kind=complaint queries=84 chars=7-20 samples=16800 p50_us=11.0 p99_us=30.2 mean_us=12.6 max_us=80.0
//! ```
//!
//! Each query kind gets one unmeasured warm-up round first. The index directories are
//! temporary (under `--work DIR` when given) and removed at the end.

use std::path::{Path, PathBuf};
use std::time::Instant;

use duty_search::eval::judged_queries;
use duty_search::index::build;
use duty_search::search::{Engine, SearchRequest};

/// The same allocator as the `duty-search` binary, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Query kinds whose search latency is measured (`complaint-joined`, `message-2000`: see the
/// module comment).
const SEARCH_KINDS: [&str; 6] = [
    "keyword",
    "complaint",
    "complaint-joined",
    "pinyin",
    "message",
    "message-2000",
];
/// Length in characters that joined complaints reach at least.
const JOINED_MIN_CHARS: usize = 20;
/// Length in characters of the longest query accepted, which joined messages reach.
const LONGEST_CHARS: usize = duty_search::search::MAX_QUERY_CHARS;
/// Query kinds whose analysis alone is measured.
const ANALYZE_KINDS: [&str; 2] = ["complaint", "message-2000"];

struct Options {
    rounds: usize,
    builds: usize,
    work: Option<PathBuf>,
}

fn main() {
    let options = parse_args();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = repo.join("corpus");
    let work = match &options.work {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("the work directory is created");
            tempfile::tempdir_in(dir)
        }
        None => tempfile::tempdir(),
    }
    .expect("a temporary work directory");

    // Index build of the real corpus, from scratch each time (lexicon, segmenter, index).
    let mut build_ms = Vec::new();
    let mut items = 0;
    let index = work.path().join("index");
    for run in 0..options.builds {
        let dir = work.path().join(format!("build-{run}"));
        let started = Instant::now();
        let info = build(&corpus, &dir, &duty_search::index::Examples::default())
            .expect("the real corpus builds");
        build_ms.push(started.elapsed().as_secs_f64() * 1e3);
        items = info.items;
        if run + 1 == options.builds {
            std::fs::rename(&dir, &index).expect("the last build is kept");
        } else {
            std::fs::remove_dir_all(&dir).expect("a build is removed");
        }
    }
    let stats = Stats::of(build_ms);
    println!(
        "build items={items} runs={} median_ms={:.1} min_ms={:.1} max_ms={:.1}",
        options.builds, stats.p50, stats.min, stats.max
    );

    let engine = Engine::open(&index).expect("the index opens");
    for kind in SEARCH_KINDS {
        let texts = texts_of(repo, kind);
        let requests: Vec<SearchRequest> = texts
            .iter()
            .map(|q| SearchRequest::new(q).expect("a valid query"))
            .collect();
        let micros = measure(&requests, options.rounds, |request| {
            engine.search(request).expect("the query runs");
        });
        print_line("search", kind, &texts, micros);
    }

    for kind in ANALYZE_KINDS {
        let analyzed = texts_of(repo, kind);
        let micros = measure(&analyzed, options.rounds, |query| {
            std::hint::black_box(engine.analyze(query));
        });
        print_line("analyze", kind, &analyzed, micros);
    }
}

/// The queries of a measured kind: judged queries, or judged ones joined (module comment).
fn texts_of(repo: &Path, kind: &str) -> Vec<String> {
    match kind {
        "complaint-joined" => joined(&queries(repo, "complaint"), JOINED_MIN_CHARS),
        "message-2000" => joined(&queries(repo, "message"), LONGEST_CHARS)
            .into_iter()
            .map(|text| text.chars().take(LONGEST_CHARS).collect())
            .collect(),
        _ => queries(repo, kind),
    }
}

fn parse_args() -> Options {
    let usage = "usage: latency [--rounds N] [--builds N] [--work DIR]";
    let mut options = Options {
        rounds: 200,
        builds: 5,
        work: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{usage}"));
        match arg.as_str() {
            "--rounds" => options.rounds = value.parse().unwrap_or_else(|_| panic!("{usage}")),
            "--builds" => options.builds = value.parse().unwrap_or_else(|_| panic!("{usage}")),
            "--work" => options.work = Some(PathBuf::from(value)),
            _ => panic!("{usage}"),
        }
    }
    assert!(options.rounds > 0 && options.builds > 0, "{usage}");
    options
}

/// The judged queries (dev and held-out sets) of one kind.
fn queries(repo: &Path, kind: &str) -> Vec<String> {
    let queries = judged_queries(repo, kind).expect("the judged queries load");
    assert!(!queries.is_empty(), "no judged queries of kind {kind}");
    queries
}

/// Each query joined with the ones after it (cyclically) until it has `min_chars`.
fn joined(complaints: &[String], min_chars: usize) -> Vec<String> {
    (0..complaints.len())
        .map(|start| {
            let mut text = complaints[start].clone();
            let mut next = start;
            while text.chars().count() < min_chars {
                next = (next + 1) % complaints.len();
                text.push('，');
                text.push_str(&complaints[next]);
            }
            text
        })
        .collect()
}

/// Runs `run` on every input once unmeasured, then `rounds` times measured; microseconds.
fn measure<T>(inputs: &[T], rounds: usize, mut run: impl FnMut(&T)) -> Vec<f64> {
    inputs.iter().for_each(&mut run);
    let mut micros = Vec::with_capacity(inputs.len() * rounds);
    for _ in 0..rounds {
        for input in inputs {
            let started = Instant::now();
            run(input);
            micros.push(started.elapsed().as_secs_f64() * 1e6);
        }
    }
    micros
}

fn print_line(what: &str, kind: &str, queries: &[String], micros: Vec<f64>) {
    let samples = micros.len();
    let chars = queries.iter().map(|q| q.chars().count());
    let (shortest, longest) = (chars.clone().min().unwrap_or(0), chars.max().unwrap_or(0));
    let stats = Stats::of(micros);
    println!(
        "{what} kind={kind} queries={} chars={shortest}-{longest} samples={samples} \
         p50_us={:.1} p99_us={:.1} mean_us={:.1} max_us={:.1}",
        queries.len(),
        stats.p50,
        stats.p99,
        stats.mean,
        stats.max
    );
}

struct Stats {
    p50: f64,
    p99: f64,
    mean: f64,
    min: f64,
    max: f64,
}

impl Stats {
    /// Percentiles by the nearest rank.
    fn of(mut values: Vec<f64>) -> Stats {
        values.sort_by(f64::total_cmp);
        let at = |share: f64| {
            let rank = (share * values.len() as f64).ceil() as usize;
            values[rank.clamp(1, values.len()) - 1]
        };
        Stats {
            p50: at(0.50),
            p99: at(0.99),
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values[0],
            max: values[values.len() - 1],
        }
    }
}
