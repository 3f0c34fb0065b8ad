//! Bodies of the command routes. Each becomes one domain command; ids that create something
//! (a reply, a note, an escalation) may be chosen by the client — a retried request with the
//! same id is applied once.

use serde::{Deserialize, Serialize};

use crate::domain::{
    AssignTarget, EscalationId, EscalationTarget, MessageId, NoteId, Priority, ReplyBody, Severity,
    Status,
};

/// `POST …/assign`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignRequest {
    pub to: AssignTarget,
    #[serde(default)]
    pub reason: Option<String>,
    /// The handoff note, required when the owner hands their conversation on.
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST …/release`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRequest {
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST …/messages`. `id` is the idempotency key: a retried POST with the same id never
/// sends twice.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyRequest {
    pub id: MessageId,
    pub body: ReplyBody,
    #[serde(default)]
    pub in_reply_to: Option<MessageId>,
}

/// `POST …/notes`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRequest {
    #[serde(default)]
    pub id: Option<NoteId>,
    pub body: String,
}

/// `POST …/labels`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelRequest {
    pub label: String,
}

/// `POST …/status`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRequest {
    #[serde(flatten)]
    pub status: Status,
}

/// `POST …/priority`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityRequest {
    pub priority: Priority,
}

/// `POST …/escalations`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationRequest {
    #[serde(default)]
    pub id: Option<EscalationId>,
    pub reason: String,
    pub severity: Severity,
    pub target: EscalationTarget,
}

/// `POST /api/v1/escalations/{id}/approve`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveRequest {
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/escalations/{id}/reject`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRequest {
    pub reason: String,
}
