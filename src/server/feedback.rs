//! Staff confirmations over HTTP: `POST /api/feedback` stores one (at most so many a minute,
//! for the whole process, so no client can fill the disk), `GET /admin/feedback` lists the
//! pending ones by item for the administrator. Nothing about the client is stored.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;

use super::answers::{ErrorAnswer, PendingReview, Recorded};
use super::error::ApiError;
use super::{admin, AppState};
use crate::error::Error;
use crate::feedback::{review, Confirmation, FeedbackStore};

/// Where confirmations go, and how many may be stored a minute.
#[derive(Clone)]
pub struct FeedbackIntake {
    /// The confirmations' database.
    pub store: FeedbackStore,
    allowance: Arc<Mutex<Allowance>>,
    per_minute: u32,
}

/// A token bucket: up to `per_minute` confirmations at once, refilled at `per_minute` a minute.
#[derive(Debug)]
struct Allowance {
    tokens: f64,
    refilled: Instant,
}

impl FeedbackIntake {
    /// Confirmations stored per minute by default: a desk of clerks confirms a few a minute.
    pub const DEFAULT_PER_MINUTE: u32 = 60;

    /// Stores into `store`, at most `per_minute` confirmations a minute (at least 1).
    pub fn new(store: FeedbackStore, per_minute: u32) -> FeedbackIntake {
        let per_minute = per_minute.max(1);
        FeedbackIntake {
            store,
            allowance: Arc::new(Mutex::new(Allowance {
                tokens: f64::from(per_minute),
                refilled: Instant::now(),
            })),
            per_minute,
        }
    }

    /// Takes one confirmation's place in the allowance; `false` when it is spent.
    fn take(&self) -> bool {
        let mut allowance = self
            .allowance
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let rate = f64::from(self.per_minute) / 60.0;
        let elapsed = now.duration_since(allowance.refilled).as_secs_f64();
        allowance.tokens = (allowance.tokens + elapsed * rate).min(f64::from(self.per_minute));
        allowance.refilled = now;
        if allowance.tokens < 1.0 {
            return false;
        }
        allowance.tokens -= 1.0;
        true
    }
}

/// The intake of `state`, or 503 when the server takes no confirmations.
fn intake(state: &AppState) -> Result<&FeedbackIntake, ApiError> {
    state.feedback.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this server takes no confirmations",
        )
    })
}

/// Runs a blocking database call off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

#[utoipa::path(
    post,
    path = "/api/feedback",
    tag = "api",
    request_body(
        content = Object,
        content_type = "application/json",
        description = "A clerk's confirmation: `{\"query\": …, \"item_id\": \"coop-7-4\" | null, \"shown\": [ids in the order shown]}`; `null`: none of them fits",
    ),
    responses(
        (status = 201, description = "Stored as pending review", body = Recorded),
        (status = 400, description = "Not the documented object, a blank, long or marked-up query, or an unknown id", body = ErrorAnswer),
        (status = 413, description = "A body over the limit", body = ErrorAnswer),
        (status = 415, description = "Not sent as JSON", body = ErrorAnswer),
        (status = 429, description = "This server's confirmations a minute are spent", body = ErrorAnswer),
        (status = 503, description = "This server takes no confirmations", body = ErrorAnswer),
    ),
)]
/// `POST /api/feedback`: checks the confirmation against the items, then stores it as pending
/// (201 with its id), or refuses it with a 4xx and stores nothing.
pub(super) async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let intake = intake(&state)?.clone();
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the confirmation as JSON (Content-Type: application/json)",
        ));
    }
    let confirmation = Confirmation::parse(&body, &state.engine.current())?;
    if !intake.take() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many confirmations: this server stores at most {} a minute; try again later",
                intake.per_minute
            ),
        ));
    }
    let id = blocking(move || intake.store.record(&confirmation)).await?;
    Ok((StatusCode::CREATED, Json(Recorded { id })))
}

#[utoipa::path(
    get,
    path = "/admin/feedback",
    tag = "api",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The pending confirmations, grouped by item", body = PendingReview),
        (status = 401, description = "No bearer token", body = ErrorAnswer),
        (status = 403, description = "A wrong token, or no admin token configured", body = ErrorAnswer),
        (status = 503, description = "This server takes no confirmations", body = ErrorAnswer),
    ),
)]
/// `GET /admin/feedback` (admin token): the pending confirmations grouped by item, the most
/// confirmed first.
pub(super) async fn pending(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<PendingReview>, ApiError> {
    admin::authorize(state.admin_token.as_ref(), &headers)?;
    let store = intake(&state)?.store.clone();
    let engine = state.engine.current();
    let reviews = blocking(move || review(&store, &engine)).await?;
    let pending = reviews.iter().map(|review| review.count).sum();
    Ok(Json(PendingReview {
        pending,
        items: reviews,
    }))
}
