//! Push-token registration (`POST /api/v1/devices`): where to wake this device.

use serde::{Deserialize, Serialize};

/// Which push service a token belongs to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Android,
    Ios,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
        }
    }
}

/// A device's push token, registered for the session that sends it (again whenever the push
/// service refreshes it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::push_token))]
    pub token: String,
    pub platform: Platform,
}

/// What a push to this app carries in its data (FCM data message / APNs payload). Every push
/// means "sync"; a visible notification also names the conversation to open when tapped.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushPayload {
    #[serde(default)]
    pub conversation: Option<crate::domain::ConversationId>,
}

/// `GET/PUT /api/v1/me/notifications`: how one's phone notifications read.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    /// Show the customer's name and a short preview of their words (and colleagues' notes) in
    /// notifications. Off: notifications only say that something needs you.
    pub previews: bool,
}
