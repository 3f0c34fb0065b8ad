//! What WhatsApp would post to us: a customer's message or a delivery status, as Meta's JSON,
//! signed with the app secret and posted to our own webhook route.

use chrono::Utc;
use relaydesk_core::domain::Timestamp;
use serde_json::{Value, json};

use super::{DISPLAY_PHONE_NUMBER, Demo, PHONE_NUMBER_ID, WABA_ID};
use crate::whatsapp::signature;

fn envelope(value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": WABA_ID,
            "changes": [{ "field": "messages", "value": value }]
        }]
    })
}

fn metadata() -> Value {
    json!({ "display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": PHONE_NUMBER_ID })
}

/// A customer's message (`message` is Meta's message object without `from`, `id`, `timestamp`).
pub fn customer_message(name: &str, phone: &str, message: Value) -> Value {
    customer_message_at(name, phone, message, Utc::now())
}

/// A customer's message sent at `at`, as WhatsApp would time it.
pub fn customer_message_at(name: &str, phone: &str, mut message: Value, at: Timestamp) -> Value {
    message["from"] = json!(phone);
    message["id"] = json!(format!("wamid.DEMO{}", uuid::Uuid::now_v7().simple()));
    message["timestamp"] = json!(at.timestamp().to_string());
    envelope(json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(),
        "contacts": [{ "profile": { "name": name }, "wa_id": phone }],
        "messages": [message]
    }))
}

/// A status of one of our messages.
pub fn status(wamid: &str, status: &str, recipient: &str, ours: Option<&str>) -> Value {
    let mut item = json!({
        "id": wamid,
        "status": status,
        "timestamp": Utc::now().timestamp().to_string(),
        "recipient_id": recipient,
    });
    if let Some(ours) = ours {
        item["biz_opaque_callback_data"] = json!(ours);
    }
    envelope(json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(),
        "statuses": [item]
    }))
}

/// Signs and posts a delivery to our own webhook route, as Meta would.
pub async fn post(client: &reqwest::Client, demo: &Demo, payload: &Value) {
    let body = payload.to_string().into_bytes();
    let signature = signature::sign(demo.app_secret.expose().as_bytes(), &body);
    let sent = client
        .post(format!("{}/webhooks/whatsapp", demo.base))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => {
            tracing::warn!(status = %response.status(), "the demo's webhook was refused")
        }
        Err(error) => tracing::warn!(%error, "the demo could not post its webhook"),
    }
}
