//! The optional query log: one JSON line per answered search, `{"at": "…", "q": "…",
//! "total": 3, "matched": 3}` (`total` after filters, `matched` before them), with nothing about
//! the client: no address, no header. `duty-search stats` reads it back and lists the queries
//! that most often matched nothing, so staff know which words the lexicon lacks.
//!
//! The log is bounded, since it stores residents' complaints and any client can make it grow:
//! the file is rotated when an entry would take it over its size cap, and at the first entry of
//! a new day (UTC), to `FILE.1` (the newest), `FILE.2`…, keeping [`QueryLogLimits::keep`]
//! rotated files, none older than the retention. Files are created with mode 0600. Each entry
//! is written in one `write` call; after a short or failed write (a full disk) or a torn last
//! line left by a killed server, the next entry starts on a new line, so a torn line is only
//! ever itself unreadable. SIGHUP reopens the file ([`QueryLog::reopen`]), for an external
//! `logrotate`.

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::search::SearchResponse;

/// Seconds in a day, for the daily rotation and the retention.
const DAY_SECONDS: u64 = 86_400;

/// How large the log may grow and how long it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLogLimits {
    /// Largest size of one file in bytes; an entry that would take it over rotates it first.
    pub max_bytes: u64,
    /// Rotated files kept besides the one being written (`FILE.1` … `FILE.keep`); 0 keeps none.
    pub keep: usize,
    /// Days a rotated file is kept after its last entry; `None` keeps them (up to `keep`).
    pub retention_days: Option<u64>,
}

impl QueryLogLimits {
    /// Default size cap of one file: 64 MiB, some 600,000 searches.
    pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
    /// Default number of rotated files kept.
    pub const DEFAULT_KEEP: usize = 5;
    /// Default retention in days.
    pub const DEFAULT_RETENTION_DAYS: u64 = 90;
}

impl Default for QueryLogLimits {
    fn default() -> QueryLogLimits {
        QueryLogLimits {
            max_bytes: QueryLogLimits::DEFAULT_MAX_BYTES,
            keep: QueryLogLimits::DEFAULT_KEEP,
            retention_days: Some(QueryLogLimits::DEFAULT_RETENTION_DAYS),
        }
    }
}

/// An append-only file of answered searches, shared by every request.
#[derive(Clone)]
pub struct QueryLog {
    path: Arc<PathBuf>,
    limits: QueryLogLimits,
    writer: Arc<Mutex<Writer>>,
}

/// The open file and what the log knows about it.
struct Writer {
    file: File,
    /// Bytes in the file.
    size: u64,
    /// The UTC day (since the epoch) of the file's first entry, if it has one.
    day: Option<u64>,
    /// Whether the file ends inside a line (a torn write): the next entry starts with `\n`.
    torn: bool,
}

/// One line of the log.
#[derive(Debug, Serialize, Deserialize)]
struct LoggedSearch {
    /// When the search was answered (RFC 3339, UTC).
    at: String,
    /// The query as typed.
    q: String,
    /// Items answered after the list, category and department filters.
    total: usize,
    /// Items the query matched before the filters; 0 when it matched nothing.
    matched: usize,
}

impl QueryLog {
    /// Opens (or creates, mode 0600) the log at `path` for appending under `limits`, and
    /// removes rotated files past the retention.
    pub fn open(path: &Path, limits: QueryLogLimits) -> Result<QueryLog> {
        let writer = Writer::open(path)?;
        let log = QueryLog {
            path: Arc::new(path.to_path_buf()),
            limits,
            writer: Arc::new(Mutex::new(writer)),
        };
        log.expire(SystemTime::now());
        Ok(log)
    }

    /// Where the log is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the file and opens the one at the log's path again (after an external rotation
    /// moved it away, say), and removes rotated files past the retention. On failure the log
    /// goes on writing to the file it had.
    pub fn reopen(&self) -> Result<()> {
        let reopened = Writer::open(&self.path)?;
        *self.writer.lock().unwrap_or_else(PoisonError::into_inner) = reopened;
        self.expire(SystemTime::now());
        Ok(())
    }

    /// Appends `response`'s query and counts as one line, written in one call, rotating the
    /// file first when the line would take it over the size cap or it holds another day's
    /// entries. A failure is logged, never answered to the client.
    pub fn record(&self, response: &SearchResponse) {
        let now = SystemTime::now();
        let entry = LoggedSearch {
            at: humantime::format_rfc3339_seconds(now).to_string(),
            q: response.query.clone(),
            total: response.total,
            matched: matched(response),
        };
        let mut line = serde_json::to_vec(&entry).expect("a log entry serializes");
        line.push(b'\n');
        let today = day_of(now);
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let over = writer.size > 0 && writer.size + line.len() as u64 > self.limits.max_bytes;
        let rotating = over || writer.day.is_some_and(|day| day != today);
        if rotating {
            match self.rotate() {
                Ok(fresh) => *writer = fresh,
                Err(error) => {
                    tracing::warn!(path = %self.path.display(), %error, "cannot rotate the query log");
                }
            }
        }
        if writer.torn {
            line.insert(0, b'\n');
        }
        // One call: the line lands whole or, on a full disk, as one torn line the next entry
        // steps over.
        let written = writer.file.write(&line);
        match written {
            Ok(count) => {
                writer.size += count as u64;
                writer.torn = count < line.len();
                writer.day.get_or_insert(today);
            }
            Err(_) => writer.torn = true,
        }
        drop(writer);
        match written {
            Ok(count) if count == line.len() => {}
            Ok(count) => tracing::warn!(
                path = %self.path.display(),
                written = count,
                "the query log took part of an entry (disk full?)"
            ),
            Err(error) => {
                tracing::warn!(path = %self.path.display(), %error, "cannot write the query log");
            }
        }
        if rotating {
            self.expire(now);
        }
    }

    /// Shifts `FILE.N-1` to `FILE.N` … and `FILE` to `FILE.1` (dropping what falls past
    /// `keep`), and opens a fresh `FILE`.
    fn rotate(&self) -> Result<Writer> {
        let path = self.path.as_path();
        if self.limits.keep == 0 {
            std::fs::remove_file(path).map_err(|e| Error::io(path, e))?;
            return Writer::open(path);
        }
        let _ = std::fs::remove_file(rotated(path, self.limits.keep));
        for number in (1..self.limits.keep).rev() {
            let from = rotated(path, number);
            if from.exists() {
                let to = rotated(path, number + 1);
                std::fs::rename(&from, &to).map_err(|e| Error::io(&from, e))?;
            }
        }
        let first = rotated(path, 1);
        std::fs::rename(path, &first).map_err(|e| Error::io(path, e))?;
        Writer::open(path)
    }

    /// Removes rotated files whose last entry is older than the retention, and those past
    /// `keep` (left by a larger `keep` before).
    fn expire(&self, now: SystemTime) {
        for (number, file) in rotated_files(&self.path) {
            let expired = self.limits.retention_days.is_some_and(|days| {
                let modified = std::fs::metadata(&file).and_then(|m| m.modified());
                modified.is_ok_and(|modified| {
                    now.duration_since(modified).unwrap_or(Duration::ZERO)
                        > Duration::from_secs(days * DAY_SECONDS)
                })
            });
            if expired || number > self.limits.keep {
                match std::fs::remove_file(&file) {
                    Ok(()) => {
                        tracing::info!(file = %file.display(), "query log file removed: past its retention")
                    }
                    Err(error) => {
                        tracing::warn!(file = %file.display(), %error, "cannot remove an old query log file")
                    }
                }
            }
        }
    }
}

impl Writer {
    /// Opens `path` for appending, created with mode 0600 (an older file is set to 0600), and
    /// reads its size, the day of its first entry and whether its last line is torn.
    fn open(path: &Path) -> Result<Writer> {
        let mut options = OpenOptions::new();
        options.create(true).append(true).read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            options.mode(0o600);
            let file = options.open(path).map_err(|e| Error::io(path, e))?;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::io(path, e))?;
            Writer::of(file, path)
        }
        #[cfg(not(unix))]
        {
            let file = options.open(path).map_err(|e| Error::io(path, e))?;
            Writer::of(file, path)
        }
    }

    /// What the log needs to know of the open `file`.
    fn of(mut file: File, path: &Path) -> Result<Writer> {
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut torn = false;
        let mut day = None;
        if size > 0 {
            let mut last = [0u8];
            file.seek(SeekFrom::Start(size - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(|e| Error::io(path, e))?;
            torn = last[0] != b'\n';
            file.seek(SeekFrom::Start(0))
                .map_err(|e| Error::io(path, e))?;
            let mut first = String::new();
            BufReader::new(&mut file)
                .take(4096)
                .read_line(&mut first)
                .map_err(|e| Error::io(path, e))?;
            day = serde_json::from_str::<LoggedSearch>(&first)
                .ok()
                .and_then(|entry| humantime::parse_rfc3339(&entry.at).ok())
                .map(day_of);
        }
        Ok(Writer {
            file,
            size,
            day,
            torn,
        })
    }
}

/// The UTC day of `time`, in days since the epoch.
fn day_of(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / DAY_SECONDS)
}

/// The path of rotated file `number` of the log at `path`: `FILE.number`.
fn rotated(path: &Path, number: usize) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{number}"));
    PathBuf::from(name)
}

/// The rotated files of the log at `path` that exist, with their numbers, highest (oldest)
/// first.
fn rotated_files(path: &Path) -> Vec<(usize, PathBuf)> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.", name.to_string_lossy());
    let mut files: Vec<(usize, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let file_name = entry.file_name();
            let number = file_name.to_str()?.strip_prefix(&prefix)?.parse().ok()?;
            Some((number, entry.path()))
        })
        .collect();
    files.sort_unstable_by_key(|(number, _)| std::cmp::Reverse(*number));
    files
}

/// Items `response`'s query matched before filters (its facets count those).
pub(super) fn matched(response: &SearchResponse) -> usize {
    response.facets.list.values().sum()
}

/// What the query log says about searches that matched nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZeroHitReport {
    /// Searches logged.
    pub searches: usize,
    /// Of those, searches whose query matched no item.
    pub zero_hit: usize,
    /// Lines that are not log entries (e.g. one cut short when the server was killed).
    pub unreadable: usize,
    /// The queries that matched nothing with how often each was asked, most frequent first;
    /// queries differing only in spacing or letter case count as one.
    pub queries: Vec<(String, usize)>,
}

impl ZeroHitReport {
    /// Reads the query log at `path` and its rotated files (`FILE.1`, `FILE.2`…); refused,
    /// naming `path`, when there is none of them.
    pub fn read(path: &Path) -> Result<ZeroHitReport> {
        let mut files: Vec<PathBuf> = rotated_files(path).into_iter().map(|(_, f)| f).collect();
        if path.exists() || files.is_empty() {
            files.push(path.to_path_buf());
        }
        let mut report = ZeroHitReport {
            searches: 0,
            zero_hit: 0,
            unreadable: 0,
            queries: Vec::new(),
        };
        let mut counts: HashMap<String, usize> = HashMap::new();
        for path in &files {
            report.read_file(path, &mut counts)?;
        }
        report.queries = counts.into_iter().collect();
        report
            .queries
            .sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(report)
    }

    /// Adds the entries of one file of the log, counting zero-hit queries into `counts`.
    fn read_file(&mut self, path: &Path, counts: &mut HashMap<String, usize>) -> Result<()> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        for line in BufReader::new(file).split(b'\n') {
            let line = line.map_err(|e| Error::io(path, e))?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let Ok(entry) = serde_json::from_slice::<LoggedSearch>(&line) else {
                self.unreadable += 1;
                continue;
            };
            self.searches += 1;
            if entry.matched == 0 {
                self.zero_hit += 1;
                let key = entry.q.split_whitespace().collect::<Vec<_>>().join(" ");
                *counts.entry(key.to_lowercase()).or_default() += 1;
            }
        }
        Ok(())
    }
}

impl fmt::Display for ZeroHitReport {
    /// A summary line, then one line per query: its count, a tab, the query.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let share = if self.searches == 0 {
            0.0
        } else {
            100.0 * self.zero_hit as f64 / self.searches as f64
        };
        write!(
            f,
            "{} searches logged, {} matched nothing ({share:.1}%)",
            self.searches, self.zero_hit
        )?;
        if self.unreadable > 0 {
            write!(f, "; {} unreadable lines skipped", self.unreadable)?;
        }
        writeln!(f)?;
        for (query, count) in &self.queries {
            writeln!(f, "{count}\t{query}")?;
        }
        Ok(())
    }
}
