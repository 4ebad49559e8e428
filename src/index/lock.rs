//! One builder at a time: an advisory lock on the index directory, held by every build.
//!
//! Two builds on one directory (`duty-search index` while a server reindexes, or two servers)
//! used to interleave: each switched `CURRENT` to its own generation and then removed every
//! other one, so `CURRENT` could end up naming a generation the other build had just deleted.
//! The lock is `flock(2)` on `index/LOCK`, so the kernel releases it when its holder exits,
//! however it exits (SIGKILL included): a killed build never leaves the directory locked.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use fs4::fs_std::FileExt;

use crate::error::{Error, Result};

/// The lock file, in the index directory; it holds the process id of the build holding it.
pub const LOCK_FILE: &str = "LOCK";
/// Environment variable bounding how long a build waits for another one to finish
/// (`humantime`, e.g. `2m`, `0s` to refuse at once).
pub const LOCK_WAIT_ENV: &str = "DUTY_SEARCH_BUILD_LOCK_WAIT";
/// How long a build waits for the lock by default: far longer than a build of a district's
/// lists takes, so that a second build queues behind the first rather than failing.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(120);
/// How often a waiting build tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(50);

/// The build lock of one index directory, exclusive (a build) or shared (opening the live
/// generation), held until dropped.
#[derive(Debug)]
pub struct BuildLock {
    /// Closing the file releases the lock.
    _file: File,
}

impl BuildLock {
    /// Takes the lock of `index_dir` (created when missing), waiting up to `wait` for the
    /// build holding it to finish, and logging once that it waits. Refused with
    /// [`Error::BuildLocked`], naming the holder, when the wait runs out.
    pub fn acquire(index_dir: &Path, wait: Duration) -> Result<BuildLock> {
        std::fs::create_dir_all(index_dir).map_err(|e| Error::io(index_dir, e))?;
        let path = index_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let deadline = Instant::now() + wait;
        let mut logged = false;
        while !FileExt::try_lock_exclusive(&file).map_err(|e| Error::io(&path, e))? {
            if Instant::now() >= deadline {
                return Err(Error::BuildLocked {
                    holder: holder(&mut file),
                    path,
                    waited: wait,
                });
            }
            if !logged {
                tracing::info!(
                    lock = %path.display(),
                    holder = %holder(&mut file),
                    "waiting for the build lock: another build of this index is running"
                );
                logged = true;
            }
            std::thread::sleep(RETRY_EVERY);
        }
        record_holder(&mut file, &path)?;
        Ok(BuildLock { _file: file })
    }

    /// Takes the lock of `index_dir` shared, as a process opening its live generation does,
    /// waiting up to `wait` for a build to finish: a build removes old generations only while
    /// no process is opening one, so a generation is never deleted under a process that read
    /// its name from `CURRENT` and is still reading its files. `None` when `index_dir` does
    /// not exist (there is nothing to open), or is read-only and has no lock file (no build
    /// can run there).
    pub fn shared(index_dir: &Path, wait: Duration) -> Result<Option<BuildLock>> {
        if !index_dir.is_dir() {
            return Ok(None);
        }
        let path = index_dir.join(LOCK_FILE);
        let opened = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path);
        // An index directory this process may not write (a read-only mount) is opened under
        // the lock file when there is one: a lock needs only a readable file.
        let file = match opened {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => match File::open(&path) {
                Ok(file) => file,
                Err(missing) if missing.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(_) => return Err(Error::io(&path, error)),
            },
        };
        let deadline = Instant::now() + wait;
        while !FileExt::try_lock_shared(&file).map_err(|e| Error::io(&path, e))? {
            if Instant::now() >= deadline {
                let mut file = file;
                return Err(Error::BuildLocked {
                    holder: holder(&mut file),
                    path,
                    waited: wait,
                });
            }
            std::thread::sleep(RETRY_EVERY);
        }
        Ok(Some(BuildLock { _file: file }))
    }

    /// How long a build waits for the lock: [`LOCK_WAIT_ENV`] when set, else
    /// [`DEFAULT_LOCK_WAIT`].
    pub fn wait_from_env() -> Result<Duration> {
        duration_from_env(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT)
    }
}

/// The duration the environment variable `name` sets (`humantime`: 30s, 2m), else `default`;
/// a malformed value is refused, naming the variable.
pub(super) fn duration_from_env(name: &str, default: Duration) -> Result<Duration> {
    match std::env::var(name) {
        Ok(value) => humantime::parse_duration(value.trim()).map_err(|e| {
            Error::Setting(format!(
                "{name}={value:?} is not a duration (e.g. 30s, 2m): {e}"
            ))
        }),
        Err(_) => Ok(default),
    }
}

/// Who holds the lock, as its file says: `pid N`, or `unknown` while it is being written.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let read = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text));
    match read.ok().and_then(|_| text.trim().parse::<u32>().ok()) {
        Some(pid) => format!("pid {pid}"),
        None => "unknown".to_string(),
    }
}

/// Writes this process's id into the lock file it now holds.
fn record_holder(file: &mut File, path: &Path) -> Result<()> {
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(std::process::id().to_string().as_bytes()))
        .map_err(|e| Error::io(path, e))
}
