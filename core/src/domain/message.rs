//! Messages on a thread, both ways, and internal notes (which never leave the team).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::content::{Content, MessageContext};
use super::delivery::DeliveryStatus;
use super::event::By;
use super::ids::{ConversationId, MessageId, NoteId, UserId, Wamid};
use super::window::Timestamp;

/// Which way a message went.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// From us to the customer.
    Outbound,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

/// A message on a thread.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub direction: Direction,
    /// Who sent it (outbound only): a member, or automation.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::event::author::optional"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = super::event::author::schema, nullable))]
    pub author: Option<By>,
    /// WhatsApp's id: known at once for inbound, after WhatsApp accepts an outbound send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wamid: Option<Wamid>,
    pub content: Content,
    #[serde(default, skip_serializing_if = "MessageContext::is_empty")]
    pub context: MessageContext,
    /// When the customer sent it (inbound) or the agent wrote it (outbound).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Delivery of outbound messages; inbound messages are `Delivered` by definition.
    pub delivery: DeliveryStatus,
    /// The customer listened to this voice note.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub played: bool,
    /// The customer's current reaction on this (outbound) message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
    /// When the customer last reacted: an older reaction arriving late changes nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub reaction_at: Option<Timestamp>,
    /// We told WhatsApp this (inbound) message was read: the customer sees blue ticks.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_by_us: bool,
    /// How WhatsApp prices this message of ours (`service`, `utility`, `marketing` …), once a
    /// delivery report said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_category: Option<String>,
}

/// An internal note: context for colleagues, never sent to the customer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: NoteId,
    pub conversation_id: ConversationId,
    /// A member, or automation.
    #[serde(with = "super::event::author")]
    #[cfg_attr(feature = "openapi", schema(schema_with = super::event::author::schema))]
    pub author: By,
    pub body: String,
    /// Colleagues named with `@handle` in the body; each is notified.
    pub mentions: BTreeSet<UserId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

pub use super::limits::MAX_NOTE_CHARS;
