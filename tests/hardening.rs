//! The service under hostile input, limits and live reindexing, through the router in-process
//! (`tower::ServiceExt::oneshot`) and, for what only a socket can carry, the real server of
//! `server::serve` on loopback: every endpoint fuzzed with a bounded budget, each request limit
//! with its status and JSON body, the heads hyper refuses itself (malformed or oversized, with a
//! bare status) and slow heads, keep-alive, the admin token, reindexing while queries run,
//! metrics, logs and the query log. (Stopping the server is tested in `server::listen`, with a
//! route of the test's own.)

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use common::corpus::{
    break_lexicon, break_list, corpus_copy, current_generation, lean_corpus_copy, repair,
};
use common::temp_dir;
use duty_search::search::LiveIndex;
use duty_search::server::{
    app, AdminToken, AppState, Limits, LiveEngine, QueryLog, QueryLogLimits, ZeroHitReport,
};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;

/// The admin token of the tests' services.
const TOKEN: &str = "hardening-test-token-0123456789";

/// One answer, whole.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{}: not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts a JSON error `{"error": "…", …}` with `status`, and returns its message.
    fn error(&self, status: StatusCode) -> String {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{status}: content type {:?}",
            self.header("content-type")
        );
        let body = self.json();
        body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message in {body}"))
            .to_string()
    }
}

/// Sends `request` to `router` in-process and reads the whole answer.
async fn call(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.expect("an answer");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("a body").to_bytes().to_vec();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// A GET of `uri`.
async fn get(router: &Router, uri: &str) -> Answer {
    let request = Request::get(uri).body(Body::empty()).expect("a request");
    call(router, request).await
}

/// A reindex request with `authorization`, if any.
async fn post_reindex(router: &Router, authorization: Option<&str>) -> Answer {
    let mut request = Request::post("/admin/reindex");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    call(router, request.body(Body::empty()).expect("a request")).await
}

/// `/api/search?q=…` for `query`.
fn search_uri(query: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    format!("/api/search?q={encoded}")
}

fn hit_ids(body: &Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| hit["id"].as_str().expect("an id").to_string())
        .collect()
}

/// A corpus copy with its index built, and a service that reindexes from it.
struct Reindexable {
    dir: tempfile::TempDir,
    state: AppState,
}

impl Reindexable {
    /// On a whole copy of the corpus.
    fn new() -> Reindexable {
        Reindexable::on(corpus_copy)
    }

    /// On a copy of the corpus without its synonym files: for tests that reindex many times.
    fn without_synonyms() -> Reindexable {
        Reindexable::on(lean_corpus_copy)
    }

    fn on(copy: impl FnOnce(&Path) -> std::path::PathBuf) -> Reindexable {
        let dir = temp_dir("duty-search-reindex-");
        let corpus = copy(dir.path());
        let index = dir.path().join("index");
        duty_search::index::build(&corpus, &index, &duty_search::index::Examples::default())
            .expect("the copy indexes");
        let live = LiveIndex::open(&corpus, &index, None).expect("the copy opens");
        let state = AppState {
            admin_token: Some(AdminToken::new(TOKEN).expect("a token")),
            ..AppState::new(LiveEngine::new(live))
        };
        Reindexable { dir, state }
    }

    fn corpus(&self) -> std::path::PathBuf {
        self.dir.path().join("corpus")
    }

    fn index(&self) -> std::path::PathBuf {
        self.dir.path().join("index")
    }
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

// ---------------------------------------------------------------------------------------------
// Fuzzing every endpoint

/// How a fuzzed text goes into the request target.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    /// Percent-encoded whole: the text arrives as it is.
    Encoded,
    /// As it is where the URI grammar allows (so `%`, `&`, `=`, `+` stay raw: invalid
    /// escapes and extra parameters), percent-encoded elsewhere.
    Raw,
}

/// Puts `bytes` into a request target.
fn encode(bytes: &[u8], encoding: Encoding) -> String {
    let mut out = String::new();
    for &byte in bytes {
        let keep = byte.is_ascii_alphanumeric()
            || b"-._~".contains(&byte)
            || matches!(encoding, Encoding::Raw) && b"%&=+!$'()*,;:@/".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Texts a client might send: anything, control characters, query syntax, emoji and mixed
/// scripts, numbers of every shape, known values, broken escapes.
fn text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<String>().prop_map(String::into_bytes),
        "[\\u{0}-\\u{1f}\\u{7f}-\\u{9f}燃气 ]{0,24}".prop_map(String::into_bytes),
        "[燃气噪音扰民AND OR NOT:()\"*^~\\[\\]\\\\+!{}/ -]{1,40}".prop_map(String::into_bytes),
        "[\\u{1F300}-\\u{1F6FF}\\u{4E00}-\\u{9FFF}a-zA-Z0-9ｱ-ﾝ한글\\u{0600}-\\u{06FF}\\u{200B}-\\u{200F}]{1,60}"
            .prop_map(String::into_bytes),
        "[+-]?[0-9]{0,25}(\\.[0-9]{0,3})?(e[+-]?[0-9]{1,3})?".prop_map(String::into_bytes),
        prop_oneof![
            Just("basic"),
            Just("coop"),
            Just("withdrawn"),
            Just("城乡建设"),
            Just("民政局"),
            Just("coop-7-4"),
            Just("duty-search.js"),
            Just("18446744073709551616"),
            Just("-9223372036854775808"),
        ]
        .prop_map(|s| s.as_bytes().to_vec()),
        "(%[0-9A-Fa-f]{0,2}|%[g-zG-Z]{2}|%E7%87|%FF%FE|[a-z%&=+;])*".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![3 => Just(Encoding::Encoded), 1 => Just(Encoding::Raw)]
}

/// A query string: parameters (known names, repeated or not, and others) with fuzzed values,
/// now and then repeated to tens of kilobytes.
fn query_string() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("q".to_string()),
        Just("limit".to_string()),
        Just("offset".to_string()),
        Just("list".to_string()),
        Just("category".to_string()),
        Just("department".to_string()),
        (text(), encoding()).prop_map(|(t, e)| encode(&t, e)),
    ];
    let parameter =
        (name, text(), encoding()).prop_map(|(n, v, e)| format!("{n}={}", encode(&v, e)));
    let repeat = prop_oneof![12 => Just(1usize), 1 => 100..4000usize];
    (prop::collection::vec(parameter, 0..8), repeat).prop_map(|(parameters, repeat)| {
        let query = parameters.join("&");
        let mut out = query.repeat(repeat);
        // The `http` crate refuses a request target of 64 KiB or more: the socket test below
        // takes longer ones.
        out.truncate(60_000);
        while out.ends_with('%') || out.len() > 2 && out.as_bytes()[out.len() - 2] == b'%' {
            out.pop();
        }
        out
    })
}

/// A path: each route of the service, with fuzzed segments where it takes one, or any path.
fn path() -> impl Strategy<Value = String> {
    let segment = || (text(), encoding()).prop_map(|(t, e)| encode(&t, e));
    prop_oneof![
        4 => Just("/api/search".to_string()),
        1 => segment().prop_map(|s| format!("/api/items/{s}")),
        1 => segment().prop_map(|s| format!("/assets/{s}")),
        1 => prop_oneof![
            Just("/".to_string()),
            Just("/items/coop-7-4".to_string()),
            Just("/openapi.json".to_string()),
            Just("/embed".to_string()),
            Just("/widget.js".to_string()),
            Just("/healthz".to_string()),
            Just("/metrics".to_string()),
            Just("/admin/reindex".to_string()),
            Just("/api/feedback".to_string()),
            Just("/admin/feedback".to_string()),
        ],
        1 => segment().prop_map(|s| format!("/{s}")),
    ]
}

/// One fuzzed request.
#[derive(Debug, Clone)]
struct Probe {
    method: Method,
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    request_id: Option<String>,
    body: Vec<u8>,
}

fn probe() -> impl Strategy<Value = Probe> {
    let method = prop_oneof![
        8 => Just(Method::GET),
        2 => Just(Method::POST),
        1 => Just(Method::HEAD),
        1 => Just(Method::PUT),
        1 => Just(Method::DELETE),
        1 => Just(Method::OPTIONS),
        1 => Just(Method::PATCH),
    ];
    let authorization = prop::option::of(prop_oneof![
        "[ -~]{0,40}",
        "Bearer [ -~]{0,40}",
        Just(format!("Bearer {TOKEN}x")),
        Just("Basic YWRtaW46YWRtaW4=".to_string()),
    ]);
    let body = prop_oneof![
        4 => Just(Vec::new()),
        1 => prop::collection::vec(any::<u8>(), 1..200),
        1 => (1..3usize).prop_map(|times| vec![b'x'; times * Limits::DEFAULT_MAX_BODY_BYTES + 1]),
    ];
    (
        method,
        path(),
        prop::option::of(query_string()),
        authorization,
        prop::option::of("[ -~]{0,80}"),
        body,
    )
        .prop_map(
            |(method, path, query, authorization, request_id, body)| Probe {
                method,
                path,
                query,
                authorization,
                request_id,
                body,
            },
        )
}

/// The service the fuzzer talks to: the shared index, an admin token it does not know, no
/// corpus to reindex from, confirmations stored in a scratch directory.
fn fuzzed_router() -> &'static Router {
    static ROUTER: OnceLock<(Router, tempfile::TempDir)> = OnceLock::new();
    &ROUTER
        .get_or_init(|| {
            let data = common::temp_dir("duty-search-fuzzed-feedback-");
            let store = duty_search::feedback::FeedbackStore::new(data.path());
            let router = app(AppState {
                admin_token: Some(AdminToken::new(TOKEN).expect("a token")),
                feedback: Some(duty_search::server::FeedbackIntake::new(store, 1_000)),
                ..AppState::new(common::engine())
            });
            (router, data)
        })
        .0
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever is asked of whichever route: a 2xx, or a 4xx with a JSON error (a page's
    /// 4xx: a page with the error); never a 5xx or a panic; with a request id and nosniff.
    #[test]
    fn any_request_gets_a_2xx_or_a_json_4xx(probe in probe()) {
        let uri = match &probe.query {
            Some(query) => format!("{}?{query}", probe.path),
            None => probe.path.clone(),
        };
        let mut request = Request::builder().method(probe.method.clone()).uri(&uri);
        if let Some(value) = &probe.authorization {
            request = request.header("authorization", value);
        }
        if let Some(value) = &probe.request_id {
            request = request.header("x-request-id", value);
        }
        if !probe.body.is_empty() {
            request = request.header("content-length", probe.body.len());
        }
        let request = request
            .body(Body::from(probe.body.clone()))
            .unwrap_or_else(|e| panic!("the fuzzer made an invalid request {uri:?}: {e}"));
        let answer = runtime().block_on(call(fuzzed_router(), request));
        let what = format!("{} {uri:.200} → {}", probe.method, answer.status);
        prop_assert!(
            answer.status.is_success() || answer.status.is_client_error(),
            "{what}: {}", String::from_utf8_lossy(&answer.body)
        );
        prop_assert!(answer.header("x-request-id").is_some_and(|id| !id.is_empty()), "{what}");
        prop_assert_eq!(answer.header("x-content-type-options"), Some("nosniff"), "{}", what);
        let content_type = answer.header("content-type").unwrap_or_default().to_string();
        let api = ["/api/", "/healthz"].iter().any(|p| probe.path.starts_with(p));
        // A CORS preflight (OPTIONS) is answered by headers alone.
        let api_answer = api && probe.method == Method::GET && answer.status == StatusCode::OK;
        // The pages for people answer a bad parameter or an unknown item as a page saying so
        // (the request limits, before any page, answer JSON).
        let page = probe.method == Method::GET
            && (probe.path == "/" || probe.path.starts_with("/items/"));
        if page && answer.status.is_client_error() && content_type.starts_with("text/html") {
            let body = String::from_utf8_lossy(&answer.body);
            prop_assert!(body.contains("查询失败") || body.contains("没有这个事项"), "{what}: {body:.300}");
        } else if answer.status.is_client_error() || api_answer {
            prop_assert!(content_type.starts_with("application/json"), "{what}: {content_type}");
            if probe.method != Method::HEAD {
                let body: Value = serde_json::from_slice(&answer.body)
                    .map_err(|e| TestCaseError::fail(format!("{what}: not JSON: {e}")))?;
                if answer.status.is_client_error() {
                    prop_assert!(body["error"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Over a socket: the HTTP server of `serve`

/// The longest request target hyper takes (`MAX_URI_LEN` in hyper's `proto/h1/role.rs`).
const HYPER_MAX_TARGET_BYTES: usize = 65_534;

/// The most header fields hyper takes in a request (`DEFAULT_MAX_HEADERS` in hyper's
/// `proto/h1/role.rs`).
const HYPER_MAX_HEADER_FIELDS: usize = 100;

/// How long a raw client waits for what it expects before failing.
const PATIENCE: Duration = Duration::from_secs(10);

/// The service on the shared index, with `limits`, served on a loopback port.
async fn served(limits: Limits) -> SocketAddr {
    common::http::serve(AppState {
        limits,
        ..AppState::new(common::engine())
    })
    .await
}

/// One connection to a server, spoken to in raw HTTP/1.1.
struct Client {
    stream: TcpStream,
    /// Read and not yet taken as an answer.
    read: Vec<u8>,
}

impl Client {
    async fn connect(address: SocketAddr) -> Client {
        let stream = TcpStream::connect(address).await.expect("a connection");
        Client {
            stream,
            read: Vec::new(),
        }
    }

    /// Writes `bytes`, which the server must take.
    async fn send(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .await
            .expect("the server reads");
    }

    /// Writes `bytes` until the server stops reading and closes the connection, as it may on a
    /// head it refuses before its end.
    async fn send_until_closed(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes).await;
    }

    /// Reads more, waiting up to [`PATIENCE`]; false at the end of the stream (or a reset).
    async fn read_more(&mut self) -> bool {
        let mut chunk = [0; 4096];
        let read = tokio::time::timeout(PATIENCE, self.stream.read(&mut chunk))
            .await
            .expect("the server answers or closes the connection");
        match read {
            Ok(0) | Err(_) => false,
            Ok(read) => {
                self.read.extend_from_slice(&chunk[..read]);
                true
            }
        }
    }

    /// Reads the next answer (its body by Content-Length), or `None` when the server closed the
    /// connection first.
    async fn answer(&mut self) -> Option<Answer> {
        let head_end = loop {
            if let Some(at) = self.read.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if !self.read_more().await {
                let cut = String::from_utf8_lossy(&self.read);
                assert!(self.read.is_empty(), "cut off: {cut:.200}");
                return None;
            }
        };
        let head = std::str::from_utf8(&self.read[..head_end - 4]).expect("an ASCII head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("a status line");
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .or_else(|| status_line.strip_prefix("HTTP/1.0 "))
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or_else(|| panic!("not an HTTP/1 status line: {status_line}"));
        let mut headers = HeaderMap::new();
        for line in lines {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("not a header field: {line}"));
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).expect("a field name"),
                HeaderValue::from_str(value.trim()).expect("a field value"),
            );
        }
        let length: usize = headers
            .get("content-length")
            .map_or(0, |v| v.to_str().unwrap().parse().unwrap());
        while self.read.len() < head_end + length {
            assert!(self.read_more().await, "a body cut off");
        }
        let body = self.read[head_end..head_end + length].to_vec();
        self.read.drain(..head_end + length);
        Some(Answer {
            status,
            headers,
            body,
        })
    }

    /// Whether the server closed the connection: the end of the stream (or a reset) comes
    /// with nothing before it.
    async fn closed(&mut self) -> bool {
        !self.read_more().await && self.read.is_empty()
    }
}

/// A GET of `target` with a Host field.
fn get_head(target: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nhost: localhost\r\n\r\n")
}

/// A GET of `/healthz` with `fields` (header field lines, each ending in CRLF) after its Host.
fn healthz_head(fields: &str) -> String {
    format!("GET /healthz HTTP/1.1\r\nhost: localhost\r\n{fields}\r\n")
}

/// `count` header field lines.
fn fields(count: usize) -> String {
    (0..count)
        .map(|i| format!("x-field-{i}: {i}\r\n"))
        .collect()
}

/// Asserts hyper's own refusal of a request head, which the router never sees: `status` with
/// an empty body, no content type and no request id, closing the connection.
fn assert_bare(answer: &Answer, status: StatusCode) {
    assert_eq!(answer.status, status, "{:?}", answer.headers);
    assert_eq!(answer.header("content-length"), Some("0"));
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(answer.body.is_empty(), "{:?}", answer.body);
    assert_eq!(answer.header("content-type"), None);
    assert_eq!(answer.header("x-request-id"), None);
}

/// A request target too long for the router gets the router's JSON 414 on a connection kept
/// alive; one too long for hyper (over 65,534 bytes) hyper's bare 414, and a megabyte, which
/// fills hyper's read buffer before the head ends, a bare 431, each on a connection then
/// closed; and the server goes on answering.
#[tokio::test]
async fn a_megabyte_request_target_is_refused_over_a_socket() {
    let address = served(Limits::default()).await;
    let longest = HYPER_MAX_TARGET_BYTES;
    let target = |size: usize| format!("/api/search?q={}", "a".repeat(size - 14));
    for size in [40_000, longest] {
        let mut client = Client::connect(address).await;
        client.send(get_head(&target(size)).as_bytes()).await;
        let message = client
            .answer()
            .await
            .expect("an answer")
            .error(StatusCode::URI_TOO_LONG);
        let expected = format!(
            "the request target is {size} bytes long; at most {}",
            Limits::DEFAULT_MAX_URI_BYTES
        );
        assert!(message.starts_with(&expected), "{size} bytes: {message}");
        client.send(get_head("/healthz").as_bytes()).await;
        let answer = client.answer().await.expect("an answer");
        assert_eq!(answer.status, StatusCode::OK, "{size} bytes: kept alive");
    }
    // Whole heads hyper reads to their end; a megabyte of target, cut off where the head
    // would go on, it gives up on once its buffer is full.
    let refused = [
        (get_head(&target(longest + 1)), StatusCode::URI_TOO_LONG),
        (get_head(&target(300_000)), StatusCode::URI_TOO_LONG),
        (
            format!("GET {}", target(1 << 20)),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ),
    ];
    for (head, status) in refused {
        let mut client = Client::connect(address).await;
        client.send_until_closed(head.as_bytes()).await;
        let answer = client.answer().await.expect("an answer");
        assert_bare(&answer, status);
        let size = head.len();
        assert!(
            client.closed().await,
            "{size} bytes: the connection stays open"
        );
    }
    let health = reqwest::get(format!("http://{address}/healthz"))
        .await
        .expect("still answering");
    assert_eq!(health.status().as_u16(), 200);
}

/// A head with more header fields than hyper takes, or not ended when its read buffer (about
/// 400 KiB) is full, gets hyper's bare 431 and the connection closed; a head within both is
/// answered.
#[tokio::test]
async fn oversized_headers_get_a_bare_431() {
    let address = served(Limits::default()).await;
    // `count` cookie fields of 8 KiB.
    let cookies = |count: usize| format!("cookie: {}\r\n", "c".repeat(8192)).repeat(count);
    let over = [
        (
            healthz_head(&fields(HYPER_MAX_HEADER_FIELDS)),
            "the Host field and 100 more",
        ),
        // Without the empty line that would end it.
        (
            format!(
                "GET /healthz HTTP/1.1\r\nhost: localhost\r\n{}",
                cookies(60)
            ),
            "480 KiB of fields",
        ),
    ];
    for (head, what) in over {
        let mut client = Client::connect(address).await;
        client.send_until_closed(head.as_bytes()).await;
        let answer = client.answer().await.expect("an answer");
        assert_bare(&answer, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert!(client.closed().await, "{what}: the connection stays open");
    }
    // The Host field and 99 more; 320 KiB of fields.
    for fields in [fields(HYPER_MAX_HEADER_FIELDS - 1), cookies(40)] {
        let mut client = Client::connect(address).await;
        client.send(healthz_head(&fields).as_bytes()).await;
        let answer = client.answer().await.expect("an answer");
        assert_eq!(answer.status, StatusCode::OK);
    }
}

/// A client that sends its head a few bytes at a time, or nothing at all, is disconnected once
/// the header read timeout has passed, and not before; one that sends each head in time is
/// answered, however long the connection lasts.
#[tokio::test]
async fn a_slow_header_client_is_disconnected_after_the_timeout() {
    let timeout = Duration::from_secs(1);
    let address = served(Limits {
        header_read_timeout: timeout,
        ..Limits::default()
    })
    .await;
    let started = Instant::now();
    let mut slow = Client::connect(address).await;
    let mut silent = Client::connect(address).await;
    slow.send(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n")
        .await;
    // A field every 50 ms, until the server closes the connection.
    let dribbled = async {
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let field = format!("x-slow-{i}: {i}\r\n");
            if slow.stream.write_all(field.as_bytes()).await.is_err() {
                return;
            }
            if slow
                .stream
                .try_read(&mut [0; 1])
                .is_ok_and(|read| read == 0)
            {
                return;
            }
        }
    };
    tokio::time::timeout(PATIENCE, dribbled)
        .await
        .expect("the slow client is disconnected");
    let took = started.elapsed();
    assert!(took >= timeout, "disconnected after {took:?}");
    assert!(slow.read.is_empty(), "the slow client got an answer");
    assert!(silent.closed().await, "an idle connection stays open");

    // Heads sent in time are answered, on a connection kept alive longer than the timeout.
    let mut prompt = Client::connect(address).await;
    for _ in 0..3 {
        tokio::time::sleep(timeout * 2 / 5).await;
        prompt.send(get_head("/healthz").as_bytes()).await;
        let answer = prompt.answer().await.expect("an answer");
        assert_eq!(answer.status, StatusCode::OK);
    }
}

/// One connection carries request after request, a request with a body among them, then a
/// refused head; requests sent together (pipelined) are answered in order before the refusal.
#[tokio::test]
async fn keep_alive_carries_requests_with_bodies_until_a_refused_head() {
    let address = served(Limits::default()).await;
    let mut client = Client::connect(address).await;
    let search = "/api/search?q=%E7%87%83%E6%B0%94";
    client.send(get_head("/healthz").as_bytes()).await;
    assert_eq!(
        client.answer().await.expect("an answer").status,
        StatusCode::OK
    );
    // The router refuses the reindex without reading its body (which looks like a head): the
    // body is skipped.
    let post =
        "POST /admin/reindex HTTP/1.1\r\nhost: localhost\r\ncontent-length: 11\r\n\r\nGET /x HTTP";
    client.send(post.as_bytes()).await;
    client
        .answer()
        .await
        .expect("an answer")
        .error(StatusCode::FORBIDDEN);
    client.send(get_head(search).as_bytes()).await;
    let answer = client.answer().await.expect("an answer");
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["total"], 3);

    // Three at once: two answered, then the refusal, then the end.
    let long = format!("/api/search?q={}", "a".repeat(70_000));
    let together = format!(
        "{}{}{}",
        get_head("/healthz"),
        get_head(search),
        get_head(&long)
    );
    client.send(together.as_bytes()).await;
    assert_eq!(
        client.answer().await.expect("an answer").status,
        StatusCode::OK
    );
    let answer = client.answer().await.expect("an answer");
    assert_eq!(answer.json()["total"], 3);
    let answer = client.answer().await.expect("the refusal");
    assert_bare(&answer, StatusCode::URI_TOO_LONG);
    assert!(client.closed().await, "the connection stays open");

    // A chunked body, and the connection goes on.
    let mut client = Client::connect(address).await;
    let chunked = "POST /admin/reindex HTTP/1.1\r\nhost: localhost\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    client.send(chunked.as_bytes()).await;
    client
        .answer()
        .await
        .expect("an answer")
        .error(StatusCode::FORBIDDEN);
    client.send(get_head("/healthz").as_bytes()).await;
    assert_eq!(
        client.answer().await.expect("an answer").status,
        StatusCode::OK
    );
}

/// A head hyper's parser finds malformed (garbage for a request line, a bad field name, a bad
/// version) gets hyper's bare 400 as soon as the fault arrives, on a connection then closed,
/// and is not counted in the metrics; heads that are unusual but well formed are answered as
/// usual; and a request sent before a malformed head is answered first.
#[tokio::test]
async fn malformed_heads_get_a_bare_400() {
    let address = served(Limits::default()).await;
    let malformed: [&[u8]; 6] = [
        // A TLS ClientHello's first bytes, with no line end.
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"hello\r\n",
        b"GET /healthz HTTP/1.1\r\nhost: localhost\r\nBad Header: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nhost: localhost\r\nx: a\x00b\r\n\r\n",
        b"GET /healthz HTTP/1.2\r\nhost: localhost\r\n\r\n",
        b"GET /healthz HTTP/2.0\r\n\r\n",
    ];
    for head in malformed {
        let what = String::from_utf8_lossy(head);
        let mut client = Client::connect(address).await;
        client.send(head).await;
        let answer = client.answer().await.expect("an answer");
        assert_bare(&answer, StatusCode::BAD_REQUEST);
        assert!(client.closed().await, "{what}: the connection stays open");
    }

    for head in [
        "GET /healthz HTTP/1.0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nhost: localhost\r\nx-empty:\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nhost:localhost\r\nx-lower: 1\r\nX-UPPER: 2\r\n\r\n",
        "GET /healthz HTTP/1.1\nhost: localhost\n\n",
    ] {
        let mut client = Client::connect(address).await;
        client.send(head.as_bytes()).await;
        let answer = client.answer().await.expect("an answer");
        assert_eq!(answer.status, StatusCode::OK, "{head:?}");
        assert_eq!(answer.json()["status"], "ok", "{head:?}");
    }

    // Pipelined: the request before the malformed head is answered, then the refusal.
    let mut client = Client::connect(address).await;
    let together = format!(
        "{}GET /healthz HTTP/1.1\r\nBad Header: x\r\n\r\n",
        get_head("/healthz")
    );
    client.send(together.as_bytes()).await;
    assert_eq!(
        client.answer().await.expect("an answer").status,
        StatusCode::OK
    );
    let answer = client.answer().await.expect("the refusal");
    assert_bare(&answer, StatusCode::BAD_REQUEST);
    assert!(client.closed().await, "the connection stays open");

    let metrics = reqwest::get(format!("http://{address}/metrics"))
        .await
        .expect("an answer")
        .text()
        .await
        .expect("the metrics");
    let counted: Vec<String> = samples(&metrics)
        .into_keys()
        .filter(|series| series.starts_with("duty_search_http_requests_total{"))
        .collect();
    assert_eq!(
        counted,
        ["duty_search_http_requests_total{route=\"/healthz\",status=\"200\"}"],
        "{metrics}"
    );
}

// ---------------------------------------------------------------------------------------------
// Request limits

#[tokio::test]
async fn each_limit_is_answered_with_its_status_and_a_json_error() {
    let limits = Limits {
        max_uri_bytes: 2048,
        max_body_bytes: 1024,
        ..Limits::default()
    };
    let router = app(AppState {
        limits,
        ..AppState::new(common::engine())
    });

    // URI length: the whole target counts, path and query.
    let at_limit = format!("/api/search?q=a&pad={}", "x".repeat(2048 - 20));
    assert_eq!(at_limit.len(), 2048);
    assert_eq!(get(&router, &at_limit).await.status, StatusCode::OK);
    let over = format!("{at_limit}x");
    let message = get(&router, &over).await.error(StatusCode::URI_TOO_LONG);
    assert!(
        message.contains("2049") && message.contains("2048"),
        "{message}"
    );
    let long_path = format!("/api/items/{}", "x".repeat(4096));
    get(&router, &long_path)
        .await
        .error(StatusCode::URI_TOO_LONG);

    // Body size: refused from its Content-Length, whatever the route.
    for (method, uri) in [
        (Method::POST, "/admin/reindex"),
        (Method::GET, "/api/search?q=%E7%87%83%E6%B0%94"),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-length", 1025)
            .body(Body::from(vec![b'x'; 1025]))
            .expect("a request");
        let message = call(&router, request)
            .await
            .error(StatusCode::PAYLOAD_TOO_LARGE);
        assert!(message.contains("1024"), "{message}");
    }

    // No room at all: every request is shed at once.
    let full = app(AppState {
        limits: Limits {
            max_concurrent_requests: 0,
            ..Limits::default()
        },
        ..AppState::new(common::engine())
    });
    for uri in ["/api/search?q=%E7%87%83%E6%B0%94", "/healthz", "/"] {
        let answer = get(&full, uri).await;
        let message = answer.error(StatusCode::SERVICE_UNAVAILABLE);
        assert!(message.contains("try again"), "{uri}: {message}");
        assert!(answer.header("x-request-id").is_some());
    }
}

/// A request not answered in time gets a JSON 503. The real corpus is small enough to be
/// searched inline, where nothing can interrupt a search; a large index is searched on a
/// blocking thread, as every search is here. The runtime has one blocking thread, which the
/// test holds, so the search cannot end before the timeout, however fast the machine.
#[test]
fn a_request_not_answered_in_time_gets_a_json_503() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let hurried = app(AppState {
        limits: Limits {
            request_timeout: Duration::from_millis(50),
            ..Limits::default()
        },
        ..AppState::new(LiveEngine::from(common::engine()).search_inline_up_to(0))
    });
    let (release, held) = std::sync::mpsc::channel::<()>();
    let blocker = runtime.spawn_blocking(move || held.recv());
    let answer = runtime.block_on(get(&hurried, &search_uri("燃气")));
    let message = answer.error(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(message, "the request was not answered within 50ms");
    release.send(()).expect("the blocker waits");
    runtime
        .block_on(blocker)
        .expect("the blocker")
        .expect("released");
}

/// With room for one request, a search in flight takes it: another search meanwhile is shed
/// with 503, a reindex is answered (admin requests have slots of their own; before, a reindex
/// took the searches' slot), and searches are answered again once the slot is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_concurrency_cap_are_shed_but_reindexes_have_slots_of_their_own() {
    let service = Reindexable::without_synonyms();
    let address = common::http::serve(AppState {
        limits: Limits {
            max_concurrent_requests: 1,
            ..Limits::default()
        },
        ..service.state.clone()
    })
    .await;
    let base = format!("http://{address}");
    let client = reqwest::Client::new();
    // A search whose body is still on its way holds the one slot.
    let body = "{\"q\": \"燃气\"}".as_bytes();
    let mut slow = TcpStream::connect(address).await.expect("a connection");
    let head = format!(
        "POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&body[..4]).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = client
            .get(format!("{base}/api/search?q=%E7%87%83%E6%B0%94"))
            .send()
            .await
            .expect("an answer");
        if answer.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            let message = answer.text().await.unwrap();
            assert!(message.contains("1 requests"), "{message}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the slow search never held the slot"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Meanwhile a reindex is answered: the admin route does not take the searches' slots.
    let reindexed = client
        .post(format!("{base}/admin/reindex"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("an answer");
    assert_eq!(reindexed.status(), reqwest::StatusCode::OK);
    // The slow search ends, and the slot is free again.
    slow.write_all(&body[4..]).await.unwrap();
    let mut answer = vec![0; 16];
    slow.read_exact(&mut answer).await.unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let answer = client
        .get(format!("{base}/api/search?q=%E7%87%83%E6%B0%94"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// The admin token and reindexing

#[tokio::test]
async fn reindexing_takes_the_admin_token() {
    // Without a token configured, nobody may reindex over HTTP.
    let closed = app(AppState::new(common::engine()));
    for authorization in [None, Some(bearer().as_str())] {
        let message = post_reindex(&closed, authorization)
            .await
            .error(StatusCode::FORBIDDEN);
        assert!(message.contains("DUTY_SEARCH_ADMIN_TOKEN"), "{message}");
    }

    let service = Reindexable::without_synonyms();
    let router = app(service.state.clone());
    let missing = post_reindex(&router, None).await;
    missing.error(StatusCode::UNAUTHORIZED);
    assert!(missing
        .header("www-authenticate")
        .is_some_and(|v| v.starts_with("Bearer")));
    for not_bearer in ["Basic YWRtaW46YWRtaW4=", "Bearer", "Token abc", TOKEN] {
        post_reindex(&router, Some(not_bearer))
            .await
            .error(StatusCode::UNAUTHORIZED);
    }
    for wrong in [
        format!("Bearer {TOKEN}x"),
        format!("Bearer {}", &TOKEN[1..]),
        "Bearer 0123456789abcdef0123456789abcde".to_string(),
    ] {
        let message = post_reindex(&router, Some(&wrong))
            .await
            .error(StatusCode::FORBIDDEN);
        assert_eq!(message, "wrong admin token");
    }
    let before = current_generation(&service.index());
    let answer = post_reindex(&router, Some(&format!("bearer   {TOKEN} "))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    let body = answer.json();
    assert_eq!(body["status"], "reindexed");
    assert_eq!(body["items"], common::ITEMS);
    let generation = body["generation"].as_str().expect("a generation");
    assert_ne!(generation, before);
    assert_eq!(current_generation(&service.index()), generation);
    // A GET is not a reindex.
    let answer = get(&router, "/admin/reindex").await;
    answer.error(StatusCode::METHOD_NOT_ALLOWED);

    // A service without a corpus cannot reindex, even with the token.
    let fixed = app(AppState {
        admin_token: Some(AdminToken::new(TOKEN).unwrap()),
        ..AppState::new(common::engine())
    });
    post_reindex(&fixed, Some(&bearer()))
        .await
        .error(StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_refused_corpus_or_lexicon_leaves_the_old_index_serving() {
    let service = Reindexable::new();
    let router = app(service.state.clone());
    let live = current_generation(&service.index());
    let health = get(&router, "/healthz").await.json();

    for breaking in [break_list, break_lexicon] {
        let (file, line) = breaking(&service.corpus());
        let answer = post_reindex(&router, Some(&bearer())).await;
        let message = answer.error(StatusCode::UNPROCESSABLE_ENTITY);
        let body = answer.json();
        assert_eq!(body["file"], file.display().to_string(), "{body}");
        assert_eq!(body["line"], line, "{body}");
        assert!(message.contains(&format!("line {line}")), "{message}");
        assert!(
            message.contains("previous index keeps serving"),
            "{message}"
        );

        assert_eq!(current_generation(&service.index()), live, "CURRENT moved");
        assert_eq!(get(&router, "/healthz").await.json(), health);
        let answer = get(&router, &search_uri("燃气")).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(hit_ids(&answer.json()).contains(&"coop-1-1".to_string()));
        repair(&file);
    }
    let metrics = String::from_utf8(get(&router, "/metrics").await.body).unwrap();
    assert!(
        metrics.contains("duty_search_reindexes_total{outcome=\"refused\"} 2"),
        "{metrics}"
    );
    let answer = post_reindex(&router, Some(&bearer())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
}

/// A client that hangs up mid-reindex does not stop it half-way: the new engine still goes
/// live, the one `index/CURRENT` names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reindex_finishes_when_its_client_hangs_up() {
    let service = Reindexable::without_synonyms();
    let router = app(service.state.clone());
    let before = service.state.engine.current();
    let generations = common::corpus::generations(&service.index());
    let client = tokio::spawn({
        let router = router.clone();
        async move { post_reindex(&router, Some(&bearer())).await }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while common::corpus::generations(&service.index()) == generations {
        assert!(Instant::now() < deadline, "no build started");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    client.abort();
    assert!(client.await.is_err_and(|e| e.is_cancelled()));
    while Arc::ptr_eq(&service.state.engine.current(), &before) {
        assert!(Instant::now() < deadline, "the new engine never went live");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let live = service.state.engine.current();
    assert_eq!(live.info().generation, current_generation(&service.index()));
    assert_eq!(live.num_items(), common::ITEMS);
}

/// Queries with hits, run without pause by two clients while the index is rebuilt and swapped
/// 20 times: every one is answered, with hits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_keep_their_answers_through_20_reindexes() {
    const QUERIES: [&str; 5] = ["燃气", "婚姻登记", "秸秆焚烧", "电动车飞线充电", "低保"];
    let service = Reindexable::without_synonyms();
    let router = app(service.state.clone());
    for query in QUERIES {
        let answer = get(&router, &search_uri(query)).await;
        assert!(!hit_ids(&answer.json()).is_empty(), "{query} has no hit");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..2)
        .map(|client| {
            let (router, stop) = (router.clone(), Arc::clone(&stop));
            let (answered, failures) = (Arc::clone(&answered), Arc::clone(&failures));
            tokio::spawn(async move {
                for query in QUERIES.iter().cycle().skip(client) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let answer = get(&router, &search_uri(query)).await;
                    let ok = answer.status == StatusCode::OK && !hit_ids(&answer.json()).is_empty();
                    if !ok {
                        failures.lock().unwrap().push(format!(
                            "{query}: {} {}",
                            answer.status,
                            String::from_utf8_lossy(&answer.body)
                        ));
                    }
                    answered.fetch_add(1, Ordering::Relaxed);
                    // A breath between queries, so the rebuilds get a core of the two.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        })
        .collect();
    let mut generations = Vec::new();
    for round in 0..20 {
        let answer = post_reindex(&router, Some(&bearer())).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "reindex {round}: {}",
            answer.json()
        );
        generations.push(answer.json()["generation"].as_str().unwrap().to_string());
        // The clients keep pace: two more queries answered per reindex, however fast it was.
        let deadline = Instant::now() + PATIENCE;
        while answered.load(Ordering::Relaxed) < 2 * (round + 1) {
            assert!(Instant::now() < deadline, "the clients stalled");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.expect("a client");
    }
    let failures = failures.lock().unwrap();
    let answered = answered.load(Ordering::Relaxed);
    assert!(
        failures.is_empty(),
        "{} of {answered} failed: {failures:?}",
        failures.len()
    );
    generations.dedup();
    assert_eq!(generations.len(), 20, "every reindex made a new generation");
    assert_eq!(
        common::corpus::generations(&service.index()),
        [generations[19].clone()]
    );
}

// ---------------------------------------------------------------------------------------------
// Metrics, logs and the query log

/// The samples of a Prometheus text exposition: `name{labels}` → value. Checks every line.
fn samples(text: &str) -> BTreeMap<String, f64> {
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not a sample: {line}"));
        let name_ok = series
            .split('{')
            .next()
            .is_some_and(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        assert!(
            name_ok && (!series.contains('{') || series.ends_with('}')),
            "{line}"
        );
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {line}"));
        samples.insert(series.to_string(), value);
    }
    samples
}

#[tokio::test]
async fn metrics_count_requests_latency_zero_hits_and_the_index() {
    let router = app(AppState::new(common::engine()));
    get(&router, &search_uri("燃气")).await;
    get(&router, &search_uri("燃气")).await;
    let abstained = get(&router, &search_uri("考驾照")).await;
    assert!(hit_ids(&abstained.json()).is_empty());
    // Filtered to nothing is not a zero-hit query: the query itself matched.
    let filtered = get(&router, &format!("{}&list=basic", search_uri("燃气"))).await;
    assert_eq!(filtered.json()["total"], 0);
    get(&router, "/api/search?q=").await;
    get(&router, "/no/such/route").await;
    get(&router, "/api/items/coop-7-4").await;

    let answer = get(&router, "/metrics").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = String::from_utf8(answer.body).expect("UTF-8");
    for family in [
        "duty_search_http_requests_total counter",
        "duty_search_http_request_duration_seconds histogram",
        "duty_search_zero_hit_queries_total counter",
        "duty_search_reindexes_total counter",
        "duty_search_index_documents gauge",
        "duty_search_last_reindex_timestamp_seconds gauge",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family}\n")),
            "{family}:\n{text}"
        );
    }
    let samples = samples(&text);
    let get = |series: &str| {
        *samples
            .get(series)
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
    };
    let search_ok = "route=\"/api/search\",status=\"200\"";
    assert_eq!(
        get(&format!("duty_search_http_requests_total{{{search_ok}}}")),
        4.0
    );
    assert_eq!(
        get("duty_search_http_requests_total{route=\"/api/search\",status=\"400\"}"),
        1.0
    );
    assert_eq!(
        get("duty_search_http_requests_total{route=\"unmatched\",status=\"404\"}"),
        1.0
    );
    assert_eq!(
        get("duty_search_http_requests_total{route=\"/api/items/{id}\",status=\"200\"}"),
        1.0
    );
    // The histogram: cumulative buckets ending in +Inf = count.
    let mut previous = 0.0;
    for bound in ["0.0005", "0.001", "0.01", "0.1", "1", "10", "+Inf"] {
        let count = get(&format!(
            "duty_search_http_request_duration_seconds_bucket{{{search_ok},le=\"{bound}\"}}"
        ));
        assert!(count >= previous, "le={bound}");
        previous = count;
    }
    assert_eq!(previous, 4.0);
    assert_eq!(
        get(&format!(
            "duty_search_http_request_duration_seconds_count{{{search_ok}}}"
        )),
        4.0
    );
    assert!(
        get(&format!(
            "duty_search_http_request_duration_seconds_sum{{{search_ok}}}"
        )) > 0.0
    );
    assert_eq!(get("duty_search_zero_hit_queries_total"), 1.0);
    assert_eq!(get("duty_search_index_documents"), common::ITEMS as f64);
    assert_eq!(
        get("duty_search_last_reindex_timestamp_seconds"),
        common::engine().info().built_at as f64
    );
    assert_eq!(get("duty_search_reindexes_total{outcome=\"ok\"}"), 0.0);
    // No raw path becomes a label.
    assert!(!text.contains("/no/such/route") && !text.contains("coop-7-4"));
}

#[tokio::test]
async fn the_query_log_records_searches_without_the_client_and_stats_reads_it() {
    let dir = temp_dir("duty-search-query-log-");
    let path = dir.path().join("queries.jsonl");
    let router = app(AppState {
        query_log: Some(QueryLog::open(&path, QueryLogLimits::default()).expect("a query log")),
        ..AppState::new(common::engine())
    });
    for query in [
        "燃气",
        "考驾照",
        "  考驾照 ",
        "办护照",
        "考驾照",
        "燃气 安全",
    ] {
        let request = Request::get(search_uri(query))
            .header("x-forwarded-for", "10.1.2.3")
            .header("user-agent", "hotline-desk/1.0")
            .body(Body::empty())
            .expect("a request");
        assert_eq!(call(&router, request).await.status, StatusCode::OK);
    }
    // Refused searches are not logged.
    assert_eq!(
        get(&router, "/api/search?q=").await.status,
        StatusCode::BAD_REQUEST
    );

    let text = std::fs::read_to_string(&path).expect("the log");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 6);
    for line in &lines {
        let mut keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["at", "matched", "q", "total"], "{line}");
    }
    assert!(!text.contains("10.1.2.3") && !text.contains("hotline"));
    assert_eq!(lines[0]["q"], "燃气");
    assert_eq!(lines[0]["total"], 3);

    let report = ZeroHitReport::read(&path).expect("a report");
    assert_eq!(
        (report.searches, report.zero_hit, report.unreadable),
        (6, 4, 0)
    );
    assert_eq!(
        report.queries,
        [("考驾照".to_string(), 3), ("办护照".to_string(), 1)]
    );
    let shown = report.to_string();
    assert!(
        shown.starts_with("6 searches logged, 4 matched nothing (66.7%)\n"),
        "{shown}"
    );
    assert!(shown.contains("3\t考驾照\n"), "{shown}");
}

/// A query log that cannot be opened is an error naming it.
#[test]
fn an_unwritable_query_log_is_refused() {
    let error = QueryLog::open(
        Path::new("/nonexistent/dir/queries.jsonl"),
        QueryLogLimits::default(),
    )
    .err()
    .expect("refused");
    assert!(
        error.to_string().contains("/nonexistent/dir/queries.jsonl"),
        "{error}"
    );
}

/// Searches `query` through `router`, which must answer 200.
async fn search_ok(router: &Router, query: &str) {
    let answer = get(router, &search_uri(query)).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}");
}

/// The query log at `path` and its rotated files `path.N` that exist, by name.
fn log_files(path: &Path) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut files: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|file| file.starts_with(&name))
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn the_query_log_rotates_at_its_cap_keeps_n_files_private_and_stats_reads_them() {
    let dir = temp_dir("duty-search-query-log-");
    let path = dir.path().join("queries.jsonl");
    let limits = QueryLogLimits {
        max_bytes: 300,
        keep: 2,
        retention_days: None,
    };
    let router = app(AppState {
        query_log: Some(QueryLog::open(&path, limits).expect("a query log")),
        ..AppState::new(common::engine())
    });
    for round in 0..20 {
        search_ok(&router, &format!("考驾照{round}")).await;
    }
    assert_eq!(
        log_files(&path),
        ["queries.jsonl", "queries.jsonl.1", "queries.jsonl.2"]
    );
    let mut kept = 0;
    for file in log_files(&path) {
        let file = dir.path().join(file);
        let metadata = std::fs::metadata(&file).unwrap();
        assert!(metadata.len() <= limits.max_bytes, "{}", file.display());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            metadata.permissions().mode() & 0o777,
            0o600,
            "{}",
            file.display()
        );
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            serde_json::from_str::<Value>(line).expect("a whole JSON line");
        }
        kept += text.lines().count();
    }
    assert!(kept < 20, "the oldest entries went with the dropped file");
    let report = ZeroHitReport::read(&path).expect("a report");
    assert_eq!((report.searches, report.unreadable), (kept, 0));
    // The newest entry is in the file being written; stats counts the rotated ones too.
    assert!(std::fs::read_to_string(&path).unwrap().contains("考驾照19"));
    assert!(report.queries.iter().any(|(query, _)| query == "考驾照19"));
    let current = std::fs::read_to_string(&path).unwrap().lines().count();
    assert!(report.searches > current);
}

#[tokio::test]
async fn a_torn_last_line_never_swallows_the_next_entry_and_an_old_log_is_made_private() {
    let dir = temp_dir("duty-search-query-log-");
    let path = dir.path().join("queries.jsonl");
    // A server killed in the middle of a line (or a full disk) left this; the file is 0644.
    std::fs::write(
        &path,
        "{\"at\":\"2026-01-01T08:00:00Z\",\"q\":\"办护照\",\"total\":0,\"matched\":0}\n{\"at\":\"2026-01-01T08:0",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let router = app(AppState {
        query_log: Some(QueryLog::open(&path, QueryLogLimits::default()).expect("a query log")),
        ..AppState::new(common::engine())
    });
    search_ok(&router, "考驾照").await;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let report = ZeroHitReport::read(&path).expect("a report");
    assert_eq!(
        (report.searches, report.zero_hit, report.unreadable),
        (2, 2, 1),
        "{report:?}"
    );
}

#[test]
fn rotated_query_log_files_past_the_retention_are_removed() {
    let dir = temp_dir("duty-search-query-log-");
    let path = dir.path().join("queries.jsonl");
    let line = "{\"at\":\"2026-01-01T08:00:00Z\",\"q\":\"办护照\",\"total\":0,\"matched\":0}\n";
    let recent = dir.path().join("queries.jsonl.1");
    let old = dir.path().join("queries.jsonl.2");
    for file in [&recent, &old] {
        std::fs::write(file, line).unwrap();
    }
    let hundred_days_ago = std::time::SystemTime::now() - Duration::from_secs(100 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(hundred_days_ago)
        .unwrap();
    let limits = QueryLogLimits {
        retention_days: Some(90),
        ..QueryLogLimits::default()
    };
    QueryLog::open(&path, limits).expect("a query log");
    assert_eq!(log_files(&path), ["queries.jsonl", "queries.jsonl.1"]);
}
