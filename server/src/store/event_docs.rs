//! Events as stored. An event that adds a message (a customer's, or our reply) keeps a
//! reference to the message's row instead of a second copy of it: the copy was the largest
//! part of every inbound message's write. Reading puts the message back, as it is now (with
//! its current delivery status and reaction) — what a timeline shows anyway.

use relaydesk_core::domain::{By, Change, ConversationId, Event, MessageId, Timestamp};
use serde::Serialize;
use serde_json::Value;

use super::rows;
use super::sql::{DbError, Sql};

#[derive(Serialize)]
struct Stored<'a> {
    conversation: Option<ConversationId>,
    at: Timestamp,
    by: By,
    change: StoredChange<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum StoredChange<'a> {
    Message {
        event: &'static str,
        message_ref: MessageId,
    },
    Other(&'a Change),
}

/// The stored document of `event`.
pub(crate) fn to_doc(event: &Event) -> Result<String, DbError> {
    let change = match &event.change {
        Change::CustomerMessageReceived { message } => StoredChange::Message {
            event: "customer_message_received",
            message_ref: message.id,
        },
        Change::ReplyQueued { message } => StoredChange::Message {
            event: "reply_queued",
            message_ref: message.id,
        },
        other => StoredChange::Other(other),
    };
    Ok(serde_json::to_string(&Stored {
        conversation: event.conversation,
        at: event.at,
        by: event.by,
        change,
    })?)
}

/// The event a stored document describes, its message put back.
pub(crate) async fn from_doc<S: Sql>(sql: &mut S, doc: &str) -> Result<Event, DbError> {
    let mut value: Value = serde_json::from_str(doc)?;
    if let Some(reference) = value["change"]
        .as_object_mut()
        .and_then(|change| change.remove("message_ref"))
    {
        let id: MessageId = serde_json::from_value(reference)?;
        let message = rows::message(sql, id).await?.ok_or_else(|| {
            DbError::Other(format!("event refers to message {id}, which is missing"))
        })?;
        value["change"]["message"] = serde_json::to_value(message)?;
    }
    Ok(serde_json::from_value(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_events_are_stored_as_references_and_others_whole() {
        let id = MessageId::new();
        let note_event = Event {
            conversation: Some(ConversationId::new()),
            at: chrono::Utc::now(),
            by: By::Customer,
            change: Change::StatusChanged {
                from: relaydesk_core::domain::Status::Open,
                to: relaydesk_core::domain::Status::Resolved,
            },
        };
        let doc = to_doc(&note_event).expect("doc");
        assert_eq!(
            serde_json::from_str::<Event>(&doc).expect("whole"),
            note_event
        );
        let stored = serde_json::to_string(&StoredChange::Message {
            event: "reply_queued",
            message_ref: id,
        })
        .expect("json");
        assert_eq!(
            stored,
            format!(r#"{{"event":"reply_queued","message_ref":"{id}"}}"#)
        );
    }
}
