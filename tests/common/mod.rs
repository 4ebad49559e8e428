//! Shared by the integration tests: one real index, built from the repository's corpus into a
//! temporary directory once per test binary, and the engine opened on it; temporary directories
//! and free ports. Its modules hold the rest: [`corpus`] (copies of the corpus and the ways they
//! break), [`process`] (the binary, run or serving) and [`http`] (the service on a socket).
#![allow(dead_code)] // each test binary uses its own share of these helpers

pub mod corpus;
pub mod http;
pub mod process;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use duty_search::search::{Engine, SearchRequest, SearchResponse};
use tempfile::TempDir;

/// Items in 金星镇's three lists.
pub const ITEMS: u64 = 261;

struct Fixture {
    /// Kept alive for as long as the test binary runs (statics are never dropped, so it sits in
    /// Cargo's per-target scratch directory rather than in /tmp).
    index_dir: TempDir,
    engine: Arc<Engine>,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fn fixture() -> &'static Fixture {
    FIXTURE.get_or_init(|| {
        let index_dir = temp_dir("duty-search-index-");
        let info = duty_search::index::build(
            &corpus_dir(),
            index_dir.path(),
            &duty_search::index::Examples::default(),
        )
        .unwrap_or_else(|e| panic!("the real corpus indexes: {e}"));
        assert_eq!(info.items as u64, ITEMS, "items indexed");
        let engine =
            Engine::open(index_dir.path()).unwrap_or_else(|e| panic!("the fresh index opens: {e}"));
        Fixture {
            index_dir,
            engine: Arc::new(engine),
        }
    })
}

/// The repository's corpus directory (`lists/` and `lexicon/`).
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The engine on the shared index.
pub fn engine() -> Arc<Engine> {
    Arc::clone(&fixture().engine)
}

/// The directory of the shared index.
pub fn index_dir() -> &'static Path {
    fixture().index_dir.path()
}

/// A search of `query` with `limit` hits and no filters, which must succeed.
pub fn search(query: &str, limit: usize) -> SearchResponse {
    let mut request = SearchRequest::new(query).expect("a valid query");
    request.limit = limit;
    run(&request)
}

/// Runs `request`, which must succeed.
pub fn run(request: &SearchRequest) -> SearchResponse {
    engine()
        .search(request)
        .unwrap_or_else(|e| panic!("search {request:?} failed: {e}"))
}

/// The ids of the hits, best first.
pub fn ids(response: &SearchResponse) -> Vec<&str> {
    response.hits.iter().map(|hit| hit.id.as_str()).collect()
}

/// Copies a corpus directory to `to`, following symbolic links; a link whose target is missing
/// is skipped, as the engine treats it as an absent file.
pub fn copy_corpus(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's directory");
    for entry in std::fs::read_dir(from).expect("read the corpus directory") {
        let path = entry.expect("a directory entry").path();
        let Ok(metadata) = std::fs::metadata(&path) else {
            continue; // a dangling link
        };
        let target = to.join(path.file_name().expect("an entry has a name"));
        if metadata.is_dir() {
            copy_corpus(&path, &target);
        } else {
            std::fs::copy(&path, &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", path.display()));
        }
    }
}

/// A temporary directory under Cargo's per-target scratch directory, removed when dropped.
pub fn temp_dir(prefix: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("a temporary directory")
}

/// A loopback port no one listens on now, for a process the test starts (the binary,
/// chromedriver) that must be told its port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port()
}
