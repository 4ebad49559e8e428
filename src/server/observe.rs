//! Every request, observed: it gets a request id (the client's `X-Request-Id` when it sends a
//! sane one), answered back in `X-Request-Id`; it runs inside a `request` span carrying the id,
//! the method, the route's pattern and, for a search, the hit count; its answer is logged with
//! status and latency and counted in the metrics. Query text is logged at debug level only, by
//! the search handler.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::metrics::Metrics;

/// The header carrying the request id, both ways.
pub(super) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id taken from a client.
const MAX_CLIENT_ID_BYTES: usize = 64;

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// What a search answered, left in the response's extensions for the log and the metrics.
#[derive(Debug, Clone, Copy)]
pub(super) struct SearchOutcome {
    /// Items answered after filters.
    pub total: usize,
    /// Items the query matched before filters.
    pub matched: usize,
}

/// Observes one request: its id, span, log line and metrics.
pub(super) async fn observe(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request_id(request.headers().get(&REQUEST_ID));
    request.headers_mut().insert(REQUEST_ID, id.clone());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        id = %id.to_str().unwrap_or_default(),
        method = %request.method(),
        route = %route,
        hits = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let latency = started.elapsed();
    let status = response.status();
    metrics.record_request(&route, status.as_u16(), latency);
    if let Some(outcome) = response.extensions().get::<SearchOutcome>() {
        span.record("hits", outcome.total);
        if outcome.matched == 0 {
            metrics.record_zero_hit();
        }
    }
    span.in_scope(|| {
        let latency_ms = latency.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), latency_ms, "answered");
        } else {
            tracing::info!(status = status.as_u16(), latency_ms, "answered");
        }
    });
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// The client's id when it is 1 to 64 characters of `A-Z a-z 0-9 - _ . :`, else a new one
/// (see [`new_request_id`]).
fn request_id(client: Option<&HeaderValue>) -> HeaderValue {
    let sane = |value: &&HeaderValue| {
        let bytes = value.as_bytes();
        (1..=MAX_CLIENT_ID_BYTES).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
    };
    client.filter(sane).cloned().unwrap_or_else(new_request_id)
}

/// A request id of the server's own, for a request without a sane id of its client's: this
/// process's start time and a counter, in hexadecimal (`67a1b2c3-1f`), never the same twice in
/// a process.
fn new_request_id() -> HeaderValue {
    static STARTED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let started = STARTED.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs())
    });
    let id = format!("{started:x}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed));
    HeaderValue::from_str(&id).expect("hexadecimal digits and a dash")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_client_ids_are_kept_and_others_replaced() {
        let keep = HeaderValue::from_static("portal-42.a:b_c");
        assert_eq!(request_id(Some(&keep)), keep);
        for bad in ["", "a b", "<script>", &"x".repeat(65)] {
            let value = HeaderValue::from_str(bad).unwrap();
            let id = request_id(Some(&value));
            assert_ne!(id, value, "{bad:?}");
        }
        let (a, b) = (request_id(None), request_id(None));
        assert_ne!(a, b);
        assert!(a.to_str().unwrap().contains('-'));
    }
}
