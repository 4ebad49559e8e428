//! Serving the router on a TCP listener, with what `axum::serve` leaves out: a time limit on
//! request heads, and JSON errors for the heads hyper refuses.
//!
//! hyper reads each request head itself and refuses, before any router sees it, a malformed
//! head (400), a request target over [`MAX_TARGET_BYTES`] (414) and a head with more than
//! [`MAX_HEADER_FIELDS`] fields or more bytes than its buffer holds (431). It answers these
//! with a bare status line and an empty body (`Server::on_error` in hyper's
//! `proto/h1/role.rs`), and offers no hook to answer otherwise, which breaks the service's rule
//! that bad input gets a JSON error. So [`serve`] puts a small guard between each socket and
//! hyper. The guard holds each request head back until the whole head has arrived and hands
//! hyper only heads it will take. Parsing each with httparse as hyper does (with its default
//! `ParserConfig`), it refuses a head httparse finds malformed with 400, as soon as it does (as
//! hyper would: garbage is answered without waiting for a head's end), a longer target with
//! 414, and too many fields or a head over [`MAX_HEAD_BYTES`] with 431, answering with the JSON
//! error itself, after whatever hyper is still writing. Between heads it follows each body by
//! its `Content-Length`; on anything it cannot follow (a chunked body, a `Content-Length` hyper
//! refuses, the preface of HTTP/2, on which hyper closes the connection unanswered) it steps
//! aside for the rest of the connection, and hyper answers as before. So does hyper to the few
//! heads httparse takes and hyper still refuses, a target the `http` crate does not parse, say.
//!
//! These refusals never reach the router, but are observed as its requests are: each gets a
//! fresh request id, answered back in `X-Request-Id`, is logged at info level in a `request`
//! span carrying the id and the route label `refused`, with its status and latency, and is
//! counted in the metrics under that route label. Its latency runs from when the guard read the
//! first bytes of the head to the refusal. The connection is then closed, once the client has
//! had time to read the answer.
//!
//! hyper's header read timeout ([`Limits::header_read_timeout`]) closes a connection whose
//! client takes longer to send a request head: a client dribbling its head (slowloris), and
//! a kept-alive connection left idle, do not hold the connection for ever.
//!
//! Connections are served as `axum::serve` serves them (HTTP/1.1, kept alive), but for two
//! things. A client that shuts down its writing side after its requests still gets their
//! answers (hyper's half-close), which is also what lets the guard end the stream hyper reads
//! after a refused head without losing the answers to the requests before it. And when the
//! server stops, a head still arriving is not waited for, as a connection that has sent
//! nothing yet is not.

use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode};
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::time::Sleep;

use super::metrics::Metrics;
use super::observe::{new_request_id, REFUSED, REQUEST_ID};
use super::{app, AppState, Limits};

/// Longest request target hyper takes (`MAX_URI_LEN` in hyper's `proto/h1/role.rs`, which the
/// `http` crate's `Uri` shares); a longer one gets 414 from the guard.
pub const MAX_TARGET_BYTES: usize = u16::MAX as usize - 1;

/// Most header fields hyper takes in a request (`DEFAULT_MAX_HEADERS` in hyper's
/// `proto/h1/role.rs`); more get 431 from the guard.
pub const MAX_HEADER_FIELDS: usize = 100;

/// Longest request head (request line and header fields) the guard holds back: the longest
/// target hyper takes and 64 KiB of fields. A longer head gets 431. hyper's own buffer holds
/// about 400 KiB, so it never refuses a head the guard passes.
pub const MAX_HEAD_BYTES: usize = 128 * 1024;

/// The first bytes an HTTP/2 client sends (RFC 9113, section 3.4): hyper closes the connection
/// on them without an answer (`has_h2_prefix` in hyper's `proto/h1/conn.rs`), and the guard
/// leaves them to it.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How much the guard reads from a socket at a time.
const READ_CHUNK: usize = 8 * 1024;

/// How much a refused client may still send, read and dropped, before its connection is closed.
const LINGER_BYTES: usize = 4 * 1024 * 1024;

/// Serves the service of `state` (the router of [`app`]) on `listener` over HTTP/1.1 until
/// `shutdown` resolves; then stops accepting connections and returns once the requests in
/// flight are answered and their connections closed. The state's limits apply: their
/// `header_read_timeout` (which must not be zero) bounds each request head, and their
/// `max_uri_bytes` is quoted to a client whose request target hyper could not take.
///
/// It exists so that every refusal of the HTTP layer is a JSON error with a request id,
/// counted in the state's metrics under the route label `refused`, and a slow client cannot
/// hold a connection (see the module documentation); otherwise it serves as `axum::serve`
/// does. Errors accepting a connection are logged, and the server goes on.
pub async fn serve(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()>) {
    let (limits, metrics) = (state.limits, Arc::clone(&state.metrics));
    serve_router(listener, app(state), limits, metrics, shutdown).await;
}

/// [`serve`] for any `router`, built with `limits`; refused heads are counted in `metrics`.
/// The tests serve a router of their own with it.
async fn serve_router(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        // A client shutting down its writing side, or the guard ending what hyper reads after a
        // refused head, does not cut short the requests it already sent.
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
        let io = TokioIo::new(Guarded::new(stream, limits, Arc::clone(&metrics)));
        let connection = graceful.watch(http.serve_connection(io, service.clone()));
        tokio::spawn(async move {
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

/// A socket as hyper sees it through the guard: request heads are held back until whole, and
/// one hyper would refuse is answered with a JSON error instead (see the module documentation).
struct Guarded<IO> {
    io: IO,
    heads: Heads,
    /// `buf[start..end]` is read and not yet handed to hyper; of it, the first `passed` bytes
    /// may be, the rest is a request head still arriving.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    passed: usize,
    /// The client closed its writing side.
    eof: bool,
    /// When the guard read the first of the bytes it is judging: those of a head, for the
    /// latency of its refusal.
    since: Option<Instant>,
    /// The answer to a refused head, sent when hyper shuts the connection down.
    refusal: Option<Refusal>,
    /// How long a refused client has to stop sending once answered.
    linger: Duration,
    /// The target limit quoted in a 414.
    max_uri_bytes: usize,
    /// Where a refused head is counted.
    metrics: Arc<Metrics>,
}

impl<IO> Guarded<IO> {
    fn new(io: IO, limits: Limits, metrics: Arc<Metrics>) -> Guarded<IO> {
        Guarded {
            io,
            heads: Heads::default(),
            buf: Vec::new(),
            start: 0,
            end: 0,
            passed: 0,
            eof: false,
            since: None,
            refusal: None,
            linger: limits.header_read_timeout,
            max_uri_bytes: limits.max_uri_bytes,
            metrics,
        }
    }

    /// Passes on what the bytes held allow, up to the next head still arriving or refused.
    fn examine(&mut self) {
        while self.refusal.is_none() {
            let pending = &self.buf[self.start + self.passed..self.end];
            if pending.is_empty() {
                return;
            }
            let since = *self.since.get_or_insert_with(Instant::now);
            match self.heads.next(pending) {
                Verdict::Pass(length) => {
                    self.passed += length;
                    self.since = None;
                }
                Verdict::Wait => return,
                Verdict::Refuse(refused) => self.refuse(&refused, since.elapsed()),
            }
        }
    }

    /// Refuses the head judged `refused` after `latency`, as the router's middleware observes
    /// a request: a fresh request id, a log line in a `request` span, a count in the metrics.
    fn refuse(&mut self, refused: &Refused, latency: Duration) {
        let status = refused.status();
        let message = refused.message(self.max_uri_bytes);
        let id = new_request_id();
        self.metrics
            .record_request(REFUSED, status.as_u16(), latency);
        let span = tracing::info_span!(
            "request",
            id = %id.to_str().unwrap_or_default(),
            route = %REFUSED,
        );
        span.in_scope(|| {
            tracing::info!(
                status = status.as_u16(),
                latency_ms = latency.as_secs_f64() * 1000.0,
                "refused a request head before routing: {message}"
            );
        });
        self.refusal = Some(Refusal::new(status, &message, &id));
    }
}

impl<IO: AsyncRead + Unpin> Guarded<IO> {
    /// Reads more of the socket into the buffer; at its end, passes on whatever is held, as
    /// hyper would have had it without the guard.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
            if self.buf.len() > READ_CHUNK {
                self.buf.truncate(READ_CHUNK);
                self.buf.shrink_to_fit();
            }
        } else if self.buf.len() - self.end < READ_CHUNK {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK {
            self.buf.resize(self.end + READ_CHUNK, 0);
        }
        let mut read = ReadBuf::new(&mut self.buf[self.end..]);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut read))?;
        let length = read.filled().len();
        if length == 0 {
            self.eof = true;
            self.passed = self.end - self.start;
        }
        self.end += length;
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Guarded<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.passed > 0 || out.remaining() == 0 {
                let length = this.passed.min(out.remaining());
                out.put_slice(&this.buf[this.start..this.start + length]);
                this.start += length;
                this.passed -= length;
                return Poll::Ready(Ok(()));
            }
            // After a refused head, hyper reads the end of the connection.
            if this.eof || this.refusal.is_some() {
                return Poll::Ready(Ok(()));
            }
            if this.heads == Heads::Off && this.start == this.end {
                return Pin::new(&mut this.io).poll_read(cx, out);
            }
            ready!(this.poll_fill(cx))?;
            this.examine();
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Guarded<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, bytes)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bytes)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    /// hyper shuts the connection down once it has written everything: a refused head is
    /// answered then, after the answers to the requests before it.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match &mut this.refusal {
            Some(refusal) => refusal.poll_close(&mut this.io, this.linger, cx),
            None => Pin::new(&mut this.io).poll_shutdown(cx),
        }
    }
}

/// The answer to a refused head, and how far it is sent.
struct Refusal {
    response: Vec<u8>,
    written: usize,
    /// Running once the answer is sent and the writing side shut down: the client's last
    /// bytes are read and dropped until then.
    linger: Option<Pin<Box<Sleep>>>,
    drained: usize,
}

impl Refusal {
    /// The whole HTTP response: `status` and `{"error": message}`, with request id `id`,
    /// closing the connection.
    fn new(status: StatusCode, message: &str, id: &HeaderValue) -> Refusal {
        let body = json!({ "error": message }).to_string();
        let response = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\nx-content-type-options: \
             nosniff\r\n{REQUEST_ID}: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n\
             {body}",
            status.as_u16(),
            status.canonical_reason().unwrap_or_default(),
            id.to_str().unwrap_or_default(),
            body.len()
        );
        Refusal {
            response: response.into_bytes(),
            written: 0,
            linger: None,
            drained: 0,
        }
    }

    /// Sends the answer, shuts the writing side, then reads and drops what the client still
    /// sends (the rest of its head, say) until it closes, `linger` has passed or
    /// [`LINGER_BYTES`] have come. Closing a socket with unread bytes would reset the
    /// connection, and the client could lose the answer (RFC 9112, section 9.6).
    fn poll_close<IO: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        io: &mut IO,
        linger: Duration,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        while self.written < self.response.len() {
            let written =
                ready!(Pin::new(&mut *io).poll_write(cx, &self.response[self.written..]))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += written;
        }
        if self.linger.is_none() {
            ready!(Pin::new(&mut *io).poll_flush(cx))?;
            ready!(Pin::new(&mut *io).poll_shutdown(cx))?;
            self.linger = Some(Box::pin(tokio::time::sleep(linger)));
        }
        let mut scratch = [0; READ_CHUNK];
        loop {
            let over = self
                .linger
                .as_mut()
                .is_some_and(|s| s.as_mut().poll(cx).is_ready());
            if over || self.drained >= LINGER_BYTES {
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(&mut scratch);
            match ready!(Pin::new(&mut *io).poll_read(cx, &mut read)) {
                Ok(()) if !read.filled().is_empty() => self.drained += read.filled().len(),
                // The client closed, or reset the connection: nothing more to wait for.
                _ => return Poll::Ready(Ok(())),
            }
        }
    }
}

/// Where the guard stands in what a client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Heads {
    /// In a request head, `checked` bytes of which have been searched for its end, and
    /// `probed` parsed while it was unfinished.
    Head {
        checked: usize,
        line: Line,
        probed: usize,
    },
    /// In a request body, with this many bytes to come.
    Body(u64),
    /// Past something it does not follow: everything goes to hyper as it comes.
    Off,
}

impl Default for Heads {
    fn default() -> Heads {
        Heads::Head {
            checked: 0,
            line: Line::Method,
            probed: 0,
        }
    }
}

/// Where the guard stands in a request line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Before the first space.
    Method,
    /// In the request target, which starts at this offset of the head.
    Target(usize),
    /// Past the target.
    Done,
}

/// What the guard makes of the bytes it holds.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// This many bytes may go to hyper.
    Pass(usize),
    /// The bytes are a head still arriving.
    Wait,
    /// The head is refused.
    Refuse(Refused),
}

/// Why a head is refused.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    /// The request target is longer than [`MAX_TARGET_BYTES`].
    Target,
    /// The head is longer than [`MAX_HEAD_BYTES`].
    Head,
    /// The head has more than [`MAX_HEADER_FIELDS`] fields.
    Fields,
    /// httparse finds the head malformed, for this reason.
    Malformed(httparse::Error),
}

impl Refused {
    /// The status of the answer.
    fn status(&self) -> StatusCode {
        match self {
            Refused::Malformed(_) => StatusCode::BAD_REQUEST,
            Refused::Target => StatusCode::URI_TOO_LONG,
            Refused::Head | Refused::Fields => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        }
    }

    /// The error message, quoting the service's own limit on targets, `max_uri_bytes`.
    fn message(&self, max_uri_bytes: usize) -> String {
        match self {
            Refused::Target => format!(
                "the request target is over {MAX_TARGET_BYTES} bytes long; at most {} are allowed",
                max_uri_bytes.min(MAX_TARGET_BYTES)
            ),
            Refused::Head => format!(
                "the request head is over {MAX_HEAD_BYTES} bytes long; at most {MAX_HEAD_BYTES} \
                 are allowed"
            ),
            Refused::Fields => format!(
                "the request has more than {MAX_HEADER_FIELDS} header fields; at most \
                 {MAX_HEADER_FIELDS} are allowed"
            ),
            Refused::Malformed(reason) => format!("malformed HTTP request: {reason}"),
        }
    }
}

impl Heads {
    /// Judges `pending`, the bytes from where the guard stands, and moves on past those it
    /// passes. Each call searches only the bytes of a head it has not searched before, and
    /// parses an unfinished head only when it has doubled since last parsed, so a head arriving
    /// a byte at a time costs no more than a few arriving whole.
    fn next(&mut self, pending: &[u8]) -> Verdict {
        match *self {
            Heads::Off => Verdict::Pass(pending.len()),
            Heads::Body(rest) => {
                let length = pending
                    .len()
                    .min(usize::try_from(rest).unwrap_or(usize::MAX));
                *self = match rest - length as u64 {
                    0 => Heads::default(),
                    rest => Heads::Body(rest),
                };
                Verdict::Pass(length)
            }
            // hyper skips empty lines before a request line; a CR alone may start one.
            Heads::Head { checked: 0, .. } if blank_lines(pending) > 0 => {
                Verdict::Pass(blank_lines(pending))
            }
            Heads::Head { checked: 0, .. } if pending == b"\r" => Verdict::Wait,
            Heads::Head {
                checked,
                line,
                mut probed,
            } => {
                let line = match request_line(pending, checked, line) {
                    Ok(line) => line,
                    Err(refused) => return Verdict::Refuse(refused),
                };
                let ended = head_ends(pending, checked);
                if !ended && pending.len() > MAX_HEAD_BYTES {
                    return Verdict::Refuse(Refused::Head);
                }
                // hyper parses whatever it has read, and refuses a malformed head on its
                // first bytes: a client sending garbage is answered without sending more.
                if ended || pending.len() >= 2 * probed {
                    match self.parse(pending, ended) {
                        Verdict::Wait => probed = pending.len(),
                        verdict => return verdict,
                    }
                }
                *self = Heads::Head {
                    checked: pending.len(),
                    line,
                    probed,
                };
                Verdict::Wait
            }
        }
    }

    /// Parses the head at the start of `pending` as hyper will, whether it has `ended` or is
    /// still arriving, and moves on to what follows a head that passes.
    fn parse(&mut self, pending: &[u8], ended: bool) -> Verdict {
        let mut fields = [const { MaybeUninit::uninit() }; MAX_HEADER_FIELDS];
        let mut request = httparse::Request::new(&mut []);
        // hyper parses with httparse's default configuration: neither hyper's `http1::Builder`
        // nor `serve` sets any of its leniencies (spaces before a field's colon, folded fields,
        // invalid fields ignored, several spaces in the request line).
        let parsed = httparse::ParserConfig::default().parse_request_with_uninit_headers(
            &mut request,
            pending,
            &mut fields,
        );
        match parsed {
            Ok(httparse::Status::Complete(length)) if length > MAX_HEAD_BYTES => {
                Verdict::Refuse(Refused::Head)
            }
            Ok(httparse::Status::Complete(length)) => {
                *self = match body_length(request.headers) {
                    Some(0) => Heads::default(),
                    Some(body) => Heads::Body(body),
                    None => Heads::Off,
                };
                Verdict::Pass(length)
            }
            Ok(httparse::Status::Partial) if !ended => Verdict::Wait,
            Err(httparse::Error::TooManyHeaders) => Verdict::Refuse(Refused::Fields),
            Err(reason) if !is_h2_preface(pending) => Verdict::Refuse(Refused::Malformed(reason)),
            Ok(httparse::Status::Partial) | Err(_) => {
                *self = Heads::Off;
                Verdict::Pass(pending.len())
            }
        }
    }
}

/// Whether `bytes` start as [`H2_PREFACE`] does, or with all of it.
fn is_h2_preface(bytes: &[u8]) -> bool {
    let length = bytes.len().min(H2_PREFACE.len());
    bytes[..length] == H2_PREFACE[..length]
}

/// The length of the empty lines (CRLF or LF) at the start of `bytes`.
fn blank_lines(bytes: &[u8]) -> usize {
    let mut length = 0;
    loop {
        match bytes[length..] {
            [b'\n', ..] => length += 1,
            [b'\r', b'\n', ..] => length += 2,
            _ => return length,
        }
    }
}

/// Follows the request line at the start of `head` through its bytes from `checked` on,
/// refusing a request target longer than hyper takes as soon as it is.
fn request_line(head: &[u8], checked: usize, mut line: Line) -> Result<Line, Refused> {
    let mut at = checked;
    if line == Line::Method {
        match head[at..].iter().position(|&b| b == b' ' || b == b'\n') {
            Some(offset) if head[at + offset] == b' ' => {
                at += offset + 1;
                line = Line::Target(at);
            }
            Some(_) => return Ok(Line::Done),
            None => return Ok(Line::Method),
        }
    }
    let Line::Target(target) = line else {
        return Ok(line);
    };
    let end = head[at..]
        .iter()
        .position(|&b| matches!(b, b' ' | b'\r' | b'\n'))
        .map(|offset| at + offset);
    if end.unwrap_or(head.len()) - target > MAX_TARGET_BYTES {
        return Err(Refused::Target);
    }
    Ok(if end.is_some() { Line::Done } else { line })
}

/// Whether `head` holds an empty line (the end of a request head) ending past `checked`: a
/// line feed followed by another or by CRLF, as hyper looks for it.
fn head_ends(head: &[u8], checked: usize) -> bool {
    let from = checked.saturating_sub(2);
    head[from..].iter().enumerate().any(|(i, &b)| {
        let rest = &head[from + i + 1..];
        b == b'\n' && (rest.starts_with(b"\n") || rest.starts_with(b"\r\n"))
    })
}

/// The length of a request's body as hyper takes it, when the guard can follow it: a
/// `Content-Length` (0 without one). `None` for a chunked body, or a length hyper refuses.
fn body_length(fields: &[httparse::Header<'_>]) -> Option<u64> {
    let mut length = None;
    for field in fields {
        if field.name.eq_ignore_ascii_case("transfer-encoding") {
            return None;
        }
        if field.name.eq_ignore_ascii_case("content-length") {
            let digits = field.value;
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let value: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
            if length.is_some_and(|seen| seen != value) {
                return None;
            }
            length = Some(value);
        }
    }
    Some(length.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Feeds `bytes` to a fresh guard `step` bytes at a time, as reads would bring them, and
    /// returns the lengths it passed and how it ended: waiting, or refusing.
    fn judge(bytes: &[u8], step: usize) -> (Vec<usize>, Option<Refused>) {
        let mut heads = Heads::default();
        let (mut start, mut end, mut passed) = (0, 0, Vec::new());
        while end < bytes.len() {
            end = (end + step).min(bytes.len());
            loop {
                if start == end {
                    break;
                }
                match heads.next(&bytes[start..end]) {
                    Verdict::Pass(length) => {
                        assert!(length > 0, "an empty pass");
                        passed.push(length);
                        start += length;
                    }
                    Verdict::Wait => break,
                    Verdict::Refuse(refused) => return (passed, Some(refused)),
                }
            }
        }
        (passed, None)
    }

    /// The total passed of `bytes` in steps of `step`, and the refusal, if any.
    fn passed(bytes: &[u8], step: usize) -> (usize, Option<Refused>) {
        let (lengths, refused) = judge(bytes, step);
        (lengths.iter().sum(), refused)
    }

    fn get(target: &str) -> String {
        format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n")
    }

    #[test]
    fn whole_heads_pass_one_by_one_however_they_arrive() {
        let first = get("/api/search?q=%E7%87%83");
        let second = "POST /admin/reindex HTTP/1.1\r\ncontent-length: 5\r\n\r\n";
        let third = "GET /healthz HTTP/1.0\n\n";
        let stream = format!("{first}{second}hello{third}");
        let heads = [
            0..first.len(),
            first.len()..first.len() + second.len(),
            stream.len() - third.len()..stream.len(),
        ];
        for step in [1, 2, 3, 7, 64, stream.len()] {
            let (lengths, refused) = judge(stream.as_bytes(), step);
            assert_eq!(refused, None, "step {step}");
            assert_eq!(lengths.iter().sum::<usize>(), stream.len(), "step {step}");
            // Where each pass ends: never inside a head, which passes whole.
            let ends: Vec<usize> = lengths
                .iter()
                .scan(0, |end, length| {
                    *end += length;
                    Some(*end)
                })
                .collect();
            for head in &heads {
                assert!(
                    !ends.iter().any(|end| head.start < *end && *end < head.end),
                    "step {step}: {ends:?}"
                );
            }
        }
    }

    #[test]
    fn a_body_is_passed_by_its_length_and_the_next_head_is_held() {
        let head = "POST /x HTTP/1.1\r\nContent-Length: 12\r\n\r\n";
        // The body looks like a head with a huge target: it is a body, and passes.
        let body = format!("GET /{} ", "y".repeat(6));
        assert_eq!(body.len(), 12);
        let stream = format!("{head}{body}{}", get(&format!("/{}", "z".repeat(70_000))));
        for step in [1, 5, 4096, stream.len()] {
            assert_eq!(
                passed(stream.as_bytes(), step),
                (head.len() + body.len(), Some(Refused::Target)),
                "step {step}"
            );
        }
        // Equal lengths given twice are one length; different ones are left to hyper.
        let twice = "POST /x HTTP/1.1\r\ncontent-length: 3\r\ncontent-length: 3\r\n\r\nabc";
        let mut heads = Heads::default();
        assert_eq!(heads.next(twice.as_bytes()), Verdict::Pass(twice.len() - 3));
        assert_eq!(heads, Heads::Body(3));
        for odd in [
            "3\r\ncontent-length: 4",
            "+3",
            "3, 3",
            "99999999999999999999999",
        ] {
            let head = format!("POST /x HTTP/1.1\r\ncontent-length: {odd}\r\n\r\n");
            let mut heads = Heads::default();
            assert_eq!(
                heads.next(head.as_bytes()),
                Verdict::Pass(head.len()),
                "{odd}"
            );
            assert_eq!(heads, Heads::Off, "{odd}");
        }
    }

    #[test]
    fn a_target_hyper_would_refuse_is_refused_as_soon_as_it_is_too_long() {
        let longest = format!("/{}", "a".repeat(MAX_TARGET_BYTES - 1));
        let stream = get(&longest);
        assert_eq!(passed(stream.as_bytes(), 1000), (stream.len(), None));
        let over = format!("{longest}a");
        for step in [1, 1000, 100_000] {
            assert_eq!(
                passed(get(&over).as_bytes(), step),
                (0, Some(Refused::Target)),
                "step {step}"
            );
        }
        // Without a line end yet: refused once the target alone is too long.
        let line = format!("GET {over}");
        assert_eq!(passed(line.as_bytes(), 997), (0, Some(Refused::Target)));
        assert_eq!(passed(&line.as_bytes()[..line.len() - 1], 997), (0, None));
        // After an empty line arriving a byte at a time.
        let stream = format!("\r\n{}", get(&over));
        assert_eq!(passed(stream.as_bytes(), 1), (2, Some(Refused::Target)));
        // After a kept-alive request.
        let stream = format!("{}{}", get("/healthz"), get(&over));
        assert_eq!(
            passed(stream.as_bytes(), 4096),
            (get("/healthz").len(), Some(Refused::Target))
        );
    }

    #[test]
    fn a_head_too_long_or_with_too_many_fields_is_refused() {
        let field = format!("cookie: {}\r\n", "c".repeat(7000));
        let long = format!("GET / HTTP/1.1\r\n{}\r\n", field.repeat(20));
        for step in [1000, long.len()] {
            assert_eq!(passed(long.as_bytes(), step), (0, Some(Refused::Head)));
        }
        // Still arriving, never ending.
        let endless = &long.as_bytes()[..MAX_HEAD_BYTES + 1];
        assert_eq!(passed(endless, 4096), (0, Some(Refused::Head)));
        let fields = |n: usize| {
            let lines: String = (0..n).map(|i| format!("x-{i}: {i}\r\n")).collect();
            format!("GET / HTTP/1.1\r\n{lines}\r\n")
        };
        let most = fields(MAX_HEADER_FIELDS);
        assert_eq!(passed(most.as_bytes(), 100), (most.len(), None));
        let more = fields(MAX_HEADER_FIELDS + 1);
        assert_eq!(passed(more.as_bytes(), 100), (0, Some(Refused::Fields)));
    }

    #[test]
    fn what_the_guard_cannot_follow_is_left_to_hyper() {
        let chunked =
            "POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        let stream = format!("{chunked}{}", get(&"/a".repeat(40_000)));
        assert_eq!(passed(stream.as_bytes(), 7), (stream.len(), None));
        // The preface of HTTP/2, whole or arriving, and whatever follows it.
        let stream = format!("{}{}", str::from_utf8(H2_PREFACE).unwrap(), get("/"));
        for step in [1, 3, 18, stream.len()] {
            assert_eq!(passed(stream.as_bytes(), step), (stream.len(), None));
        }
    }

    /// A head httparse finds malformed is refused with its reason, whole or arriving, after a
    /// kept-alive request or still unfinished, as hyper would refuse it (with a 400).
    #[test]
    fn a_head_httparse_finds_malformed_is_refused_as_soon_as_it_is() {
        use httparse::Error::{HeaderName, HeaderValue, NewLine, Token, Version};
        for (malformed, reason) in [
            (
                "\x16\x03\x01\x02\x00\x01\x00\x01\x7c\x03\x03\r\n\r\n",
                Token,
            ),
            ("hello\r\n\r\n", Token),
            ("GET /a\x7fb HTTP/1.1\r\n\r\n", Token),
            ("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", HeaderName),
            ("GET / HTTP/1.1\r\nbad field\r\n\r\n", HeaderName),
            ("GET / HTTP/1.1\r\nx: a\x00b\r\n\r\n", HeaderValue),
            ("GET / HTTP/1.1\r\nx: 1\r\n folded\r\n\r\n", HeaderName),
            ("GET / HTTP/1.1\r\nx : 1\r\n\r\n", HeaderName),
            ("GET  / HTTP/1.1\r\n\r\n", Token),
            ("GET / HTTP/2.0\r\n\r\n", Version),
            ("GET / HTTP/1.2\r\n\r\n", Version),
            ("GET /\r\n\r\n", Token),
            ("GET / HTTP/1.1\rx\r\n\r\n", NewLine),
            ("\rGET / HTTP/1.1\r\n\r\n", NewLine),
        ] {
            for step in [1, 5, malformed.len()] {
                assert_eq!(
                    passed(malformed.as_bytes(), step),
                    (0, Some(Refused::Malformed(reason))),
                    "{malformed:?}, step {step}"
                );
            }
            // After a kept-alive request; and without its end, once httparse sees the fault.
            let stream = format!("{}{malformed}", get("/healthz"));
            assert_eq!(
                passed(stream.as_bytes(), 4096),
                (get("/healthz").len(), Some(Refused::Malformed(reason)))
            );
            let unfinished = &malformed[..malformed.len() - 2];
            assert_eq!(
                passed(unfinished.as_bytes(), unfinished.len()),
                (0, Some(Refused::Malformed(reason))),
                "{malformed:?} unfinished"
            );
        }
        assert_eq!(
            Refused::Malformed(HeaderName).message(16_384),
            "malformed HTTP request: invalid header name"
        );
        assert_eq!(Refused::Malformed(Token).status(), StatusCode::BAD_REQUEST);
    }

    /// Heads that are unusual but that hyper takes (HTTP/1.0, a lowercase method, empty field
    /// values, bare LFs, obs-text, an absolute target) are never refused, however they arrive.
    #[test]
    fn unusual_heads_hyper_takes_pass_however_they_arrive() {
        for head in [
            "GET /healthz HTTP/1.0\r\n\r\n",
            "get /healthz HTTP/1.1\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nx-empty:\r\nx-blank: \r\n\r\n",
            "GET /healthz HTTP/1.1\r\nhost:localhost\r\nX-MiXeD: \tv\u{e9} \t\r\n\r\n",
            "GET * HTTP/1.1\nhost: localhost\n\n",
            "OPTIONS http://localhost/healthz?q=%E7%87%83 HTTP/1.1\r\n\r\n",
            "M-SEARCH /x HTTP/1.1\r\nx.y_z~!#$%&'*+^`|: 1\r\n\r\n",
        ] {
            for step in [1, 2, 7, head.len()] {
                assert_eq!(
                    passed(head.as_bytes(), step),
                    (head.len(), None),
                    "{head:?}, step {step}"
                );
            }
        }
    }

    #[test]
    fn empty_lines_before_a_request_pass_as_hyper_skips_them() {
        let stream = format!("\r\n\n\r\n{}", get("/healthz"));
        assert_eq!(
            judge(stream.as_bytes(), stream.len()),
            (vec![5, get("/healthz").len()], None)
        );
        // A CR alone waits for its LF.
        assert_eq!(judge(b"\r", 1), (vec![], None));
    }

    /// A guard over one end of an in-memory pipe carrying `capacity` bytes each way; the test
    /// is the client at the other end.
    fn pipe(capacity: usize) -> (Guarded<tokio::io::DuplexStream>, tokio::io::DuplexStream) {
        let (server, client) = tokio::io::duplex(capacity);
        let limits = Limits {
            header_read_timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        (Guarded::new(server, limits, Arc::default()), client)
    }

    /// A log writer appending to a shared buffer.
    #[derive(Clone, Default)]
    struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

    impl io::Write for Logs {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// What is logged at info level on this thread while it lives.
    struct Captured {
        logs: Logs,
        _default: tracing::subscriber::DefaultGuard,
        /// A second subscriber, on no thread. With a single subscriber, tracing decides whether
        /// a log line is wanted, once for all threads, by the subscriber of the thread that
        /// logs it first: another test's thread, without one, would turn the line off for good.
        _other: tracing::Dispatch,
    }

    impl Captured {
        fn start() -> Captured {
            let logs = Logs::default();
            let writer = logs.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::INFO)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            Captured {
                logs,
                _default: tracing::subscriber::set_default(subscriber),
                _other: tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()),
            }
        }

        fn text(&self) -> String {
            String::from_utf8(self.logs.0.lock().unwrap().clone()).expect("UTF-8 logs")
        }
    }

    #[tokio::test]
    async fn hyper_reads_what_the_client_sent_byte_for_byte() {
        let (mut guarded, mut client) = pipe(256 * 1024);
        let body = "x".repeat(20_000);
        let stream = format!(
            "{}POST /x HTTP/1.1\r\ncontent-length: {}\r\n\r\n{body}{}",
            get("/healthz"),
            body.len(),
            get("/api/search?q=a")
        );
        let sent = stream.clone();
        let writer = tokio::spawn(async move {
            for piece in sent.as_bytes().chunks(333) {
                client.write_all(piece).await.unwrap();
            }
            client.shutdown().await.unwrap();
            client
        });
        let mut read = Vec::new();
        guarded.read_to_end(&mut read).await.unwrap();
        assert_eq!(String::from_utf8(read).unwrap(), stream);
        writer.await.unwrap();
    }

    /// The refusal follows what hyper wrote; the client, still sending its head through a pipe
    /// narrower than it, can finish and read the answer, because the guard reads on. It
    /// carries a request id, which its log line names, and is counted in the metrics.
    #[tokio::test]
    async fn a_refused_head_is_answered_with_json_at_shutdown_after_hyper_is_done() {
        let logs = Captured::start();
        let (mut guarded, mut client) = pipe(16 * 1024);
        let metrics = Arc::clone(&guarded.metrics);
        let before = get("/healthz");
        let stream = format!("{before}{}", get(&format!("/{}", "a".repeat(200_000))));
        let client = tokio::spawn(async move {
            client
                .write_all(stream.as_bytes())
                .await
                .expect("the whole head sent");
            let mut answer = String::new();
            client.read_to_string(&mut answer).await.unwrap();
            answer
        });
        // hyper gets the head before, then the end of the stream.
        let mut read = Vec::new();
        guarded.read_to_end(&mut read).await.unwrap();
        assert_eq!(read, before.as_bytes());
        // hyper answers it, then shuts down.
        guarded
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        guarded.shutdown().await.unwrap();
        drop(guarded);
        let answer = client.await.expect("the client");
        let (ok, refusal) = answer.split_at(answer.find("HTTP/1.1 414").expect("a 414"));
        assert_eq!(ok, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        let (head, body) = refusal.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{head}");
        assert!(
            head.contains("\r\ncontent-type: application/json\r\n"),
            "{head}"
        );
        assert!(
            head.contains("\r\nx-content-type-options: nosniff\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nconnection: close"), "{head}");
        assert!(
            head.contains(&format!("\r\ncontent-length: {}\r\n", body.len())),
            "{head}"
        );
        let error: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            error["error"],
            "the request target is over 65534 bytes long; at most 16384 are allowed"
        );
        let id = head
            .lines()
            .find_map(|line| line.strip_prefix("x-request-id: "))
            .unwrap_or_else(|| panic!("no request id: {head}"));
        assert!(
            id.len() > 2 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
            "{id}"
        );

        assert_eq!(metrics.requests(REFUSED, 414), 1);
        assert_eq!(metrics.requests("unmatched", 414), 0);
        let logs = logs.text();
        let line = logs
            .lines()
            .find(|line| line.contains("refused a request head before routing"))
            .unwrap_or_else(|| panic!("no refusal logged: {logs}"));
        for field in [
            " INFO ",
            &format!("request{{id={id} route=refused}}"),
            "status=414",
            "latency_ms=",
        ] {
            assert!(line.contains(field), "{field} missing: {line}");
        }
    }

    /// Once told to stop, the server accepts no connection, answers the request in flight
    /// (saying `connection: close`), closes idle connections, then returns.
    #[tokio::test]
    async fn stopping_lets_the_request_in_flight_finish() {
        let router = Router::new().route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                "done"
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let address = listener.local_addr().expect("an address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let mut server = tokio::spawn(serve_router(
            listener,
            router,
            Limits::default(),
            Arc::default(),
            async move {
                let _ = stopped.await;
            },
        ));
        let connect = || tokio::net::TcpStream::connect(address);
        let (mut client, mut idle) = (connect().await.unwrap(), connect().await.unwrap());
        client.write_all(get("/slow").as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = std::time::Instant::now();
        stop.send(()).expect("a server");
        let within = Duration::from_secs(2);
        let mut answer = String::new();
        tokio::time::timeout(within, client.read_to_string(&mut answer))
            .await
            .expect("the connection closed after the answer in flight")
            .expect("the answer in flight");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\ndone"), "{answer}");
        let mut rest = Vec::new();
        let idle_closed = tokio::time::timeout(within, idle.read_to_end(&mut rest)).await;
        assert!(
            idle_closed.is_ok() && rest.is_empty(),
            "an idle connection stays open"
        );
        tokio::time::timeout(within, &mut server)
            .await
            .expect("the server returns")
            .expect("the server task");
        assert!(started.elapsed() < within);
        assert!(connect().await.is_err());
    }

    #[tokio::test]
    async fn a_refused_client_that_never_closes_is_closed_after_the_linger() {
        let (mut guarded, mut client) = pipe(256 * 1024);
        client
            .write_all(get(&"/a".repeat(40_000)).as_bytes())
            .await
            .unwrap();
        let mut read = Vec::new();
        guarded.read_to_end(&mut read).await.unwrap();
        assert!(read.is_empty());
        let started = std::time::Instant::now();
        guarded.shutdown().await.unwrap();
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 414 URI Too Long\r\n"),
            "{answer}"
        );
    }
}
