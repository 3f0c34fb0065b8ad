//! What we send to the Graph API, and what its answers mean — pure, so the rules are tested
//! without a network.
//!
//! Every send carries our message id in `biz_opaque_callback_data`, so a status that
//! overtakes the send's answer still finds its message. Errors are classified by WhatsApp's
//! code (shared/reference/whatsapp-cloud-api.md §12): throughput and transient errors are
//! retried with backoff; everything else fails the message visibly, with the reason.

use std::collections::BTreeMap;

use relaydesk_core::domain::{Contact, Content, Message, WhatsAppError};
use serde_json::{Value, json};

pub use crate::store::SendOutcome;
use crate::store::{Outgoing, SendJob};

/// The Graph API body for a queued send (`None`: nothing WhatsApp can carry). A row queued by
/// a build before issue 17 carries its body already.
pub fn body_of(job: &SendJob) -> Option<Value> {
    if let Some(request) = &job.request {
        return Some(request.clone());
    }
    match job.outgoing.as_ref()? {
        Outgoing::Message { message, to } => request(message, to),
        Outgoing::ReadReceipt { wamid } => Some(read_receipt(wamid)),
    }
}

/// The Graph API request marking a customer's message (and those before it) read.
pub fn read_receipt(wamid: &relaydesk_core::domain::Wamid) -> Value {
    json!({ "messaging_product": "whatsapp", "status": "read", "message_id": wamid.as_str() })
}

/// The Graph API request for one of our messages to `recipient`; `None` for content we never
/// send (customer-only kinds).
pub fn request(message: &Message, recipient: &Contact) -> Option<Value> {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "biz_opaque_callback_data": message.id.to_string(),
    });
    // Always `+` and the country code: without `+` Meta prefixes the business's own country.
    match (&recipient.phone, &recipient.bsuid) {
        (Some(phone), _) => body["to"] = json!(format!("+{}", phone.trim_start_matches('+'))),
        (None, Some(bsuid)) => body["recipient"] = json!(bsuid),
        (None, None) => return None,
    }
    match &message.content {
        Content::Text { body: text } => {
            body["type"] = json!("text");
            body["text"] = json!({ "body": text, "preview_url": text.contains("http") });
        }
        Content::Template {
            name,
            language,
            params,
            ..
        } => {
            body["type"] = json!("template");
            body["template"] = json!({
                "name": name,
                "language": { "code": language },
                "components": template_components(params),
            });
        }
        Content::Media(media) => {
            let kind = media.kind.as_str();
            let mut object = json!({ "id": media.whatsapp_media_id });
            if let Some(caption) = &media.caption {
                object["caption"] = json!(caption);
            }
            if let Some(filename) = &media.filename {
                object["filename"] = json!(filename);
            }
            body["type"] = json!(kind);
            body[kind] = object;
        }
        // A reaction names its target itself and takes no reply context.
        Content::Reaction { target, emoji } => {
            body["type"] = json!("reaction");
            body["reaction"] = json!({
                "message_id": target.as_str(),
                "emoji": emoji.as_deref().unwrap_or(""),
            });
            return Some(body);
        }
        _ => return None,
    }
    if let Some(wamid) = &message.context.reply_to {
        body["context"] = json!({ "message_id": wamid.as_str() });
    }
    Some(body)
}

/// `body.1`, `body.first_name`, `header.1`, `button.0` → WhatsApp's components: positional
/// parameters in number order, named ones with `parameter_name`, URL buttons by index.
fn template_components(params: &BTreeMap<String, String>) -> Vec<Value> {
    let mut components = Vec::new();
    for component in ["header", "body"] {
        let mut slots: Vec<(&str, &String)> = params
            .iter()
            .filter_map(|(key, value)| {
                Some((key.strip_prefix(component)?.strip_prefix('.')?, value))
            })
            .collect();
        if slots.is_empty() {
            continue;
        }
        slots.sort_by_key(|(slot, _)| (slot.parse::<u32>().unwrap_or(u32::MAX), slot.to_string()));
        let parameters: Vec<Value> = slots
            .into_iter()
            .map(|(slot, value)| match slot.parse::<u32>() {
                Ok(_) => json!({ "type": "text", "text": value }),
                Err(_) => json!({ "type": "text", "parameter_name": slot, "text": value }),
            })
            .collect();
        components.push(json!({ "type": component, "parameters": parameters }));
    }
    for (key, value) in params {
        if let Some(index) = key.strip_prefix("button.") {
            components.push(json!({
                "type": "button",
                "sub_type": "url",
                "index": index,
                "parameters": [{ "type": "text", "text": value }],
            }));
        }
    }
    components
}

/// WhatsApp codes worth retrying: rate limits and transient failures.
const RETRYABLE: &[i64] = &[
    1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 133004,
];

/// Reads the Graph API's answer to a send.
pub fn outcome(http_status: u16, body: &str) -> SendOutcome {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    if (200..300).contains(&http_status) {
        let wamid = parsed
            .as_ref()
            .and_then(|v| v.get("messages")?.get(0)?.get("id")?.as_str())
            .map(str::to_owned);
        let success = parsed.as_ref().and_then(|v| v.get("success")?.as_bool()) == Some(true);
        return match wamid {
            Some(wamid) => SendOutcome::Accepted { wamid },
            None if success => SendOutcome::Done,
            None => SendOutcome::Retry {
                error: WhatsAppError {
                    code: 0,
                    title: "WhatsApp answered without a message id".into(),
                    details: None,
                },
            },
        };
    }
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let code = error.and_then(|e| e.get("code")?.as_i64());
    let error = WhatsAppError {
        code: code.unwrap_or(0),
        title: error
            .and_then(|e| e.get("message")?.as_str())
            .map_or_else(|| format!("HTTP {http_status}"), str::to_owned),
        details: error
            .and_then(|e| e.get("error_data")?.get("details")?.as_str())
            .map(str::to_owned),
    };
    let retryable = match code {
        Some(code) => RETRYABLE.contains(&code),
        // No WhatsApp code: rate limiting and server errors are worth another try.
        None => http_status == 429 || http_status >= 500,
    };
    if retryable {
        SendOutcome::Retry { error }
    } else {
        SendOutcome::Permanent { error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_retried_only_when_waiting_can_help() {
        let graph = |code: i64| {
            format!(
                r#"{{"error":{{"message":"(#{code}) x","type":"OAuthException","code":{code},"error_data":{{"details":"why"}},"fbtrace_id":"A"}}}}"#
            )
        };
        for code in [130429, 131056, 131000, 133004, 4, 80007] {
            assert!(
                matches!(outcome(400, &graph(code)), SendOutcome::Retry { .. }),
                "{code}"
            );
        }
        for code in [131047, 131026, 132000, 132001, 100, 190, 131051] {
            assert!(
                matches!(outcome(400, &graph(code)), SendOutcome::Permanent { .. }),
                "{code}"
            );
        }
        assert!(matches!(outcome(503, "<html>"), SendOutcome::Retry { .. }));
        assert!(matches!(outcome(429, ""), SendOutcome::Retry { .. }));
        assert!(matches!(
            outcome(404, "not json"),
            SendOutcome::Permanent { .. }
        ));
        let SendOutcome::Permanent { error } = outcome(400, &graph(131047)) else {
            panic!()
        };
        assert_eq!(
            (error.code, error.details.as_deref()),
            (131047, Some("why"))
        );
        assert_eq!(
            outcome(
                200,
                r#"{"messaging_product":"whatsapp","messages":[{"id":"wamid.OK"}]}"#
            ),
            SendOutcome::Accepted {
                wamid: "wamid.OK".into()
            }
        );
    }

    #[test]
    fn files_and_reactions_are_sent_in_whatsapps_shapes() {
        use relaydesk_core::domain::*;
        let contact = Contact::from_identity(
            ContactId::new(),
            &CustomerIdentity {
                phone: Some("12025550147".into()),
                ..Default::default()
            },
        );
        let message = |content: Content, reply_to: Option<Wamid>| Message {
            id: MessageId::new(),
            conversation_id: ConversationId::new(),
            direction: Direction::Outbound,
            author: None,
            wamid: None,
            content,
            context: MessageContext {
                reply_to,
                ..MessageContext::default()
            },
            at: chrono::Utc::now(),
            delivery: DeliveryStatus::Queued,
            played: false,
            reaction: None,
            reaction_at: None,
            read_by_us: false,
            pricing_category: None,
        };
        let document = Content::Media(Media {
            kind: MediaKind::Document,
            whatsapp_media_id: "42".into(),
            mime_type: None,
            sha256: None,
            filename: Some("Facture_été.pdf".into()),
            caption: Some("Your invoice".into()),
            voice: false,
            animated: false,
        });
        let body =
            request(&message(document, Some(Wamid::new("wamid.Q"))), &contact).expect("sendable");
        assert_eq!(body["type"], "document");
        assert_eq!(
            body["document"],
            serde_json::json!({ "id": "42", "caption": "Your invoice", "filename": "Facture_été.pdf" })
        );
        assert_eq!(body["context"]["message_id"], "wamid.Q");
        let removal = Content::Reaction {
            target: Wamid::new("wamid.T"),
            emoji: None,
        };
        let body =
            request(&message(removal, Some(Wamid::new("wamid.Q"))), &contact).expect("sendable");
        assert_eq!(
            body["reaction"],
            serde_json::json!({ "message_id": "wamid.T", "emoji": "" })
        );
        assert!(
            body.get("context").is_none(),
            "reactions take no reply context"
        );
        let bsuid_only = Contact::from_identity(
            ContactId::new(),
            &CustomerIdentity {
                bsuid: Some("US.1349".into()),
                ..Default::default()
            },
        );
        let body = request(
            &message(Content::Text { body: "hi".into() }, None),
            &bsuid_only,
        )
        .expect("sendable");
        assert_eq!(
            (body.get("to"), &body["recipient"]),
            (None, &serde_json::json!("US.1349"))
        );
    }
}
