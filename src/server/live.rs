//! The live engine as the server uses it: the library's [`LiveIndex`] (the engine answering
//! now, swapped whole by a reindex), with searches held to one per core and run where they cost
//! least, and reindexes run off the async workers.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use axum::http::StatusCode;
use tokio::sync::{watch, Semaphore};

use super::error::ApiError;
use crate::corpus::CorpusError;
use crate::error::Error;
use crate::index::BuildInfo;
use crate::search::{Engine, LiveIndex, SearchRequest, SearchResponse, MAX_QUERY_CHARS};

/// The largest index searched on the async worker itself rather than on a blocking thread: a
/// few towns' lists, searched in well under a millisecond.
pub const INLINE_SEARCH_ITEMS: u64 = 20_000;

/// Characters from which a query is long (a letter, a pasted work order): its analysis and
/// search cost ten to thirty times a short query's, so it is searched in a lane of its own on a
/// blocking thread, where a stream of long queries cannot delay the short ones.
pub const LONG_QUERY_CHARS: usize = 200;

/// The live engine, and where to rebuild it from.
#[derive(Clone)]
pub struct LiveEngine {
    index: Arc<LiveIndex>,
    /// Searches running at once: one per core. A search is CPU work; more threads than cores
    /// would only contend, and each thread costs memory.
    searching: Arc<Semaphore>,
    /// Long queries searched at once (see [`LONG_QUERY_CHARS`]): all cores but one, so that
    /// one is always left to the short queries.
    searching_long: Arc<Semaphore>,
    /// Indexes of at most this many items are searched on the async worker itself.
    inline_items: u64,
    /// The rebuild running, if any.
    job: Arc<Mutex<Option<Job>>>,
    /// Searches and health checks that panicked (each answered as an error rather than
    /// unwinding through the handler), for `duty_search_panics_total`.
    panics: Arc<AtomicU64>,
}

impl LiveEngine {
    /// The server's side of `index`.
    pub fn new(index: LiveIndex) -> LiveEngine {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        LiveEngine {
            index: Arc::new(index),
            searching: Arc::new(Semaphore::new(cores)),
            searching_long: Arc::new(Semaphore::new(cores.saturating_sub(1).max(1))),
            inline_items: INLINE_SEARCH_ITEMS,
            job: Arc::default(),
            panics: Arc::default(),
        }
    }

    /// An engine that cannot be reindexed (there is no corpus to rebuild from).
    pub fn fixed(engine: Arc<Engine>) -> LiveEngine {
        LiveEngine::new(LiveIndex::fixed(engine))
    }

    /// Searches indexes of at most `items` items on the async worker (the default is
    /// [`INLINE_SEARCH_ITEMS`]). An inline search cannot be interrupted, so the request timeout
    /// only applies to it before it starts; 0 sends every search to a blocking thread, where
    /// the timeout answers even while the search runs.
    pub fn search_inline_up_to(mut self, items: u64) -> LiveEngine {
        self.inline_items = items;
        self
    }

    /// The engine answering now.
    pub fn current(&self) -> Arc<Engine> {
        self.index.current()
    }

    /// Answers `request` with the engine answering now; a search waits its turn while every
    /// core is searching. On an index of up to [`INLINE_SEARCH_ITEMS`] items a search takes
    /// tens of microseconds and runs right on the async worker: handing it to a blocking thread
    /// would cost more than the search (and halved the throughput under load). A larger index
    /// is searched on a blocking thread, so that the workers stay free and a timeout can answer
    /// (see [`LiveEngine::search_inline_up_to`]).
    ///
    /// A long query ([`LONG_QUERY_CHARS`]) waits for a turn of its own lane instead and is
    /// always searched on a blocking thread.
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResponse, Error> {
        let long = request.query.chars().count() > LONG_QUERY_CHARS;
        let lane = if long {
            &self.searching_long
        } else {
            &self.searching
        };
        let turn = Arc::clone(lane)
            .acquire_owned()
            .await
            .map_err(|_| Error::index("search", "the search queue is closed"))?;
        let engine = self.current();
        if !long && engine.num_items() <= self.inline_items {
            return std::panic::catch_unwind(AssertUnwindSafe(|| engine.search(&request)))
                .map_err(|_| self.panicked("search", "the search panicked"))?;
        }
        // The turn goes with the search: when a timeout drops this request, the search still
        // runs to its end on its thread, and still counts against the cores.
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            engine.search(&request)
        })
        .await
        .map_err(|panic| self.panicked("search", format!("the search panicked: {panic}")))?
    }

    /// Searches and health checks that panicked since the start.
    pub fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }

    /// The error a panic of `what` is answered with, counted.
    fn panicked(&self, what: &str, message: impl ToString) -> Error {
        self.panics.fetch_add(1, Ordering::Relaxed);
        Error::index(what, message)
    }

    /// Whether the engine answering now can answer: it reads items back
    /// ([`Engine::self_check`]) and searches, as a request would, for the title of one of them,
    /// which must find items (reading their stored text too); a panic is an error.
    pub async fn check(&self) -> Result<(), Error> {
        let engine = self.current();
        let item = std::panic::catch_unwind(AssertUnwindSafe(|| engine.self_check()))
            .map_err(|_| self.panicked("health check", "reading items back panicked"))??;
        let Some(item) = item else {
            return Ok(());
        };
        let title: String = item.title.chars().take(MAX_QUERY_CHARS).collect();
        let response = self.search(SearchRequest::new(&title)?).await?;
        if response.hits.is_empty() {
            return Err(Error::index(
                &engine.info().generation,
                format!("a search for the title of item {} found nothing", item.id),
            ));
        }
        Ok(())
    }

    /// Rebuilds the index from the corpus and swaps the new engine in (see
    /// [`LiveIndex::rebuild`]), as one job: while a rebuild runs, another request joins it and
    /// gets its outcome rather than queueing a rebuild of its own (before, each waiting request
    /// rebuilt again after the one before, its client long gone). The rebuild runs on a
    /// blocking thread to its end even when every client hangs up, so the engine in memory is
    /// always the one `index/CURRENT` names.
    pub async fn reindex(&self) -> Reindex {
        let (job, joined) = {
            let mut running = self.job.lock().unwrap_or_else(PoisonError::into_inner);
            match &*running {
                Some(job) => {
                    tracing::info!(
                        started_at = %humantime::format_rfc3339_seconds(job.started_at),
                        "reindex request joins the rebuild already running"
                    );
                    (job.clone(), true)
                }
                None => {
                    let job = self.start_rebuild();
                    *running = Some(job.clone());
                    (job, false)
                }
            }
        };
        let mut outcome = job.outcome;
        let result = match outcome.wait_for(Option::is_some).await {
            Ok(done) => done.clone().expect("waited for an outcome"),
            Err(_) => Err(Arc::new(ReindexError::Failed(Error::index(
                "reindex",
                "the rebuild ended without an outcome",
            )))),
        };
        Reindex {
            result,
            joined,
            started_at: job.started_at,
        }
    }

    /// Starts a rebuild on a blocking thread; it clears the running job and then publishes
    /// its outcome when it ends, a panic included.
    fn start_rebuild(&self) -> Job {
        let (publish, outcome) = watch::channel(None);
        let index = Arc::clone(&self.index);
        let running = Arc::clone(&self.job);
        tokio::task::spawn_blocking(move || {
            let corpus_dir = index.corpus_dir().map(Path::to_path_buf);
            let rebuilt = std::panic::catch_unwind(AssertUnwindSafe(|| index.rebuild()));
            let result = match (rebuilt, corpus_dir) {
                (Ok(Some(Ok(info))), _) => Ok(info),
                (Ok(Some(Err(error))), Some(corpus_dir)) => {
                    Err(ReindexError::refused_or_failed(error, &corpus_dir))
                }
                (Ok(_), _) => Err(ReindexError::NoCorpus),
                (Err(_), _) => Err(ReindexError::Failed(Error::index(
                    "reindex",
                    "the reindex panicked",
                ))),
            };
            *running.lock().unwrap_or_else(PoisonError::into_inner) = None;
            publish.send_replace(Some(result.map_err(Arc::new)));
        });
        Job {
            started_at: SystemTime::now(),
            outcome,
        }
    }
}

/// A rebuild running, which reindex requests join.
#[derive(Clone)]
struct Job {
    /// When it started.
    started_at: SystemTime,
    /// Its outcome, once it has one.
    outcome: watch::Receiver<Option<ReindexResult>>,
}

/// What a rebuild ended with, shared by every request that joined it.
pub type ReindexResult = Result<BuildInfo, Arc<ReindexError>>;

/// The outcome of a reindex request.
#[derive(Debug)]
pub struct Reindex {
    /// What the rebuild ended with.
    pub result: ReindexResult,
    /// Whether the request joined a rebuild already running rather than starting it.
    pub joined: bool,
    /// When that rebuild started.
    pub started_at: SystemTime,
}

impl From<Arc<Engine>> for LiveEngine {
    fn from(engine: Arc<Engine>) -> LiveEngine {
        LiveEngine::fixed(engine)
    }
}

/// Why a reindex did not happen; the engine that was answering still is.
#[derive(Debug, thiserror::Error)]
pub enum ReindexError {
    /// The service was started on an engine without a corpus to rebuild from.
    #[error("this service has no corpus to reindex from")]
    NoCorpus,
    /// The corpus or the lexicon failed validation; the index on disk is unchanged.
    #[error("{0}")]
    Refused(Error),
    /// Building or opening the new index failed.
    #[error("{0}")]
    Failed(Error),
}

impl ReindexError {
    /// `Refused` when `error` concerns the corpus (a document, the lexicon, a missing
    /// directory under `corpus_dir`), `Failed` otherwise.
    fn refused_or_failed(error: Error, corpus_dir: &Path) -> ReindexError {
        let about_corpus = match &error {
            Error::Corpus(_) | Error::EmptyCorpus(_) | Error::DuplicateTown { .. } => true,
            // A generation's copy of the lexicon is the index's, not the corpus's.
            Error::Lexicon(error) => error.path.starts_with(corpus_dir),
            Error::Io { path, .. } => path.starts_with(corpus_dir),
            _ => false,
        };
        if about_corpus {
            ReindexError::Refused(error)
        } else {
            ReindexError::Failed(error)
        }
    }

    /// The outcome's name in logs and metrics: `refused` or `failed`.
    pub fn outcome(&self) -> &'static str {
        match self {
            ReindexError::Refused(_) => "refused",
            ReindexError::NoCorpus | ReindexError::Failed(_) => "failed",
        }
    }

    /// The file at fault and the 1-based line, when the error names them.
    pub fn location(&self) -> Option<(PathBuf, Option<usize>)> {
        let (ReindexError::Refused(error) | ReindexError::Failed(error)) = self else {
            return None;
        };
        match error {
            Error::Corpus(CorpusError::Parse { path, source }) => {
                Some((path.clone(), Some(source.line)))
            }
            Error::Corpus(CorpusError::Encoding(error)) => {
                Some((error.path.clone(), Some(error.line)))
            }
            Error::Corpus(CorpusError::Io { path, .. }) => Some((path.clone(), None)),
            Error::Lexicon(error) => {
                Some((error.path.clone(), (error.line > 0).then_some(error.line)))
            }
            Error::EmptyCorpus(path)
            | Error::DuplicateTown { path, .. }
            | Error::Judgments { path, .. }
            | Error::Io { path, .. }
            | Error::Index { path, .. }
            | Error::BuildLocked { path, .. }
            | Error::BuildTimedOut { path, .. } => Some((path.clone(), None)),
            _ => None,
        }
    }
}

impl From<&ReindexError> for ApiError {
    /// 422 with the file and line for a refused corpus, 409 without a corpus or while another
    /// process's build of the index held its lock for too long, 500 otherwise: the
    /// caller is an administrator, so the message is the whole error.
    fn from(error: &ReindexError) -> ApiError {
        let status = match error {
            ReindexError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ReindexError::NoCorpus | ReindexError::Failed(Error::BuildLocked { .. }) => {
                StatusCode::CONFLICT
            }
            ReindexError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let location = error.location();
        let api = ApiError::new(
            status,
            format!("reindex failed, the previous index keeps serving: {error}"),
        );
        match location {
            Some((file, line)) => api.at(file, line),
            None => api,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> SearchRequest {
        let text = "村里有人天天晚上在路边烧塑料和垃圾，烟大得呛人，孩子咳嗽了好几天。".repeat(8);
        assert!(text.chars().count() > LONG_QUERY_CHARS);
        SearchRequest::new(&text).unwrap()
    }

    #[tokio::test]
    async fn long_queries_wait_in_their_own_lane_and_short_ones_pass_them() {
        let (_index, engine) = crate::search::tests::real_engine();
        let live = LiveEngine::fixed(Arc::new(engine));
        let short_turns = live.searching.available_permits();
        // Every turn of the long lane taken, as by long searches running.
        let lane = live.searching_long.available_permits();
        let held = Arc::clone(&live.searching_long)
            .acquire_many_owned(lane as u32)
            .await
            .unwrap();
        let waiting = tokio::spawn({
            let live = live.clone();
            async move { live.search(letter()).await }
        });
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert!(
            !waiting.is_finished(),
            "a long query waits for a turn of its lane"
        );
        let short = live
            .search(SearchRequest::new("秸秆焚烧").unwrap())
            .await
            .unwrap();
        assert!(
            !short.hits.is_empty(),
            "a short query does not wait behind the long ones"
        );
        assert_eq!(live.searching.available_permits(), short_turns);
        drop(held);
        let answered = waiting.await.unwrap().unwrap();
        assert!(!answered.hits.is_empty());
    }
}
