//! In-process latency of the engine on the judged queries: search by kind (keywords, complaints,
//! pinyin), query analysis alone, and an index build of the real corpus.
//!
//! Run with `cargo bench --bench search`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use duty_search::eval::judged_queries;
use duty_search::index::build;
use duty_search::search::{Engine, SearchRequest};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The judged queries (dev and held-out sets) of one kind.
fn queries(kind: &str) -> Vec<String> {
    judged_queries(Path::new(env!("CARGO_MANIFEST_DIR")), kind).expect("the judged queries load")
}

fn benches(c: &mut Criterion) {
    let index = tempfile::tempdir().expect("a temporary index directory");
    build(
        &corpus(),
        index.path(),
        &duty_search::index::Examples::default(),
    )
    .expect("the real corpus builds");
    let engine = Engine::open(index.path()).expect("the index opens");

    for kind in ["keyword", "complaint", "pinyin"] {
        let requests: Vec<SearchRequest> = queries(kind)
            .iter()
            .map(|q| SearchRequest::new(q).expect("a valid query"))
            .collect();
        let mut next = requests.iter().cycle();
        c.bench_function(&format!("search/{kind}"), |b| {
            b.iter(|| {
                engine
                    .search(black_box(next.next().expect("cycles")))
                    .unwrap()
            })
        });
    }

    let complaints = queries("complaint");
    let mut next = complaints.iter().cycle();
    c.bench_function("analyze/complaint", |b| {
        b.iter(|| engine.analyze(black_box(next.next().expect("cycles"))))
    });

    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.bench_function("build/real-corpus", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("a temporary index directory");
            build(
                &corpus(),
                dir.path(),
                &duty_search::index::Examples::default(),
            )
            .expect("the real corpus builds")
        })
    });
    group.finish();
}

criterion_group!(search, benches);
criterion_main!(search);
