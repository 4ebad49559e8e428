//! Bounds on what one request may ask, each refused with its own status and a JSON error: a
//! request target longer than `max_uri_bytes` (414), a body larger than `max_body_bytes` (413),
//! a request not answered within `request_timeout` (503), and a request arriving while
//! `max_concurrent_requests` are being answered (503 at once, rather than a queue). A client
//! taking longer than `header_read_timeout` to send a request head is disconnected, and a
//! connection beyond `max_connections` is closed, by the server of [`super::serve`].

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::load_shed::error::Overloaded;
use tower::timeout::error::Elapsed;
use tower::BoxError;

use super::error::ApiError;

/// The request limits of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest request target (path and query string) in bytes; longer gets 414.
    pub max_uri_bytes: usize,
    /// Largest request body in bytes; larger gets 413 (a long search or a confirmation is
    /// posted as a body).
    pub max_body_bytes: usize,
    /// Longest time a request may take (a reindex excepted); slower gets 503.
    pub request_timeout: Duration,
    /// Most requests answered at once; one more gets 503 at once.
    pub max_concurrent_requests: usize,
    /// Longest time a client may take to send a request head (request line and header
    /// fields), counted from the connection's start or the end of the previous answer; slower
    /// is disconnected, so a client dribbling its head (slowloris) or a kept-alive connection
    /// left idle does not hold a connection. Must not be zero.
    pub header_read_timeout: Duration,
    /// Most client connections open at once; one more is closed as soon as it is accepted
    /// (logged and counted), so idle or stalled clients cannot take every file descriptor.
    pub max_connections: usize,
}

impl Limits {
    /// 32 KiB of request target (a 2,000-character query, percent-encoded, takes at most 18 KiB).
    pub const DEFAULT_MAX_URI_BYTES: usize = 32 * 1024;
    /// 32 KiB of body (a 2,000-character query as JSON takes at most 12 KiB).
    pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024;
    /// 10 seconds per request; a search takes milliseconds.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
    /// 128 requests at once.
    pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 128;
    /// 10 seconds to send a request head; a browser sends one in a single packet.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// 1,000 connections: a township's desks and portals keep a few dozen, and it stays under
    /// the usual open-file limit of 1,024 even where that cannot be raised.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1_000;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_uri_bytes: Limits::DEFAULT_MAX_URI_BYTES,
            max_body_bytes: Limits::DEFAULT_MAX_BODY_BYTES,
            request_timeout: Limits::DEFAULT_REQUEST_TIMEOUT,
            max_concurrent_requests: Limits::DEFAULT_MAX_CONCURRENT_REQUESTS,
            header_read_timeout: Limits::DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: Limits::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Refuses a request target longer than the limit with 414.
pub(super) async fn limit_uri(
    State(limits): State<Limits>,
    request: Request,
    next: Next,
) -> Response {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if length > limits.max_uri_bytes {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!(
                "the request target is {length} bytes long; at most {} are allowed",
                limits.max_uri_bytes
            ),
        )
        .into_response();
    }
    next.run(request).await
}

/// Answers a request the concurrency cap shed or the timeout cut short with 503.
pub(super) fn refused(error: &BoxError, limits: &Limits) -> ApiError {
    if error.is::<Overloaded>() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the server is answering {} requests already; try again",
                limits.max_concurrent_requests
            ),
        )
    } else if error.is::<Elapsed>() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the request was not answered within {}",
                humantime::format_duration(limits.request_timeout)
            ),
        )
    } else {
        ApiError::internal(error)
    }
}

/// Gives every error answer but a page's a JSON body `{"error": …}`: the limit layers and axum's own
/// rejections (an undecodable path, say) answer plain text or nothing. Headers are kept.
pub(super) async fn json_errors(
    State(limits): State<Limits>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    // A page's own error page (HTML) stays one.
    let is_json_or_page = response.headers().get(CONTENT_TYPE).is_some_and(|value| {
        let value = value.as_bytes();
        value.starts_with(b"application/json") || value.starts_with(b"text/html")
    });
    if !(status.is_client_error() || status.is_server_error()) || is_json_or_page {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the request body is larger than {} bytes",
            limits.max_body_bytes
        ),
        _ => {
            let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            match std::str::from_utf8(&text).map(str::trim) {
                Ok(text) if !text.is_empty() => text.to_string(),
                _ => status
                    .canonical_reason()
                    .unwrap_or("request refused")
                    .to_string(),
            }
        }
    };
    let json = ApiError::new(status, message).into_response();
    parts.headers.remove(CONTENT_LENGTH);
    for (name, value) in json.headers() {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, Body::new(json.into_body()))
}
