//! The web view for office agents and supervisors: server-rendered pages (askama templates in
//! `server/templates/`) and one small hand-written script (`assets/app.js`) for live updates
//! and keyboard shortcuts — no build step, so `cargo run` serves everything.
//!
//! The web view is one more door to the same desk: pages read through the same store queries
//! as the API (`can_see` decides what exists), and every form becomes the same domain command
//! the REST routes and phone sync submit, decided by the one write path. Nothing here judges.
//!
//! | route | what it is |
//! |---|---|
//! | `GET /` | the queue (views with counts, filters, sort) |
//! | `GET/POST /login`, `POST /logout`, `GET/POST /password` | signing in and out ([`login`]) |
//! | `GET/POST /conversations/{id}` | a conversation: timeline, side panel, composer; its forms ([`conversation`], [`actions`]) |
//! | `GET/POST /escalations` | requests waiting for a supervisor ([`escalations`]) |
//! | `GET /live` | the live stream (the API's, signed in by cookie) |
//! | `GET /media/{message}` | a customer's file, to those who may see it (`no-store`, like the pages) |
//! | `GET /assets/*` | the script and the style sheet |

mod actions;
mod conversation;
mod error;
mod escalations;
mod login;
mod present;
mod queue;
mod session;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use queue::Choice;
use relaydesk_core::domain::{Availability, MessageId};

use crate::state::AppState;
pub use error::PageError;
use session::Agent;

/// What the pages may load and do: only our own script and styles, no inline code, no framing.
/// Even if some customer text escaped its escaping, a script in it could not run.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Every route of the web view.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(queue::page))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", axum::routing::post(login::logout))
        .route(
            "/password",
            get(login::password_form).post(login::change_password),
        )
        .route(
            "/conversations/{id}",
            get(conversation::page).post(actions::submit),
        )
        .route(
            "/escalations",
            get(escalations::page).post(escalations::decide),
        )
        .route(
            "/availability",
            axum::routing::post(actions::set_availability),
        )
        .route("/live", get(live))
        .route("/media/{message}", get(media))
        .route("/assets/app.js", get(script))
        .route("/assets/app.css", get(style))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .layer(middleware::from_fn(session::guard_forms))
        .layer(middleware::from_fn(protect_pages))
}

/// Renders a page with its status.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "This page could not be shown.",
            )
                .into_response()
        }
    }
}

/// The top bar of every signed-in page.
#[derive(Debug, Clone)]
pub struct Nav {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
    pub supervisor: bool,
    /// Which page is showing (`queue`, `conversation`, `escalations`, `password`).
    pub current: &'static str,
    /// Where the page's live stream starts (see [`Agent::since`]).
    pub since: i64,
    /// The person's availability, and the choices of it.
    pub availability: Vec<Choice>,
}

impl Nav {
    pub fn of(agent: &Agent, current: &'static str) -> Nav {
        Nav {
            name: agent.who.member.name.clone(),
            role: agent.who.member.role.as_str(),
            csrf: agent.csrf.clone(),
            supervisor: present::supervises(&agent.who.member),
            current,
            since: agent.since,
            availability: [
                (Availability::Online, "online", "Online"),
                (Availability::Away, "away", "Away"),
                (Availability::Offline, "offline", "Offline"),
            ]
            .into_iter()
            .map(|(value, word, label)| Choice {
                value: word.to_owned(),
                label: label.to_owned(),
                selected: agent.who.member.availability == value,
            })
            .collect(),
        }
    }
}

/// Headers every page of the web view carries.
async fn protect_pages(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(POLICY));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Pages hold customers' words: not kept in shared caches or the back-button cache of a
    // shared computer after sign-out.
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

#[derive(Debug, serde::Deserialize)]
struct Since {
    since: Option<String>,
}

/// The live stream for a page: everything the signed-in person may see after the version the
/// page was drawn at (`?since=`), or after `Last-Event-ID` when the browser reconnects.
async fn live(
    State(state): State<AppState>,
    agent: Agent,
    headers: axum::http::HeaderMap,
    axum::extract::Query(query): axum::extract::Query<Since>,
) -> Result<Response, PageError> {
    let version = |raw: Option<&str>| {
        raw.and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| *v >= 0)
    };
    let resume = version(headers.get("last-event-id").and_then(|v| v.to_str().ok()));
    let start = resume
        .or_else(|| version(query.since.as_deref()))
        .unwrap_or(agent.since)
        .min(agent.since);
    // Refused (too many streams) it answers the API's JSON error: the page's script reads it.
    Ok(crate::http::events::live(
        state,
        agent.who,
        start,
        relaydesk_core::protocol::version::PROTOCOL,
    )
    .unwrap_or_else(IntoResponse::into_response))
}

async fn media(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: MessageId = id.parse().map_err(|_| PageError::Shown {
        status: StatusCode::NOT_FOUND,
        message: "There is no such file.".into(),
    })?;
    let mut file = crate::http::media::file(&state, &agent.who, id).await?;
    // A customer's file is as private as the page showing it: not kept by the browser after
    // sign-out on a shared computer (the API's own answer may be cached by a phone's client).
    file.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(file)
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    )
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/app.css"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}
