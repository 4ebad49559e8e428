//! Cross-origin access: which other web sites (an intranet portal embedding `/widget.js`) may
//! call the API from a browser. By default none may: only pages served by this server itself.

use std::fmt;
use std::str::FromStr;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// One origin allowed to call the API from a browser: `http://portal.example:8000`, or `*` for
/// every origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigin {
    /// Any web site.
    Any,
    /// Exactly this `scheme://host[:port]`, in lower case and without a trailing slash.
    Exact(String),
}

impl FromStr for CorsOrigin {
    type Err = String;

    /// Parses `*` or `http(s)://host[:port]` (a trailing `/` is dropped); refuses a path, a
    /// query, user info, another scheme or a bad port, saying which.
    fn from_str(text: &str) -> Result<CorsOrigin, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(CorsOrigin::Any);
        }
        let lower = text.to_ascii_lowercase();
        let trimmed = lower.strip_suffix('/').unwrap_or(&lower);
        let Some((scheme, authority)) = trimmed.split_once("://") else {
            return Err(format!(
                "{text:?} is not an origin: expected http://host[:port] or https://host[:port]"
            ));
        };
        if scheme != "http" && scheme != "https" {
            return Err(format!(
                "{text:?}: the scheme must be http or https, not {scheme:?}"
            ));
        }
        let forbidden = |c: char| "/?#@ \\".contains(c) || c.is_control();
        if authority.is_empty() || authority.contains(forbidden) {
            return Err(format!(
                "{text:?} is not an origin: it must be scheme://host[:port] with no path, query or user"
            ));
        }
        // An IPv6 host is bracketed ([::1]); a port follows the host after a colon.
        let (host, port) = match authority.strip_prefix('[') {
            Some(rest) => match rest.split_once(']') {
                Some((address, "")) => (address, None),
                Some((address, after)) => match after.strip_prefix(':') {
                    Some(port) => (address, Some(port)),
                    None => ("", None),
                },
                None => ("", None),
            },
            None => match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        let bad_host = host.is_empty() || (authority.starts_with('[') && !host.contains(':'));
        if bad_host || port.is_some_and(|port| port.parse::<u16>().is_err()) {
            return Err(format!("{text:?}: bad host or port"));
        }
        HeaderValue::from_str(trimmed)
            .map_err(|_| format!("{text:?} is not a valid header value"))?;
        Ok(CorsOrigin::Exact(trimmed.to_string()))
    }
}

impl fmt::Display for CorsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsOrigin::Any => f.write_str("*"),
            CorsOrigin::Exact(origin) => f.write_str(origin),
        }
    }
}

/// The allow-list of origins, answered with CORS headers; empty means same origin only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: Vec<CorsOrigin>,
}

impl CorsPolicy {
    /// A policy allowing exactly `origins` (none: same origin only).
    pub fn new(origins: Vec<CorsOrigin>) -> CorsPolicy {
        CorsPolicy { origins }
    }

    /// The allowed origins, as given.
    pub fn origins(&self) -> &[CorsOrigin] {
        &self.origins
    }

    /// One policy allowing every origin of `policies`.
    pub fn merge(policies: impl IntoIterator<Item = CorsPolicy>) -> CorsPolicy {
        CorsPolicy::new(policies.into_iter().flat_map(|p| p.origins).collect())
    }

    /// The `frame-ancestors` directive of `/embed`: the server's own pages and the allowed
    /// origins may frame it; `None` (no directive, any page may) when every origin is allowed.
    pub(super) fn frame_ancestors(&self) -> Option<String> {
        if self.origins.contains(&CorsOrigin::Any) {
            return None;
        }
        let mut directive = String::from("frame-ancestors 'self'");
        for origin in &self.origins {
            directive.push(' ');
            directive.push_str(&origin.to_string());
        }
        Some(directive)
    }

    /// The layer answering preflights and adding `Access-Control-Allow-Origin` to answers for an
    /// allowed origin only. The API takes no credentials: GET and HEAD, and POST with a JSON
    /// body (`Content-Type: application/json`) for a long search or a staff confirmation, so a
    /// page of another origin posts a confirmation only when it may search.
    pub(super) fn layer(&self) -> CorsLayer {
        let allow = if self.origins.contains(&CorsOrigin::Any) {
            AllowOrigin::any()
        } else {
            AllowOrigin::list(self.origins.iter().filter_map(|origin| match origin {
                CorsOrigin::Exact(origin) => HeaderValue::from_str(origin).ok(),
                CorsOrigin::Any => None,
            }))
        };
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::HEAD, Method::POST])
            .allow_headers([CONTENT_TYPE])
    }
}

impl FromStr for CorsPolicy {
    type Err = String;

    /// Parses comma-separated origins (`http://a:8000,http://b`), as the environment gives
    /// them; blank pieces are skipped, so an empty text allows none.
    fn from_str(text: &str) -> Result<CorsPolicy, String> {
        text.split(',')
            .filter(|piece| !piece.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<CorsOrigin>, String>>()
            .map(CorsPolicy::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized() {
        let parse = |text: &str| text.parse::<CorsOrigin>();
        assert_eq!(parse("*"), Ok(CorsOrigin::Any));
        assert_eq!(
            parse(" HTTP://Portal.Example:8000/ "),
            Ok(CorsOrigin::Exact("http://portal.example:8000".into()))
        );
        assert_eq!(
            parse("https://[::1]:9000"),
            Ok(CorsOrigin::Exact("https://[::1]:9000".into()))
        );
        assert_eq!(
            parse("http://10.1.2.3").map(|o| o.to_string()),
            Ok("http://10.1.2.3".into())
        );
    }

    #[test]
    fn non_origins_are_refused() {
        for text in [
            "",
            "portal.example",
            "ftp://portal.example",
            "http://",
            "http://portal.example/path",
            "http://portal.example?x=1",
            "http://user@portal.example",
            "http://portal.example:port",
            "http://portal.example:70000",
            "http://:80",
            "http://[::1]x",
            "http://[abc]",
        ] {
            assert!(text.parse::<CorsOrigin>().is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn lists_are_comma_separated() {
        let policy: CorsPolicy = "http://a.example:8000, ,https://b.example,"
            .parse()
            .unwrap();
        let origins: Vec<String> = policy.origins().iter().map(|o| o.to_string()).collect();
        assert_eq!(origins, ["http://a.example:8000", "https://b.example"]);
        assert!("".parse::<CorsPolicy>().unwrap().origins().is_empty());
        assert!("http://a.example,ftp://b".parse::<CorsPolicy>().is_err());
        assert_eq!(
            policy.frame_ancestors().as_deref(),
            Some("frame-ancestors 'self' http://a.example:8000 https://b.example")
        );
        assert_eq!(
            CorsPolicy::default().frame_ancestors().as_deref(),
            Some("frame-ancestors 'self'")
        );
        let merged = CorsPolicy::merge([policy, "*".parse().unwrap()]);
        assert_eq!(merged.origins().len(), 3);
        assert_eq!(merged.frame_ancestors(), None);
    }
}
