//! Extractors whose failures answer the API's JSON error shape (axum's own answer plain
//! text), and the signed-in person behind a request.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use relaydesk_core::protocol::errors::ErrorCode;

use super::ApiError;
use crate::accounts::{self, AccountError};
use crate::state::AppState;

/// A JSON body; a malformed one is a 400/422 JSON error, one over the limit a 413.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);

/// Path parameters. An id that is not even an id is "not found" like an unknown one
/// (`conversation xyz not found`), the noun read from the route (`/conversations/{id}`).
#[derive(Debug)]
pub struct Id<T>(pub T);

impl<S, T> FromRequestParts<S> for Id<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Id(value)),
            Err(rejection) => {
                let route = parts
                    .extensions
                    .get::<axum::extract::MatchedPath>()
                    .map_or(String::new(), |m| m.as_str().to_owned());
                let raw: Vec<(String, String)> =
                    axum::extract::RawPathParams::from_request_parts(parts, state)
                        .await
                        .map(|params| {
                            params
                                .iter()
                                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                                .collect()
                        })
                        .unwrap_or_default();
                Err(not_an_id(&route, &raw, &rejection))
            }
        }
    }
}

/// "not found" for a path parameter that does not parse: what the route calls it, and the
/// text given (shortened).
fn not_an_id(
    route: &str,
    raw: &[(String, String)],
    rejection: &axum::extract::rejection::PathRejection,
) -> ApiError {
    use axum::extract::path::ErrorKind;
    let first = || raw.first().cloned().unwrap_or_default();
    let (key, value) = match rejection {
        axum::extract::rejection::PathRejection::FailedToDeserializePathParams(e) => {
            match e.kind() {
                ErrorKind::ParseErrorAtKey { key, value, .. }
                | ErrorKind::DeserializeError { key, value, .. } => (key.clone(), value.clone()),
                ErrorKind::ParseErrorAtIndex { index, value, .. } => (
                    raw.get(*index).map_or_else(String::new, |(k, _)| k.clone()),
                    value.clone(),
                ),
                ErrorKind::ParseError { value, .. } => (first().0, value.clone()),
                _ => first(),
            }
        }
        _ => first(),
    };
    let value: String = match value.is_empty() {
        true => "\"\"".to_owned(),
        false => value.chars().take(100).collect(),
    };
    ApiError::not_found(&noun(route, &key), value)
}

/// What the parameter `key` of `route` names: itself (`{message}`), or for `{id}` the
/// collection before it in singular (`/conversations/{id}` → `conversation`).
fn noun(route: &str, key: &str) -> String {
    if !key.is_empty() && key != "id" {
        return key.to_owned();
    }
    let placeholder = "{id}";
    let segments: Vec<&str> = route.split('/').collect();
    let collection = segments
        .iter()
        .position(|s| *s == placeholder)
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| segments.get(i))
        .copied()
        .unwrap_or("item");
    let singular = match collection.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => collection
            .strip_suffix('s')
            .unwrap_or(collection)
            .to_owned(),
    };
    singular.replace('-', " ")
}

/// Query parameters; malformed ones are a 400 JSON error.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Params<T>(pub T);

/// The signed-in person (bearer token). A one-time password must be changed before anything
/// else: only [`Signing`] routes accept such a session.
#[derive(Debug, Clone)]
pub struct Signed(pub accounts::Signed);

/// A signed-in person who may still have to change a one-time password (the password, me and
/// logout routes).
#[derive(Debug, Clone)]
pub struct Signing(pub accounts::Signed);

/// A signed-in admin.
#[derive(Debug, Clone)]
pub struct Admin(pub accounts::Signed);

/// The bearer token of a request.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The client's address, for login rate limits: the last `X-Forwarded-For` entry when the
/// server is told it sits behind a proxy (the one the proxy appended; earlier ones are the
/// client's to forge), else the TCP peer ("unknown" when not served over TCP).
pub fn client_address(parts: &Parts, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(last) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
    {
        return last
            .parse::<IpAddr>()
            .map_or_else(|_| last.to_owned(), limited_unit);
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| limited_unit(c.0.ip()))
}

/// What one client controls: an IPv4 address, or an IPv6 /64 (one home or phone gets a whole
/// /64, so counting single IPv6 addresses would let one client dodge the limit).
fn limited_unit(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() && !v6.is_loopback() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

async fn signed(parts: &Parts, state: &AppState) -> Result<accounts::Signed, ApiError> {
    let token = bearer(parts).ok_or(AccountError::Unauthenticated)?;
    Ok(accounts::authenticate(&state.store, token, chrono::Utc::now()).await?)
}

impl FromRequestParts<AppState> for Signing {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Signing(signed(parts, state).await?))
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let who = signed(parts, state).await?;
        if who.account.must_change_password {
            return Err(AccountError::PasswordChangeRequired.into());
        }
        Ok(Signed(who))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Signed(who) = Signed::from_request_parts(parts, state).await?;
        if !who.is_admin() {
            return Err(ApiError::forbidden("only admins manage the workspace"));
        }
        Ok(Admin(who))
    }
}

/// The client's address (see [`client_address`]).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(
            parts,
            state.trust_forwarded_for,
        )))
    }
}

/// A JSON body that may be left out entirely or be `null` (then `T::default()`); a malformed
/// one is a 400/422 JSON error.
#[derive(Debug)]
pub struct MaybeBody<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for MaybeBody<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Default,
{
    type Rejection = ApiError;
    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
            return Ok(MaybeBody(T::default()));
        }
        serde_json::from_slice(&bytes)
            .map(MaybeBody)
            .map_err(|e| match e.classify() {
                serde_json::error::Category::Data => ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::Invalid,
                    format!("the JSON body does not fit: {e}"),
                ),
                _ => ApiError::bad_request(format!("the body is not JSON: {e}")),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::{limited_unit, noun};

    #[test]
    fn a_malformed_id_is_named_by_what_its_route_calls_it() {
        assert_eq!(
            noun("/api/v1/conversations/{id}/claim", "id"),
            "conversation"
        );
        assert_eq!(noun("/api/v1/canned-replies/{id}", "id"), "canned reply");
        assert_eq!(noun("/api/v1/media/{message}", "message"), "message");
        assert_eq!(noun("", "id"), "item");
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_and_ipv4_by_its_address() {
        let a = limited_unit("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = limited_unit("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(limited_unit("203.0.113.7".parse().unwrap()), "203.0.113.7");
        assert_eq!(
            limited_unit("::ffff:203.0.113.7".parse().unwrap()),
            "203.0.113.7"
        );
    }
}
