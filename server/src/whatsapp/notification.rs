//! A webhook notification from Meta, read into domain terms.
//!
//! One POST may carry many entries, changes, messages, statuses and errors for several numbers;
//! every one is read. Each message and status is read on its own, so one malformed item becomes
//! a placeholder or a named skip instead of failing the batch. Contacts are matched to messages
//! by `wa_id`/`user_id`, never by position. Shapes follow shared/reference/whatsapp-cloud-api.md.

use chrono::{DateTime, Utc};
use relaydesk_core::domain::{
    Content, CustomerIdentity, DeliveryReport, DeliveryStatus, FlowField, Forwarded,
    InteractiveReply, Media, MediaKind, MessageContext, OrderItem, Referral, ReferredProduct,
    SharedContact, SharedPhone, Timestamp, Wamid, WhatsAppError,
};
use serde_json::Value;

use super::shapes::{
    ChangeValue, Envelope, RawCard, RawContact, RawContext, RawError, RawMedia, RawMessage,
    RawOrder, RawReferral, RawStatus,
};

pub use crate::store::inbound::{InboundItem, Notification, NumberUpdates, StatusItem};

/// Why a whole body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body is not a WhatsApp Business Account notification (object = {0:?})")]
    NotWhatsApp(String),
    #[error("the notification has no entries")]
    NoEntries,
}

/// Reads a notification. `received_at` stands in for timestamps WhatsApp left out or garbled.
pub fn read(body: &[u8], received_at: Timestamp) -> Result<Notification, NotificationError> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| NotificationError::NotJson(e.to_string()))?;
    if envelope.object != "whatsapp_business_account" {
        return Err(NotificationError::NotWhatsApp(envelope.object));
    }
    let entries = envelope.entry.ok_or(NotificationError::NoEntries)?;
    let mut notification = Notification::default();
    for entry in entries {
        for change in entry.changes {
            if change.field != "messages" {
                notification.ignored_fields.push(change.field);
                continue;
            }
            let Some(value) = change.value else {
                notification
                    .skipped
                    .push("a messages change without a value".into());
                continue;
            };
            read_value(value, received_at, &mut notification);
        }
    }
    Ok(notification)
}

fn read_value(value: ChangeValue, received_at: Timestamp, into: &mut Notification) {
    let Some(metadata) = value.metadata else {
        into.skipped
            .push("a messages change without metadata".into());
        return;
    };
    let position = match into
        .numbers
        .iter()
        .position(|n| n.phone_number_id == metadata.phone_number_id)
    {
        Some(position) => position,
        None => {
            into.numbers.push(NumberUpdates {
                phone_number_id: metadata.phone_number_id,
                display_phone_number: metadata.display_phone_number,
                ..NumberUpdates::default()
            });
            into.numbers.len() - 1
        }
    };
    let number = &mut into.numbers[position];
    let contacts = value.contacts.unwrap_or_default();
    for raw in value.messages.unwrap_or_default() {
        match read_message(raw, &contacts, received_at) {
            Ok(message) => number.messages.push(message),
            Err(why) => into.skipped.push(why),
        }
    }
    for raw in value.statuses.unwrap_or_default() {
        match read_status(raw, received_at) {
            Ok(Some(status)) => number.statuses.push(status),
            Ok(None) => {}
            Err(why) => into.skipped.push(why),
        }
    }
    number.errors.extend(
        value
            .errors
            .unwrap_or_default()
            .into_iter()
            .map(whatsapp_error),
    );
}

fn read_message(
    raw: Value,
    contacts: &[RawContact],
    received_at: Timestamp,
) -> Result<InboundItem, String> {
    let kind = raw
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    let message: RawMessage = serde_json::from_value(raw.clone())
        .map_err(|e| format!("a message that cannot be read ({e})"))?;
    let contact = contacts.iter().find(|c| {
        (message.from.is_some() && c.wa_id == message.from)
            || (message.from_user_id.is_some() && c.user_id == message.from_user_id)
    });
    let from = CustomerIdentity {
        phone: message
            .from
            .clone()
            .or_else(|| contact.and_then(|c| c.wa_id.clone())),
        bsuid: message
            .from_user_id
            .clone()
            .or_else(|| contact.and_then(|c| c.user_id.clone())),
        profile_name: contact
            .and_then(|c| c.profile.as_ref())
            .and_then(|p| p.name.clone()),
    };
    let errors: Vec<WhatsAppError> = message.errors.into_iter().map(whatsapp_error).collect();
    // A type object that does not have the documented shape is kept as a placeholder: the
    // agent still sees that the customer wrote something.
    let content = content(&kind, &raw).unwrap_or_else(|| Content::Unsupported {
        whatsapp_type: kind.clone(),
        error: errors.first().cloned(),
    });
    Ok(InboundItem {
        wamid: Wamid::new(message.id),
        from,
        sent_at: seconds(message.timestamp.as_ref()).unwrap_or(received_at),
        content,
        context: context(message.context, message.referral),
    })
}

/// The content of a message of `kind`, or `None` if its object is missing or malformed.
/// What a Flow's `response_json` says, field by field (its `flow_token` aside): `None` when
/// it is not a JSON object, and the raw text is all an agent can be shown.
fn flow_fields(response_json: &str) -> Option<Vec<FlowField>> {
    let Ok(Value::Object(answers)) = serde_json::from_str::<Value>(response_json) else {
        return None;
    };
    let words = |value: &Value| match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    Some(
        answers
            .iter()
            .filter(|(name, _)| name.as_str() != "flow_token")
            .map(|(name, value)| FlowField {
                name: name.clone(),
                value: words(value),
            })
            .collect(),
    )
}

fn content(kind: &str, raw: &Value) -> Option<Content> {
    let object = raw.get(kind);
    let text = |v: Option<&Value>, key: &str| {
        v.and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Some(match kind {
        "text" => Content::Text {
            body: text(object, "body")?,
        },
        "image" | "audio" | "video" | "document" | "sticker" => {
            let media: RawMedia = serde_json::from_value(object?.clone()).ok()?;
            Content::Media(Media {
                kind: match kind {
                    "image" => MediaKind::Image,
                    "audio" => MediaKind::Audio,
                    "video" => MediaKind::Video,
                    "document" => MediaKind::Document,
                    _ => MediaKind::Sticker,
                },
                whatsapp_media_id: media.id,
                mime_type: media.mime_type,
                sha256: media.sha256,
                filename: media.filename,
                caption: media.caption,
                voice: media.voice.unwrap_or(false),
                animated: media.animated.unwrap_or(false),
            })
        }
        "location" => {
            let object = object?;
            Content::Location {
                latitude: number(object.get("latitude"))?,
                longitude: number(object.get("longitude"))?,
                name: text(Some(object), "name"),
                address: text(Some(object), "address"),
                url: text(Some(object), "url"),
            }
        }
        "contacts" => {
            let cards: Vec<RawCard> = serde_json::from_value(raw.get("contacts")?.clone()).ok()?;
            Content::Contacts {
                cards: cards.into_iter().map(shared_contact).collect(),
            }
        }
        "interactive" => {
            let object = object?;
            let reply = match object.get("type").and_then(Value::as_str)? {
                "button_reply" => InteractiveReply::Button {
                    id: text(object.get("button_reply"), "id")?,
                    title: text(object.get("button_reply"), "title")?,
                },
                "list_reply" => InteractiveReply::List {
                    id: text(object.get("list_reply"), "id")?,
                    title: text(object.get("list_reply"), "title")?,
                    description: text(object.get("list_reply"), "description"),
                },
                "nfm_reply" => {
                    let response_json = text(object.get("nfm_reply"), "response_json")?;
                    InteractiveReply::Flow {
                        name: text(object.get("nfm_reply"), "name"),
                        body: text(object.get("nfm_reply"), "body"),
                        fields: flow_fields(&response_json),
                        response_json,
                    }
                }
                _ => return None,
            };
            Content::InteractiveReply(reply)
        }
        "button" => Content::TemplateButton {
            payload: text(object, "payload").or_else(|| text(object, "text"))?,
            text: text(object, "text")?,
        },
        "reaction" => Content::Reaction {
            // Old samples misspell the key as `messsage_id`.
            target: Wamid::new(text(object, "message_id").or_else(|| text(object, "messsage_id"))?),
            emoji: text(object, "emoji").filter(|e| !e.is_empty()),
        },
        "order" => {
            let order: RawOrder = serde_json::from_value(object?.clone()).ok()?;
            Content::Order {
                catalog_id: order.catalog_id,
                text: order.text.filter(|t| !t.is_empty()),
                items: order
                    .product_items
                    .into_iter()
                    .map(|i| OrderItem {
                        product_retailer_id: i.product_retailer_id,
                        quantity: number(Some(&i.quantity)).map_or(1, |q| q as u32),
                        item_price: number(Some(&i.item_price)).unwrap_or(0.0),
                        currency: i.currency,
                    })
                    .collect(),
            }
        }
        "system" => Content::System {
            kind: text(object, "type").unwrap_or_else(|| "system".into()),
            body: text(object, "body").unwrap_or_default(),
            new_phone: text(object, "wa_id"),
            new_bsuid: text(object, "user_id"),
            old_phone: text(Some(raw), "from"),
        },
        "request_welcome" => Content::RequestWelcome,
        "unsupported" => Content::Unsupported {
            whatsapp_type: text(object, "type").unwrap_or_else(|| "unsupported".into()),
            error: raw
                .get("errors")
                .and_then(|e| serde_json::from_value::<Vec<RawError>>(e.clone()).ok())
                .and_then(|e| e.into_iter().next())
                .map(whatsapp_error),
        },
        _ => return None,
    })
}

fn read_status(raw: Value, received_at: Timestamp) -> Result<Option<StatusItem>, String> {
    let status: RawStatus =
        serde_json::from_value(raw).map_err(|e| format!("a status that cannot be read ({e})"))?;
    let ladder = |status| DeliveryReport::Status { status };
    let report = match status.status.as_str() {
        "sent" => ladder(DeliveryStatus::Sent),
        "delivered" => ladder(DeliveryStatus::Delivered),
        "read" => ladder(DeliveryStatus::Read),
        "failed" => ladder(DeliveryStatus::Failed {
            error: status.errors.into_iter().next().map_or_else(
                || WhatsAppError {
                    code: 0,
                    title: "failed without a reason".into(),
                    details: None,
                },
                whatsapp_error,
            ),
        }),
        "played" => DeliveryReport::Played,
        // Unknown statuses are no-ops (reference §8).
        _ => return Ok(None),
    };
    Ok(Some(StatusItem {
        wamid: Wamid::new(status.id),
        ours: status.biz_opaque_callback_data.and_then(|c| c.parse().ok()),
        report,
        at: seconds(status.timestamp.as_ref()).unwrap_or(received_at),
        recipient: CustomerIdentity {
            phone: status.recipient_id,
            bsuid: status.recipient_user_id,
            profile_name: None,
        },
        pricing_category: status.pricing.and_then(|p| p.category),
    }))
}

fn context(raw: Option<RawContext>, referral: Option<RawReferral>) -> MessageContext {
    let raw = raw.unwrap_or_default();
    MessageContext {
        reply_to: raw.id.map(Wamid::new),
        forwarded: if raw.frequently_forwarded == Some(true) {
            Forwarded::FrequentlyForwarded
        } else if raw.forwarded == Some(true) {
            Forwarded::Forwarded
        } else {
            Forwarded::No
        },
        referred_product: raw.referred_product.map(|p| ReferredProduct {
            catalog_id: p.catalog_id,
            product_retailer_id: p.product_retailer_id,
        }),
        referral: referral.map(|r| Referral {
            source_id: r.source_id,
            source_type: r.source_type,
            source_url: r.source_url,
            headline: r.headline,
            body: r.body,
            ctwa_clid: r.ctwa_clid,
        }),
    }
}

fn shared_contact(card: RawCard) -> SharedContact {
    SharedContact {
        formatted_name: card.name.and_then(|n| n.formatted_name).unwrap_or_default(),
        phones: card
            .phones
            .into_iter()
            .filter_map(|p| {
                Some(SharedPhone {
                    phone: p.phone?,
                    wa_id: p.wa_id,
                    label: p.r#type,
                })
            })
            .collect(),
        emails: card.emails.into_iter().filter_map(|e| e.email).collect(),
        organization: card.org.and_then(|o| o.company),
    }
}

fn whatsapp_error(raw: RawError) -> WhatsAppError {
    WhatsAppError {
        code: raw.code.unwrap_or(0),
        title: raw
            .title
            .or(raw.message)
            .unwrap_or_else(|| "unknown error".into()),
        details: raw.error_data.and_then(|d| d.details).or(raw.details),
    }
}

/// WhatsApp sends Unix seconds as a string (sometimes as a number).
fn seconds(value: Option<&Value>) -> Option<Timestamp> {
    let secs = match value? {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    DateTime::<Utc>::from_timestamp(secs, 0)
}

/// A number that may arrive as a JSON number or a string.
fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl crate::store::Store {
    /// Stores a WhatsApp webhook delivery whose signature was verified: the raw payload and
    /// all its effects, in one transaction (a body that cannot be read is kept, quarantined).
    pub async fn ingest_webhook(
        &self,
        body: Vec<u8>,
        received_at: Timestamp,
    ) -> Result<crate::store::IngestReport, crate::store::DbError> {
        let read = read(&body, received_at).map_err(|error| error.to_string());
        self.ingest(body, read, received_at).await
    }
}
