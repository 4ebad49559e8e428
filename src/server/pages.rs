//! The search page (`/`), its compact version for an `<iframe>` (`/embed`), the page of one item
//! (`/items/{id}`), the widget script (`/widget.js`) and their assets: plain files under
//! `src/server/assets/`, embedded in the binary at compile time, so the server needs no network
//! and no files beside it. The search page and the item page are filled in on the server
//! ([`super::render`]), so they work without JavaScript.
//!
//! The pages run no inline script and load nothing from elsewhere: their Content-Security-Policy
//! allows scripts, styles and requests from this server only.

use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::answers::ErrorAnswer;
use super::error::ApiError;
use super::{params, render, searched, AppState};

const INDEX_HTML: &str = include_str!("assets/index.html");
const ITEM_HTML: &str = include_str!("assets/item.html");
/// Where a page template takes its title, and its content.
const TITLE_SLOT: &str = "<!--title-->";
const RESULTS_SLOT: &str = "<!--results-->";
const ITEM_SLOT: &str = "<!--item-->";
/// The site's name, the title of a page without a query.
const SITE: &str = "职责事项查询";
/// Hits a page without JavaScript shows at once.
const PAGE_HITS: usize = 20;
const EMBED_HTML: &str = include_str!("assets/embed.html");
const SCRIPT: &str = include_str!("assets/duty-search.js");
const STYLE: &str = include_str!("assets/duty-search.css");
const ICON: &str = include_str!("assets/favicon.svg");

/// The policy of both pages: everything from this server only, no inline script or style.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'";

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "application/javascript; charset=utf-8";

/// `GET /`: the search page; it may not be framed (portals embed `/embed` instead). With a
/// query (`/?q=燃气&list=coop`) its results are rendered here, for browsers that run no
/// script; a bad parameter is told on the page, with the status the API would answer.
#[utoipa::path(
    get,
    path = "/",
    tag = "pages",
    params(
        ("q" = Option<String>, Query, description = "A query, whose results the page shows without JavaScript"),
        ("list" = Option<String>, Query, description = "Only this list (basic, coop, withdrawn)"),
        ("category" = Option<String>, Query, description = "Only this category"),
        ("department" = Option<String>, Query, description = "Only items naming this department"),
        ("offset" = Option<usize>, Query, description = "Hits to skip"),
    ),
    responses(
        (status = 200, description = "The search page, with the results of `q`", body = String, content_type = "text/html"),
        (status = 400, description = "The page, saying which parameter is bad", body = String, content_type = "text/html"),
    ),
)]
pub(super) async fn search_page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let asked =
        form_urlencoded::parse(raw.as_bytes()).any(|(k, v)| k == "q" && !v.trim().is_empty());
    let (status, title, content) = if asked {
        let answer = match params::search_request(&raw) {
            Ok(mut request) => {
                request.limit = PAGE_HITS;
                searched(&state, request.clone())
                    .await
                    .map(|response| (request, response))
            }
            Err(error) => Err(error),
        };
        match answer {
            Ok((request, response)) => (
                StatusCode::OK,
                format!("{} - {SITE}", render::short_query(&request.query)),
                render::search_form(Some(&request)) + &render::search_results(&request, &response),
            ),
            Err(error) => (
                error.status(),
                SITE.to_string(),
                render::search_form(None) + &render::search_error(error.message()),
            ),
        }
    } else {
        (StatusCode::OK, SITE.to_string(), render::search_form(None))
    };
    let body = INDEX_HTML
        .replace(TITLE_SLOT, &crate::search::escape(&title))
        .replace(
            RESULTS_SLOT,
            &format!("<div class=\"ds ds-static\">{content}</div>"),
        );
    (status, page(body, Some("frame-ancestors 'none'"))).into_response()
}

/// `GET /items/{id}`: the page of one item, a permalink staff can print or paste; an unknown id
/// is a 404 page.
#[utoipa::path(
    get,
    path = "/items/{id}",
    tag = "pages",
    params(("id" = String, Path, description = "The item's id (`coop-7-4`)")),
    responses(
        (status = 200, description = "The item's page: every field, a permalink, a print layout", body = String, content_type = "text/html"),
        (status = 404, description = "A page saying no item has this id", body = String, content_type = "text/html"),
    ),
)]
pub(super) async fn item_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let (status, title, content) = match state.engine.current().item(&id) {
        Ok(Some(item)) => (
            StatusCode::OK,
            format!(
                "{} - {SITE}",
                item.title.chars().take(30).collect::<String>()
            ),
            render::item_page(&item),
        ),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("没有这个事项 - {SITE}"),
            render::missing_item(&id),
        ),
        Err(error) => {
            let error = ApiError::from(error);
            (
                error.status(),
                SITE.to_string(),
                render::search_error(error.message()),
            )
        }
    };
    let body = ITEM_HTML
        .replace(TITLE_SLOT, &crate::search::escape(&title))
        .replace(
            ITEM_SLOT,
            &format!("<div class=\"ds ds-static\">{content}</div>"),
        );
    (status, page(body, Some("frame-ancestors 'none'"))).into_response()
}

/// `GET /embed`: the compact page for an `<iframe>`, which only the server's own pages and the
/// origins allowed to call the API may frame (`framing`, from [`super::CorsPolicy`]); with every
/// origin allowed, any page may. A page of another site cannot overlay it to trick staff.
#[utoipa::path(
    get,
    path = "/embed",
    tag = "pages",
    responses((status = 200, description = "The compact search page for an iframe", body = String, content_type = "text/html")),
)]
pub(super) async fn embed_page(framing: Option<String>) -> Response {
    page(EMBED_HTML.to_string(), framing.as_deref())
}

/// `GET /widget.js`: the search box for another site's page, which calls the API cross-origin.
#[utoipa::path(
    get,
    path = "/widget.js",
    tag = "pages",
    responses((status = 200, description = "The search box for another site's page", body = String, content_type = "application/javascript")),
)]
pub(super) async fn widget() -> Response {
    file(JAVASCRIPT, SCRIPT)
}

/// `GET /assets/{name}`: the pages' script, stylesheet and icon.
#[utoipa::path(
    get,
    path = "/assets/{name}",
    tag = "pages",
    params(("name" = String, Path, description = "duty-search.js, duty-search.css or favicon.svg")),
    responses(
        (status = 200, description = "The asset: JavaScript, CSS or SVG", body = String, content_type = "application/octet-stream"),
        (status = 404, description = "No asset has this name", body = ErrorAnswer),
    ),
)]
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
fn page(body: String, framing: Option<&str>) -> Response {
    let policy = match framing {
        Some(framing) => format!("{PAGE_POLICY}; {framing}"),
        None => PAGE_POLICY.to_string(),
    };
    let mut response = ([(CONTENT_TYPE, HeaderValue::from_static(HTML))], body).into_response();
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
