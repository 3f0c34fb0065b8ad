//! The reply library on the wire: canned replies (and filling one for a conversation), and
//! WhatsApp templates with the slots a send must fill.

use serde::{Deserialize, Serialize};

use crate::domain::{CannedScope, ConversationId, Template};

/// `POST /api/v1/canned-replies`. The body is text with `{{variables}}`: `contact.name`,
/// `contact.phone`, `agent.name`, `agent.first_name`, `inbox.name`, `team.name`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCannedReply {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::shortcut))]
    pub shortcut: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::title))]
    pub title: String,
    /// Text with `{{variables}}`: `contact.name`, `contact.phone`, `agent.name`,
    /// `agent.first_name`, `inbox.name`, `team.name`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::canned_body))]
    pub body: String,
    pub scope: CannedScope,
}

/// `PATCH /api/v1/canned-replies/{id}`: only the fields given change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReplyChange {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_shortcut))]
    pub shortcut: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_title))]
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_canned_body))]
    pub body: Option<String>,
}

/// `POST /api/v1/canned-replies/{id}/fill`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillRequest {
    pub conversation: ConversationId,
}

/// A canned reply filled for one conversation, ready to send.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilledReply {
    pub text: String,
}

/// A template as agents pick it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateInfo {
    pub template: Template,
    /// Every parameter a send must fill (`body.1`, `header.1`, `button.0` …).
    pub slots: Vec<String>,
    /// Approved by Meta: only these can be sent.
    pub usable: bool,
}

/// What `POST /api/v1/admin/templates/sync` did, per WhatsApp Business Account.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSyncReport {
    pub accounts: Vec<AccountSync>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSync {
    pub waba_id: String,
    /// Templates stored or updated.
    pub synced: usize,
    /// Templates no longer listed by Meta, now disabled.
    pub disabled: usize,
    /// Templates left out, with why (`"welcome_video (en_US): a VIDEO header is not supported"`).
    pub skipped: Vec<String>,
    /// Set when this account could not be read (the others still synced).
    pub error: Option<String>,
}
