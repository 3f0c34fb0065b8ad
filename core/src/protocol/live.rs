//! The live stream (`GET /api/v1/events`, Server-Sent Events): one message per committed
//! change the user may see, its SSE id the change's version. A client that reconnects with
//! `Last-Event-ID: <version>` receives every later change once, none twice — unless it is too
//! far behind (or names a version the server never sent): then it gets one [`RESET_EVENT`]
//! instead of the replay, reloads what it shows (the web view its live regions, a phone
//! pulls), and the stream goes on live after the reset's version.

use serde::{Deserialize, Serialize};

use crate::domain::{ConversationId, Event, Timestamp, UserId};

/// The SSE event name of a change.
pub const CHANGE_EVENT: &str = "change";

/// The SSE event name of a reset: what was missed is not replayed; reload, then follow.
pub const RESET_EVENT: &str = "reset";

/// The SSE event name of an ephemeral signal: no id (it takes no version, so resuming neither
/// skips nor repeats one), never stored.
pub const SIGNAL_EVENT: &str = "signal";

/// Something happening now that takes no version and is never stored — who is viewing or
/// typing in a conversation, who is present — sent to the streams of those who may see it and
/// gone by itself at `expires_at` (a client forgets it then unless it is sent again).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub kind: SignalKind,
    /// Who it is about.
    pub member: UserId,
    /// The conversation it concerns (viewing, typing); none for presence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ConversationId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
}

/// What a signal says.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// Has the conversation open.
    Viewing,
    /// Is writing a reply or a note in it.
    Typing,
    /// Is connected (a web tab or a phone in the foreground): presence heartbeats.
    Present,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

/// The data of one SSE message: the events one committed change produced that this user may
/// see (messages as they stand now).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveChange {
    pub version: i64,
    pub events: Vec<Event>,
}

/// The data of a reset message (its SSE id is `version` too): the stream skipped to `version`
/// without replaying what came before; anything shown from before it may be out of date.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveReset {
    /// The version the stream goes on after.
    pub version: i64,
}
