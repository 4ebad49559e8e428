//! What `GET /metrics` reports, in the Prometheus text exposition format (version 0.0.4):
//! requests and their latency by route and status, searches that matched nothing, reindexes by
//! outcome, and the index serving (documents, when it was built).
//!
//! A handful of counters and one histogram family need no metrics library: they are kept here
//! under one lock and written out as text.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::live::LiveEngine;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Outcomes of a reindex, as labelled in `duty_search_reindexes_total`.
const REINDEX_OUTCOMES: [&str; 3] = ["ok", "refused", "failed"];

/// The service's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), Series>>,
    zero_hit: AtomicU64,
    reindexes: [AtomicU64; 3],
    panics: AtomicU64,
    connections_refused: AtomicU64,
}

/// Requests of one route and status: their count and latency histogram.
#[derive(Debug, Default)]
struct Series {
    count: u64,
    seconds: f64,
    /// Requests at or below each bound of `BUCKETS`, not cumulated.
    buckets: [u64; BUCKETS.len()],
}

impl Metrics {
    /// Counts a request to `route` answered with `status` after `latency`. The route is the
    /// pattern of the route that answered, never the raw path: `unmatched` when no route
    /// matched.
    pub fn record_request(&self, route: &str, status: u16, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        let series = requests.entry((route.to_owned(), status)).or_default();
        series.count += 1;
        series.seconds += seconds;
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            series.buckets[bucket] += 1;
        }
    }

    /// Counts a search that matched no item.
    pub fn record_zero_hit(&self) {
        self.zero_hit.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a connection closed at once because the connection cap was reached.
    pub fn record_connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request whose handler panicked (answered 500).
    pub fn record_panic(&self) {
        self.panics.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a reindex that ended with `outcome`: `ok`, `refused` or `failed`.
    pub fn record_reindex(&self, outcome: &str) {
        if let Some(at) = REINDEX_OUTCOMES.iter().position(|o| *o == outcome) {
            self.reindexes[at].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The text exposition of every metric, with the index figures and the panics of `live`.
    pub fn render(&self, live: &LiveEngine) -> String {
        let engine = live.current();
        let mut out = String::new();
        header(
            &mut out,
            "duty_search_http_requests_total",
            "counter",
            "HTTP requests answered, by route pattern (unmatched: no route matched) and status.",
        );
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        for ((route, status), series) in requests.iter() {
            let labels = format!("route=\"{}\",status=\"{status}\"", escape(route));
            let _ = writeln!(
                out,
                "duty_search_http_requests_total{{{labels}}} {}",
                series.count
            );
        }
        header(
            &mut out,
            "duty_search_http_request_duration_seconds",
            "histogram",
            "Time from receiving a request to its answer, by route pattern and status.",
        );
        for ((route, status), series) in requests.iter() {
            let labels = format!("route=\"{}\",status=\"{status}\"", escape(route));
            let mut cumulated = 0;
            for (bound, count) in BUCKETS.iter().zip(series.buckets) {
                cumulated += count;
                let _ = writeln!(
                    out,
                    "duty_search_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulated}"
                );
            }
            let _ = writeln!(
                out,
                "duty_search_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n\
                 duty_search_http_request_duration_seconds_sum{{{labels}}} {}\n\
                 duty_search_http_request_duration_seconds_count{{{labels}}} {}",
                series.count, series.seconds, series.count
            );
        }
        drop(requests);
        single(
            &mut out,
            "duty_search_connections_refused_total",
            "counter",
            "Connections closed as soon as accepted, because the connection cap was reached.",
            self.connections_refused.load(Ordering::Relaxed),
        );
        single(
            &mut out,
            "duty_search_panics_total",
            "counter",
            "Requests whose handler, search or health check panicked, answered 500 or 503 (the \
             details are in the log).",
            self.panics.load(Ordering::Relaxed) + live.panics(),
        );
        single(
            &mut out,
            "duty_search_zero_hit_queries_total",
            "counter",
            "Searches whose query matched no item (before list, category and department filters).",
            self.zero_hit.load(Ordering::Relaxed),
        );
        header(
            &mut out,
            "duty_search_reindexes_total",
            "counter",
            "Reindexes since start (POST /admin/reindex or SIGHUP), by outcome.",
        );
        for (outcome, count) in REINDEX_OUTCOMES.iter().zip(&self.reindexes) {
            let _ = writeln!(
                out,
                "duty_search_reindexes_total{{outcome=\"{outcome}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        single(
            &mut out,
            "duty_search_index_documents",
            "gauge",
            "Items in the index serving.",
            engine.num_items(),
        );
        single(
            &mut out,
            "duty_search_last_reindex_timestamp_seconds",
            "gauge",
            "When the index serving was built (its last reindex), seconds since the Unix epoch.",
            engine.info().built_at,
        );
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A metric of one series without labels: its header and its value.
fn single(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    header(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("/a\"b\\c\nd"), "/a\\\"b\\\\c\\nd");
    }

    #[test]
    fn latencies_fall_in_their_bucket() {
        let metrics = Metrics::default();
        metrics.record_request("/api/search", 200, Duration::from_micros(700));
        metrics.record_request("/api/search", 200, Duration::from_secs(60));
        let requests = metrics.requests.lock().unwrap();
        let series = &requests[&("/api/search".to_string(), 200)];
        assert_eq!(series.count, 2);
        assert_eq!(series.buckets[1], 1, "0.7 ms is at most 1 ms");
        assert_eq!(
            series.buckets.iter().sum::<u64>(),
            1,
            "60 s is in +Inf only"
        );
    }
}
