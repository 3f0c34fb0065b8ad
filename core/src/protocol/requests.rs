//! Bodies of the command routes. Each becomes one domain command; ids that create something
//! (a reply, a note, an escalation) may be chosen by the client — a retried request with the
//! same id is applied once.

use serde::{Deserialize, Serialize};

use crate::domain::{
    AssignTarget, EscalationId, EscalationTarget, MessageId, NoteId, Priority, ReplyBody, Severity,
    Status,
};

/// `POST …/assign`. A `reason` is required when taking it away from its owner, a `note`
/// (the handoff note) when the owner hands their conversation on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignRequest {
    pub to: AssignTarget,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_reason))]
    pub reason: Option<String>,
    /// The handoff note, required when the owner hands their conversation on.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_note))]
    pub note: Option<String>,
}

/// `POST …/release`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRequest {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_note))]
    pub note: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_reason))]
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
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::note))]
    pub body: String,
}

/// `POST …/labels`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::label))]
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
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::reason))]
    pub reason: String,
    pub severity: Severity,
    pub target: EscalationTarget,
}

/// `POST /api/v1/escalations/{id}/approve`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveRequest {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_reason))]
    pub note: Option<String>,
}

/// `POST /api/v1/escalations/{id}/reject`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::reason))]
    pub reason: String,
}
