//! The HTTP service: `app(state)` builds the whole router, the JSON API and the search page with
//! its embeddable versions. API handlers parse the request, call the library and map its one
//! error type to a JSON error. Every answer says `X-Content-Type-Options: nosniff`; browsers on
//! other sites may call the API only from the origins of the state's [`CorsPolicy`].

mod cors;
mod error;
mod pages;
mod params;

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::header::X_CONTENT_TYPE_OPTIONS;
use axum::http::HeaderValue;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use cors::{CorsOrigin, CorsPolicy};
pub use error::ApiError;

use crate::corpus::Item;
use crate::search::{Engine, SearchResponse};

/// What the service is built from: the open engine and who may call it cross-origin.
#[derive(Clone)]
pub struct AppState {
    /// The engine answering searches.
    pub engine: Arc<Engine>,
    /// The origins allowed to call the API from their pages (default: none, same origin only).
    pub cors: CorsPolicy,
}

impl AppState {
    /// The state for `engine`, answering pages of its own origin only.
    pub fn new(engine: Arc<Engine>) -> AppState {
        AppState {
            engine,
            cors: CorsPolicy::default(),
        }
    }
}

/// The router with every route of the service.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::search_page))
        .route("/embed", get(pages::embed_page))
        .route("/widget.js", get(pages::widget))
        .route("/assets/{name}", get(pages::asset))
        .route("/api/search", get(search))
        .route("/api/items/{id}", get(item))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(state.cors.layer())
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let request = params::search_request(query.as_deref().unwrap_or_default())?;
    Ok(Json(state.engine.search(&request)?))
}

async fn item(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let item: Item = state
        .engine
        .item(&id)?
        .ok_or_else(|| ApiError::not_found(format!("no item with id {id}")))?;
    let mut value = serde_json::to_value(&item).expect("an item serializes");
    value["list_label"] = json!(item.list_label());
    value["owner_statement"] = json!(item.owner_statement());
    Ok(Json(value))
}

async fn healthz(State(state): State<AppState>) -> Json<Value> {
    let info = state.engine.info();
    Json(json!({
        "status": "ok",
        "items": state.engine.num_items(),
        "towns": info.towns,
        "built_at": info.built_at_text,
        "built_at_unix": info.built_at,
    }))
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed("only GET is allowed here")
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route; try /api/search?q=燃气")
}
