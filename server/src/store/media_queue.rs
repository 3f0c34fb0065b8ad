//! Inbound media waiting to be fetched from WhatsApp, over [`Sql`] for both backends: a row
//! per media message, written in the transaction that stored the message; claimed by the
//! fetcher (`SKIP LOCKED` on PostgreSQL); finished as fetched, retried later, or failed.

use std::time::Duration;

use relaydesk_core::domain::{Change, Content, Event, MessageId, Timestamp};
use serde::{Deserialize, Serialize};

use super::job_queue::{Queue, next_attempt_at};
use super::sql::{Arg, DbError, Sql};

const QUEUE: Queue = Queue {
    table: "media",
    working: "fetching",
};
use super::job_queue::MAX_ATTEMPTS;

/// One media item to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaJob {
    pub message_id: MessageId,
    pub whatsapp_media_id: String,
    pub kind: relaydesk_core::domain::MediaKind,
    /// Base64 SHA-256 WhatsApp gave for the file, checked after download.
    pub sha256: Option<String>,
    /// When it reached us (WhatsApp keeps media about 7 days from the upload, moments before);
    /// absent on jobs queued before this was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<Timestamp>,
}

/// A claimed job and how many times it has now been tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaClaim {
    pub job: MediaJob,
    pub attempt: i64,
    /// The claim's lease (its end in epoch milliseconds): finishing checks it still holds.
    pub lease: i64,
}

/// What finishing a fetch says when this claim no longer holds the job (its lease ran out
/// and another fetcher took it): nothing was recorded.
pub const LEASE_LOST: &str = "lease lost";

/// How a fetch went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaOutcome {
    /// The file is in the blob store.
    Fetched { mime_type: String, size: u64 },
    /// Try again later (network, WhatsApp busy, expired URL, corrupt transfer).
    Retry { reason: String },
    /// Will not work (too big, media no longer on WhatsApp).
    Failed { reason: String },
}

/// Where a media item stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaState {
    /// `pending`, `fetching`, `fetched` or `failed`.
    pub state: String,
    pub mime_type: Option<String>,
    pub size: Option<i64>,
    pub last_error: Option<String>,
}

pub(crate) async fn enqueue<S: Sql>(
    sql: &mut S,
    events: &[Event],
    now: Timestamp,
) -> Result<(), DbError> {
    for event in events {
        let Change::CustomerMessageReceived { message } = &event.change else {
            continue;
        };
        let Content::Media(media) = &message.content else {
            continue;
        };
        let job = MediaJob {
            message_id: message.id,
            whatsapp_media_id: media.whatsapp_media_id.clone(),
            kind: media.kind,
            sha256: media.sha256.clone(),
            queued_at: Some(now),
        };
        sql.execute(
            "INSERT INTO media (message_id, conversation_id, whatsapp_media_id, kind, state, attempts, \
             next_attempt_at, lease_until, mime_type, size, last_error, doc) \
             VALUES ($1, $2, $3, $4, 'pending', 0, $5, NULL, $6, NULL, NULL, $7) ON CONFLICT DO NOTHING",
            &[
                Arg::Text(message.id.to_string()),
                Arg::Text(message.conversation_id.to_string()),
                Arg::Text(media.whatsapp_media_id.clone()),
                Arg::from(media.kind.as_str()),
                Arg::Int(now.timestamp_millis()),
                Arg::OptText(media.mime_type.clone()),
                Arg::Text(serde_json::to_string(&job)?),
            ],
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn claim<S: Sql>(
    sql: &mut S,
    now: Timestamp,
    lease: Duration,
    limit: i64,
) -> Result<Vec<MediaClaim>, DbError> {
    let claimed = QUEUE.claim(sql, now, lease, limit).await?;
    Ok(claimed
        .into_iter()
        .map(|(job, attempt, lease)| MediaClaim {
            job,
            attempt,
            lease,
        })
        .collect())
}

pub(crate) async fn finish<S: Sql>(
    sql: &mut S,
    claim: &MediaClaim,
    outcome: MediaOutcome,
    now: Timestamp,
) -> Result<&'static str, DbError> {
    if !QUEUE
        .holds(sql, &claim.job.message_id.to_string(), claim.lease)
        .await?
    {
        return Ok(LEASE_LOST);
    }
    let (state, mime_type, size, error) = match outcome {
        MediaOutcome::Fetched { mime_type, size } => {
            ("fetched", Some(mime_type), i64::try_from(size).ok(), None)
        }
        MediaOutcome::Retry { reason } if claim.attempt < MAX_ATTEMPTS => {
            ("pending", None, None, Some(reason))
        }
        MediaOutcome::Retry { reason } | MediaOutcome::Failed { reason } => {
            ("failed", None, None, Some(reason))
        }
    };
    let next_attempt_at = next_attempt_at(now, claim.attempt);
    sql.execute(
        "UPDATE media SET state = $1, next_attempt_at = $2, lease_until = NULL, \
         mime_type = COALESCE($3, mime_type), size = $4, last_error = $5 WHERE message_id = $6",
        &[
            Arg::from(state),
            Arg::Int(next_attempt_at),
            Arg::OptText(mime_type),
            Arg::OptInt(size),
            Arg::OptText(error),
            Arg::Text(claim.job.message_id.to_string()),
        ],
    )
    .await?;
    Ok(state)
}

/// The states of several messages' media (those without media are left out).
pub(crate) async fn states<S: Sql>(
    sql: &mut S,
    messages: &[MessageId],
) -> Result<Vec<(MessageId, MediaState)>, DbError> {
    let mut found = Vec::new();
    for message in messages {
        if let Some(media) = state(sql, *message).await? {
            found.push((*message, media));
        }
    }
    Ok(found)
}

pub(crate) async fn state<S: Sql>(
    sql: &mut S,
    message: MessageId,
) -> Result<Option<MediaState>, DbError> {
    // One text column on both backends: `state|mime|size|error` (only the error may hold `|`).
    let row = sql
        .texts(
            "SELECT state || '|' || COALESCE(mime_type, '') || '|' || COALESCE(CAST(size AS TEXT), '') \
             || '|' || COALESCE(last_error, '') FROM media WHERE message_id = $1",
            &[Arg::Text(message.to_string())],
        )
        .await?
        .pop();
    Ok(row.map(|row| {
        let mut parts = row.splitn(4, '|').map(str::to_owned);
        let mut next = || parts.next().filter(|p| !p.is_empty());
        MediaState {
            state: next().unwrap_or_default(),
            mime_type: next(),
            size: next().and_then(|s| s.parse().ok()),
            last_error: next(),
        }
    }))
}
