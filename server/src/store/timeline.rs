//! A conversation's timeline, page by page, in the order things happened
//! ([`relaydesk_core::domain::timeline`]: a customer's message at its WhatsApp time, anything
//! else when it was recorded), each entry with the version that recorded it (messages read as
//! they stand now, delivery status included); and every event between two versions, in
//! version order, for the live stream and the followers of the event log.
//!
//! A message that arrives late lands before entries already read. Pages stay consistent by
//! reading *as of* a version: the first page fixes it, later pages keep it, and everything
//! recorded after it reaches the reader through the live stream from that version — no gaps,
//! no repeats.

use relaydesk_core::domain::{ConversationId, Event, Place, timeline::sort_millis};

use super::event_docs;
use super::postgres::PgSql;
use super::sql::{Arg, Cell, DbError, Sql};
use super::sqlite::run_ready;
use super::{Backend, Store};

/// One stored event and where it sits.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamped {
    pub version: i64,
    pub seq: i64,
    pub event: Event,
}

impl Stamped {
    /// Its place on its conversation's timeline.
    pub fn place(&self) -> Place {
        Place::of(&self.event, self.version, self.seq)
    }
}

/// Where a timeline page starts: after `after` (`None`: from the beginning), among the events
/// recorded up to version `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineFrom {
    pub after: Option<Place>,
    pub as_of: i64,
}

/// Rows of `SELECT version, seq, doc FROM events …`, read back (messages as they are now).
pub(crate) async fn stamped<S: Sql>(
    sql: &mut S,
    rows: Vec<Vec<Cell>>,
) -> Result<Vec<Stamped>, DbError> {
    let mut stamped = Vec::with_capacity(rows.len());
    for row in rows {
        stamped.push(Stamped {
            version: row[0].required_int("version")?,
            seq: row[1].required_int("seq")?,
            event: event_docs::from_doc(sql, row[2].required_text("doc")?).await?,
        });
    }
    Ok(stamped)
}

async fn page<S: Sql>(
    sql: &mut S,
    conversation: ConversationId,
    from: TimelineFrom,
    limit: i64,
) -> Result<Vec<Stamped>, DbError> {
    let after = from.after.unwrap_or(Place {
        at_millis: i64::MIN,
        version: i64::MIN,
        seq: i64::MIN,
    });
    let rows = sql
        .rows(
            "SELECT version, seq, doc FROM events WHERE conversation_id = $1 AND version <= $2 \
             AND (placed_at > $3 OR (placed_at = $4 AND (version > $5 OR (version = $6 AND seq > $7)))) \
             ORDER BY placed_at, version, seq LIMIT $8",
            &[
                Arg::Text(conversation.to_string()),
                Arg::Int(from.as_of),
                Arg::Int(after.at_millis),
                Arg::Int(after.at_millis),
                Arg::Int(after.version),
                Arg::Int(after.version),
                Arg::Int(after.seq),
                Arg::Int(limit),
            ],
        )
        .await?;
    stamped(sql, rows).await
}

/// Events of any conversation with `after < version <= upto`, in order (the live stream).
pub(crate) async fn between<S: Sql>(
    sql: &mut S,
    after: i64,
    upto: i64,
) -> Result<Vec<Stamped>, DbError> {
    let rows = sql
        .rows(
            "SELECT version, seq, doc FROM events WHERE version > $1 AND version <= $2 \
             ORDER BY version, seq",
            &[Arg::Int(after), Arg::Int(upto)],
        )
        .await?;
    stamped(sql, rows).await
}

/// Migration 7: the place of every event recorded before timelines were ordered by time (the
/// migration's SQL set it to the recording time, right for all but openings and customer
/// messages).
pub(crate) async fn refill_places<S: Sql>(sql: &mut S) -> Result<(), DbError> {
    let rows = sql
        .rows(
            "SELECT version, seq, doc FROM events \
             WHERE doc LIKE '%\"conversation_opened\"%' OR doc LIKE '%\"customer_message_received\"%'",
            &[],
        )
        .await?;
    for s in stamped(sql, rows).await? {
        sql.execute(
            "UPDATE events SET placed_at = $1 WHERE version = $2 AND seq = $3",
            &[
                Arg::Int(sort_millis(&s.event)),
                Arg::Int(s.version),
                Arg::Int(s.seq),
            ],
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Up to `limit` timeline entries of `conversation` from `from`, in timeline order.
    pub async fn timeline(
        &self,
        conversation: ConversationId,
        from: TimelineFrom,
        limit: i64,
    ) -> Result<Vec<Stamped>, DbError> {
        in_read!(self, |sql| page(sql, conversation, from, limit).await)
    }

    /// Every event with `after < version <= upto`. Versions commit in order, so once
    /// [`Store::version`] has answered `upto`, this range is complete and final.
    pub async fn events_between(&self, after: i64, upto: i64) -> Result<Vec<Stamped>, DbError> {
        in_read!(self, |sql| between(sql, after, upto).await)
    }
}
