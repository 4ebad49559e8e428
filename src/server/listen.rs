//! Serving the router on a TCP listener with hyper's HTTP/1.1, as `axum::serve` does, plus a
//! time limit on request heads ([`Limits::header_read_timeout`]): a client dribbling its head
//! (slowloris), or a kept-alive connection left idle, does not hold a connection for ever.
//!
//! hyper reads each request head itself and refuses, before the router sees it, a malformed
//! head (400), a request target over 65,534 bytes (414), and a head with more than 100 header
//! fields or not ended when its read buffer (about 400 KiB) is full (431). It answers these
//! with a bare status line and an empty body, then closes the connection. They never reach the
//! router: they carry no request id, and are neither logged nor counted in the metrics.
//!
//! At most [`Limits::max_connections`] connections are open at once: one more is closed as
//! soon as it is accepted, counted in `duty_search_connections_refused_total` and logged (at
//! most once a minute).
//!
//! [`Limits::header_read_timeout`]: super::Limits::header_read_timeout
//! [`Limits::max_connections`]: super::Limits::max_connections

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::{app, AppState, Metrics};

/// Serves the router of [`app`] for `state` on `listener` over HTTP/1.1 until `shutdown`
/// resolves; then stops accepting connections, closes the idle ones and returns once the
/// requests in flight are answered. A client must send each request head within the state's
/// `header_read_timeout` (which must not be zero). A client that shuts down its writing side
/// after sending a request still gets the answer. Errors accepting a connection are logged,
/// and the server goes on.
pub async fn serve(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()>) {
    let header_read_timeout = state.limits.header_read_timeout;
    let connections = Connections::new(state.limits.max_connections, Arc::clone(&state.metrics));
    serve_router(
        listener,
        app(state),
        header_read_timeout,
        connections,
        shutdown,
    )
    .await;
}

/// Raises the process's open-file soft limit to its hard limit, so that the connection cap,
/// not the usual soft limit of 1,024, bounds the connections; returns the limit now in force.
pub fn raise_open_file_limit() -> io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

/// How many connections may be open at once, and where refusals are counted.
struct Connections {
    open: Arc<Semaphore>,
    max: usize,
    metrics: Arc<Metrics>,
    /// When a refusal was last logged, and how many since were not: one line a minute at most.
    refusals: Mutex<(Option<Instant>, u64)>,
}

impl Connections {
    fn new(max: usize, metrics: Arc<Metrics>) -> Connections {
        Connections {
            open: Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS))),
            max,
            metrics,
            refusals: Mutex::new((None, 0)),
        }
    }

    /// Counts and logs (at most once a minute, with the number since) a connection from
    /// `peer` closed because `max` are open.
    fn refused(&self, peer: SocketAddr) {
        self.metrics.record_connection_refused();
        let mut refusals = self.refusals.lock().unwrap_or_else(PoisonError::into_inner);
        let (last, unlogged) = &mut *refusals;
        let now = Instant::now();
        if last.is_some_and(|last| now.duration_since(last) < REFUSAL_LOG_EVERY) {
            *unlogged += 1;
            return;
        }
        *last = Some(now);
        tracing::warn!(
            %peer,
            max_connections = self.max,
            refused_unlogged = std::mem::take(unlogged),
            "connection closed: the connection cap is reached (logged at most once a minute)"
        );
    }
}

/// How often at most a refused connection is logged.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(60);

/// [`serve`] for any `router`; the tests serve a router of their own with it.
async fn serve_router(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    connections: Connections,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        // A client that shuts down its writing side still gets its answers.
        .half_close(true);
    let service = TowerToHyperService::new(router);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.as_mut() => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if is_connection_error(&error) => continue,
            Err(error) => {
                // Out of file descriptors, say: wait a little rather than spin.
                tracing::error!(%error, "accepting a connection failed; retrying in a second");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    () = shutdown.as_mut() => break,
                }
            }
        };
        let Ok(open) = Arc::clone(&connections.open).try_acquire_owned() else {
            drop(stream);
            connections.refused(peer);
            continue;
        };
        let connection =
            graceful.watch(http.serve_connection(TokioIo::new(stream), service.clone()));
        tokio::spawn(async move {
            let _open = open;
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection closed on an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// An error of one connection that failed as it was accepted, not of the listener.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio::sync::mpsc;

    use super::*;

    /// How long a test waits for what it expects before failing.
    const PATIENCE: Duration = Duration::from_secs(10);

    /// A server of a router whose `GET /held` answers `done` only once the test releases it,
    /// telling the test when it starts; `GET /` answers at once.
    struct Held {
        address: std::net::SocketAddr,
        started: mpsc::UnboundedReceiver<()>,
        release: Arc<Semaphore>,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        server: tokio::task::JoinHandle<()>,
    }

    impl Held {
        async fn start() -> Held {
            let (tell, started) = mpsc::unbounded_channel();
            let release = Arc::new(Semaphore::new(0));
            let gate = Arc::clone(&release);
            let router = Router::new()
                .route("/", axum::routing::get(|| async { "ok" }))
                .route(
                    "/held",
                    axum::routing::get(move || async move {
                        tell.send(()).expect("the test listens");
                        let _permit = gate.acquire().await.expect("an open gate");
                        "done"
                    }),
                );
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a local port");
            let address = listener.local_addr().expect("an address");
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let connections = Connections::new(16, Arc::default());
            let server = tokio::spawn(serve_router(
                listener,
                router,
                PATIENCE,
                connections,
                async move {
                    let _ = stopped.await;
                },
            ));
            Held {
                address,
                started,
                release,
                stop: Some(stop),
                server,
            }
        }

        async fn connect(&self) -> TcpStream {
            TcpStream::connect(self.address)
                .await
                .expect("a connection")
        }

        /// Waits until `GET /held` has reached its handler.
        async fn wait_started(&mut self) {
            tokio::time::timeout(PATIENCE, self.started.recv())
                .await
                .expect("the held request reached its handler")
                .expect("the handler");
        }
    }

    fn get(target: &str) -> String {
        format!("GET {target} HTTP/1.1\r\nhost: localhost\r\n\r\n")
    }

    /// Reads until the server closes the connection.
    async fn read_to_end(stream: &mut TcpStream) -> String {
        let mut answer = String::new();
        tokio::time::timeout(PATIENCE, stream.read_to_string(&mut answer))
            .await
            .expect("the server closes the connection")
            .expect("a readable answer");
        answer
    }

    /// Once told to stop, the server accepts no connection, closes idle connections, answers
    /// the request in flight (saying `connection: close`), then returns.
    #[tokio::test]
    async fn stopping_lets_the_request_in_flight_finish() {
        let mut held = Held::start().await;
        let mut idle = held.connect().await;
        idle.write_all(get("/").as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        while !answer.ends_with(b"\r\n\r\nok") {
            let mut chunk = [0; 512];
            let read = tokio::time::timeout(PATIENCE, idle.read(&mut chunk))
                .await
                .expect("an answer in time")
                .expect("an answer");
            assert!(read > 0, "closed before its answer");
            answer.extend_from_slice(&chunk[..read]);
        }
        let mut client = held.connect().await;
        client.write_all(get("/held").as_bytes()).await.unwrap();
        held.wait_started().await;

        held.stop.take().expect("a server").send(()).unwrap();
        // The listener is closed once the server has taken the stop.
        tokio::time::timeout(PATIENCE, async {
            while TcpStream::connect(held.address).await.is_ok() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the listener closes");
        assert_eq!(read_to_end(&mut idle).await, "", "the idle connection");
        assert!(
            !held.server.is_finished(),
            "returned with a request in flight"
        );

        held.release.add_permits(1);
        let answer = read_to_end(&mut client).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\ndone"), "{answer}");
        tokio::time::timeout(PATIENCE, held.server)
            .await
            .expect("the server returns")
            .expect("the server task");
    }

    /// A client that sends its request and shuts down its writing side (as `nc -N` does) is
    /// answered once the handler is done, not cut off at the end of its stream.
    #[tokio::test]
    async fn a_client_that_half_closes_still_gets_its_answer() {
        let mut held = Held::start().await;
        let mut client = held.connect().await;
        client.write_all(get("/held").as_bytes()).await.unwrap();
        client.shutdown().await.unwrap();
        held.wait_started().await;
        held.release.add_permits(1);
        let answer = read_to_end(&mut client).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\ndone"), "{answer}");
    }
}
