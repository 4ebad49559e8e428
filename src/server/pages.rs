//! The search page (`/`), its compact version for an `<iframe>` (`/embed`), the widget script
//! (`/widget.js`) and their assets: plain files under `src/server/assets/`, embedded in the binary
//! at compile time, so the server needs no network and no files beside it.
//!
//! The pages run no inline script and load nothing from elsewhere: their Content-Security-Policy
//! allows scripts, styles and requests from this server only.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

const INDEX_HTML: &str = include_str!("assets/index.html");
const EMBED_HTML: &str = include_str!("assets/embed.html");
const SCRIPT: &str = include_str!("assets/duty-search.js");
const STYLE: &str = include_str!("assets/duty-search.css");
const ICON: &str = include_str!("assets/favicon.svg");

/// The policy of both pages: everything from this server only, no inline script or style.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'";

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "application/javascript; charset=utf-8";

/// `GET /`: the search page; it may not be framed (portals embed `/embed` instead).
pub(super) async fn search_page() -> Response {
    page(INDEX_HTML, Some("frame-ancestors 'none'"))
}

/// `GET /embed`: the compact page for an `<iframe>`, which only the server's own pages and the
/// origins allowed to call the API may frame (`framing`, from [`super::CorsPolicy`]); with every
/// origin allowed, any page may. A page of another site cannot overlay it to trick staff.
pub(super) async fn embed_page(framing: Option<String>) -> Response {
    page(EMBED_HTML, framing.as_deref())
}

/// `GET /widget.js`: the search box for another site's page, which calls the API cross-origin.
pub(super) async fn widget() -> Response {
    file(JAVASCRIPT, SCRIPT)
}

/// `GET /assets/{name}`: the pages' script, stylesheet and icon.
pub(super) async fn asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    let (content_type, body) = match name.as_str() {
        "duty-search.js" => (JAVASCRIPT, SCRIPT),
        "duty-search.css" => ("text/css; charset=utf-8", STYLE),
        "favicon.svg" => ("image/svg+xml", ICON),
        _ => return Err(ApiError::not_found(format!("no asset named {name}"))),
    };
    Ok(file(content_type, body))
}

/// An HTML page with its security headers; `framing` is its `frame-ancestors` directive, if any.
fn page(body: &'static str, framing: Option<&str>) -> Response {
    let policy = match framing {
        Some(framing) => format!("{PAGE_POLICY}; {framing}"),
        None => PAGE_POLICY.to_string(),
    };
    let mut response = file(HTML, body);
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&policy).expect("the policy is a valid header value"),
    );
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// An embedded file. `no-cache`: browsers revalidate, so a new binary's files show at once.
fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}
