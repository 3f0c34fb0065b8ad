//! Who is using the web view, and proof that a form came from one of our own pages.
//!
//! A browser signs in with the same accounts and sessions as a phone (`accounts::login`): the
//! session's opaque token travels in an `HttpOnly; SameSite=Lax` cookie instead of an
//! `Authorization` header, so page scripts never see it. Every form carries a CSRF token
//! derived from the session token (a keyed hash: it cannot be computed without the cookie,
//! and it changes with each sign-in); the sign-in form, which has no session yet, uses a
//! random token kept in its own cookie (double submit), good for that form only. [`guard_forms`] checks every POST of
//! the web view before any handler runs, so no form can forget; it also refuses requests a
//! browser marks as cross-site.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::PageError;
use crate::accounts::{self, AccountError};
use crate::state::AppState;

/// The session cookie (the session token itself).
pub const SESSION_COOKIE: &str = "relaydesk_session";
/// The sign-in form's double-submit token.
pub const LOGIN_COOKIE: &str = "relaydesk_login";
/// The form field every POST carries.
pub const CSRF_FIELD: &str = "_csrf";
/// Largest form accepted (a reply is at most 4,096 characters; notes and templates less).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

/// The CSRF token of a session: a hash of its secret token under a fixed label.
pub fn csrf_for(session_token: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"relaydesk web form\0");
    hash.update(session_token.as_bytes());
    URL_SAFE_NO_PAD.encode(hash.finalize())
}

/// `Set-Cookie` for a cookie of ours (`max_age` 0 deletes it).
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: i64,
    secure: bool,
    same_site: &str,
) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("relaydesk_invalid=; Max-Age=0"))
}

/// Whether cookies must be `Secure` for this request: always when configured, and when a
/// trusted proxy says the browser used HTTPS.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.secure_cookies
        || (state.trust_forwarded_for
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|p| p.eq_ignore_ascii_case("https")))
}

/// Adds a `Set-Cookie` to a response.
pub fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(SET_COOKIE, cookie);
    response
}

/// A signed-in person using the web view, with the token their forms carry.
#[derive(Debug, Clone)]
pub struct Agent {
    pub who: accounts::Signed,
    pub csrf: String,
    /// The desk's version before the page read anything: the page's live stream starts
    /// here, so a change committed while the page was drawn still reaches it.
    pub since: i64,
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let sign_in = || PageError::SignIn { next: next.clone() };
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(sign_in)?;
        let who = match accounts::authenticate(&state.store, token, chrono::Utc::now()).await {
            Ok(who) => who,
            Err(AccountError::Unauthenticated) => return Err(sign_in()),
            Err(other) => return Err(other.into()),
        };
        if who.account.must_change_password && parts.uri.path() != "/password" {
            return Err(PageError::ChangePassword);
        }
        Ok(Agent {
            since: state.store.version().await?,
            csrf: csrf_for(token),
            who,
        })
    }
}

/// Middleware on every web route: a POST must come from a page of ours (not marked
/// cross-site, `Origin` matching the host when present) and carry the CSRF token of the
/// browser's session, or — on `POST /login` only — of its sign-in form. Refused requests get
/// a 403 page and reach no handler.
pub async fn guard_forms(request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    if let Err(reason) = same_site(&parts.headers) {
        return forbidden(reason);
    }
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return PageError::Shown {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: "That form was too large to accept.".into(),
        }
        .into_response();
    };
    let sent: Option<String> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|fields| {
            fields
                .into_iter()
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v)
        });
    // The sign-in form's token is only a cookie echoed back (double submit): anyone able to
    // plant a cookie for this site could choose it, so it opens the sign-in form and nothing
    // else. Every other form needs the token derived from the session itself.
    let signing_in = parts.uri.path() == "/login";
    let expected: Vec<String> = [
        cookie(&parts.headers, SESSION_COOKIE).map(csrf_for),
        cookie(&parts.headers, LOGIN_COOKIE)
            .filter(|_| signing_in)
            .map(str::to_owned),
    ]
    .into_iter()
    .flatten()
    .collect();
    let matches = sent.is_some_and(|sent| {
        expected
            .iter()
            .any(|e| bool::from(e.as_bytes().ct_eq(sent.as_bytes())))
    });
    if !matches {
        return forbidden(
            "This form has expired or did not come from Relaydesk. Reload the page and try again.",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn forbidden(reason: &str) -> Response {
    PageError::Shown {
        status: StatusCode::FORBIDDEN,
        message: reason.to_owned(),
    }
    .into_response()
}

/// Refuses what a browser says came from another site.
fn same_site(headers: &HeaderMap) -> Result<(), &'static str> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if text("sec-fetch-site") == Some("cross-site") {
        return Err("Forms cannot be sent to Relaydesk from another site.");
    }
    if let (Some(origin), Some(host)) = (text(ORIGIN.as_str()), text(HOST.as_str())) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin != "null" && origin_host != host {
            return Err("Forms cannot be sent to Relaydesk from another site.");
        }
        if origin == "null" {
            return Err("Forms cannot be sent to Relaydesk from an opaque origin.");
        }
    }
    Ok(())
}

/// A fresh random token for the sign-in form (`None` if the system has no randomness to give,
/// which must not become a guessable token).
pub fn login_token() -> Option<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forms_token_belongs_to_one_session() {
        assert_eq!(csrf_for("rdt_a"), csrf_for("rdt_a"));
        assert_ne!(csrf_for("rdt_a"), csrf_for("rdt_b"));
        assert!(!csrf_for("rdt_a").contains("rdt_a"));
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("other_relaydesk_session=x; relaydesk_session=rdt_1"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("rdt_1"));
        assert_eq!(cookie(&headers, LOGIN_COOKIE), None);
    }

    #[test]
    fn a_form_from_another_site_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("desk.example:8080"));
        headers.insert(ORIGIN, HeaderValue::from_static("http://desk.example:8080"));
        assert!(same_site(&headers).is_ok());
        headers.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(same_site(&headers).is_err());
        headers.remove(ORIGIN);
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(same_site(&headers).is_err());
    }
}
