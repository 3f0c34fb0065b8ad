//! Managing the workspace (admins): people, teams, inboxes.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::{Capacity, Role, TeamId};

/// `POST /api/v1/admin/users`. The `handle` (for `@mentions`) is derived from the name when
/// left out; without a `password` the server makes a one-time password, answers it once, and
/// the user must change it at first login.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::email))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::person_name))]
    pub name: String,
    /// For `@mentions`; derived from the name when left out.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::handle))]
    pub handle: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub teams: BTreeSet<TeamId>,
    #[serde(default)]
    pub capacity: Option<Capacity>,
    /// Left out: the server makes a one-time password, answers it once, and the user must
    /// change it at first login.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_new_password))]
    pub password: Option<String>,
}

/// `PATCH /api/v1/admin/users/{id}`: only the fields given change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChange {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::optional_name))]
    pub name: Option<String>,
    pub role: Option<Role>,
    pub teams: Option<BTreeSet<TeamId>>,
    pub capacity: Option<Capacity>,
    pub active: Option<bool>,
}

/// A created user, or a reset password: the one-time password is shown only here.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub user: super::auth::UserInfo,
    pub one_time_password: Option<String>,
}

/// `POST /api/v1/admin/teams`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTeam {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::name))]
    pub name: String,
}

/// `POST /api/v1/admin/inboxes`: a WhatsApp number and the teams that work it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInbox {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::name))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::number_id))]
    pub phone_number_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::number_id))]
    pub display_phone_number: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::number_id))]
    pub waba_id: String,
    #[serde(default)]
    pub teams: BTreeSet<TeamId>,
}

/// One change in the configuration log (`GET /api/v1/admin/config-log`): which row, who made
/// it, through which door, in which session, when, and the row before and after.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigEntry {
    pub kind: crate::domain::config::Kind,
    /// The row's id within its kind.
    pub item: String,
    /// The row's own count of changes (1 for its first entry).
    pub revision: u64,
    /// The change's version.
    pub version: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: crate::domain::Timestamp,
    pub by: crate::domain::By,
    /// `rest`, `web`, `sync`, `cli`, `internal`, `migration`, …
    pub door: String,
    /// The session it was made in, if a signed-in person made it.
    pub session: Option<String>,
    /// The row before (none: it was created).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    /// The row after (none: it was deleted, and this entry is its tombstone).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
    /// Written when the log began, for a row that already stood: who made it and what came
    /// before cannot be known (`note` says so).
    pub baseline: bool,
    pub note: Option<String>,
}

/// A page of the configuration log, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigLogPage {
    pub entries: Vec<ConfigEntry>,
    /// Pass as `before` for the next (older) page; none when this is the last.
    pub next: Option<String>,
}

/// The configuration as it was at an instant (`GET /api/v1/admin/config?at=…`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigurationAt {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: crate::domain::Timestamp,
    pub workspace: crate::domain::Workspace,
    /// Set when `at` is before the log began: the rows are shown as they stood when it began,
    /// and are known for certain only from this instant.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub known_from: Option<crate::domain::Timestamp>,
}

/// `POST /api/v1/admin/labels`: a label for the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLabel {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::label))]
    pub name: String,
    /// `#rrggbb`; grey when left out.
    #[serde(default)]
    pub colour: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /api/v1/admin/labels/{id}`: only the fields given change. A label is never deleted
/// (history names it): switch it off with `active: false`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelChange {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub colour: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
}
