//! One conversation, and its timeline in order.

use serde::{Deserialize, Serialize};

use crate::domain::{Contact, Conversation, Event, Timestamp};

/// `GET /api/v1/conversations/{id}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationDetail {
    pub conversation: Conversation,
    pub contact: Option<Contact>,
    pub owner_name: Option<String>,
    pub team_name: Option<String>,
    pub inbox_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub window_closes_at: Option<Timestamp>,
    pub window_open: bool,
}

/// `GET /api/v1/conversations/{id}/timeline`: entries in the order things happened (a
/// customer's message at the time WhatsApp says it was sent, anything else when it was
/// recorded; the opening first), read as of one version.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    /// Pass as `cursor` for the next (later) entries; absent on the last page. Later pages
    /// keep this page's `as_of`.
    pub next_cursor: Option<String>,
    /// The version these pages were read as of: everything recorded after it (even a message
    /// that arrives late and belongs earlier) comes on the live stream resumed from this
    /// version (`Last-Event-ID`), placed by its `happened_at`.
    #[serde(default)]
    pub as_of: i64,
}

/// One entry: an event, with messages as they stand now (delivery status included).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// The version of the change that recorded it (also the live stream's event id).
    pub version: i64,
    /// Its place among the events of that change.
    pub seq: i64,
    /// When it happened (a customer's message: when WhatsApp says it was sent).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub happened_at: Timestamp,
    pub event: Event,
    /// Where to download the message's file, when it has one that was fetched.
    pub media_url: Option<String>,
}

/// What a successful command answers: the events it produced (none when it was a repeat of
/// one already applied, such as a retried reply with the same id).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandOutcome {
    pub events: Vec<Event>,
}
