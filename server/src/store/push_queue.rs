//! Pushes to phones, over [`Sql`] for both backends. The push dispatcher is a follower of the
//! event log (`crate::push::dispatcher`): in its round it asks here for the phones of the
//! people a change concerns and queues their pushes as `pushes` rows ([`Round::devices`],
//! [`Round::queue_push`]), in the transaction that moves its cursor. The sender claims due
//! rows like the send queue (`SKIP LOCKED`), and finishes each as sent, retried (FCM's
//! `Retry-After` when it gives one), failed, or — when FCM says the token is dead — by
//! forgetting the device ([`Delivery`]). Nothing here knows FCM or what a change alerts.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use relaydesk_core::domain::{ConversationId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use super::followers::Round;
use super::job_queue::{Queue, next_attempt_at};
use super::postgres::PgSql;
use super::sql::{Arg, DbError, Sql};
use super::sqlite::run_ready;
use super::{Backend, Store};

const QUEUE: Queue = Queue {
    table: "pushes",
    working: "sending",
};
/// Tries before a push is given up (FCM messages are worthless after a while anyway).
pub const MAX_ATTEMPTS: i64 = 6;

/// What a push is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushKind {
    /// Data only: the phone syncs (at most one pending per device).
    Wake,
    /// A visible notification for the person a change needs.
    Alert,
}

impl PushKind {
    /// The word stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            PushKind::Wake => "wake",
            PushKind::Alert => "alert",
        }
    }
}

impl std::fmt::Display for PushKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One FCM message to one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushJob {
    pub message_id: String,
    pub token: String,
    pub user: UserId,
    pub kind: PushKind,
    pub conversation: Option<ConversationId>,
    /// The `message` object FCM's v1 API takes, token included.
    pub message: serde_json::Value,
}

/// What became of one attempt to send a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Worth trying again: after `after` when the push service said (`Retry-After`).
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// The device token is dead: forget it.
    TokenGone {
        reason: String,
    },
    /// The push service refused our request itself: a bug of ours, logged, never retried.
    Refused {
        reason: String,
    },
}

/// A claimed push and which attempt this is.
#[derive(Debug, Clone, PartialEq)]
pub struct PushClaim {
    pub job: PushJob,
    pub attempt: i64,
    /// The claim's lease (its end in epoch milliseconds): finishing checks it still holds.
    pub lease: i64,
}

/// The phones of `users` whose sessions are still live: a session that ran out (say, signed
/// out while offline) pushes nothing more to its phone's lock screen.
async fn devices<S: Sql>(
    sql: &mut S,
    users: impl Iterator<Item = UserId>,
    now: Timestamp,
) -> Result<BTreeMap<UserId, Vec<(String, String)>>, DbError> {
    let mut found = BTreeMap::new();
    for user in users {
        let of: Vec<(String, String)> = sql
            .rows(
                "SELECT d.token, d.platform FROM devices d JOIN sessions s ON s.id = d.session_id \
                 WHERE d.user_id = $1 AND s.expires_at > $2 ORDER BY d.updated_at",
                &[
                    Arg::Text(user.to_string()),
                    Arg::Int(now.timestamp_millis()),
                ],
            )
            .await?
            .iter()
            .map(|row| {
                Ok((
                    row[0].required_text("token")?.to_owned(),
                    row[1].required_text("platform")?.to_owned(),
                ))
            })
            .collect::<Result<_, DbError>>()?;
        if !of.is_empty() {
            found.insert(user, of);
        }
    }
    Ok(found)
}

impl<S: Sql> Round<'_, S> {
    /// The phones (token, platform) of each of `users` whose sessions are still live.
    pub async fn devices(
        &mut self,
        users: impl Iterator<Item = UserId>,
    ) -> Result<BTreeMap<UserId, Vec<(String, String)>>, DbError> {
        let now = self.now();
        devices(self.sql(), users, now).await
    }

    /// The people who turned off customers' words on their lock screen.
    pub async fn no_previews(&mut self) -> Result<BTreeSet<UserId>, DbError> {
        no_previews(self.sql()).await
    }

    /// Queues `job` (a second pending wake-up for a device is the same wake-up: dropped).
    pub async fn queue_push(&mut self, job: &PushJob) -> Result<(), DbError> {
        let now = self.now();
        insert(self.sql(), job, now).await
    }
}

async fn no_previews<S: Sql>(sql: &mut S) -> Result<BTreeSet<UserId>, DbError> {
    sql.texts("SELECT user_id FROM push_settings WHERE previews = 0", &[])
        .await?
        .iter()
        .map(|t| {
            t.parse()
                .map_err(|_| DbError::Other(format!("a bad user id in push_settings: {t}")))
        })
        .collect()
}

async fn insert<S: Sql>(sql: &mut S, job: &PushJob, now: Timestamp) -> Result<(), DbError> {
    // A second pending wake-up for a device is the same wake-up: the unique index drops it.
    sql.execute(
        "INSERT INTO pushes (message_id, token, user_id, kind, state, attempts, next_attempt_at, \
         lease_until, last_error, created_at, doc) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $5, NULL, NULL, $5, $6) ON CONFLICT DO NOTHING",
        &[
            Arg::Text(job.message_id.clone()),
            Arg::Text(job.token.clone()),
            Arg::Text(job.user.to_string()),
            Arg::from(job.kind.as_str()),
            Arg::Int(now.timestamp_millis()),
            Arg::Text(serde_json::to_string(job)?),
        ],
    )
    .await?;
    Ok(())
}

async fn finish<S: Sql>(
    sql: &mut S,
    claim: &PushClaim,
    outcome: &Delivery,
    now: Timestamp,
) -> Result<&'static str, DbError> {
    let id = Arg::Text(claim.job.message_id.clone());
    if !QUEUE.holds(sql, &claim.job.message_id, claim.lease).await? {
        // Its lease ran out and another sender took it over: that one's outcome counts.
        return Ok("lease lost");
    }
    let (state, next, error) = match outcome {
        Delivery::Sent => ("sent", now.timestamp_millis(), None),
        Delivery::Retry { reason, after } if claim.attempt < MAX_ATTEMPTS => {
            let next = match after {
                Some(after) => {
                    now.timestamp_millis() + i64::try_from(after.as_millis()).unwrap_or(0)
                }
                None => next_attempt_at(now, claim.attempt),
            };
            if claim.job.kind == PushKind::Wake {
                // A newer pending wake-up for the device does the same job: keep just one.
                sql.execute(
                    "DELETE FROM pushes WHERE token = $1 AND kind = 'wake' AND state = 'pending' \
                     AND message_id <> $2",
                    &[Arg::Text(claim.job.token.clone()), id.clone()],
                )
                .await?;
            }
            ("pending", next, Some(reason.clone()))
        }
        Delivery::TokenGone { reason } => {
            sql.execute(
                "DELETE FROM devices WHERE token = $1",
                &[Arg::Text(claim.job.token.clone())],
            )
            .await?;
            // Other pushes waiting for that device will not get through either.
            sql.execute(
                "UPDATE pushes SET state = 'dropped', last_error = $1, lease_until = NULL \
                 WHERE token = $2 AND state = 'pending'",
                &[
                    Arg::Text(reason.clone()),
                    Arg::Text(claim.job.token.clone()),
                ],
            )
            .await?;
            ("dropped", now.timestamp_millis(), Some(reason.clone()))
        }
        Delivery::Retry { reason, .. } | Delivery::Refused { reason } => {
            ("failed", now.timestamp_millis(), Some(reason.clone()))
        }
    };
    sql.execute(
        "UPDATE pushes SET state = $1, next_attempt_at = $2, lease_until = NULL, last_error = $3 \
         WHERE message_id = $4",
        &[Arg::from(state), Arg::Int(next), Arg::OptText(error), id],
    )
    .await?;
    Ok(state)
}

impl Store {
    /// Whether any push is due at `now` (a read: an idle sender does not write every second).
    pub async fn pushes_due(&self, now: Timestamp) -> Result<bool, DbError> {
        let now = now.timestamp_millis();
        in_read!(self, |sql| {
            Ok(sql
            .integer(
                "SELECT COUNT(*) FROM (SELECT 1 FROM pushes WHERE (state = 'pending' AND next_attempt_at <= $1) \
                 OR (state = 'sending' AND lease_until < $1) LIMIT 1) AS due",
                &[Arg::Int(now)],
            )
            .await?
            .unwrap_or(0)
            > 0)
        })
    }

    /// Claims up to `limit` pushes due at `now`, each leased for `lease`.
    pub async fn claim_pushes(
        &self,
        now: Timestamp,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<PushClaim>, DbError> {
        in_transaction!(self, |sql| {
            let claimed = QUEUE.claim(sql, now, lease, limit).await?;
            Ok(claimed
                .into_iter()
                .map(|(job, attempt, lease)| PushClaim {
                    job,
                    attempt,
                    lease,
                })
                .collect())
        })
    }

    /// Records how a push went; answers its new state (`sent`, `pending`, `failed`, `dropped`).
    pub async fn finish_push(
        &self,
        claim: PushClaim,
        outcome: Delivery,
        now: Timestamp,
    ) -> Result<&'static str, DbError> {
        in_transaction!(self, |sql| finish(sql, &claim, &outcome, now).await)
    }

    /// Whether `user` wants customers' words in notifications (on unless turned off).
    pub async fn push_previews(&self, user: UserId) -> Result<bool, DbError> {
        in_read!(self, |sql| Ok(sql
            .integer(
                "SELECT previews FROM push_settings WHERE user_id = $1",
                &[Arg::Text(user.to_string())]
            )
            .await?
            .is_none_or(|p| p != 0)))
    }

    pub async fn set_push_previews(&self, user: UserId, previews: bool) -> Result<(), DbError> {
        in_transaction!(self, |sql| {
            sql.execute(
                "INSERT INTO push_settings (user_id, previews) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO UPDATE SET previews = $2",
                &[Arg::Text(user.to_string()), Arg::Int(i64::from(previews))],
            )
            .await?;
            Ok(())
        })
    }
}
