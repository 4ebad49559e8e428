//! The index's lifecycle: the engine answering now, and a rebuild that swaps a new one in.
//!
//! A rebuild writes a new index generation from the corpus and opens it while the old engine
//! keeps answering, then one pointer swap puts the new engine live. A caller keeps the engine it
//! took until it drops it. Used alike by the binary (SIGHUP) and the server (`/admin/reindex`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::Engine;
use crate::error::Result;
use crate::feedback::Learning;
use crate::index::{build, BuildInfo, Examples};

/// The engine answering now, and where to rebuild it from.
pub struct LiveIndex {
    current: RwLock<Arc<Engine>>,
    source: Option<Source>,
}

/// The directories a rebuild reads and writes, and where it takes the items' examples from;
/// one rebuild runs at a time.
struct Source {
    corpus_dir: PathBuf,
    index_dir: PathBuf,
    learning: Option<Learning>,
    rebuilding: Mutex<()>,
}

impl Source {
    /// The example phrasings a build indexes now (none without learning).
    fn examples(&self) -> Result<Examples> {
        self.learning
            .as_ref()
            .map_or_else(|| Ok(Examples::default()), Learning::examples)
    }
}

impl LiveIndex {
    /// The engine on `index_dir`, built or rebuilt from `corpus_dir` first when needed (see
    /// [`Engine::open_or_build`]); [`LiveIndex::rebuild`] rebuilds it from the same corpus.
    /// Each build indexes the examples `learning` holds at that moment.
    pub fn open(
        corpus_dir: &Path,
        index_dir: &Path,
        learning: Option<Learning>,
    ) -> Result<LiveIndex> {
        let source = Source {
            corpus_dir: corpus_dir.to_path_buf(),
            index_dir: index_dir.to_path_buf(),
            learning,
            rebuilding: Mutex::new(()),
        };
        let engine = Engine::open_or_build(corpus_dir, index_dir, &source.examples()?)?;
        Ok(LiveIndex {
            current: RwLock::new(Arc::new(engine)),
            source: Some(source),
        })
    }

    /// An engine that is never rebuilt (there is no corpus to rebuild from).
    pub fn fixed(engine: Arc<Engine>) -> LiveIndex {
        LiveIndex {
            current: RwLock::new(engine),
            source: None,
        }
    }

    /// The corpus directory a rebuild reads, if there is one.
    pub fn corpus_dir(&self) -> Option<&Path> {
        self.source
            .as_ref()
            .map(|source| source.corpus_dir.as_path())
    }

    /// The engine answering now.
    pub fn current(&self) -> Arc<Engine> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Rebuilds the index from the corpus and the examples learnt so far and swaps the new
    /// engine in; `None` when there is no
    /// corpus to rebuild from. On any failure the engine answering now goes on answering; a
    /// corpus or lexicon refused by validation also leaves the index on disk as it was.
    pub fn rebuild(&self) -> Option<Result<BuildInfo>> {
        let source = self.source.as_ref()?;
        let _one_at_a_time = source
            .rebuilding
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Some(
            source
                .examples()
                .and_then(|examples| build(&source.corpus_dir, &source.index_dir, &examples))
                .and_then(|_| Engine::open(&source.index_dir))
                .map(|engine| {
                    let info = engine.info().clone();
                    let previous = std::mem::replace(
                        &mut *self.current.write().unwrap_or_else(PoisonError::into_inner),
                        Arc::new(engine),
                    );
                    // The old engine goes when its last search ends; not while the lock is held.
                    drop(previous);
                    info
                }),
        )
    }
}
