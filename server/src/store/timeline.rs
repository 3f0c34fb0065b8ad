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

use relaydesk_core::domain::{ConversationId, Event, Place, Sight, sight, timeline::sort_millis};

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

impl From<Stamped> for relaydesk_core::protocol::sync::SyncedEvent {
    fn from(s: Stamped) -> Self {
        Self {
            version: s.version,
            seq: s.seq,
            event: s.event,
        }
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

/// Marks the events recorded before migration 8 with what they can do to who sees their
/// conversation ([`sight`]); later ones are marked as they are appended.
pub(crate) async fn mark_sight<S: Sql>(sql: &mut S) -> Result<(), DbError> {
    let rows = sql
        .rows(
            "SELECT version, seq, doc FROM events WHERE doc LIKE '%\"conversation_opened\"%' \
             OR doc LIKE '%\"assignment_changed\"%' OR doc LIKE '%\"team_changed\"%' \
             OR doc LIKE '%\"escalation_%'",
            &[],
        )
        .await?;
    for s in stamped(sql, rows).await? {
        let sight = sight(&s.event.change);
        if sight != Sight::Unchanged {
            sql.execute(
                "UPDATE events SET sight = $1 WHERE version = $2 AND seq = $3",
                &[
                    Arg::Int(sight.number()),
                    Arg::Int(s.version),
                    Arg::Int(s.seq),
                ],
            )
            .await?;
        }
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

    /// Every event with `after < version <= upto`. Up to the commit watermark (what
    /// [`Store::version`] and [`Store::changes`] answer) every version has committed or rolled
    /// back, so a range up to it is complete and final.
    pub async fn events_between(&self, after: i64, upto: i64) -> Result<Vec<Stamped>, DbError> {
        in_read!(self, |sql| between(sql, after, upto).await)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use relaydesk_core::domain::{Change, Inbox, InboxId, Team, TeamId};

    use super::*;
    use crate::store::{Database, Setup};

    fn text_from(wamid: &str, timestamp: i64, body: &str) -> Vec<u8> {
        format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"410593826617204"}},"contacts":[{{"profile":{{"name":"Late"}},"wa_id":"5511999990000"}}],"messages":[{{"from":"5511999990000","id":"{wamid}","timestamp":"{timestamp}","type":"text","text":{{"body":"{body}"}}}}]}}}}]}}]}}"#
        )
        .into_bytes()
    }

    /// A database from before migration 7 held events placed at arrival: the migration's Rust
    /// step puts a late message (and the opening) where they belong.
    #[tokio::test]
    async fn migration_7_places_earlier_events_where_they_happened() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&Database::Sqlite(dir.path().join("relaydesk.db")))
            .await
            .expect("store");
        let team = Team {
            id: TeamId::new(),
            name: "North".into(),
        };
        store.setup(Setup::Team(team.clone())).await.expect("team");
        store
            .setup(Setup::Inbox(Inbox {
                id: InboxId::new(),
                name: "Main".into(),
                phone_number_id: "410593826617204".into(),
                display_phone_number: "12125550142".into(),
                waba_id: "1".into(),
                teams: [team.id].into_iter().collect(),
            }))
            .await
            .expect("inbox");
        let arrived = Utc.timestamp_opt(1_789_414_500, 0).single().expect("time");
        store
            .ingest_webhook(text_from("wamid.B", 1_789_414_400, "second"), arrived)
            .await
            .expect("ingest");
        store
            .ingest_webhook(text_from("wamid.A", 1_789_414_300, "first"), arrived)
            .await
            .expect("ingest");
        let conversation = store.conversations().await.expect("db")[0].id;
        // As a database written before migration 7 would hold them: placed at arrival.
        async fn as_before_migration_7_then_refilled(store: &Store) -> Result<(), DbError> {
            in_transaction!(store, |sql| {
                sql.execute("UPDATE events SET placed_at = at", &[]).await?;
                refill_places(sql).await
            })
        }
        as_before_migration_7_then_refilled(&store)
            .await
            .expect("refilled");
        let page = store
            .timeline(
                conversation,
                TimelineFrom {
                    after: None,
                    as_of: store.version().await.expect("db"),
                },
                50,
            )
            .await
            .expect("db");
        let read: Vec<String> = page
            .iter()
            .map(|s| match &s.event.change {
                Change::ConversationOpened { .. } => "opened".to_owned(),
                Change::CustomerMessageReceived { message } => message.content.summary(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(read, ["opened", "first", "second"]);
    }

    /// A database from before migration 8 held no marks: its step marks the opening (it may
    /// bring the conversation into sight) and leaves the message unmarked.
    #[tokio::test]
    async fn migration_8_marks_what_earlier_events_do_to_sight() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&Database::Sqlite(dir.path().join("relaydesk.db")))
            .await
            .expect("store");
        store
            .setup(Setup::Inbox(Inbox {
                id: InboxId::new(),
                name: "Main".into(),
                phone_number_id: "410593826617204".into(),
                display_phone_number: "12125550142".into(),
                waba_id: "1".into(),
                teams: Default::default(),
            }))
            .await
            .expect("inbox");
        store
            .ingest_webhook(text_from("wamid.A", 1_789_414_300, "first"), Utc::now())
            .await
            .expect("ingest");
        async fn unmarked_then_marked(store: &Store) -> Result<Vec<i64>, DbError> {
            in_transaction!(store, |sql| {
                sql.execute("UPDATE events SET sight = 0", &[]).await?;
                mark_sight(sql).await?;
                let rows = sql
                    .rows("SELECT sight FROM events ORDER BY version, seq", &[])
                    .await?;
                Ok(rows.iter().filter_map(|r| r[0].int()).collect())
            })
        }
        let marks = unmarked_then_marked(&store).await.expect("marked");
        assert_eq!(
            marks,
            [Sight::MayBring.number(), Sight::Unchanged.number()],
            "the opening, then the message"
        );
    }
}
