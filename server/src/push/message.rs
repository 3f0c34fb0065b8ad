//! The FCM v1 `message` objects Relaydesk sends. Both kinds carry `data` the phone core reads
//! with `handle_push` (`protocol::devices::PushPayload`): any push means "sync"; an alert also
//! names the conversation to open when tapped (`conversation`) and why (`kind`). FCM data
//! values are strings.
//!
//! - A wake-up is data only, normal priority (Android) and a background push (APNs priority 5,
//!   `content-available`), collapsed per device: the newest one is all a phone needs.
//! - An alert is a visible notification: high priority on Android with its channel and a tag
//!   per conversation (a newer alert replaces the older one for the same conversation), APNs
//!   priority 10 with an alert push type, the conversation as its thread and collapse id.

use relaydesk_core::domain::UserId;
use serde_json::json;

use super::alerts::Alert;
use crate::store::{PushJob, PushKind};

/// The Android notification channel alerts use (the app creates it).
pub const ANDROID_CHANNEL: &str = "relaydesk_alerts";

pub fn wake(user: UserId, token: &str, _platform: &str) -> PushJob {
    PushJob {
        message_id: uuid::Uuid::now_v7().to_string(),
        token: token.to_owned(),
        user,
        kind: PushKind::Wake,
        conversation: None,
        message: json!({
            "token": token,
            "data": { "kind": "sync" },
            "android": { "priority": "NORMAL", "collapse_key": "sync", "ttl": "3600s" },
            "apns": {
                "headers": { "apns-priority": "5", "apns-push-type": "background", "apns-collapse-id": "sync" },
                "payload": { "aps": { "content-available": 1 } }
            }
        }),
    }
}

pub fn alert(alert: &Alert, token: &str, _platform: &str) -> PushJob {
    let conversation = alert.conversation.to_string();
    let tag = format!("conversation-{conversation}");
    PushJob {
        message_id: uuid::Uuid::now_v7().to_string(),
        token: token.to_owned(),
        user: alert.user,
        kind: PushKind::Alert,
        conversation: Some(alert.conversation),
        message: json!({
            "token": token,
            "notification": { "title": alert.title, "body": alert.body },
            "data": { "conversation": conversation, "kind": alert.reason.as_str() },
            "android": {
                "priority": "HIGH",
                "ttl": "86400s",
                "notification": { "channel_id": ANDROID_CHANNEL, "tag": tag }
            },
            "apns": {
                "headers": { "apns-priority": "10", "apns-push-type": "alert", "apns-collapse-id": tag },
                "payload": { "aps": { "sound": "default", "thread-id": tag } }
            }
        }),
    }
}
