//! What the web view answers when a page cannot be shown: a signed-out browser is sent to the
//! sign-in page (and back afterwards), a one-time password to the password page, anything
//! else becomes a plain page saying what went wrong — in words, never a stack trace or JSON.

use askama::Template;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};

use crate::accounts::AccountError;
use crate::http::ApiError;
use crate::store::DbError;

#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): sign in, then come back to `next`.
    SignIn { next: String },
    /// Signed in with a one-time password: choose a new one first.
    ChangePassword,
    /// Shown as a page.
    Shown { status: StatusCode, message: String },
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: Option<super::Nav>,
    status: u16,
    message: &'a str,
}

/// `303 See Other` to `to` (our own paths only).
pub fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = to.parse() {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn { next } => {
                let encoded: String =
                    serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                see_other(&format!("/login?{encoded}"))
            }
            PageError::ChangePassword => see_other("/password"),
            PageError::Shown { status, message } => super::render(
                status,
                &ErrorPage {
                    nav: None,
                    status: status.as_u16(),
                    message: &message,
                },
            ),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError::Shown {
            status: error.status,
            message: error.message,
        }
    }
}

impl From<DbError> for PageError {
    fn from(error: DbError) -> Self {
        ApiError::from(error).into()
    }
}

impl From<AccountError> for PageError {
    fn from(error: AccountError) -> Self {
        ApiError::from(error).into()
    }
}
