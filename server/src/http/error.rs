//! The one error shape of the HTTP API: `{"error":{"code":"…","message":"…"}}` with a fitting
//! status. Never a stack trace, never a 500 for bad input.

use std::any::Any;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::response::{IntoResponse, Response};
use relaydesk_core::domain::Rejection;
use serde_json::{Map, Value, json};

use crate::accounts::AccountError;
use crate::store::DbError;

/// An error answered to an HTTP client.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable (`not_found`, `already_owned`, …).
    pub code: &'static str,
    /// For a person.
    pub message: String,
    /// What a client needs to act (`owner`, `owner_name`, `field`, `retry_after_secs` …).
    pub details: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("{field}: {reason}"),
        )
        .with("field", field)
        .with("reason", reason)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// A failure on our side: logged with its detail, answered without it.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "request failed on our side");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = self
            .details
            .get("retry_after_secs")
            .and_then(Value::as_i64)
            .and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok());
        let mut error = self.details;
        error.insert("code".into(), self.code.into());
        error.insert("message".into(), self.message.into());
        let mut response = (self.status, Json(json!({ "error": error }))).into_response();
        if let Some(value) = retry_after {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        response
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        ApiError::internal(error)
    }
}

impl From<Rejection> for ApiError {
    /// A refused command: its code, its message, and its fields for the client to act on.
    fn from(rejection: Rejection) -> Self {
        let status = match &rejection {
            Rejection::NotFound { .. } => StatusCode::NOT_FOUND,
            Rejection::Forbidden { .. } => StatusCode::FORBIDDEN,
            Rejection::Invalid { .. }
            | Rejection::HandoffNoteRequired
            | Rejection::ReasonRequired => StatusCode::UNPROCESSABLE_ENTITY,
            Rejection::AlreadyOwned { .. }
            | Rejection::NotOwner { .. }
            | Rejection::WindowClosed { .. }
            | Rejection::EscalationPending { .. }
            | Rejection::EscalationClosed { .. } => StatusCode::CONFLICT,
        };
        let mut error = ApiError::new(status, rejection.code(), rejection.to_string());
        if let Ok(Value::Object(fields)) = serde_json::to_value(&rejection) {
            for (key, value) in fields {
                if key != "code" {
                    error.details.insert(key, value);
                }
            }
        }
        error
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        let message = error.to_string();
        match error {
            AccountError::InvalidCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message)
            }
            AccountError::TooManyAttempts { retry_after_secs } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
                    .with("retry_after_secs", retry_after_secs)
            }
            AccountError::Unauthenticated => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
            }
            AccountError::PasswordChangeRequired => {
                ApiError::new(StatusCode::FORBIDDEN, "password_change_required", message)
            }
            AccountError::Forbidden(_) => ApiError::forbidden(message),
            AccountError::NotFound(_) => ApiError::not_found(message),
            AccountError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            AccountError::Invalid { field, reason } => ApiError::invalid(&field, reason),
            AccountError::Database(error) => ApiError::internal(error),
            AccountError::Internal(error) => ApiError::internal(error),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("the JSON body does not fit: {}", e.body_text()),
            ),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON (Content-Type: application/json)",
            ),
            other => ApiError::bad_request(format!("the body is not JSON: {}", other.body_text())),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::not_found(format!("no such item: {}", rejection.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!("bad query: {}", rejection.body_text()))
    }
}

pub(super) async fn no_such_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// A panic in a handler is a bug: log it, answer a plain 500 without its details.
pub(super) fn panicked(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(%detail, "a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "something went wrong on our side",
    )
    .into_response()
}
