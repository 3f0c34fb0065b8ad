//! The configuration's history for admins: `GET /api/v1/admin/config-log` lists every change
//! to people, teams, inboxes, templates, canned replies and automations (who, through which
//! door, when, before → after), filtered by kind, actor and time; `GET /api/v1/admin/config`
//! reads the configuration back as it was at an instant (what rebuilt reports use).

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use relaydesk_core::domain::UserId;
use relaydesk_core::domain::config::Kind;
use relaydesk_core::protocol::admin::{ConfigEntry, ConfigLogPage, ConfigurationAt};
use relaydesk_core::protocol::errors::ErrorBody;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiError;
use super::extract::{Admin, Params};
use crate::state::AppState;
use crate::store::config::{LogEntry, LogFilter};

/// Entries per page unless asked otherwise, and at most.
const PAGE: i64 = 100;
const MAX_PAGE: i64 = 500;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(config_log))
        .routes(routes!(configuration_at))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct LogParams {
    /// Only changes to this kind of row: member, team, inbox, template, canned_reply,
    /// automation.
    #[param(value_type = Option<Kind>)]
    kind: Option<String>,
    /// Only changes made by this person (id).
    #[param(value_type = Option<UserId>)]
    actor: Option<String>,
    /// Only changes made at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<String>,
    /// Only changes made before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<String>,
    /// The `next` of the previous page.
    before: Option<String>,
    /// Entries per page, 1–500 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
}

fn instant(field: &str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::invalid(field, "an instant like 2026-11-30T09:00:00Z"))
}

/// Where a page ends, as the next page's `before`.
type Cursor = (i64, i64, String, String, i64);

fn cursor_of(entry: &LogEntry) -> String {
    let cursor: Cursor = (
        entry.at.timestamp_millis(),
        entry.version,
        entry.kind.as_str().to_owned(),
        entry.item.clone(),
        entry.revision,
    );
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

/// A cursor this server gave: its kind one it knows, its item a plain short id.
fn parse_cursor(raw: &str) -> Result<Cursor, ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Cursor>(&bytes).ok())
        .filter(|(_, _, kind, item, _)| {
            Kind::parse(kind).is_some() && item.len() <= 200 && !item.chars().any(char::is_control)
        })
        .ok_or_else(|| ApiError::invalid("before", "not a cursor this server gave"))
}

fn filter_of(params: &LogParams) -> Result<LogFilter, ApiError> {
    let kind = params
        .kind
        .as_deref()
        .map(|k| {
            Kind::parse(k).ok_or_else(|| {
                ApiError::invalid(
                    "kind",
                    "one of: member, team, inbox, template, canned_reply, automation",
                )
            })
        })
        .transpose()?;
    let actor = params
        .actor
        .as_deref()
        .map(|a| {
            a.parse::<UserId>()
                .map_err(|_| ApiError::invalid("actor", "a person's id"))
        })
        .transpose()?;
    let since = params
        .since
        .as_deref()
        .map(|s| instant("since", s))
        .transpose()?;
    let until = params
        .until
        .as_deref()
        .map(|u| instant("until", u))
        .transpose()?;
    let limit = match params.limit.as_deref() {
        None => PAGE,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", format!("1–{MAX_PAGE}")))?,
    };
    Ok(LogFilter {
        kind,
        actor,
        since,
        until,
        before_entry: params.before.as_deref().map(parse_cursor).transpose()?,
        // One more than asked: whether there is a next page.
        limit: limit + 1,
    })
}

fn entry(e: LogEntry) -> ConfigEntry {
    ConfigEntry {
        kind: e.kind,
        item: e.item,
        revision: u64::try_from(e.revision).unwrap_or(0),
        version: u64::try_from(e.version).unwrap_or(0),
        at: e.at,
        by: e.by,
        door: e.door,
        session: e.session,
        before: e.before,
        after: e.after,
        baseline: e.baseline,
        note: e.note,
    }
}

/// The configuration log, newest first: every change to people, teams, inboxes, templates,
/// canned replies and automations, with who made it, through which door and session, when,
/// and the row before and after (a deleted row's entry has no `after`: its tombstone). Rows
/// that stood when the log began have a `baseline` entry saying what came before is unknown.
#[utoipa::path(get, path = "/api/v1/admin/config-log", tag = "admin", params(LogParams), responses((status = 200, body = ConfigLogPage), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn config_log(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Params(params): Params<LogParams>,
) -> Result<Json<ConfigLogPage>, ApiError> {
    let filter = filter_of(&params)?;
    let asked = usize::try_from(filter.limit - 1).unwrap_or(0);
    let mut entries = state.store.config_log(filter).await?;
    let next = if entries.len() > asked {
        entries.truncate(asked);
        entries.last().map(cursor_of)
    } else {
        None
    };
    Ok(Json(ConfigLogPage {
        entries: entries.into_iter().map(entry).collect(),
        next,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AtParams {
    /// The instant (RFC 3339); now when left out.
    #[param(value_type = Option<String>, format = DateTime)]
    at: Option<String>,
}

/// The configuration as it was at `at`, read back from the log: people (with their
/// availability then), teams, inboxes, templates, canned replies and automations. Before the
/// log began, rows are shown as they stood when it began, and `known_from` says so.
#[utoipa::path(get, path = "/api/v1/admin/config", tag = "admin", params(AtParams), responses((status = 200, body = ConfigurationAt), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn configuration_at(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Params(params): Params<AtParams>,
) -> Result<Json<ConfigurationAt>, ApiError> {
    let at = match params.at.as_deref() {
        Some(raw) => instant("at", raw)?,
        None => Utc::now(),
    };
    let (workspace, known_from) = state.store.configuration_at(at).await?;
    Ok(Json(ConfigurationAt {
        at,
        workspace,
        known_from,
    }))
}
