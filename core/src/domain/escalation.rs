//! Escalations: moving an exception, complaint or risky case to someone with more authority or
//! skill, with a supervisor's approval, **on the same thread**.
//!
//! State machine: `requested` → `approved` | `rejected` | `cancelled`; the last three are final.
//! Only the conversation's owner or a supervisor may request; only a supervisor of the target
//! (or an admin) decides; the requester, the owner or a supervisor may cancel while it waits.
//! Approval moves the conversation to the request's target (and raises its priority when the
//! request said it would, from its severity); it changes nothing else and never opens a new
//! conversation.

use serde::{Deserialize, Serialize};

use super::conversation::Priority;
use super::event::By;
use super::ids::{ConversationId, EscalationId, TeamId, UserId};
use super::tolerant::adjacently_tagged;
use super::window::Timestamp;

/// How bad it is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl Severity {
    /// The priority an approved escalation of this severity raises the conversation to (it
    /// never lowers it).
    pub fn priority(self) -> Priority {
        match self {
            Severity::Low => Priority::Normal,
            Severity::Medium => Priority::High,
            Severity::High | Severity::Critical => Priority::Urgent,
            Severity::Unknown => Priority::Normal,
        }
    }
}

/// Where the case should go.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    tag = "kind",
    content = "id",
    rename_all = "snake_case"
)]
pub enum EscalationTarget {
    /// Into that team's queue (unassigned).
    Team(TeamId),
    /// To that person, as owner.
    Person(UserId),
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    Unknown,
}

adjacently_tagged!(EscalationTarget, ["team", "person"]);

/// Where an escalation stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EscalationState {
    Requested,
    Approved {
        #[serde(with = "super::event::author")]
        #[cfg_attr(feature = "openapi", schema(schema_with = super::event::author::schema))]
        by: By,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        note: Option<String>,
    },
    Rejected {
        #[serde(with = "super::event::author")]
        #[cfg_attr(feature = "openapi", schema(schema_with = super::event::author::schema))]
        by: By,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        reason: String,
    },
    Cancelled {
        #[serde(with = "super::event::author")]
        #[cfg_attr(feature = "openapi", schema(schema_with = super::event::author::schema))]
        by: By,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
    },
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl EscalationState {
    /// The word used on the wire and in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            EscalationState::Requested => "requested",
            EscalationState::Approved { .. } => "approved",
            EscalationState::Rejected { .. } => "rejected",
            EscalationState::Cancelled { .. } => "cancelled",
            EscalationState::Unknown => "unknown",
        }
    }
}

/// One escalation of a conversation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub id: EscalationId,
    pub conversation_id: ConversationId,
    /// The owner, a supervisor, or automation.
    #[serde(with = "super::event::author")]
    #[cfg_attr(feature = "openapi", schema(schema_with = super::event::author::schema))]
    pub requested_by: By,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub requested_at: Timestamp,
    pub reason: String,
    pub severity: Severity,
    pub target: EscalationTarget,
    /// The priority approval will raise the conversation to, decided when the request is made
    /// from its severity (`None`: the conversation is already that urgent). Approval changes
    /// only what the request says: the target, and this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raises_priority_to: Option<Priority>,
    pub state: EscalationState,
}

impl Escalation {
    /// Whether it still waits for a decision.
    pub fn is_pending(&self) -> bool {
        matches!(self.state, EscalationState::Requested)
    }
}
