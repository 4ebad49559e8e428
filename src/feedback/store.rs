//! The confirmations on disk: one SQLite database (`feedback.sqlite3`) in the data directory,
//! in WAL mode with full syncs, so a confirmation answered 201 survives a killed server. The
//! directory and the file are created at the first confirmation, readable by their owner only.
//! The table is defined here and nowhere else.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::{Confirmation, Decision, Stored};
use crate::error::{Error, Result};

/// The database file's name in the data directory.
pub const DATABASE_FILE: &str = "feedback.sqlite3";

/// The table of confirmations; `item_id` NULL when none of the items shown fitted, `shown` the
/// ids in the order shown (JSON), `status` pending until an administrator decides.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS confirmation (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    query TEXT NOT NULL,
    item_id TEXT,
    shown TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    decided_at INTEGER
);
CREATE INDEX IF NOT EXISTS confirmation_by_status ON confirmation (status, item_id);
";

/// The confirmations of one data directory. Clones share one connection, opened (and the
/// database created) at the first write; reading a database that does not exist yet finds
/// nothing and creates nothing.
#[derive(Clone)]
pub struct FeedbackStore {
    path: PathBuf,
    connection: Arc<Mutex<Option<Connection>>>,
}

impl FeedbackStore {
    /// The store of `data_dir` (nothing is opened yet).
    pub fn new(data_dir: &Path) -> FeedbackStore {
        FeedbackStore {
            path: data_dir.join(DATABASE_FILE),
            connection: Arc::default(),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a confirmation as pending and returns its id.
    pub fn record(&self, confirmation: &Confirmation) -> Result<i64> {
        let shown = serde_json::to_string(&confirmation.shown).expect("ids serialize");
        self.with(true, |connection| {
            connection.execute(
                "INSERT INTO confirmation (at, query, item_id, shown) VALUES (?1, ?2, ?3, ?4)",
                params![now(), confirmation.query, confirmation.item_id, shown],
            )?;
            Ok(connection.last_insert_rowid())
        })
        .map(Option::unwrap_or_default)
    }

    /// Every confirmation of `status` (`pending`, `accepted`, `rejected`), oldest first.
    pub fn with_status(&self, status: &str) -> Result<Vec<Stored>> {
        self.with(false, |connection| {
            let mut statement = connection.prepare(
                "SELECT id, at, query, item_id, shown, status FROM confirmation
                 WHERE status = ?1 ORDER BY id",
            )?;
            let rows = statement.query_map([status], |row| {
                let shown: String = row.get(4)?;
                Ok(Stored {
                    id: row.get(0)?,
                    at: row.get(1)?,
                    query: row.get(2)?,
                    item_id: row.get(3)?,
                    shown: serde_json::from_str(&shown).unwrap_or_default(),
                    status: row.get(5)?,
                })
            })?;
            rows.collect()
        })
        .map(Option::unwrap_or_default)
    }

    /// Records an administrator's decision on confirmation `id`; refuses an unknown id, and
    /// accepting one that names no item (there is nothing to learn from it).
    pub fn decide(&self, id: i64, decision: Decision) -> Result<()> {
        let unknown = || Error::BadRequest(format!("no confirmation with id {id}"));
        let outcome = self.with(false, |connection| {
            let item: Option<Option<String>> = connection
                .query_row(
                    "SELECT item_id FROM confirmation WHERE id = ?1",
                    [id],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(item) = item else {
                return Ok(Err(unknown()));
            };
            if item.is_none() && decision == Decision::Accept {
                return Ok(Err(Error::BadRequest(format!(
                    "confirmation {id} names no item (none of the hits fitted): there is \
                     nothing to accept; reject it"
                ))));
            }
            connection.execute(
                "UPDATE confirmation SET status = ?1, decided_at = ?2 WHERE id = ?3",
                params![decision.status(), now(), id],
            )?;
            Ok(Ok(()))
        })?;
        outcome.unwrap_or_else(|| Err(unknown()))
    }

    /// Runs `work` on the connection, opening it first; `None` when the database does not
    /// exist and `create` is false.
    fn with<T>(
        &self,
        create: bool,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if connection.is_none() {
            if !create && !self.path.exists() {
                return Ok(None);
            }
            *connection = Some(self.open()?);
        }
        let connection = connection.as_ref().expect("the connection is open");
        work(connection).map(Some).map_err(|e| self.error(e))
    }

    /// Opens the database, creating its directory (mode 0700) and file (mode 0600) when
    /// missing, in WAL mode with full syncs.
    fn open(&self) -> Result<Connection> {
        if let Some(dir) = self.path.parent() {
            create_private_dir(dir)?;
        }
        create_private_file(&self.path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection =
            Connection::open_with_flags(&self.path, flags).map_err(|e| self.error(e))?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .and_then(|()| {
                connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            })
            .and_then(|()| connection.execute_batch(SCHEMA))
            .map_err(|e| self.error(e))?;
        Ok(connection)
    }

    fn error(&self, error: rusqlite::Error) -> Error {
        Error::Feedback {
            path: self.path.clone(),
            message: error.to_string(),
        }
    }
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64)
}

/// Creates `dir` (and its parents) readable by its owner only, when missing.
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| Error::io(dir, e))
}

/// Creates `path` empty and readable by its owner only, when missing; SQLite gives its WAL
/// and shared-memory files the same mode.
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop).map_err(|e| Error::io(path, e))
}
