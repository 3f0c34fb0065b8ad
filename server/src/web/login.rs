//! Signing in and out of the web view, and choosing a password after a one-time one. The
//! rules (Argon2id, limits per account-and-address and per address, one-time passwords) are
//! `accounts`'s, shared with phones; only the cookie is the browser's own.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use relaydesk_core::protocol::auth::LoginRequest;
use serde::Deserialize;

use super::error::{PageError, see_other};
use super::session::{self, Agent, LOGIN_COOKIE, SESSION_COOKIE, set_cookie, with_cookie};
use super::{Nav, render};
use crate::accounts::{self, AccountError, SESSION_IDLE_LIFETIME};
use crate::http::extract::ClientAddress;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<Nav>,
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// The sign-in form (with a fresh double-submit token when the browser has none).
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Next>,
) -> Response {
    show(
        &state,
        &headers,
        String::new(),
        query.next.as_deref(),
        None,
        StatusCode::OK,
    )
}

fn show(
    state: &AppState,
    headers: &HeaderMap,
    email: String,
    next: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let existing = session::cookie(headers, LOGIN_COOKIE).map(str::to_owned);
    let Some(csrf) = existing.clone().or_else(session::login_token) else {
        tracing::error!("no randomness for a sign-in form's token");
        return PageError::Shown {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "Signing in is not possible right now; try again in a moment.".into(),
        }
        .into_response();
    };
    let response = render(
        status,
        &LoginPage {
            nav: None,
            csrf: csrf.clone(),
            email,
            next: safe_next(next),
            error,
        },
    );
    if existing.is_some() {
        return response;
    }
    with_cookie(
        response,
        set_cookie(
            LOGIN_COOKIE,
            &csrf,
            3600,
            session::secure(state, headers),
            "Strict",
        ),
    )
}

#[derive(Debug, Deserialize)]
pub struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Result<Response, PageError> {
    let device = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map_or_else(
            || "Web browser".to_owned(),
            |ua| format!("Web browser ({ua})"),
        );
    let request = LoginRequest {
        email: form.email.clone(),
        password: form.password,
        device: Some(device),
    };
    let signed_in = accounts::login(&state.store, request, &address, Utc::now()).await;
    let login = match signed_in {
        Ok(login) => login,
        Err(
            error @ (AccountError::InvalidCredentials
            | AccountError::TooManyAttempts { .. }
            | AccountError::Invalid { .. }),
        ) => {
            let status = match error {
                AccountError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                AccountError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::UNAUTHORIZED,
            };
            let message = match &error {
                AccountError::TooManyAttempts { retry_after_secs } => format!(
                    "Too many failed sign-ins. Try again in {} minute(s).",
                    (retry_after_secs + 59) / 60
                ),
                AccountError::Invalid { field, reason } => {
                    format!("That {field} is too long to be anyone's ({reason}).")
                }
                _ => "Wrong email or password.".to_owned(),
            };
            return Ok(show(
                &state,
                &headers,
                form.email,
                form.next.as_deref(),
                Some(message),
                status,
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let to = if login.user.must_change_password {
        "/password".to_owned()
    } else {
        safe_next(form.next.as_deref())
    };
    let secure = session::secure(&state, &headers);
    let response = with_cookie(
        see_other(&to),
        set_cookie(
            SESSION_COOKIE,
            &login.token,
            SESSION_IDLE_LIFETIME.num_seconds(),
            secure,
            "Lax",
        ),
    );
    Ok(with_cookie(
        response,
        set_cookie(LOGIN_COOKIE, "", 0, secure, "Strict"),
    ))
}

/// Ends this browser's session — whatever state it is in, also before a one-time password
/// was replaced (the form guard already checked that the form came from this session).
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Some(token) = session::cookie(&headers, SESSION_COOKIE) {
        accounts::sign_out(&state.store, token).await?;
    }
    Ok(with_cookie(
        see_other("/login"),
        set_cookie(
            SESSION_COOKIE,
            "",
            0,
            session::secure(&state, &headers),
            "Lax",
        ),
    ))
}

/// Where a browser goes after signing in: a path of this site, or `/`.
///
/// `next` is read the way a browser would read it in a `Location` header — resolved against
/// our origin by the WHATWG URL rules, which drop tabs and newlines and take `\` for `/` — and
/// kept only when it stays on our origin. Control characters anywhere refuse it outright (a
/// tab is valid in a header yet vanishes in the browser: `/\t/evil.example` is
/// `//evil.example` there). The answer is the resolved URL's own path, query and fragment,
/// re-serialised, so what the browser follows is exactly what was checked.
pub fn safe_next(next: Option<&str>) -> String {
    const ORIGIN: &str = "http://relaydesk.invalid/";
    let Some(next) = next.filter(|n| n.starts_with('/') && !n.chars().any(char::is_control)) else {
        return "/".to_owned();
    };
    let Ok(origin) = url::Url::parse(ORIGIN) else {
        return "/".to_owned();
    };
    match origin.join(next) {
        Ok(target) if target.origin() == origin.origin() => {
            let path = &target[url::Position::BeforePath..];
            // A path beginning `//` would be read as another host if it were ever sent alone.
            if path.starts_with("//") {
                "/".to_owned()
            } else {
                path.to_owned()
            }
        }
        _ => "/".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: Option<Nav>,
    csrf: String,
    required: bool,
    error: Option<String>,
}

pub async fn password_form(agent: Agent) -> Response {
    render(
        StatusCode::OK,
        &PasswordPage {
            required: agent.who.account.must_change_password,
            nav: Some(Nav::of(&agent, "password")),
            csrf: agent.csrf,
            error: None,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    agent: Agent,
    Form(form): Form<NewPassword>,
) -> Result<Response, PageError> {
    let changed = accounts::change_password(
        &state.store,
        &agent.who,
        form.current_password,
        form.new_password,
        &address,
        Utc::now(),
    )
    .await;
    match changed {
        Ok(()) => Ok(see_other("/")),
        Err(error @ (AccountError::Invalid { .. } | AccountError::TooManyAttempts { .. })) => {
            let status = match error {
                AccountError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Ok(render(
                status,
                &PasswordPage {
                    required: agent.who.account.must_change_password,
                    nav: Some(Nav::of(&agent, "password")),
                    csrf: agent.csrf,
                    error: Some(error.to_string()),
                },
            ))
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    /// Where a browser would really go from `location` on our page.
    fn followed(location: &str) -> url::Url {
        url::Url::parse("https://desk.example/login")
            .and_then(|page| page.join(location))
            .expect("a location a browser can follow")
    }

    #[test]
    fn after_sign_in_only_paths_of_this_site_are_followed() {
        let table: &[(Option<&str>, &str)] = &[
            (Some("/conversations/1"), "/conversations/1"),
            (
                Some("/?view=mine&sort=longest_waiting"),
                "/?view=mine&sort=longest_waiting",
            ),
            (Some("/escalations#top"), "/escalations#top"),
            (None, "/"),
            (Some(""), "/"),
            (Some("//evil.example"), "/"),
            (Some("///evil.example"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("\\\\evil.example"), "/"),
            (Some("/\t/evil.example"), "/"),
            (Some("/\n/evil.example"), "/"),
            (Some("/\r\n/evil.example"), "/"),
            (Some("/\u{0}/evil.example"), "/"),
            (Some("/\u{7f}/evil.example"), "/"),
            (Some("https://evil.example"), "/"),
            (Some("https://evil.example/"), "/"),
            (Some("http://relaydesk.invalid/x"), "/"),
            (Some("javascript:alert(1)"), "/"),
            (Some("evil.example"), "/"),
            (Some(" /conversations"), "/"),
            // Encoded slashes stay encoded: a path of ours that finds nothing.
            (Some("/%2F%2Fevil.example"), "/%2F%2Fevil.example"),
            (Some("/%5C%5Cevil.example"), "/%5C%5Cevil.example"),
            (Some("/%09/evil.example"), "/%09/evil.example"),
            // Dots and backslashes inside a path resolve on this site.
            (Some("/a/../b"), "/b"),
            (Some("/a\\b"), "/a/b"),
            (Some("/./\\evil.example"), "/"),
            (Some("/.//evil.example"), "/"),
        ];
        for (next, expected) in table {
            let answer = safe_next(*next);
            assert_eq!(&answer, expected, "next = {next:?}");
            assert_eq!(
                followed(&answer).host_str(),
                Some("desk.example"),
                "next = {next:?} must stay on this site"
            );
        }
    }
}
