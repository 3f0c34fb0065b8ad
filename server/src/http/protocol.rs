//! The protocol version each request is served in (`relaydesk_core::protocol::version`): read
//! from the `Relaydesk-Protocol` header (none: version 1), refused with the JSON error shape
//! when it is not a version, handed to handlers as [`Protocol`], and named on every answer so
//! a client newer than this server knows which shape it got.

use axum::extract::{FromRequestParts, Request};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use relaydesk_core::protocol::version::{PROTOCOL_HEADER, served};

use super::ApiError;

/// The protocol version a request is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocol(pub u32);

/// Reads the request's version, refuses a malformed one, and names the served one on the
/// answer.
pub async fn negotiate(mut request: Request, next: Next) -> Response {
    let asked = request
        .headers()
        .get(PROTOCOL_HEADER)
        .map(|v| v.to_str().unwrap_or("?").to_owned());
    let version = match served(asked.as_deref()) {
        Ok(version) => version,
        Err(why) => return ApiError::invalid(PROTOCOL_HEADER, why).into_response(),
    };
    request.extensions_mut().insert(Protocol(version));
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(PROTOCOL_HEADER, HeaderValue::from(version));
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Protocol {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Protocol>()
            .copied()
            .unwrap_or(Protocol(1)))
    }
}
