//! The `duty-search` binary as the tests run it: a command on a corpus and an index, with no
//! configuration from the environment, and a `serve` process, started, waited for and killed
//! when the test ends.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a process may take to answer or to exit: generous, as an index build in a debug
/// build on a loaded machine can take seconds.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The binary, run from the repository's root, with no `DUTY_SEARCH_*` variable or `RUST_LOG`
/// from the environment.
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_duty-search"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("DUTY_SEARCH_") {
            command.env_remove(name);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

/// The binary on `corpus` and `index`.
pub fn command(corpus: &Path, index: &Path) -> Command {
    let mut command = binary();
    command
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index);
    command
}

/// Runs the binary on `corpus` and `index` with `args` and waits for it.
pub fn run(corpus: &Path, index: &Path, args: &[&str]) -> Output {
    command(corpus, index)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Polls `url` every 100 ms until it answers with a 2xx status, and returns that answer; fails
/// when `child` exits first or after [`PATIENCE`], with `context()` (its log, say).
pub async fn wait_until_serving(
    child: &mut Child,
    url: &str,
    context: impl Fn() -> String,
) -> reqwest::Response {
    let deadline = Instant::now() + PATIENCE;
    let client = reqwest::Client::new();
    loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            panic!("{url}: the process exited with {status}:\n{}", context());
        }
        match client.get(url).send().await {
            Ok(answer) if answer.status().is_success() => return answer,
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "{url}: no answer within {PATIENCE:?}:\n{}",
            context()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A `serve` process, its stderr in a log file; killed when dropped, however the test ends.
pub struct Server {
    child: Child,
    log: PathBuf,
    /// Where it answers: `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// Starts `command`, a `serve` listening on 127.0.0.1:`port`, logging to `log`, and waits
    /// until `/healthz` answers.
    pub async fn start(mut command: Command, port: u16, log: PathBuf) -> Server {
        let file = std::fs::File::create(&log).expect("a log file");
        let child = command
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("serve starts");
        let mut server = Server {
            child,
            log,
            base: format!("http://127.0.0.1:{port}"),
        };
        let health = format!("{}/healthz", server.base);
        let log = server.log.clone();
        let read_log = move || std::fs::read_to_string(&log).unwrap_or_default();
        wait_until_serving(&mut server.child, &health, read_log).await;
        server
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to exit, up to [`PATIENCE`].
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "serve still running:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
