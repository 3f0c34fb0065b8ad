//! The one error shape of the HTTP API: `{"error":{"code":"…","message":"…"}}` with a fitting
//! status. Never a stack trace, never a 500 for bad input.

use std::any::Any;

use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use relaydesk_core::domain::Rejection;
use relaydesk_core::protocol::errors::ErrorCode;
use serde_json::{Map, Value, json};

use crate::accounts::AccountError;
use crate::store::DbError;

/// An error answered to an HTTP client.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable (`not_found`, `already_owned`, …): one shared enum, so clients
    /// match what the server says.
    pub code: ErrorCode,
    /// For a person.
    pub message: String,
    /// What a client needs to act (`owner`, `owner_name`, `field`, `retry_after_secs` …).
    pub details: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
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
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
            format!("{field}: {reason}"),
        )
        .with("field", field)
        .with("reason", reason)
    }

    /// The one "not found" of the API, whatever is missing and whichever the method:
    /// `{"code":"not_found","message":"conversation 0193… not found","what":"conversation","id":"0193…"}`
    /// (a refused command's `NotFound` answers the same).
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        let id = id.to_string();
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("{what} {id} not found"),
        )
        .with("what", what)
        .with("id", id)
    }

    /// A body over the size a route takes (`limit` bytes): 413.
    pub fn too_large(limit: usize) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!(
                "the request body is too large: at most {} MiB",
                limit / 1024 / 1024
            ),
        )
        .with("limit_bytes", limit)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    /// A failure on our side: logged with its detail, answered without it.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "request failed on our side");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
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
        error.insert("code".into(), self.code.as_str().into());
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
            Rejection::Forbidden { .. } | Rejection::Unknown => StatusCode::FORBIDDEN,
            Rejection::Invalid { .. }
            | Rejection::HandoffNoteRequired
            | Rejection::ReasonRequired => StatusCode::UNPROCESSABLE_ENTITY,
            Rejection::AlreadyOwned { .. }
            | Rejection::NotOwner { .. }
            | Rejection::WindowClosed { .. }
            | Rejection::EscalationPending { .. }
            | Rejection::EscalationClosed { .. } => StatusCode::CONFLICT,
        };
        let mut error = ApiError::new(status, ErrorCode::from(&rejection), rejection.to_string());
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
            AccountError::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidCredentials,
                message,
            ),
            AccountError::TooManyAttempts { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyAttempts,
                message,
            )
            .with("retry_after_secs", retry_after_secs),
            AccountError::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                message,
            ),
            AccountError::PasswordChangeRequired => ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::PasswordChangeRequired,
                message,
            ),
            AccountError::Forbidden(_) => ApiError::forbidden(message),
            // "user 0193…", "canned reply 0193…": what, then the id (which has no spaces).
            AccountError::NotFound(subject) => match subject.rsplit_once(' ') {
                Some((what, id)) => ApiError::not_found(what, id),
                None => ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message),
            },
            AccountError::Conflict(_) => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
            }
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
                ErrorCode::Invalid,
                format!("the JSON body does not fit: {}", e.body_text()),
            ),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON (Content-Type: application/json)",
            ),
            JsonRejection::BytesRejection(bytes) => bytes.into(),
            other => ApiError::bad_request(format!("the body is not JSON: {}", other.body_text())),
        }
    }
}

impl From<BytesRejection> for ApiError {
    /// A body over the API's limit is 413; one that could not be read, 400.
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::too_large(super::MAX_BODY_BYTES);
        }
        ApiError::bad_request(format!("cannot read the body: {}", rejection.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!("bad query: {}", rejection.body_text()))
    }
}

/// No route at this path: "not found" like any missing item (`what: "route"`).
pub(super) async fn no_such_route(uri: Uri) -> ApiError {
    ApiError::not_found("route", uri.path())
}

/// A route that exists, asked with a method it does not answer: 405 (axum adds `Allow`).
pub(super) async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!("{} does not answer {method}", uri.path()),
    )
    .with("method", method.as_str())
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
        ErrorCode::Internal,
        "something went wrong on our side",
    )
    .into_response()
}
