//! The optional query log: one JSON line per answered search, `{"at": "…", "q": "…",
//! "total": 3, "matched": 3}` (`total` after filters, `matched` before them), with nothing about
//! the client: no address, no header. `duty-search stats` reads it back and lists the queries
//! that most often matched nothing, so staff know which words the lexicon lacks.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::search::SearchResponse;

/// An append-only file of answered searches, shared by every request.
#[derive(Clone)]
pub struct QueryLog {
    path: Arc<PathBuf>,
    file: Arc<Mutex<File>>,
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
    /// Opens (or creates) the log at `path` for appending.
    pub fn open(path: &Path) -> Result<QueryLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        Ok(QueryLog {
            path: Arc::new(path.to_path_buf()),
            file: Arc::new(Mutex::new(file)),
        })
    }

    /// Where the log is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `response`'s query and counts as one line (written whole, in one call). A write
    /// failure is logged, never answered to the client.
    pub fn record(&self, response: &SearchResponse) {
        let entry = LoggedSearch {
            at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            q: response.query.clone(),
            total: response.total,
            matched: matched(response),
        };
        let mut line = serde_json::to_vec(&entry).expect("a log entry serializes");
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = file.write_all(&line) {
            tracing::warn!(path = %self.path.display(), %error, "cannot write the query log");
        }
    }
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
    /// Reads the query log at `path`.
    pub fn read(path: &Path) -> Result<ZeroHitReport> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut report = ZeroHitReport {
            searches: 0,
            zero_hit: 0,
            unreadable: 0,
            queries: Vec::new(),
        };
        let mut counts: HashMap<String, usize> = HashMap::new();
        for line in BufReader::new(file).split(b'\n') {
            let line = line.map_err(|e| Error::io(path, e))?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let Ok(entry) = serde_json::from_slice::<LoggedSearch>(&line) else {
                report.unreadable += 1;
                continue;
            };
            report.searches += 1;
            if entry.matched == 0 {
                report.zero_hit += 1;
                let key = entry.q.split_whitespace().collect::<Vec<_>>().join(" ");
                *counts.entry(key.to_lowercase()).or_default() += 1;
            }
        }
        report.queries = counts.into_iter().collect();
        report
            .queries
            .sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(report)
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
