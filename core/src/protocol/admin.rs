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
