//! What the send, media and push queues share: claiming due jobs under a lease (with
//! `SKIP LOCKED` on PostgreSQL, so several instances never take the same job) and scheduling
//! the next attempt with backoff.

use std::hash::BuildHasher;
use std::time::Duration;

use relaydesk_core::domain::Timestamp;
use serde::de::DeserializeOwned;

use super::sql::{Arg, DbError, Sql};

/// A job queue table: `message_id`, `state`, `attempts`, `next_attempt_at`, `lease_until`, `doc`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Queue {
    pub(crate) table: &'static str,
    /// The state of a job being worked on (`sending`, `fetching`).
    pub(crate) working: &'static str,
}

impl Queue {
    /// Claims up to `limit` jobs due at `now` (and jobs whose worker vanished: lease expired);
    /// returns each job's document with the attempt this is (1 for the first) and the lease
    /// (its end, in epoch milliseconds: the token that says this claim still holds the job).
    pub(crate) async fn claim<S: Sql, J: DeserializeOwned>(
        self,
        sql: &mut S,
        now: Timestamp,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<(J, i64, i64)>, DbError> {
        let Queue { table, working } = self;
        let now_ms = now.timestamp_millis();
        let lease_until = now_ms + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let query = format!(
            "UPDATE {table} SET state = '{working}', attempts = attempts + 1, lease_until = $1 \
             WHERE message_id IN (SELECT message_id FROM {table} \
             WHERE (state = 'pending' AND next_attempt_at <= $2) \
             OR (state = '{working}' AND lease_until < $2) \
             ORDER BY next_attempt_at, message_id LIMIT $3{}) RETURNING message_id",
            sql.skip_locked()
        );
        let mut ids = sql
            .texts(
                &query,
                &[Arg::Int(lease_until), Arg::Int(now_ms), Arg::Int(limit)],
            )
            .await?;
        // `RETURNING` comes in no particular order; message ids are UUIDv7, minted in the order
        // replies were written, so sorting them keeps a conversation's messages in order.
        ids.sort();
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            let id = Arg::Text(id);
            let doc = sql
                .texts(
                    &format!("SELECT doc FROM {table} WHERE message_id = $1"),
                    std::slice::from_ref(&id),
                )
                .await?
                .pop()
                .ok_or_else(|| DbError::Other(format!("a claimed job vanished from {table}")))?;
            let attempt = sql
                .integer(
                    &format!("SELECT attempts FROM {table} WHERE message_id = $1"),
                    &[id],
                )
                .await?
                .unwrap_or(1);
            claimed.push((serde_json::from_str(&doc)?, attempt, lease_until));
        }
        Ok(claimed)
    }
}

impl Queue {
    /// Whether the claim that got `lease` still holds job `id` (locked until commit): its
    /// lease may have run out and another worker taken the job, whose outcome then counts.
    pub(crate) async fn holds<S: Sql>(
        self,
        sql: &mut S,
        id: &str,
        lease: i64,
    ) -> Result<bool, DbError> {
        let Queue { table, working } = self;
        // The row stays locked until commit, so no claim slips in between check and finish.
        let query = format!(
            "SELECT lease_until FROM {table} WHERE message_id = $1 AND state = '{working}'{}",
            sql.lock_rows()
        );
        Ok(sql.integer(&query, &[Arg::from(id)]).await? == Some(lease))
    }
}

/// When attempt `attempt + 1` may start, counted from `now`, in epoch milliseconds.
pub(crate) fn next_attempt_at(now: Timestamp, attempt: i64) -> i64 {
    now.timestamp_millis() + i64::try_from(backoff(attempt).as_millis()).unwrap_or(300_000)
}

/// How many times a send or a media fetch is tried before it fails for good.
pub const MAX_ATTEMPTS: i64 = 8;

/// Wait before attempt `attempt + 1`: 1 s doubling to at most 5 minutes, ±25 % jitter so that
/// a burst of failures does not come back as a burst.
pub fn backoff(attempt: i64) -> Duration {
    let exponent = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    let base = Duration::from_secs(1).saturating_mul(2u32.saturating_pow(exponent));
    let base = base.min(Duration::from_secs(300));
    let random = std::collections::hash_map::RandomState::new().hash_one(attempt);
    let jitter = 0.75 + (random % 1000) as f64 / 2000.0;
    base.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempt in 1..=12 {
            let wait = backoff(attempt);
            let base = 2f64.powi(attempt as i32 - 1).min(300.0);
            assert!(
                wait.as_secs_f64() >= base * 0.75 && wait.as_secs_f64() <= base * 1.25,
                "{attempt}: {wait:?}"
            );
        }
    }
}
