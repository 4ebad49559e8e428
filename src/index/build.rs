//! Building the index atomically from the corpus, and opening the generation that is live.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aho_corasick::AhoCorasick;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use tantivy::directory::RamDirectory;
use tantivy::{Directory, Index};

use super::lock::{duration_from_env, BuildLock};
use super::schema::DutySchema;
use super::Examples;
use crate::analysis::pinyin::to_pinyin_text;
use crate::analysis::{normalize, register_tokenizers, Segmenter};
use crate::corpus;
use crate::error::{Error, Result};
use crate::lexicon::Lexicon;

/// Directory under the corpus directory that holds the duty list documents.
pub const LISTS_DIR: &str = "lists";
const CURRENT_FILE: &str = "CURRENT";
const BUILD_INFO_FILE: &str = "BUILD.json";
const GENERATION_PREFIX: &str = "gen-";
/// Directory of a generation (and of the corpus) holding the lexicon files.
const LEXICON_DIR: &str = "lexicon";
/// Memory budget of the index writer, shared by its threads (one per core): a large corpus is
/// flushed to disk in segments rather than held in memory.
const WRITER_MEMORY_BYTES: usize = 100_000_000;
/// Corpora of at most this many items are indexed by one thread (see `write_generation`).
const SINGLE_THREAD_ITEMS: usize = 20_000;
/// Environment variable bounding how long a build may take once it holds the lock
/// (`humantime`, e.g. `10m`).
pub const BUILD_TIME_LIMIT_ENV: &str = "DUTY_SEARCH_BUILD_TIME_LIMIT";
/// How long a build may take by default: some 30 times a build of a district's lists, so only
/// a stuck or runaway build (a corpus grown by mistake, a disk stalling) reaches it.
pub const DEFAULT_BUILD_TIME_LIMIT: Duration = Duration::from_secs(600);
/// How tantivy's lock files are named (`.tantivy-meta.lock`, `.tantivy-writer.lock`).
const TANTIVY_LOCK_PREFIX: &str = ".tantivy-";
/// Environment variable: indexes whose files take at most this many bytes are read into memory
/// when opened, larger ones memory-mapped.
pub const IN_MEMORY_MAX_BYTES_ENV: &str = "DUTY_SEARCH_INDEX_IN_MEMORY_MAX_BYTES";
/// By default indexes up to 256 MiB are read into memory: a town's lists take some 250 KB, so
/// this covers a district of hundreds of towns.
pub const DEFAULT_IN_MEMORY_MAX_BYTES: u64 = 256 * 1024 * 1024;
/// Corpora of more documents than this show a progress bar while indexing.
const PROGRESS_FROM_DOCUMENTS: usize = 20;

/// What a build produced, written next to the index and reported by `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildInfo {
    /// When the build finished, seconds since the Unix epoch.
    pub built_at: u64,
    /// The same instant as RFC 3339 (UTC).
    pub built_at_text: String,
    /// Number of items indexed.
    pub items: usize,
    /// The towns whose lists were indexed.
    pub towns: Vec<String>,
    /// The generation directory's name.
    pub generation: String,
}

/// An opened index generation: the index, the lexicon it was built with, and its build
/// information. Queries must be analysed with this lexicon and segmenter, not with whatever
/// `corpus/lexicon` holds now, so that both sides of a search agree on what a word is.
pub struct IndexHandle {
    /// The generation's directory.
    pub dir: PathBuf,
    /// The tantivy index, with this crate's tokenizers registered.
    pub index: Index,
    /// The lexicon the generation was built with (its copy under `gen-…/lexicon/`).
    pub lexicon: Lexicon,
    /// The segmenter of that lexicon, shared with the index's tokenizers.
    pub segmenter: Arc<Segmenter>,
    /// What the build that wrote it reported.
    pub info: BuildInfo,
}

/// Every file the index is built from: the list documents and the lexicon files.
pub fn corpus_sources(corpus_dir: &Path) -> Result<Vec<PathBuf>> {
    let mut sources = list_documents(corpus_dir)?;
    sources.extend(Lexicon::files(corpus_dir)?);
    Ok(sources)
}

/// The duty list documents (`lists/*.txt`) in name order.
fn list_documents(corpus_dir: &Path) -> Result<Vec<PathBuf>> {
    let dir = corpus_dir.join(LISTS_DIR);
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut documents = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(&dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "txt") {
            documents.push(path);
        }
    }
    documents.sort();
    if documents.is_empty() {
        return Err(Error::EmptyCorpus(dir));
    }
    Ok(documents)
}

/// The key that qualifies a town's item ids in a corpus of several towns: the toneless pinyin
/// of its district and town (利通区金星镇 → `litongqu-jinxingzhen`), so ids stay ASCII, stable
/// and readable (`litongqu-jinxingzhen:coop-7-4`). A corpus of one town keeps the plain ids.
pub fn town_key(district: &str, town: &str) -> String {
    format!("{}-{}", to_pinyin_text(district), to_pinyin_text(town))
}

/// What the validation pass learnt about the corpus.
struct Survey {
    items: usize,
    towns: Vec<String>,
}

/// Parses every document once without indexing: each must be valid, no two may be the same
/// town, and every synonym's list term must occur somewhere, or nothing is written.
fn survey(documents: &[PathBuf], lexicon: &Lexicon) -> Result<Survey> {
    let schema = DutySchema::new();
    let targets = lexicon.synonyms.targets();
    let mut found = vec![false; targets.len()];
    let scanner = (!targets.is_empty())
        .then(|| AhoCorasick::new(&targets).expect("synonym targets form a valid automaton"));
    let mut keys: HashSet<String> = HashSet::new();
    let mut survey = Survey {
        items: 0,
        towns: Vec::new(),
    };
    for path in documents {
        let corpus = corpus::load(path, &lexicon.departments)?;
        if !keys.insert(town_key(&corpus.district, &corpus.town)) {
            return Err(Error::DuplicateTown {
                path: path.clone(),
                town: format!("{}{}", corpus.district, corpus.town),
            });
        }
        if let Some(scanner) = &scanner {
            for item in &corpus.items {
                for (_, text) in schema.searched_texts(item) {
                    for hit in scanner.find_overlapping_iter(&normalize(&text)) {
                        found[hit.pattern().as_usize()] = true;
                    }
                }
            }
        }
        survey.items += corpus.items.len();
        survey.towns.push(corpus.town);
    }
    lexicon
        .synonyms
        .check_targets(|term| targets.binary_search(&term).is_ok_and(|index| found[index]))?;
    Ok(survey)
}

/// An item's id in a corpus of `documents` documents.
fn qualified_id(documents: usize, district: &str, town: &str, id: &str) -> String {
    if documents > 1 {
        format!("{}:{id}", town_key(district, town))
    } else {
        id.to_string()
    }
}

/// Builds a new index generation from `corpus_dir`, with the items' `examples`, and makes it
/// the live one.
///
/// Every document and the lexicon are validated first: a malformed document or lexicon file is
/// refused with its file and line, and nothing is written. The build then takes the lock of
/// `index_dir` ([`BuildLock`]; waiting for another build up to [`BuildLock::wait_from_env`]),
/// and holds it until it has switched `CURRENT` and removed the older generations; from the
/// lock on it may take [`BUILD_TIME_LIMIT_ENV`] (default [`DEFAULT_BUILD_TIME_LIMIT`]), after
/// which it fails and leaves the previous generation live. The new
/// generation is fully committed before `CURRENT` is switched to it by an atomic rename, and
/// the build fails unless `CURRENT` then names it.
pub fn build(corpus_dir: &Path, index_dir: &Path, examples: &Examples) -> Result<BuildInfo> {
    let wait = BuildLock::wait_from_env()?;
    let time_limit = duration_from_env(BUILD_TIME_LIMIT_ENV, DEFAULT_BUILD_TIME_LIMIT)?;
    let documents = list_documents(corpus_dir)?;
    let lexicon = Lexicon::load(corpus_dir)?;
    let survey = survey(&documents, &lexicon)?;
    let segmenter = Arc::new(Segmenter::new(lexicon.segmenter_words()));

    let _one_builder = BuildLock::acquire(index_dir, wait)?;
    let deadline = Deadline {
        at: Instant::now() + time_limit,
        limit: time_limit,
        index_dir,
    };
    let now = SystemTime::now();
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let generation = format!(
        "{GENERATION_PREFIX}{}-{}",
        since_epoch.as_nanos(),
        std::process::id()
    );
    let gen_dir = index_dir.join(&generation);
    let result = write_generation(
        &gen_dir,
        &documents,
        &lexicon,
        examples,
        survey.items,
        segmenter,
        &deadline,
    )
    .and_then(|()| copy_lexicon(corpus_dir, &gen_dir))
    .and_then(|()| deadline.check())
    .and_then(|()| {
        let info = BuildInfo {
            built_at: since_epoch.as_secs(),
            built_at_text: humantime::format_rfc3339_seconds(now).to_string(),
            items: survey.items,
            towns: survey.towns,
            generation: generation.clone(),
        };
        let info_json = serde_json::to_vec_pretty(&info).expect("build info serializes");
        write_synced(&gen_dir.join(BUILD_INFO_FILE), &info_json)?;
        switch_current(index_dir, &generation)?;
        check_current(index_dir, &generation)?;
        Ok(info)
    });
    match result {
        Ok(info) => {
            remove_other_generations(index_dir, &generation);
            check_current(index_dir, &generation)?;
            Ok(info)
        }
        Err(error) => {
            let current = std::fs::read_to_string(index_dir.join(CURRENT_FILE));
            if !current.is_ok_and(|named| named.trim() == generation) {
                let _ = std::fs::remove_dir_all(&gen_dir);
            }
            Err(error)
        }
    }
}

/// When a build must have finished by, checked between items and before each step that
/// writes: a build past it fails, leaving the previous generation live.
struct Deadline<'a> {
    at: Instant,
    limit: Duration,
    index_dir: &'a Path,
}

impl Deadline<'_> {
    /// Fails with [`Error::BuildTimedOut`] once the deadline has passed.
    fn check(&self) -> Result<()> {
        if Instant::now() < self.at {
            return Ok(());
        }
        Err(Error::BuildTimedOut {
            path: self.index_dir.to_path_buf(),
            limit: self.limit,
        })
    }
}

/// Indexes every document into `gen_dir`, one document in memory at a time, with a progress bar
/// on a terminal for corpora of many towns; gives up once `deadline` has passed.
fn write_generation(
    gen_dir: &Path,
    documents: &[PathBuf],
    lexicon: &Lexicon,
    examples: &Examples,
    items: usize,
    segmenter: Arc<Segmenter>,
    deadline: &Deadline,
) -> Result<()> {
    std::fs::create_dir_all(gen_dir).map_err(|e| Error::io(gen_dir, e))?;
    let schema = DutySchema::new();
    let index =
        Index::create_in_dir(gen_dir, schema.schema()).map_err(|e| Error::index(gen_dir, e))?;
    register_tokenizers(index.tokenizers(), segmenter);
    // A small corpus is indexed by one thread, so items keep the documents' order and equal
    // scores rank the same way on every build; a large one uses every core.
    let threads = if items <= SINGLE_THREAD_ITEMS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    };
    let mut writer = index
        .writer_with_num_threads(threads, WRITER_MEMORY_BYTES)
        .map_err(|e| Error::index(gen_dir, e))?;
    let progress = if documents.len() > PROGRESS_FROM_DOCUMENTS {
        ProgressBar::new(items as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("indexing {bar:40} {pos}/{len} items, {per_sec}, eta {eta}")
            .expect("a valid progress template"),
    );
    for path in documents {
        let corpus = corpus::load(path, &lexicon.departments)?;
        for mut item in corpus.items {
            item.id = qualified_id(documents.len(), &item.district, &item.town, &item.id);
            let action = lexicon.intents.action_of(&normalize(&item.title));
            writer
                .add_document(schema.document(&item, action, examples))
                .map_err(|e| Error::index(gen_dir, e))?;
            progress.inc(1);
            deadline.check()?;
        }
    }
    progress.finish_and_clear();
    deadline.check()?;
    writer.commit().map_err(|e| Error::index(gen_dir, e))?;
    // The index is read-only once built: one segment means each query term is looked up and
    // scored once, not once per indexing thread's segment.
    let segments = index
        .searchable_segment_ids()
        .map_err(|e| Error::index(gen_dir, e))?;
    if segments.len() > 1 {
        writer
            .merge(&segments)
            .wait()
            .map_err(|e| Error::index(gen_dir, e))?;
    }
    writer
        .wait_merging_threads()
        .map_err(|e| Error::index(gen_dir, e))?;
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    file.sync_all().map_err(|e| Error::io(path, e))
}

/// Points `CURRENT` at `generation` with a write-then-rename, which is atomic on POSIX.
fn switch_current(index_dir: &Path, generation: &str) -> Result<()> {
    let staged = index_dir.join(format!("{CURRENT_FILE}.{}", std::process::id()));
    write_synced(&staged, generation.as_bytes())?;
    let current = index_dir.join(CURRENT_FILE);
    std::fs::rename(&staged, &current).map_err(|e| Error::io(&current, e))
}

/// Fails unless `CURRENT` names `generation` and that generation's directory is there: a
/// build reports success only for the index it wrote and left live.
fn check_current(index_dir: &Path, generation: &str) -> Result<()> {
    let current = index_dir.join(CURRENT_FILE);
    let named = std::fs::read_to_string(&current).map_err(|e| Error::io(&current, e))?;
    if named.trim() != generation {
        return Err(Error::index(
            &current,
            format!(
                "names {}, not the generation {generation} this build wrote",
                named.trim()
            ),
        ));
    }
    if !index_dir.join(generation).join(BUILD_INFO_FILE).is_file() {
        return Err(Error::index(
            index_dir.join(generation),
            "the generation CURRENT names is gone",
        ));
    }
    Ok(())
}

/// Removes generations other than `keep` (old builds and leftovers of interrupted ones), never
/// the one `CURRENT` names. Only a build holding the lock calls it, so no other process is
/// writing any of them. Failures are ignored: a leftover directory costs disk, not correctness.
fn remove_other_generations(index_dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(index_dir) else {
        return;
    };
    let current = std::fs::read_to_string(index_dir.join(CURRENT_FILE)).unwrap_or_default();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(GENERATION_PREFIX) && name != keep && name != current.trim() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Copies the lexicon files the generation was built with into `gen_dir/lexicon/`, keeping
/// their paths relative to the corpus directory, so the generation is analysed with them.
fn copy_lexicon(corpus_dir: &Path, gen_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(gen_dir.join(LEXICON_DIR)).map_err(|e| Error::io(gen_dir, e))?;
    for source in Lexicon::files(corpus_dir)? {
        let relative = source
            .strip_prefix(corpus_dir)
            .expect("a lexicon file lies under the corpus directory");
        let target = gen_dir.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let bytes = std::fs::read(&source).map_err(|e| Error::io(&source, e))?;
        write_synced(&target, &bytes)?;
    }
    Ok(())
}

/// Opens the live generation of `index_dir` with the lexicon it was built with, read into
/// memory when small enough (see [`IN_MEMORY_MAX_BYTES_ENV`]), after checking every file of
/// its segments against its checksum: a damaged file is an [`Error::Index`] naming it. It holds
/// the lock of `index_dir` shared meanwhile ([`BuildLock::shared`]), so no build removes the
/// generation while it is read.
pub fn open_current(index_dir: &Path) -> Result<IndexHandle> {
    // No build removes a generation while this process reads one.
    let _reading = BuildLock::shared(index_dir, BuildLock::wait_from_env()?)?;
    let current = index_dir.join(CURRENT_FILE);
    let generation = std::fs::read_to_string(&current)
        .map_err(|e| Error::index(&current, format!("no live generation ({e})")))?;
    let gen_dir = index_dir.join(generation.trim());
    let info_path = gen_dir.join(BUILD_INFO_FILE);
    let info_bytes = std::fs::read(&info_path).map_err(|e| Error::io(&info_path, e))?;
    let info: BuildInfo =
        serde_json::from_slice(&info_bytes).map_err(|e| Error::index(&info_path, e))?;
    let lexicon_dir = gen_dir.join(LEXICON_DIR);
    if !lexicon_dir.is_dir() {
        return Err(Error::index(
            &lexicon_dir,
            "missing: the generation was built without a copy of its lexicon",
        ));
    }
    let lexicon = Lexicon::load(&gen_dir)?;
    let segmenter = Arc::new(Segmenter::new(lexicon.segmenter_words()));
    let in_memory_max = bytes_from_env(IN_MEMORY_MAX_BYTES_ENV, DEFAULT_IN_MEMORY_MAX_BYTES)?;
    let index = open_generation(&gen_dir, in_memory_max)?;
    let damaged = index
        .validate_checksum()
        .map_err(|e| Error::index(&gen_dir, e))?;
    if !damaged.is_empty() {
        let mut names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
        names.sort();
        return Err(Error::index(
            &gen_dir,
            format!("damaged: {} failed its checksum", names.join(", ")),
        ));
    }
    register_tokenizers(index.tokenizers(), Arc::clone(&segmenter));
    Ok(IndexHandle {
        dir: gen_dir,
        index,
        lexicon,
        segmenter,
        info,
    })
}

/// Opens the tantivy index of `gen_dir`: read whole into memory when its files take at most
/// `in_memory_max` bytes, so that a file changed or truncated under the running process (a
/// `cp` restore over the live directory) cannot crash it with SIGBUS; memory-mapped otherwise.
fn open_generation(gen_dir: &Path, in_memory_max: u64) -> Result<Index> {
    let mut files = Vec::new();
    let mut total = 0u64;
    for entry in std::fs::read_dir(gen_dir).map_err(|e| Error::io(gen_dir, e))? {
        let entry = entry.map_err(|e| Error::io(gen_dir, e))?;
        let metadata = entry.metadata().map_err(|e| Error::io(entry.path(), e))?;
        let name = entry.file_name();
        // tantivy's lock files stay behind: in memory, an existing lock file reads as held.
        let lock = name.to_string_lossy().starts_with(TANTIVY_LOCK_PREFIX);
        if metadata.is_file() && name != BUILD_INFO_FILE && !lock {
            total += metadata.len();
            files.push(entry.path());
        }
    }
    if total > in_memory_max {
        return Index::open_in_dir(gen_dir).map_err(|e| Error::index(gen_dir, e));
    }
    let directory = RamDirectory::create();
    for path in files {
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let name = path
            .strip_prefix(gen_dir)
            .expect("a file of the generation");
        directory
            .atomic_write(name, &bytes)
            .map_err(|e| Error::io(&path, e))?;
    }
    Index::open(directory).map_err(|e| Error::index(gen_dir, e))
}

/// The number of bytes the environment variable `name` sets, else `default`; a malformed value
/// is refused, naming the variable.
fn bytes_from_env(name: &str, default: u64) -> Result<u64> {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .map_err(|e| Error::Setting(format!("{name}={value:?} is not a number of bytes: {e}"))),
        Err(_) => Ok(default),
    }
}

/// Whether the index must be (re)built: it has no readable live generation, or a corpus or
/// lexicon file changed after the live generation was built.
pub fn is_stale(corpus_dir: &Path, index_dir: &Path) -> Result<bool> {
    let current = index_dir.join(CURRENT_FILE);
    let Ok(generation) = std::fs::read_to_string(&current) else {
        return Ok(true);
    };
    let info_path = index_dir.join(generation.trim()).join(BUILD_INFO_FILE);
    let Ok(built) = std::fs::metadata(&info_path).and_then(|m| m.modified()) else {
        return Ok(true);
    };
    for source in corpus_sources(corpus_dir)? {
        let modified = std::fs::metadata(&source)
            .and_then(|m| m.modified())
            .map_err(|e| Error::io(&source, e))?;
        if modified > built {
            return Ok(true);
        }
    }
    Ok(false)
}
