//! Signing in: email + password → an opaque bearer token for this device; the sessions a user
//! holds (one per device); who the signed-in user is.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::{Availability, Capacity, Role, TeamId, Timestamp, UserId};

/// `POST /api/v1/auth/login`. `device` names the session in the user's list ("Pixel 8",
/// "office laptop").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::email))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::password))]
    pub password: String,
    /// What the session is called in the user's list ("Pixel 8", "office laptop").
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::device_name))]
    pub device: Option<String>,
}

/// A successful login. The token is shown once; the server keeps only its hash.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    pub session: SessionInfo,
    pub user: UserInfo,
}

/// One signed-in device.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub user_id: UserId,
    pub device: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_used_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
    /// Whether this is the session the request was made with.
    #[serde(default)]
    pub current: bool,
}

/// A person as the API shows them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: UserId,
    pub name: String,
    pub handle: String,
    pub email: String,
    pub role: Role,
    pub teams: BTreeSet<TeamId>,
    pub availability: Availability,
    pub capacity: Capacity,
    pub active: bool,
    /// Set for an account created with a one-time password: nothing but changing it is
    /// allowed until it is changed.
    pub must_change_password: bool,
}

/// `POST /api/v1/auth/password`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::password))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::new_password))]
    pub new_password: String,
}

/// `POST /api/v1/me/availability`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityRequest {
    pub availability: Availability,
}
