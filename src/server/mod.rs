//! The HTTP service: `app(state)` builds the whole router, the JSON API, the search page with
//! its embeddable versions, staff confirmations (`/api/feedback`, `/admin/feedback`), `/metrics`
//! and `/admin/reindex`. Handlers parse the request, call the
//! library and map its one error type to a JSON error. Every answer says
//! `X-Content-Type-Options: nosniff` and carries an `X-Request-Id`; browsers on other sites may
//! call the API only from the origins of the state's [`CorsPolicy`]. Every request is held to
//! the state's [`Limits`], logged and counted in the [`Metrics`]. [`serve`] serves the router
//! of a state on a TCP listener.

mod admin;
mod answers;
mod cors;
mod error;
mod feedback;
mod limits;
mod listen;
mod live;
mod metrics;
mod observe;
mod openapi;
mod pages;
mod params;
mod query_log;
mod render;

use std::any::Any;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::Semaphore;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::timeout::TimeoutLayer;
use tower::{BoxError, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

pub use admin::AdminToken;
pub use cors::{CorsOrigin, CorsPolicy};
pub use error::ApiError;
pub use feedback::FeedbackIntake;
pub use limits::Limits;
pub use listen::{raise_open_file_limit, serve};
pub use live::{LiveEngine, Reindex, ReindexError, ReindexResult, INLINE_SEARCH_ITEMS};
pub use metrics::Metrics;
pub use query_log::{QueryLog, QueryLogLimits, ZeroHitReport};

use crate::corpus::ListKind;
use crate::search::{SearchRequest, SearchResponse};
use answers::{ErrorAnswer, Health, ItemAnswer, Reindexed};
use observe::SearchOutcome;

/// What the service is built from: the engine, who may call it cross-origin, its limits, the
/// admin token, the optional query log and the metrics.
#[derive(Clone)]
pub struct AppState {
    /// The engine answering searches, swapped by a reindex.
    pub engine: LiveEngine,
    /// The origins allowed to call the API from their pages (default: none, same origin only).
    pub cors: CorsPolicy,
    /// Bounds on each request and on how many run at once.
    pub limits: Limits,
    /// The token the admin routes (`/admin/reindex`, `/admin/feedback`) require; without one,
    /// they are off.
    pub admin_token: Option<AdminToken>,
    /// The token `GET /metrics` requires, if any (default: none, `/metrics` is open).
    pub metrics_token: Option<AdminToken>,
    /// Where answered searches are logged, if anywhere (default: nowhere).
    pub query_log: Option<QueryLog>,
    /// Where staff confirmations go (default: nowhere, `POST /api/feedback` answers 503).
    pub feedback: Option<FeedbackIntake>,
    /// The counters `GET /metrics` reports.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// The state for `engine` with the defaults: same origin only, default limits, no admin
    /// or metrics token, no query log, no confirmations, fresh metrics.
    pub fn new(engine: impl Into<LiveEngine>) -> AppState {
        AppState {
            engine: engine.into(),
            cors: CorsPolicy::default(),
            limits: Limits::default(),
            admin_token: None,
            metrics_token: None,
            query_log: None,
            feedback: None,
            metrics: Arc::default(),
        }
    }

    /// Rebuilds the index from the corpus and swaps it in (what `POST /admin/reindex` and
    /// SIGHUP do), logging and counting the outcome of each rebuild once; a request made while
    /// a rebuild runs joins it (see [`LiveEngine::reindex`]). On failure the previous index
    /// keeps serving.
    pub async fn reindex(&self) -> Reindex {
        let started = Instant::now();
        let reindex = self.engine.reindex().await;
        let took_ms = started.elapsed().as_secs_f64() * 1000.0;
        let started_at = humantime::format_rfc3339_seconds(reindex.started_at).to_string();
        match (&reindex.result, reindex.joined) {
            (Ok(info), true) => tracing::info!(
                generation = %info.generation,
                %started_at,
                took_ms,
                "reindex joined the rebuild already running; it succeeded"
            ),
            (Err(error), true) => tracing::info!(
                %error,
                %started_at,
                took_ms,
                "reindex joined the rebuild already running; it failed"
            ),
            (Ok(info), false) => {
                self.metrics.record_reindex("ok");
                tracing::info!(
                    items = info.items,
                    generation = %info.generation,
                    took_ms,
                    "reindexed; the new index is live"
                );
            }
            (Err(error), false) => {
                self.metrics.record_reindex(error.outcome());
                tracing::error!(%error, took_ms, "reindex failed; the previous index keeps serving");
            }
        }
        reindex
    }
}

/// Admin requests answered at once, apart from the searches' slots; one more gets 503. They
/// join one rebuild, so a few are plenty.
pub const ADMIN_CONCURRENT_REQUESTS: usize = 8;

/// The router with every route of the service, under the state's limits.
pub fn app(state: AppState) -> Router {
    let limits = state.limits;
    let permits = Arc::new(Semaphore::new(
        limits.max_concurrent_requests.min(Semaphore::MAX_PERMITS),
    ));
    let shed = move |error: BoxError| async move { limits::refused(&error, &limits) };
    let framing = state.cors.frame_ancestors();
    let public = Router::new()
        .route("/", get(pages::search_page))
        .route("/items/{id}", get(pages::item_page))
        .route("/embed", get(move || pages::embed_page(framing)))
        .route("/widget.js", get(pages::widget))
        .route("/assets/{name}", get(pages::asset))
        .route("/api/search", get(search).post(search_posted))
        .route("/api/items/{id}", get(item))
        .route("/api/feedback", post(feedback::post))
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi::description))
        .route("/metrics", get(metrics))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(shed))
                .layer(LoadShedLayer::new())
                .layer(GlobalConcurrencyLimitLayer::with_semaphore(Arc::clone(
                    &permits,
                )))
                .layer(TimeoutLayer::new(limits.request_timeout)),
        );
    // A reindex may take longer than a request may: it is capped but not timed out (the build
    // has its own time limit), and has slots of its own, so reindex requests never take the
    // slots searches need.
    let admin = Router::new()
        .route("/admin/reindex", post(reindex))
        .route("/admin/feedback", get(feedback::pending))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(shed))
                .layer(LoadShedLayer::new())
                .layer(GlobalConcurrencyLimitLayer::new(ADMIN_CONCURRENT_REQUESTS)),
        );
    // CORS answers preflights (every OPTIONS) of known routes only: an unknown path is 404
    // whatever the method.
    public
        .merge(admin)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(state.cors.layer())
        .fallback(not_found)
        .layer(CatchPanicLayer::custom(answer_panic(Arc::clone(
            &state.metrics,
        ))))
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(from_fn_with_state(limits, limits::limit_uri))
        .layer(from_fn_with_state(limits, limits::json_errors))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(from_fn_with_state(
            Arc::clone(&state.metrics),
            observe::observe,
        ))
        .with_state(state)
}

#[utoipa::path(
    get,
    path = "/api/search",
    tag = "api",
    params(
        ("q" = String, Query, description = "The query: a keyword, a complaint, a letter, pinyin; 1–2,000 characters, not blank"),
        ("limit" = Option<usize>, Query, description = "Hits per page, 1–100 (default 10)", minimum = 1, maximum = 100),
        ("offset" = Option<usize>, Query, description = "Hits to skip (default 0)"),
        ("list" = Option<ListKind>, Query, description = "Only this list"),
        ("category" = Option<String>, Query, description = "Only this category, by its exact name"),
        ("department" = Option<String>, Query, description = "Only items naming a department whose name contains this, or that the query reads it as (城管, 派出所)"),
        ("town" = Option<String>, Query, description = "Only this town's items"),
        ("explain" = Option<bool>, Query, description = "Each hit carries its explanation (default false)"),
    ),
    responses(
        (status = 200, description = "The ranked hits, facets and interpretation", body = SearchResponse),
        (status = 400, description = "A bad parameter, named in the message", body = ErrorAnswer),
        (status = 503, description = "Too many requests at once, or the request took too long", body = ErrorAnswer),
    ),
)]
async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let request = params::search_request(query.as_deref().unwrap_or_default())?;
    answer_search(&state, request).await
}

/// `POST /api/search` with a JSON body: the same search, for a pasted work order too long for
/// a link.
#[utoipa::path(
    post,
    path = "/api/search",
    tag = "api",
    request_body(
        content = Object,
        content_type = "application/json",
        description = "The parameters of `GET /api/search` (q, limit, offset, list, category, department, town, explain) as one object (`{\"q\": \"燃气\", \"limit\": 5}`); numbers and booleans as themselves or as text",
    ),
    responses(
        (status = 200, description = "The ranked hits, facets and interpretation", body = SearchResponse),
        (status = 400, description = "A bad parameter or a body that is not a JSON object", body = ErrorAnswer),
        (status = 413, description = "A body over the limit", body = ErrorAnswer),
        (status = 503, description = "Too many requests at once, or the request took too long", body = ErrorAnswer),
    ),
)]
async fn search_posted(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let request = params::search_request_json(&body)?;
    answer_search(&state, request).await
}

/// Answers a parsed search request as JSON.
async fn answer_search(state: &AppState, request: SearchRequest) -> Result<Response, ApiError> {
    let response = searched(state, request).await?;
    let outcome = SearchOutcome {
        total: response.total,
        matched: query_log::matched(&response),
    };
    let mut answer = Json(response).into_response();
    answer.extensions_mut().insert(outcome);
    Ok(answer)
}

/// Searches, logging the query when a query log is on: what the API and the page without
/// JavaScript both answer.
async fn searched(state: &AppState, request: SearchRequest) -> Result<SearchResponse, ApiError> {
    tracing::debug!(query = %request.query, "search");
    let response = state.engine.search(request).await?;
    if let Some(log) = &state.query_log {
        log.record(&response);
    }
    Ok(response)
}

#[utoipa::path(
    get,
    path = "/api/items/{id}",
    tag = "api",
    params(("id" = String, Path, description = "The item's id, `{list}-{category ordinal}-{seq}` (`coop-7-4`)")),
    responses(
        (status = 200, description = "The whole item", body = ItemAnswer),
        (status = 404, description = "No item has this id", body = ErrorAnswer),
    ),
)]
/// `GET /api/items/{id}`: the whole item.
async fn item(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ItemAnswer>, ApiError> {
    let item = state
        .engine
        .current()
        .item(&id)?
        .ok_or_else(|| ApiError::not_found(format!("no item with id {id}")))?;
    Ok(Json(item.into()))
}

/// What a request whose handler panicked is answered: a JSON 500, the panic logged (by
/// [`ApiError::internal`]) and counted, instead of a dropped connection.
fn answer_panic(
    metrics: Arc<Metrics>,
) -> impl Fn(Box<dyn Any + Send + 'static>) -> Response + Clone {
    move |panic| {
        metrics.record_panic();
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        ApiError::internal(format!("the request's handler panicked: {message}")).into_response()
    }
}

/// `GET /healthz`: runs a real search and reads items back ([`LiveEngine::check`]); `ok`, or
/// 503 `degraded` with the error when the index serving cannot answer.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "api",
    responses(
        (status = 200, description = "The index serving answers", body = Health),
        (status = 503, description = "It does not (`degraded`, with the error)", body = Health),
    ),
)]
async fn healthz(State(state): State<AppState>) -> Response {
    let engine = state.engine.current();
    let info = engine.info();
    let mut body = Health {
        status: "ok".into(),
        items: engine.num_items(),
        towns: info.towns.clone(),
        built_at: info.built_at_text.clone(),
        built_at_unix: info.built_at,
        error: None,
    };
    match state.engine.check().await {
        Ok(()) => Json(body).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check failed: the index serving is degraded");
            body.status = "degraded".into();
            body.error = Some(error.to_string());
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "api",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "Counters in the Prometheus text format", body = String, content_type = "text/plain"),
        (status = 401, description = "No token, when a metrics token is configured", body = ErrorAnswer),
        (status = 403, description = "A wrong metrics token", body = ErrorAnswer),
    ),
)]
async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    admin::authorize_metrics(state.metrics_token.as_ref(), &headers)?;
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(&state.engine),
    ))
}

#[utoipa::path(
    post,
    path = "/admin/reindex",
    tag = "api",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The new index is live", body = Reindexed),
        (status = 401, description = "No `Authorization: Bearer TOKEN`", body = ErrorAnswer),
        (status = 403, description = "A wrong token, or no admin token configured", body = ErrorAnswer),
        (status = 409, description = "Another process's build held the lock too long", body = ErrorAnswer),
        (status = 422, description = "The corpus or lexicon was refused, naming the file and line; the previous index keeps serving", body = ErrorAnswer),
        (status = 500, description = "The rebuild failed; the previous index keeps serving", body = ErrorAnswer),
    ),
)]
async fn reindex(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Reindexed>, ApiError> {
    admin::authorize(state.admin_token.as_ref(), &headers)?;
    let reindex = state.reindex().await;
    let info = reindex.result.map_err(|error| ApiError::from(&*error))?;
    Ok(Json(Reindexed {
        status: "reindexed".into(),
        items: info.items,
        towns: info.towns,
        built_at: info.built_at_text,
        built_at_unix: info.built_at,
        generation: info.generation,
        joined: reindex.joined,
        started_at: humantime::format_rfc3339_seconds(reindex.started_at).to_string(),
    }))
}

/// 405, naming the methods the route answers.
async fn method_not_allowed(uri: Uri) -> ApiError {
    let allowed = match uri.path() {
        "/admin/reindex" | "/api/feedback" => "only POST is allowed here",
        "/api/search" => "only GET and POST are allowed here",
        _ => "only GET is allowed here",
    };
    ApiError::method_not_allowed(format!("this method is not allowed: {allowed}"))
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route; try /api/search?q=燃气")
}
