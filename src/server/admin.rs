//! Who may reindex over HTTP: the holder of the admin token, presented as
//! `Authorization: Bearer TOKEN` and compared in constant time. Without a configured token the
//! admin routes answer 403 to everyone.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};

use super::error::ApiError;

/// The secret that unlocks `POST /admin/reindex`. Its `Debug` output never shows it.
#[derive(Clone)]
pub struct AdminToken(Arc<[u8]>);

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
        Ok(AdminToken(token.as_bytes().into()))
    }

    /// The token held in the file at `path` (a trailing newline is dropped).
    pub fn from_file(path: &Path) -> Result<AdminToken, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("admin token file {}: {e}", path.display()))?;
        AdminToken::new(&text).map_err(|e| format!("admin token file {}: {e}", path.display()))
    }

    /// Whether `presented` is the token, compared in constant time.
    pub fn verify(&self, presented: &[u8]) -> bool {
        constant_time_eq(presented, &self.0)
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
            "reindexing over HTTP is off: configure an admin token \
             (DUTY_SEARCH_ADMIN_TOKEN or --admin-token-file), or send the server SIGHUP",
        ));
    };
    let presented = headers
        .get(AUTHORIZATION)
        .and_then(|value| bearer(value.as_bytes()));
    let Some(presented) = presented else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing admin token: send Authorization: Bearer TOKEN",
        ));
    };
    if token.verify(presented) {
        Ok(())
    } else {
        tracing::warn!("admin request refused: wrong token");
        Err(ApiError::new(StatusCode::FORBIDDEN, "wrong admin token"))
    }
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
    fn only_bearer_credentials_count() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Bearer "), None);
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b""), None);
    }
}
