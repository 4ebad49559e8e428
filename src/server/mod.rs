//! The HTTP API: `app(state)` builds the whole router; handlers parse the request, call the
//! library and map its one error type to a JSON error.

mod error;
mod params;

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::corpus::Item;
use crate::search::{Engine, SearchResponse};

/// What every handler shares: the open engine.
#[derive(Clone)]
pub struct AppState {
    /// The engine answering searches.
    pub engine: Arc<Engine>,
}

/// The router with every route of the service.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/api/search", get(search))
        .route("/api/items/{id}", get(item))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
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
