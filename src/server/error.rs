//! The API's one error type: a status and a message, answered as JSON `{"error": "…"}`, with the
//! file and line at fault when a reindex refuses the corpus.

use std::path::PathBuf;

use super::answers::ErrorAnswer;
use crate::error::Error;
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An error answered to an HTTP client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    file: Option<PathBuf>,
    line: Option<usize>,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            file: None,
            line: None,
        }
    }

    /// A 400 saying what is wrong with the request.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// A 404 saying what was not found.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// A 405 for a method the route does not answer.
    pub fn method_not_allowed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, message)
    }

    /// A 500 whose cause goes to the server log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; see the server log",
        )
    }

    /// The status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What it says to the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error, naming the file (and the 1-based line, when known) at fault.
    pub fn at(mut self, file: PathBuf, line: Option<usize>) -> ApiError {
        self.file = Some(file);
        self.line = line;
        self
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        match error {
            Error::BadRequest(message) => ApiError::bad_request(message),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorAnswer {
            error: self.message,
            file: self.file.map(|file| file.display().to_string()),
            line: self.line,
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"duty-search admin\""),
            );
        }
        response
    }
}
