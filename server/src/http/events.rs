//! `GET /api/v1/events`: Server-Sent Events of every committed change the signed-in person may
//! see, one message per change with its version as the SSE id. `Last-Event-ID` (or `?since=`)
//! resumes after a version with nothing missed and nothing repeated: a stream reads only up
//! to the commit watermark W, under which every version is final (`store::watermark`).
//!
//! The stream wakes when W moves (this instance's commits, other instances' through
//! PostgreSQL NOTIFY, and a tick), re-reads the person's session each time (a revoked or expired
//! session ends it) and, when the version moved, their teams (a deactivated person's stream
//! ends). Events are filtered by the domain's `can_see` — plus the change that takes a
//! conversation away from someone (reassigned, moved to another team), which they still hear,
//! and, when one round reads several versions, what happened in it before that change (they
//! could see it then; the conversation as it stands now no longer says so).
//!
//! Ephemeral signals (`crate::signals`: who is viewing or typing, presence) come as `signal`
//! events without an id, filtered the same way: the ones still live when a stream opens, then
//! each as it arrives.
//!
//! Streams are limited per session and per instance (`live_streams`: 429 `too_many_streams`
//! beyond), and a stream never replays more than `catch_up_versions` versions: starting (or
//! falling) further behind — `since=0`, a week-old `Last-Event-ID`, a version this database
//! never sent — it gets one `reset` event carrying the latest version and goes on live from
//! there; the client reloads what it shows instead.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use relaydesk_core::domain::{
    Conversation, ConversationId, Event, Member, Workspace, can_see, gained_sight, lost_sight,
};
use relaydesk_core::protocol::live::{
    CHANGE_EVENT, LiveChange, LiveReset, RESET_EVENT, SIGNAL_EVENT, Signal,
};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::ApiError;
use super::extract::{Params, Signed};
use super::live_streams::Ticket;
use super::protocol::Protocol;
use crate::accounts;
use crate::state::{AppState, SseClient};
use crate::store::{DbError, Stamped};
use relaydesk_core::protocol::errors::ErrorBody;
use relaydesk_core::protocol::older;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Versions read per round, so a client far behind catches up in bounded steps.
const VERSIONS_PER_ROUND: i64 = 200;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct EventParams {
    /// Start after this version (like `Last-Event-ID`); default: only what happens from now.
    #[param(value_type = Option<u64>)]
    since: Option<String>,
}

fn version_from(field: &str, raw: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 0)
        .ok_or_else(|| ApiError::invalid(field, "a version this server sent (a whole number)"))
}

#[utoipa::path(get, path = "/api/v1/events", tag = "live", params(EventParams, ("Last-Event-ID" = Option<String>, Header, description = "Resume after this version")), responses((status = 200, description = "`text/event-stream`: one `change` event per committed change you may see, `id` = its version, `data` = LiveChange. A stream asked to resume further behind than the server replays (`relaydesk serve --live-catch-up-versions`, default 1,000 versions), or after a version it never sent, instead gets one `reset` event, `id` = the latest version, `data` = LiveReset: reload what you show (a phone pulls), then changes follow live. `signal` events (no `id`, never stored or replayed), `data` = Signal: who is viewing or typing in a conversation you may see, or is present; each is forgotten at its `expires_at` unless sent again", content_type = "text/event-stream", body = LiveChange), (status = 429, description = "Too many live streams open, for this session (default 8) or on this server (default 2,000): `too_many_streams` with `scope` and `limit`; `Retry-After` says when to try again", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn events(
    State(state): State<AppState>,
    Signed(who): Signed,
    Protocol(protocol): Protocol,
    headers: HeaderMap,
    Params(params): Params<EventParams>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let resume = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("not text"));
    // W as of now: a version another instance sent is at most its W, so never above this.
    let now = state.store.version().await?;
    let start = match (resume, params.since.as_deref()) {
        (Some(id), _) => version_from("Last-Event-ID", id)?,
        (None, Some(since)) => version_from("since", since)?,
        (None, None) => now,
    };
    live(state, who, start, protocol)
}

/// The stream of what `who` may see after version `start` (the API's route and the web
/// view's share it; only how the person signed in differs) — unless the session or this
/// instance holds as many streams as it may. Each change is sent in the shape of `protocol`
/// (`relaydesk_core::protocol::older`).
pub(crate) fn live(
    state: AppState,
    who: accounts::Signed,
    start: i64,
    protocol: u32,
) -> Result<axum::response::Response, ApiError> {
    let ticket = state.live.open(&who.session.id)?;
    let (sender, receiver) = mpsc::channel(32);
    tokio::spawn(stream(state, who, start, protocol, sender, ticket));
    Ok(Sse::new(ReceiverStream::new(receiver))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

type Outbox = mpsc::Sender<Result<SseEvent, Infallible>>;

/// Feeds one client until it goes away, its session ends, or the database fails; its place
/// among the open streams (`ticket`) is given back then.
async fn stream(
    state: AppState,
    who: accounts::Signed,
    mut cursor: i64,
    protocol: u32,
    out: Outbox,
    ticket: Ticket,
) {
    let _counted = (SseClient::connected(&state.metrics), ticket);
    let mut changes = state.store.changes();
    let mut signals = state.signals.subscribe();
    let mut listener = Listener::default();
    for signal in state.signals.live(chrono::Utc::now()) {
        if !pass_on(&state, &who, &mut listener, &signal, &out).await {
            return;
        }
    }
    loop {
        changes.borrow_and_update();
        match catch_up(&state, &who, &mut cursor, protocol, &out).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                tracing::error!(%error, "the live stream cannot read the database; closing it");
                return;
            }
        }
        loop {
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return } else { break },
                signal = signals.recv() => match signal {
                    Ok(signal) => if !pass_on(&state, &who, &mut listener, &signal, &out).await { return },
                    // Missed ones are gone: a signal only says what is happening now.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                () = out.closed() => return,
            }
        }
    }
}

/// How often a stream that only hears signals reads its session and the workspace again.
const LISTENER_FRESH_FOR: Duration = Duration::from_secs(5);

/// Who a stream's signals are for, as last read: their session's end, the workspace and them in
/// it (read at most every [`LISTENER_FRESH_FOR`], not once per signal).
#[derive(Default)]
struct Listener {
    read_at: Option<std::time::Instant>,
    session_ends: Option<chrono::DateTime<chrono::Utc>>,
    seen_by: Option<(Member, Workspace)>,
}

impl Listener {
    /// The member and workspace, read again when stale; `None` when the stream should end
    /// (the session was ended, revoked or ran out, or the person was deactivated).
    async fn refresh(
        &mut self,
        state: &AppState,
        who: &accounts::Signed,
    ) -> Result<Option<&(Member, Workspace)>, DbError> {
        let now = chrono::Utc::now();
        if self
            .read_at
            .is_none_or(|at| at.elapsed() >= LISTENER_FRESH_FOR)
        {
            self.session_ends = state
                .store
                .session(who.session.id.clone())
                .await?
                .map(|s| s.expires_at);
            let workspace = state.store.workspace().await?;
            self.seen_by = workspace
                .members
                .get(&who.member.id)
                .filter(|m| m.active)
                .cloned()
                .map(|member| (member, workspace));
            self.read_at = Some(std::time::Instant::now());
        }
        if self.session_ends.is_none_or(|ends| ends <= now) {
            return Ok(None);
        }
        Ok(self.seen_by.as_ref())
    }
}

/// Sends `signal` if `who` may see what it is about (a conversation by `can_see`; presence to
/// every active member) and it has not expired; `false` when the stream should end (the client
/// is gone, or the session is over: the stream ends as `catch_up` would end it).
async fn pass_on(
    state: &AppState,
    who: &accounts::Signed,
    listener: &mut Listener,
    signal: &Signal,
    out: &Outbox,
) -> bool {
    if signal.expires_at <= chrono::Utc::now() {
        return true;
    }
    let visible = async {
        let Some((member, workspace)) = listener.refresh(state, who).await? else {
            return Ok::<_, DbError>(None);
        };
        Ok(Some(match signal.conversation {
            None => true,
            Some(id) => state
                .store
                .conversation(id)
                .await?
                .is_some_and(|c| can_see(member, &c, workspace)),
        }))
    };
    match visible.await {
        Ok(None) => false,
        Ok(Some(false)) => true,
        Ok(Some(true)) => match SseEvent::default().event(SIGNAL_EVENT).json_data(signal) {
            Ok(message) => out.send(Ok(message)).await.is_ok(),
            Err(error) => {
                tracing::error!(%error, "a signal could not be written");
                true
            }
        },
        Err(error) => {
            tracing::warn!(%error, "a signal's visibility could not be read; not sent");
            true
        }
    }
}

/// Sends everything visible after `cursor` up to the latest version; `false` when the stream
/// should end (client gone, session ended or expired).
async fn catch_up(
    state: &AppState,
    who: &accounts::Signed,
    cursor: &mut i64,
    protocol: u32,
    out: &Outbox,
) -> Result<bool, DbError> {
    let store = &state.store;
    let live = store
        .session(who.session.id.clone())
        .await?
        .is_some_and(|s| s.expires_at > chrono::Utc::now());
    if !live {
        return Ok(false);
    }
    // The commit watermark: everything up to it has committed (or aborted), so the stream
    // never skips a version that commits later.
    let latest = store.watermark();
    if let Some(reset) = too_far_behind(*cursor, latest, state.live.limits().catch_up_versions) {
        if out.send(Ok(reset)).await.is_err() {
            return Ok(false);
        }
        *cursor = latest;
        return Ok(true);
    }
    if latest <= *cursor {
        return Ok(true); // woken by a commit that changed nothing anyone sees
    }
    let workspace = store.workspace().await?;
    let Some(member) = workspace
        .members
        .get(&who.member.id)
        .filter(|m| m.active)
        .cloned()
    else {
        return Ok(false);
    };
    while *cursor < latest {
        let upto = latest.min(*cursor + VERSIONS_PER_ROUND);
        let stamped = store.events_between(*cursor, upto).await?;
        let versions = by_version(stamped);
        let mut seen: BTreeMap<ConversationId, Option<Conversation>> = BTreeMap::new();
        // Whether the person could see each conversation at each version of this round, from
        // how it stands now, walking back: a change that took it from them means they had it
        // before; one that may have brought it means (cautiously) they did not.
        let mut sees: BTreeMap<(ConversationId, i64), bool> = BTreeMap::new();
        let mut after: BTreeMap<ConversationId, bool> = BTreeMap::new();
        for (version, events) in versions.iter().rev() {
            let ids: std::collections::BTreeSet<ConversationId> =
                events.iter().filter_map(|e| e.conversation).collect();
            for id in ids {
                let conversation = conversation_of(store, &mut seen, id).await?;
                let visible_after = match after.get(&id) {
                    Some(visible) => *visible,
                    None => conversation
                        .as_ref()
                        .is_some_and(|c| can_see(&member, c, &workspace)),
                };
                let took = saw_it_before(&member, id, events, conversation.as_ref(), &workspace);
                let gave = events
                    .iter()
                    .filter(|e| e.conversation == Some(id))
                    .any(|e| gained_sight(&member, &e.change, &workspace));
                let visible_before = took || (visible_after && !gave);
                sees.insert((id, *version), visible_after || took);
                after.insert(id, visible_before);
            }
        }
        for (version, events) in versions {
            let mut visible = Vec::new();
            for event in &events {
                let shown = match event.conversation {
                    None => true,
                    // Whoever sees a conversation now may read its whole history (as its
                    // timeline and a pull give it); otherwise, what they could see then.
                    Some(id) => {
                        conversation_of(store, &mut seen, id)
                            .await?
                            .as_ref()
                            .is_some_and(|c| can_see(&member, c, &workspace))
                            || sees.get(&(id, version)).copied().unwrap_or(false)
                    }
                };
                if shown {
                    visible.push(event.clone());
                }
            }
            let mut change = LiveChange {
                version,
                events: visible,
            };
            if protocol == 1 {
                older::live_for_v1(&mut change);
            }
            if change.events.is_empty() {
                continue;
            }
            let message = SseEvent::default()
                .event(CHANGE_EVENT)
                .id(version.to_string())
                .json_data(change);
            let Ok(message) = message else { continue };
            if out.send(Ok(message)).await.is_err() {
                return Ok(false);
            }
        }
        *cursor = upto;
    }
    Ok(true)
}

/// The `reset` message for a stream at `cursor` when it is more than `bound` versions behind
/// `latest`, or ahead of it (a version this database never sent: a restored backup, another
/// server): replaying would cost a read of every event in between, for every such stream.
fn too_far_behind(cursor: i64, latest: i64, bound: i64) -> Option<SseEvent> {
    if cursor <= latest && latest - cursor <= bound {
        return None;
    }
    SseEvent::default()
        .event(RESET_EVENT)
        .id(latest.to_string())
        .json_data(LiveReset { version: latest })
        .ok()
}

/// Whether these events took conversation `id` away from `member` (the domain's
/// [`lost_sight`]), so they hear of the change that removed it, then see it no more.
fn saw_it_before(
    member: &Member,
    id: ConversationId,
    events: &[Event],
    conversation: Option<&Conversation>,
    workspace: &Workspace,
) -> bool {
    events
        .iter()
        .filter(|e| e.conversation == Some(id))
        .any(|e| lost_sight(member, &e.change, conversation, workspace))
}

/// Conversation `id` as it stands now, read once per round.
async fn conversation_of(
    store: &crate::store::Store,
    seen: &mut BTreeMap<ConversationId, Option<Conversation>>,
    id: ConversationId,
) -> Result<Option<Conversation>, DbError> {
    if let Some(known) = seen.get(&id) {
        return Ok(known.clone());
    }
    let read = store.conversation(id).await?;
    seen.insert(id, read.clone());
    Ok(read)
}

fn by_version(stamped: Vec<Stamped>) -> Vec<(i64, Vec<Event>)> {
    let mut grouped: Vec<(i64, Vec<_>)> = Vec::new();
    for s in stamped {
        match grouped.last_mut() {
            Some((version, events)) if *version == s.version => events.push(s.event),
            _ => grouped.push((s.version, vec![s.event])),
        }
    }
    grouped
}
