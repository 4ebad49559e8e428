//! Scale benchmark: generates a synthetic corpus of N towns from the real lists, builds its index
//! and measures in-process query latency on the judged keyword and complaint queries.
//!
//! ```sh
//! cargo run --release --example scale -- 10        # one table row per run
//! for n in 10 100 1000 4000; do cargo run --release --example scale -- $n; done
//! cargo run --release --example scale -- 4000 --work target/bench --budget 60
//! ```
//!
//! Prints `| towns | items | build s | index MB | keyword p50/p99 µs | complaint p50/p99 µs | peak RSS MB |`
//! (`scripts/bench.sh` reads this row). Work files (the corpus, about 75 KB a town, and the
//! index) go to a temporary directory, under `--work DIR` when given, removed at the end.
//!
//! Each judged query runs one unmeasured warm-up round, then up to 20 rounds, fewer when a query
//! kind's rounds have taken `--budget` seconds (default 60; at least one round): at 4,000 towns
//! (about 900,000 items) a row then takes a few minutes, most of it the build. The number of
//! rounds run goes to stderr.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use duty_search::corpus::synthetic::write_towns;
use duty_search::eval::judged_queries;
use duty_search::index::build;
use duty_search::lexicon::Lexicon;
use duty_search::search::{Engine, SearchRequest};

/// The same allocator as the `duty-search` binary, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each judged query is run at most this many times for the percentiles.
const ROUNDS: usize = 20;
/// Default time budget of one query kind's rounds, in seconds.
const BUDGET_SECS: u64 = 60;

struct Options {
    towns: usize,
    work: Option<PathBuf>,
    budget: Duration,
}

fn parse_args() -> Options {
    let usage = "usage: scale TOWNS [--work DIR] [--budget SECONDS]";
    let mut args = std::env::args().skip(1);
    let towns = args
        .next()
        .and_then(|n| n.parse().ok())
        .filter(|&n: &usize| n > 0)
        .expect(usage);
    let mut options = Options {
        towns,
        work: None,
        budget: Duration::from_secs(BUDGET_SECS),
    };
    while let Some(arg) = args.next() {
        let value = args.next().expect(usage);
        match arg.as_str() {
            "--work" => options.work = Some(PathBuf::from(value)),
            "--budget" => options.budget = Duration::from_secs(value.parse().expect(usage)),
            _ => panic!("{usage}"),
        }
    }
    options
}

fn main() {
    let Options {
        towns,
        work,
        budget,
    } = parse_args();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = match &work {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("the work directory is created");
            tempfile::tempdir_in(dir)
        }
        None => tempfile::tempdir(),
    }
    .expect("a work directory");
    let corpus = work.path().join("corpus");
    copy_dir(&repo.join("corpus/lexicon"), &corpus.join("lexicon"));
    let source = std::fs::read_to_string(repo.join("corpus/lists/jinxing-town-duty-lists.txt"))
        .expect("the real lists read");
    let lexicon = Lexicon::load(&repo.join("corpus")).expect("the lexicon loads");
    write_towns(
        &source,
        &lexicon.departments,
        &lexicon.synonyms.variants(),
        towns,
        42,
        &corpus.join("lists"),
    )
    .expect("the synthetic corpus is written");

    let index = work.path().join("index");
    let started = Instant::now();
    let info = build(&corpus, &index, &duty_search::index::Examples::default())
        .expect("the synthetic corpus builds");
    let build_secs = started.elapsed().as_secs_f64();
    let index_mb = dir_size(&index) as f64 / 1e6;

    let engine = Engine::open(&index).expect("the index opens");
    let keyword = latencies(&engine, repo, "keyword", budget);
    let complaint = latencies(&engine, repo, "complaint", budget);
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

/// p50 and p99 in microseconds of the judged queries of `kind`, over up to `ROUNDS` rounds
/// (fewer once `budget` has passed).
fn latencies(engine: &Engine, repo: &Path, kind: &str, budget: Duration) -> (f64, f64) {
    let requests: Vec<SearchRequest> = judged_queries(repo, kind)
        .expect("the judgments load")
        .iter()
        .map(|query| SearchRequest::new(query).expect("a valid query"))
        .collect();
    // One unmeasured warm-up round: the percentiles are of a warm index, as a server's are.
    for request in &requests {
        engine.search(request).expect("the query runs");
    }
    let mut micros: Vec<f64> = Vec::with_capacity(requests.len() * ROUNDS);
    let begun = Instant::now();
    let mut rounds = 0;
    while rounds < ROUNDS && (rounds == 0 || begun.elapsed() < budget) {
        for request in &requests {
            let started = Instant::now();
            engine.search(request).expect("the query runs");
            micros.push(started.elapsed().as_secs_f64() * 1e6);
        }
        rounds += 1;
    }
    eprintln!(
        "{kind}: {} queries, {rounds} rounds in {:.1} s",
        requests.len(),
        begun.elapsed().as_secs_f64()
    );
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
