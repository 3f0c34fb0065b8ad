//! A conversation's timeline, page by page: its events in commit order, each with the version
//! that recorded it (messages read as they stand now, delivery status included).

use relaydesk_core::domain::{ConversationId, Event};

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
    after: (i64, i64),
    limit: i64,
) -> Result<Vec<Stamped>, DbError> {
    let rows = sql
        .rows(
            "SELECT version, seq, doc FROM events WHERE conversation_id = $1 \
             AND (version > $2 OR (version = $3 AND seq > $4)) ORDER BY version, seq LIMIT $5",
            &[
                Arg::Text(conversation.to_string()),
                Arg::Int(after.0),
                Arg::Int(after.0),
                Arg::Int(after.1),
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

impl Store {
    /// Up to `limit` timeline entries of `conversation` after `(version, seq)`.
    pub async fn timeline(
        &self,
        conversation: ConversationId,
        after: (i64, i64),
        limit: i64,
    ) -> Result<Vec<Stamped>, DbError> {
        in_read!(self, |sql| page(sql, conversation, after, limit).await)
    }

    /// Every event with `after < version <= upto`. Versions commit in order, so once
    /// [`Store::version`] has answered `upto`, this range is complete and final.
    pub async fn events_between(&self, after: i64, upto: i64) -> Result<Vec<Stamped>, DbError> {
        in_read!(self, |sql| between(sql, after, upto).await)
    }
}
