//! Managing the workspace (admins): people, teams, inboxes.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::{Capacity, Role, TeamId};

/// `POST /api/v1/admin/users`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    /// For `@mentions`; derived from the name when left out.
    #[serde(default)]
    pub handle: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub teams: BTreeSet<TeamId>,
    #[serde(default)]
    pub capacity: Option<Capacity>,
    /// Left out: the server makes a one-time password, answers it once, and the user must
    /// change it at first login.
    #[serde(default)]
    pub password: Option<String>,
}

/// `PATCH /api/v1/admin/users/{id}`: only the fields given change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChange {
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
    pub name: String,
}

/// `POST /api/v1/admin/inboxes`: a WhatsApp number and the teams that work it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInbox {
    pub name: String,
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub waba_id: String,
    #[serde(default)]
    pub teams: BTreeSet<TeamId>,
}
