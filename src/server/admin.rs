//! Who may reindex and review confirmations over HTTP: the holder of the admin token, presented as
//! `Authorization: Bearer TOKEN` and compared in constant time. Without a configured token the
//! admin routes answer 403 to everyone. The same kind of token, when configured, guards
//! `/metrics`. A wrong token is logged as a warning at most once a minute, with the count of
//! the refusals since, so a client guessing tokens cannot flood the log.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};

use super::error::ApiError;

/// The secret that unlocks `POST /admin/reindex` (or `/metrics`). Its `Debug` output never
/// shows it. Clones share one log of refusals.
#[derive(Clone)]
pub struct AdminToken {
    secret: Arc<[u8]>,
    refusals: Arc<RefusalLog>,
}

/// How often at most a wrong token is logged as a warning.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// When a wrong token was last logged, and how many were refused since without a log line.
#[derive(Debug, Default)]
struct RefusalLog {
    state: Mutex<(Option<Instant>, u64)>,
}

impl RefusalLog {
    /// Notes a refusal at `now`: `Some(n)` when it is to be logged, `n` being the refusals
    /// left unlogged since the last line; `None` within [`WARN_EVERY`] of that line.
    fn note(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (last, unlogged) = &mut *state;
        if last.is_some_and(|last| now.duration_since(last) < WARN_EVERY) {
            *unlogged += 1;
            return None;
        }
        *last = Some(now);
        Some(std::mem::take(unlogged))
    }
}

impl AdminToken {
    /// Fewest characters a token may have: a short one could be guessed.
    pub const MIN_CHARS: usize = 16;

    /// The token `text` (surrounding whitespace dropped); refuses one shorter than
    /// [`AdminToken::MIN_CHARS`] or with a character that cannot travel in an HTTP header
    /// (anything but printable ASCII).
    pub fn new(text: &str) -> Result<AdminToken, String> {
        let token = text.trim();
        if token.len() < Self::MIN_CHARS {
            return Err(format!(
                "the admin token must have at least {} characters, it has {}",
                Self::MIN_CHARS,
                token.chars().count()
            ));
        }
        if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(
                "the admin token may hold printable ASCII only (no spaces or other characters)"
                    .into(),
            );
        }
        Ok(AdminToken {
            secret: token.as_bytes().into(),
            refusals: Arc::default(),
        })
    }

    /// The token held in the file at `path` (a trailing newline is dropped).
    pub fn from_file(path: &Path) -> Result<AdminToken, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("admin token file {}: {e}", path.display()))?;
        AdminToken::new(&text).map_err(|e| format!("admin token file {}: {e}", path.display()))
    }

    /// Whether `presented` is the token, compared in constant time.
    pub fn verify(&self, presented: &[u8]) -> bool {
        constant_time_eq(presented, &self.secret)
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// Whether `presented` equals `expected`, in a time that depends on the length of `presented`
/// only: never on where the two differ, nor on `expected`'s length, so timing answers tell an
/// attacker nothing about the secret.
fn constant_time_eq(presented: &[u8], expected: &[u8]) -> bool {
    if expected.is_empty() {
        return presented.is_empty();
    }
    let mut difference = u8::from(presented.len() != expected.len());
    for (at, byte) in presented.iter().enumerate() {
        difference = std::hint::black_box(difference | (byte ^ expected[at % expected.len()]));
    }
    difference == 0
}

/// Lets the request through when it presents the configured token: 403 when no token is
/// configured (the admin routes are off) or the token is wrong, 401 when none is presented.
pub(super) fn authorize(token: Option<&AdminToken>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = token else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "the admin routes are off: configure an admin token \
             (DUTY_SEARCH_ADMIN_TOKEN or --admin-token-file); to reindex without one, send \
             the server SIGHUP",
        ));
    };
    check_bearer(token, headers, "admin")
}

/// Lets a `/metrics` request through when no metrics token is configured or it presents the
/// one configured: 401 when none is presented, 403 when it is wrong.
pub(super) fn authorize_metrics(
    token: Option<&AdminToken>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    token.map_or(Ok(()), |token| check_bearer(token, headers, "metrics"))
}

/// 401 unless the request presents a bearer token, 403 (logged, at most once a minute) unless
/// it is `token`; `what` names the token in messages (`admin`, `metrics`).
fn check_bearer(token: &AdminToken, headers: &HeaderMap, what: &str) -> Result<(), ApiError> {
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|value| bearer(value.as_bytes()));
    let Some(presented) = presented else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!("missing {what} token: send Authorization: Bearer TOKEN"),
        ));
    };
    if token.verify(presented) {
        return Ok(());
    }
    if let Some(unlogged) = token.refusals.note(Instant::now()) {
        tracing::warn!(
            token = what,
            refused_unlogged = unlogged,
            "request refused: wrong token (logged at most once a minute)"
        );
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        format!("wrong {what} token"),
    ))
}

/// The credentials of an `Authorization: Bearer …` value (the scheme in any case).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    Some(rest.trim_ascii()).filter(|credentials| !credentials.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_only_are_equal() {
        let secret = b"s3cret-token-0123456789";
        assert!(constant_time_eq(secret, secret));
        assert!(!constant_time_eq(b"t3cret-token-0123456789", secret));
        assert!(!constant_time_eq(b"s3cret-token-0123456788", secret));
        assert!(!constant_time_eq(b"s3cret-token", secret));
        assert!(!constant_time_eq(b"s3cret-token-0123456789s3cret", secret));
        assert!(!constant_time_eq(b"", secret));
        // A repetition of the secret is not the secret.
        assert!(!constant_time_eq(&secret.repeat(2), secret));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"a", b""));
    }

    #[test]
    fn tokens_are_checked_and_redacted() {
        assert!(AdminToken::new("short").is_err());
        assert!(AdminToken::new("a token with spaces inside").is_err());
        assert!(AdminToken::new("令牌令牌令牌令牌令牌令牌令牌令牌").is_err());
        let token = AdminToken::new("  0123456789abcdef\n").expect("a token");
        assert!(token.verify(b"0123456789abcdef"));
        assert!(!token.verify(b"0123456789abcdeF"));
        assert_eq!(format!("{token:?}"), "AdminToken(<redacted>)");
    }

    #[test]
    fn wrong_tokens_are_logged_at_most_once_a_minute_with_the_count_since() {
        let log = RefusalLog::default();
        let start = Instant::now();
        assert_eq!(log.note(start), Some(0));
        for second in 1..60 {
            assert_eq!(log.note(start + Duration::from_secs(second)), None);
        }
        assert_eq!(log.note(start + WARN_EVERY), Some(59));
        assert_eq!(log.note(start + WARN_EVERY + Duration::from_secs(1)), None);
        assert_eq!(log.note(start + WARN_EVERY * 3), Some(1));
    }

    #[test]
    fn only_bearer_credentials_count() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Bearer "), None);
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b""), None);
    }
}
