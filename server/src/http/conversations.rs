//! Reading the queue: `GET /api/v1/conversations?view=…` (a page with counts per view),
//! one conversation, and its timeline. Visibility is the domain's: what a member may not see
//! is "not found", never "forbidden" (its existence is not revealed).

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use relaydesk_core::domain::{
    Change, ContactId, Content, Conversation, ConversationId, Entity, InboxId, Label, Order, Place,
    Priority, TeamId, UserId, View, can_see,
};
use relaydesk_core::protocol::queue::{ConversationSummary, QueuePage};
use relaydesk_core::protocol::thread::{ConversationDetail, TimelineEntry, TimelinePage};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::ApiError;
use super::extract::{Id, Params, Signed};
use crate::accounts;
use crate::state::AppState;
use crate::store::{After, QueueFilters, TimelineFrom};
use relaydesk_core::protocol::errors::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Rows per page when the client does not say; the most it may ask for.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(detail))
        .routes(routes!(timeline))
}

/// `?view=&sort=&cursor=&limit=&inbox=&team=&label=&priority=&assignee=`, all optional.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct QueueParams {
    /// unassigned (default), mine, team, escalations, waiting, snoozed, resolved, all.
    #[param(value_type = Option<View>)]
    pub(crate) view: Option<String>,
    /// longest_waiting (default) or window_closing_soonest.
    #[param(value_type = Option<Order>)]
    pub(crate) sort: Option<String>,
    /// The `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub(crate) limit: Option<String>,
    /// Only this inbox (id).
    #[param(value_type = Option<InboxId>)]
    pub(crate) inbox: Option<String>,
    /// Only this team (id).
    #[param(value_type = Option<TeamId>)]
    pub(crate) team: Option<String>,
    /// Only conversations with this label.
    #[param(max_length = 50, pattern = r"^[\w :-]*[\w:-][\w :-]*$")]
    pub(crate) label: Option<String>,
    /// low, normal, high or urgent.
    #[param(value_type = Option<Priority>)]
    pub(crate) priority: Option<String>,
    /// Only conversations owned by this person (id).
    #[param(value_type = Option<UserId>)]
    pub(crate) assignee: Option<String>,
    /// Only this customer's conversations (contact id).
    #[param(value_type = Option<ContactId>)]
    pub(crate) contact: Option<String>,
}

// The query's limits as the OpenAPI document states them (`#[param]` takes only literals).
const _: () = assert!(MAX_LIMIT == 200);
const _: () = assert!(relaydesk_core::domain::limits::MAX_LABEL_CHARS == 50);

pub(crate) fn parse<T: std::str::FromStr>(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    raw.filter(|r| !r.is_empty())
        .map(|r| {
            r.parse::<T>()
                .map_err(|e| ApiError::invalid(field, e.to_string()))
        })
        .transpose()
}

/// Cursors are opaque to clients: base64url of JSON.
pub(crate) fn encode_cursor<T: serde::Serialize>(position: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

pub(crate) fn decode_cursor<T: DeserializeOwned>(raw: Option<&str>) -> Result<Option<T>, ApiError> {
    raw.filter(|r| !r.is_empty())
        .map(|r| {
            URL_SAFE_NO_PAD
                .decode(r)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| ApiError::invalid("cursor", "not a cursor this server gave out"))
        })
        .transpose()
}

fn limit(raw: Option<&str>) -> Result<usize, ApiError> {
    let limit = parse::<usize>("limit", raw)?.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::invalid(
            "limit",
            format!("between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(limit)
}

pub(crate) fn priority(raw: Option<&str>) -> Result<Option<Priority>, ApiError> {
    raw.filter(|r| !r.is_empty())
        .map(
            |r| match serde_json::from_value(serde_json::Value::String(r.to_owned())) {
                Ok(Priority::Unknown) | Err(_) => Err(ApiError::invalid(
                    "priority",
                    "one of: low, normal, high, urgent",
                )),
                Ok(known) => Ok(known),
            },
        )
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/conversations", tag = "queue", params(QueueParams), responses((status = 200, body = QueuePage), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn queue(
    State(state): State<AppState>,
    Signed(who): Signed,
    Params(params): Params<QueueParams>,
) -> Result<Json<QueuePage>, ApiError> {
    let limit = limit(params.limit.as_deref())?;
    let now = Utc::now();
    let Listing {
        view,
        sort,
        filters,
        after,
    } = params.listing(now)?;
    let rows = state
        .store
        .queue(
            who.member.clone(),
            who.workspace.clone(),
            view,
            sort,
            filters,
            after,
            limit,
            now,
        )
        .await?;
    let items = rows
        .conversations
        .iter()
        .map(|c| summary(&who, c, &rows.contacts, now))
        .collect();
    Ok(Json(QueuePage {
        view,
        sort,
        counts: rows.counts.into_iter().collect(),
        items,
        next_cursor: rows.next.as_ref().map(encode_cursor),
    }))
}

/// A queue listing as asked for: view, order, filters and where the previous page ended. The
/// API's queue and the web view's queue page read their query the same way.
#[derive(Debug)]
pub(crate) struct Listing {
    pub view: View,
    pub sort: Order,
    pub filters: QueueFilters,
    pub after: Option<After>,
}

impl QueueParams {
    pub(crate) fn listing(&self, now: chrono::DateTime<Utc>) -> Result<Listing, ApiError> {
        let view = parse::<View>("view", self.view.as_deref())?.unwrap_or(View::Unassigned);
        let sort = parse::<Order>("sort", self.sort.as_deref())?.unwrap_or_default();
        let filters = QueueFilters {
            inbox: parse::<InboxId>("inbox", self.inbox.as_deref())?,
            team: parse::<TeamId>("team", self.team.as_deref())?,
            label: self
                .label
                .as_deref()
                .filter(|l| !l.is_empty())
                .map(Label::parse)
                .transpose()
                .map_err(|e| ApiError::invalid("label", e))?,
            priority: priority(self.priority.as_deref())?,
            assignee: parse::<UserId>("assignee", self.assignee.as_deref())?,
            contact: parse::<ContactId>("contact", self.contact.as_deref())?,
        };
        let after: Option<After> = decode_cursor(self.cursor.as_deref())?;
        if after.is_some_and(|a| !a.fits(view, sort, now)) {
            return Err(ApiError::invalid(
                "cursor",
                "this cursor belongs to another view, order or an old listing: start again",
            ));
        }
        Ok(Listing {
            view,
            sort,
            filters,
            after,
        })
    }
}

fn summary(
    who: &accounts::Signed,
    c: &Conversation,
    contacts: &[relaydesk_core::domain::Contact],
    now: chrono::DateTime<Utc>,
) -> ConversationSummary {
    let contact = contacts.iter().find(|k| k.id == c.contact_id);
    ConversationSummary {
        id: c.id,
        inbox: c.inbox_id,
        contact_name: contact.and_then(|k| k.profile_name.clone()),
        contact_phone: contact.and_then(|k| k.phone.clone()),
        status: c.status,
        assignee: c.assignee,
        assignee_name: c
            .assignee
            .and_then(|a| who.workspace.members.get(&a))
            .map(|m| m.name.clone()),
        team: c.team,
        priority: c.priority,
        labels: c.labels.clone(),
        awaiting_reply_since: c.awaiting_reply_since,
        last_inbound_at: c.last_inbound_at,
        window_closes_at: c.window_closes_at(),
        window_open: c.window_is_open(now),
        escalation_pending: c.pending_escalation().is_some(),
        opened_at: c.opened_at,
    }
}

/// The conversation if `who` may see it; otherwise "not found".
pub(crate) async fn visible(
    state: &AppState,
    who: &accounts::Signed,
    id: ConversationId,
) -> Result<Conversation, ApiError> {
    state
        .store
        .conversation(id)
        .await?
        .filter(|c| can_see(&who.member, c, &who.workspace))
        .ok_or_else(|| ApiError::not_found(Entity::Conversation.as_str(), id))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "queue", params(("id" = ConversationId, Path)), responses((status = 200, body = ConversationDetail), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn detail(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(id): Id<ConversationId>,
) -> Result<Json<ConversationDetail>, ApiError> {
    let conversation = visible(&state, &who, id).await?;
    let contact = state.store.contact(conversation.contact_id).await?;
    let workspace = &who.workspace;
    Ok(Json(ConversationDetail {
        owner_name: conversation
            .assignee
            .and_then(|a| workspace.members.get(&a))
            .map(|m| m.name.clone()),
        team_name: conversation
            .team
            .and_then(|t| workspace.teams.get(&t))
            .map(|t| t.name.clone()),
        inbox_name: workspace
            .inboxes
            .get(&conversation.inbox_id)
            .map(|i| i.name.clone()),
        window_closes_at: conversation.window_closes_at(),
        window_open: conversation.window_is_open(Utc::now()),
        contact,
        conversation,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct TimelineParams {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Entries per page, 1–200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/timeline", tag = "queue", params(("id" = ConversationId, Path), TimelineParams), responses((status = 200, body = TimelinePage), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn timeline(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(id): Id<ConversationId>,
    Params(params): Params<TimelineParams>,
) -> Result<Json<TimelinePage>, ApiError> {
    visible(&state, &who, id).await?;
    // (time it sorts at, version, seq, as of): the keyset of the timeline's order.
    let cursor: Option<(i64, i64, i64, i64)> = decode_cursor(params.cursor.as_deref())?;
    let limit = limit(params.limit.as_deref())?;
    let from = match cursor {
        Some((at_millis, version, seq, as_of)) => TimelineFrom {
            after: Some(Place {
                at_millis,
                version,
                seq,
            }),
            as_of,
        },
        None => TimelineFrom {
            after: None,
            as_of: state.store.version().await?,
        },
    };
    let mut stamped = state
        .store
        .timeline(id, from, i64::try_from(limit).unwrap_or(50) + 1)
        .await?;
    let more = stamped.len() > limit;
    stamped.truncate(limit);
    let next_cursor = more
        .then(|| {
            stamped.last().map(|s| {
                let place = s.place();
                encode_cursor(&(place.at_millis, place.version, place.seq, from.as_of))
            })
        })
        .flatten();
    let entries = stamped
        .into_iter()
        .map(|s| TimelineEntry {
            media_url: media_url(&s.event.change),
            version: s.version,
            seq: s.seq,
            happened_at: s.event.happened_at(),
            event: s.event,
        })
        .collect();
    Ok(Json(TimelinePage {
        entries,
        next_cursor,
        as_of: from.as_of,
    }))
}

/// The authenticated download route of a message's file.
pub(crate) fn media_url(change: &Change) -> Option<String> {
    let message = match change {
        Change::CustomerMessageReceived { message } | Change::ReplyQueued { message } => message,
        _ => return None,
    };
    matches!(message.content, Content::Media(_)).then(|| format!("/api/v1/media/{}", message.id))
}
