//! Why a command was refused, as a type every door shows the same way.
//!
//! The REST API turns a rejection into `{"error":{"code": …}}` with a fitting status, the phone
//! shows `message()` next to the command that failed, the web view flashes it. Variants carry
//! what a person needs to act ("already taken by Ana"), never internal detail.

use serde::{Deserialize, Serialize};

use super::ids::{EscalationId, UserId};
use super::window::Timestamp;

/// What kind of thing was not found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Conversation,
    Message,
    Escalation,
    Member,
    Team,
    Inbox,
    Contact,
    Template,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl Entity {
    /// The word for it, as `what` reads on the wire (`conversation`, `message` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Conversation => "conversation",
            Entity::Message => "message",
            Entity::Escalation => "escalation",
            Entity::Member => "member",
            Entity::Team => "team",
            Entity::Inbox => "inbox",
            Entity::Contact => "contact",
            Entity::Template => "template",
            Entity::Unknown => "thing",
        }
    }
}

/// A refused command.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Rejection {
    /// It does not exist, or the actor may not know it exists.
    #[error("{} {id} not found", what.as_str())]
    NotFound { what: Entity, id: String },
    /// The actor's role or teams do not allow this.
    #[error("not allowed: {reason}")]
    Forbidden { reason: String },
    /// Someone else owns the conversation: the loser of a claim is told who won.
    #[error("already taken by {owner_name}")]
    AlreadyOwned { owner: UserId, owner_name: String },
    /// Only the owner may do this; supervisors take over explicitly by reassigning.
    #[error("only the owner ({owner_name}) may do this; a supervisor can reassign it")]
    NotOwner { owner: UserId, owner_name: String },
    /// Free-form replies are only allowed within 24 h of the customer's last message.
    #[error("the 24-hour window is closed: use an approved template")]
    WindowClosed {
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
        closed_at: Option<Timestamp>,
    },
    /// A value is missing or malformed.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The owner handing a conversation on must leave a note for whoever takes it.
    #[error("a handoff needs a note for the next person")]
    HandoffNoteRequired,
    /// Taking a conversation away from its owner needs a reason.
    #[error("reassigning someone else's conversation needs a reason")]
    ReasonRequired,
    /// One escalation at a time; this one still waits for a decision.
    #[error("escalation {escalation} is still waiting for a decision")]
    EscalationPending { escalation: EscalationId },
    /// The escalation was already approved, rejected or cancelled.
    #[error("escalation {escalation} was already {state}")]
    EscalationClosed {
        escalation: EscalationId,
        state: String,
    },
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[error("refused for a reason this build does not know")]
    #[serde(other)]
    Unknown,
}

impl Rejection {
    /// The stable machine-readable code (`already_owned`, `window_closed`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::NotFound { .. } => "not_found",
            Rejection::Forbidden { .. } => "forbidden",
            Rejection::AlreadyOwned { .. } => "already_owned",
            Rejection::NotOwner { .. } => "not_owner",
            Rejection::WindowClosed { .. } => "window_closed",
            Rejection::Invalid { .. } => "invalid",
            Rejection::HandoffNoteRequired => "handoff_note_required",
            Rejection::ReasonRequired => "reason_required",
            Rejection::EscalationPending { .. } => "escalation_pending",
            Rejection::EscalationClosed { .. } => "escalation_closed",
            Rejection::Unknown => "unknown",
        }
    }

    pub(crate) fn forbidden(reason: impl Into<String>) -> Self {
        Rejection::Forbidden {
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Rejection::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(what: Entity, id: impl ToString) -> Self {
        Rejection::NotFound {
            what,
            id: id.to_string(),
        }
    }
}
