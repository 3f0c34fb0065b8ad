//! The durable send queue, over [`Sql`] for both backends: a row per outbound message,
//! written in the transaction that queued the reply; claimed by senders (on PostgreSQL with
//! `SKIP LOCKED`, so several instances share it and each message goes out once); finished as
//! sent, retried later, or failed — the outcome entering the one write path as a delivery
//! report, so a failure shows on the conversation with WhatsApp's code and reason.
//!
//! A job is plain domain data — the message and the customer it goes to, or the message a read
//! receipt is for ([`Outgoing`]) — and the sender (`crate::workers::whatsapp_sender`) turns it
//! into the channel's request; nothing here knows WhatsApp's JSON.

use std::time::Duration;

use relaydesk_core::domain::{
    Actor, Command, Contact, Content, ConversationId, DeliveryReport, DeliveryStatus, Desk,
    Message, MessageId, MessageRef, Timestamp, Wamid, WhatsAppError,
};
use serde::{Deserialize, Serialize};

use super::job_queue::{MAX_ATTEMPTS, Queue, next_attempt_at};
use super::provenance::{Door, Provenance};
use super::rows;
use super::sql::{Arg, DbError, Sql};
use super::write_path::{Unit, execute};

const QUEUE: Queue = Queue {
    table: "send_queue",
    working: "sending",
};

/// One queued send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendJob {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    /// The business number it goes out from.
    pub phone_number_id: String,
    #[serde(default)]
    pub kind: SendKind,
    /// What to send, as it stood when queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outgoing: Option<Outgoing>,
    /// The Graph API body a build before issue 17 stored instead (rows still queued then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<serde_json::Value>,
}

/// What a send carries, in domain terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outgoing {
    /// One of our messages, to this customer.
    Message {
        message: Box<Message>,
        to: Box<Contact>,
    },
    /// The customer's message (and those before it) marked read.
    ReadReceipt { wamid: Wamid },
}

/// What a send is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendKind {
    /// One of our messages (`message_id` is ours).
    #[default]
    Message,
    /// A read receipt (`message_id` is the customer's message).
    ReadReceipt,
}

/// How a send went.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// The channel accepted it under this id (WhatsApp's wamid).
    Accepted { wamid: String },
    /// The channel did it (read receipts answer `{"success": true}` and carry no wamid).
    Done,
    /// Worth trying again later.
    Retry { error: WhatsAppError },
    /// Will not succeed as it is: the message fails visibly.
    Permanent { error: WhatsAppError },
}

/// Whether `message` can go out to `to` at all: content we send, and a customer we can
/// address (a phone number or a WhatsApp user id).
fn sendable(message: &Message, to: &Contact) -> bool {
    let content = matches!(
        message.content,
        Content::Text { .. }
            | Content::Template { .. }
            | Content::Media(_)
            | Content::Reaction { .. }
    );
    content && (to.phone.is_some() || to.bsuid.is_some())
}

/// Queues a send for every reply and read receipt the events queued (called by the write
/// path, in the same transaction).
pub(crate) async fn enqueue_replies<S: Sql>(
    sql: &mut S,
    desk: &Desk,
    events: &[relaydesk_core::domain::Event],
    now: Timestamp,
) -> Result<(), DbError> {
    use relaydesk_core::domain::Change;
    for event in events {
        let (message, kind) = match &event.change {
            Change::ReplyQueued { message } => (message.id, SendKind::Message),
            Change::ReadReceiptQueued { message } => (*message, SendKind::ReadReceipt),
            _ => continue,
        };
        let message = desk
            .message(message)
            .ok_or_else(|| DbError::Other("a queued message was not loaded".into()))?;
        let conversation = desk
            .conversations
            .get(&message.conversation_id)
            .ok_or_else(|| DbError::Other("a reply's conversation was not loaded".into()))?;
        let inbox = desk
            .workspace
            .inboxes
            .get(&conversation.inbox_id)
            .ok_or_else(|| DbError::Other("a reply's inbox is missing".into()))?;
        let outgoing = match kind {
            SendKind::Message => {
                let contact = desk
                    .contacts
                    .get(&conversation.contact_id)
                    .ok_or_else(|| DbError::Other("a reply's contact was not loaded".into()))?;
                sendable(message, contact).then(|| Outgoing::Message {
                    message: Box::new(message.clone()),
                    to: Box::new(contact.clone()),
                })
            }
            SendKind::ReadReceipt => message
                .wamid
                .clone()
                .map(|wamid| Outgoing::ReadReceipt { wamid }),
        };
        let Some(outgoing) = outgoing else {
            return Err(DbError::Other(format!(
                "message {} cannot be sent to WhatsApp",
                message.id
            )));
        };
        let job = SendJob {
            message_id: message.id,
            conversation_id: conversation.id,
            phone_number_id: inbox.phone_number_id.clone(),
            kind,
            outgoing: Some(outgoing),
            request: None,
        };
        sql.execute(
            "INSERT INTO send_queue (message_id, conversation_id, phone_number_id, state, attempts, \
             next_attempt_at, lease_until, last_error, created_at, doc) \
             VALUES ($1, $2, $3, 'pending', 0, $4, NULL, NULL, $5, $6) ON CONFLICT DO NOTHING",
            &[
                Arg::Text(job.message_id.to_string()),
                Arg::Text(job.conversation_id.to_string()),
                Arg::Text(job.phone_number_id.clone()),
                Arg::Int(now.timestamp_millis()),
                Arg::Int(now.timestamp_millis()),
                Arg::Text(serde_json::to_string(&job)?),
            ],
        )
        .await?;
    }
    Ok(())
}

/// A claimed job and how many times it has now been tried (this one included).
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub job: SendJob,
    pub attempt: i64,
    /// The claim's lease (its end in epoch milliseconds): finishing checks it still holds.
    pub lease: i64,
}

/// Where a send stands after its outcome was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendState {
    /// Accepted by WhatsApp (or a read receipt done).
    Sent,
    /// To be tried again later.
    Retrying,
    /// Given up: the failure is on the message.
    Failed,
    /// This claim's lease ran out and another sender took the job: nothing was recorded (the
    /// holder's outcome counts).
    LeaseLost,
}

impl SendState {
    /// The word stored in the queue's `state` column.
    fn column(self) -> &'static str {
        match self {
            SendState::Sent => "sent",
            SendState::Retrying => "pending",
            SendState::Failed | SendState::LeaseLost => "failed",
        }
    }
}

/// Claims up to `limit` jobs due at `now` (and jobs whose sender vanished: lease expired).
pub(crate) async fn claim<S: Sql>(
    sql: &mut S,
    now: Timestamp,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Claimed>, DbError> {
    let claimed = QUEUE.claim(sql, now, lease, limit).await?;
    Ok(claimed
        .into_iter()
        .map(|(job, attempt, lease)| Claimed {
            job,
            attempt,
            lease,
        })
        .collect())
}

/// Records how a claimed send went; returns where the send stands now.
pub(crate) async fn finish<S: Sql>(
    sql: &mut S,
    claimed: &Claimed,
    outcome: SendOutcome,
    now: Timestamp,
) -> Result<SendState, DbError> {
    let id = claimed.job.message_id;
    let receipt = claimed.job.kind == SendKind::ReadReceipt;
    if !receipt {
        // The lock order (`super::postgres`): the conversation, whose message the outcome is
        // recorded on, before the queue row.
        rows::conversation(sql, claimed.job.conversation_id).await?;
    }
    if !QUEUE.holds(sql, &id.to_string(), claimed.lease).await? {
        return Ok(SendState::LeaseLost);
    }
    let outcome = match outcome {
        // A message send must come back with its wamid; without one, try again.
        SendOutcome::Done if !receipt => SendOutcome::Retry {
            error: WhatsAppError {
                code: 0,
                title: "WhatsApp answered without a message id".into(),
                details: None,
            },
        },
        other => other,
    };
    let (state, report, wamid, error): (
        SendState,
        Option<DeliveryReport>,
        Option<Wamid>,
        Option<WhatsAppError>,
    ) = match outcome {
        SendOutcome::Accepted { .. } | SendOutcome::Done if receipt => {
            (SendState::Sent, None, None, None)
        }
        SendOutcome::Accepted { wamid } => (
            SendState::Sent,
            Some(DeliveryReport::Status {
                status: DeliveryStatus::Accepted,
            }),
            Some(Wamid::new(wamid)),
            None,
        ),
        SendOutcome::Done => (SendState::Sent, None, None, None),
        SendOutcome::Retry { error } if claimed.attempt < MAX_ATTEMPTS => {
            (SendState::Retrying, None, None, Some(error))
        }
        // A read receipt that cannot be sent is logged, not shown: the customer's message
        // is not ours to mark failed.
        SendOutcome::Retry { error } | SendOutcome::Permanent { error } if receipt => {
            (SendState::Failed, None, None, Some(error))
        }
        SendOutcome::Retry { error } | SendOutcome::Permanent { error } => (
            SendState::Failed,
            Some(DeliveryReport::Status {
                status: DeliveryStatus::Failed {
                    error: error.clone(),
                },
            }),
            None,
            Some(error),
        ),
    };
    if let Some(report) = report {
        let workspace = super::config::workspace(sql).await?;
        let command = Command::RecordDelivery {
            message: MessageRef {
                ours: Some(id),
                wamid: None,
            },
            wamid,
            report,
            at: now,
            pricing_category: None,
        };
        if let Err(rejection) = execute(
            sql,
            &mut Unit::default(),
            &workspace,
            &Provenance::new(Actor::WhatsApp, Door::SendQueue),
            now,
            &command,
        )
        .await?
        {
            tracing::warn!(message = %id, %rejection, "a send outcome could not be recorded on its message");
        }
    }
    let next_attempt_at = next_attempt_at(now, claimed.attempt);
    sql.execute(
        "UPDATE send_queue SET state = $1, next_attempt_at = $2, lease_until = NULL, last_error = $3 \
         WHERE message_id = $4",
        &[
            Arg::from(state.column()),
            Arg::Int(next_attempt_at),
            Arg::OptText(error.map(|e| format!("{} {}", e.code, e.explanation()))),
            Arg::Text(id.to_string()),
        ],
    )
    .await?;
    Ok(state)
}

/// Jobs by state, for `/metrics` and tests: (state, count).
pub(crate) async fn depth<S: Sql>(sql: &mut S) -> Result<Vec<(String, i64)>, DbError> {
    let mut depth = Vec::new();
    for state in ["pending", "sending", "sent", "failed"] {
        let count = sql
            .integer(
                "SELECT COUNT(*) FROM send_queue WHERE state = $1",
                &[Arg::from(state)],
            )
            .await?
            .unwrap_or(0);
        depth.push((state.to_owned(), count));
    }
    Ok(depth)
}

/// How long a number's sends pause when WhatsApp reports its throughput was reached (130429).
pub const THROUGHPUT_PAUSE: Duration = Duration::from_secs(30);

/// Postpones every pending send from `phone_number_id` to at least `until`.
pub(crate) async fn pause_number<S: Sql>(
    sql: &mut S,
    phone_number_id: &str,
    until: Timestamp,
) -> Result<u64, DbError> {
    sql.execute(
        "UPDATE send_queue SET next_attempt_at = CASE WHEN next_attempt_at < $1 THEN $1 ELSE next_attempt_at END \
         WHERE phone_number_id = $2 AND state = 'pending'",
        &[Arg::Int(until.timestamp_millis()), Arg::from(phone_number_id)],
    )
    .await
}
