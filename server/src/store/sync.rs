//! Phone sync in storage. Push: each mutation is decided and applied by the write path in the
//! same transaction that advances the client's `last_mutation_id` and records its outcome —
//! exactly once, whatever is retried. Pull: every conversation with an event after the cursor,
//! as it is now, page by page (by conversation id), with what changed in it.

use relaydesk_core::domain::{
    Actor, Change, Command, Contact, Conversation, ConversationId, Message, Note, Timestamp, UserId,
};
use relaydesk_core::protocol::sync::{MutationOutcome, SyncedEvent};

use super::postgres::PgSql;
use super::sql::{Arg, Cell, DbError, Sql};
use super::sqlite::run_ready;
use super::write_path::{self, Unit};
use super::{Backend, Store, rows};

/// What became of one pushed mutation.
#[derive(Debug, Clone, PartialEq)]
pub enum Pushed {
    /// Decided now (applied or refused) and consumed.
    Decided(MutationOutcome),
    /// Consumed earlier: its first outcome.
    Repeated(MutationOutcome),
    /// Not the next one: the server expects `expected` (earlier mutations were lost).
    Gap { expected: u64 },
    /// This client id belongs to someone else.
    NotYours,
}

async fn client_state<S: Sql>(sql: &mut S, client: &str) -> Result<Option<(String, i64)>, DbError> {
    let query = format!(
        "SELECT user_id, last_mutation_id FROM sync_clients WHERE client_id = $1{}",
        sql.lock_rows()
    );
    let rows = sql.rows(&query, &[Arg::from(client)]).await?;
    rows.first()
        .map(|row| {
            Ok((
                row[0].required_text("user_id")?.to_owned(),
                row[1].required_int("last_mutation_id")?,
            ))
        })
        .transpose()
}

async fn push_one<S: Sql>(
    sql: &mut S,
    client: &str,
    user: UserId,
    mutation: i64,
    command: &Command,
    now: Timestamp,
) -> Result<Pushed, DbError> {
    rows::lock_versions(sql).await?;
    let state = client_state(sql, client).await?;
    let last = match &state {
        Some((owner, _)) if *owner != user.to_string() => return Ok(Pushed::NotYours),
        Some((_, last)) => *last,
        None => 0,
    };
    if mutation <= last {
        let stored = sql
            .texts(
                "SELECT outcome FROM sync_mutations WHERE client_id = $1 AND mutation_id = $2",
                &[Arg::from(client), Arg::Int(mutation)],
            )
            .await?;
        // Outcomes are kept for the last thousand: an older one is done, but how is not known
        // any more — never claim it was applied.
        let outcome = match stored.first() {
            Some(text) => serde_json::from_str(text)?,
            None => MutationOutcome::UnknownOutcome,
        };
        return Ok(Pushed::Repeated(outcome));
    }
    if mutation != last + 1 {
        return Ok(Pushed::Gap {
            expected: u64::try_from(last + 1).unwrap_or(1),
        });
    }
    let workspace = rows::workspace(sql).await?;
    let mut unit = Unit::default();
    let outcome = match write_path::execute(
        sql,
        &mut unit,
        &workspace,
        Actor::Member(user),
        now,
        command,
    )
    .await?
    {
        Ok(_) => MutationOutcome::Applied,
        Err(rejection) => MutationOutcome::Rejected { rejection },
    };
    sql.execute(
        "INSERT INTO sync_clients (client_id, user_id, last_mutation_id, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (client_id) DO UPDATE SET \
         last_mutation_id = excluded.last_mutation_id, updated_at = excluded.updated_at",
        &[
            Arg::from(client),
            Arg::Text(user.to_string()),
            Arg::Int(mutation),
            Arg::Int(now.timestamp_millis()),
        ],
    )
    .await?;
    sql.execute(
        "INSERT INTO sync_mutations (client_id, mutation_id, outcome) VALUES ($1, $2, $3)",
        &[
            Arg::from(client),
            Arg::Int(mutation),
            Arg::Text(serde_json::to_string(&outcome)?),
        ],
    )
    .await?;
    // Outcomes older than the last thousand are no longer asked for by a healthy client.
    sql.execute(
        "DELETE FROM sync_mutations WHERE client_id = $1 AND mutation_id <= $2",
        &[Arg::from(client), Arg::Int(mutation - 1000)],
    )
    .await?;
    Ok(Pushed::Decided(outcome))
}

/// The state a pull starts from, read in one statement (one snapshot on both backends): the
/// latest version and the client's last consumed mutation.
async fn start<S: Sql>(sql: &mut S, client: &str) -> Result<(i64, i64), DbError> {
    let rows = sql
        .rows(
            "SELECT (SELECT value FROM meta WHERE key = 'version'), \
             (SELECT COALESCE(MAX(last_mutation_id), 0) FROM sync_clients WHERE client_id = $1)",
            &[Arg::from(client)],
        )
        .await?;
    let row = rows.first().cloned().unwrap_or_default();
    Ok((
        row.first().and_then(Cell::int).unwrap_or(0),
        row.get(1).and_then(Cell::int).unwrap_or(0),
    ))
}

/// One page of changed conversations, as read from storage (visibility is decided above).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PulledPage {
    pub conversations: Vec<Conversation>,
    /// Ids changed after the cursor whose conversation no longer exists.
    pub vanished: Vec<ConversationId>,
    pub contacts: Vec<Contact>,
    pub messages: Vec<Message>,
    pub notes: Vec<Note>,
    pub events: Vec<SyncedEvent>,
    /// Conversations whose owner, team or escalation changed after the cursor (sent whole).
    pub moved: Vec<ConversationId>,
    /// The last id of this page, when more may follow.
    pub last_id: Option<ConversationId>,
}

/// Whether a change can bring a conversation into someone's sight (or take it away).
pub(crate) fn moves_sight(change: &Change) -> bool {
    matches!(
        change,
        Change::ConversationOpened { .. }
            | Change::AssignmentChanged { .. }
            | Change::TeamChanged { .. }
            | Change::EscalationRequested { .. }
            | Change::EscalationApproved { .. }
            | Change::EscalationRejected { .. }
            | Change::EscalationCancelled { .. }
    )
}

type Changes = (Vec<Message>, Vec<Note>, Vec<SyncedEvent>);

/// Messages, notes and events of `ids` changed after `since`.
async fn changes_of<S: Sql>(sql: &mut S, ids: &[String], since: i64) -> Result<Changes, DbError> {
    let mut args = vec![Arg::Int(since)];
    args.extend(ids.iter().map(|i| Arg::Text(i.clone())));
    let list = in_list("conversation_id", 2, ids.len());
    let mut messages = Vec::new();
    let query = format!("SELECT doc FROM messages WHERE version > $1 AND {list} ORDER BY at, id");
    for text in sql.texts(&query, &args).await? {
        messages.push(serde_json::from_str(&text)?);
    }
    let mut notes = Vec::new();
    let query = format!("SELECT doc FROM notes WHERE version > $1 AND {list}");
    for text in sql.texts(&query, &args).await? {
        notes.push(serde_json::from_str(&text)?);
    }
    let query = format!(
        "SELECT version, seq, doc FROM events WHERE version > $1 AND {list} ORDER BY version, seq"
    );
    let rows = sql.rows(&query, &args).await?;
    let events = super::timeline::stamped(sql, rows)
        .await?
        .into_iter()
        .map(|s| SyncedEvent {
            version: s.version,
            seq: s.seq,
            event: s.event,
        })
        .collect();
    Ok((messages, notes, events))
}

fn in_list(column: &str, first: usize, count: usize) -> String {
    let marks: Vec<String> = (first..first + count).map(|n| format!("${n}")).collect();
    format!("{column} IN ({})", marks.join(", "))
}

async fn page<S: Sql>(
    sql: &mut S,
    cursor: i64,
    after: Option<ConversationId>,
    limit: i64,
) -> Result<PulledPage, DbError> {
    let after = after.map_or_else(String::new, |a| a.to_string());
    // Every change of a conversation, its messages or notes appends an event of its version.
    let ids = if cursor == 0 {
        sql.texts(
            "SELECT id FROM conversations WHERE id > $1 ORDER BY id LIMIT $2",
            &[Arg::Text(after), Arg::Int(limit + 1)],
        )
        .await?
    } else {
        sql.texts(
            "SELECT DISTINCT conversation_id FROM events WHERE version > $1 \
             AND conversation_id IS NOT NULL AND conversation_id > $2 \
             ORDER BY conversation_id LIMIT $3",
            &[Arg::Int(cursor), Arg::Text(after), Arg::Int(limit + 1)],
        )
        .await?
    };
    let more = ids.len() as i64 > limit;
    let ids: Vec<String> = ids.into_iter().take(limit as usize).collect();
    let mut pulled = PulledPage {
        last_id: if more {
            ids.last().and_then(|i| i.parse().ok())
        } else {
            None
        },
        ..PulledPage::default()
    };
    if ids.is_empty() {
        return Ok(pulled);
    }
    let args: Vec<Arg> = ids.iter().map(|i| Arg::Text(i.clone())).collect();
    let query = format!(
        "SELECT doc FROM conversations WHERE {}",
        in_list("id", 1, ids.len())
    );
    for text in sql.texts(&query, &args).await? {
        pulled.conversations.push(serde_json::from_str(&text)?);
    }
    for id in &ids {
        if !pulled.conversations.iter().any(|c| c.id.to_string() == *id)
            && let Ok(id) = id.parse()
        {
            pulled.vanished.push(id);
        }
    }
    let changes = changes_of(sql, &ids, cursor).await?;
    // A conversation whose owner, team or escalation changed may be new to this phone: it
    // gets its whole history, not only what changed.
    let moved: Vec<String> = ids
        .iter()
        .filter(|id| {
            changes.2.iter().any(|e| {
                e.event.conversation.is_some_and(|c| c.to_string() == **id)
                    && moves_sight(&e.event.change)
            })
        })
        .cloned()
        .collect();
    let (mut messages, mut notes, mut events) = changes;
    if cursor > 0 && !moved.is_empty() {
        let (all_messages, all_notes, all_events) = changes_of(sql, &moved, 0).await?;
        messages.retain(|m| !moved.contains(&m.conversation_id.to_string()));
        notes.retain(|n| !moved.contains(&n.conversation_id.to_string()));
        events.retain(|e| {
            !e.event
                .conversation
                .is_some_and(|c| moved.contains(&c.to_string()))
        });
        messages.extend(all_messages);
        notes.extend(all_notes);
        events.extend(all_events);
        events.sort_by_key(|e| (e.version, e.seq));
    }
    pulled.moved = moved.iter().filter_map(|id| id.parse().ok()).collect();
    pulled.messages = messages;
    pulled.notes = notes;
    pulled.events = events;
    let contact_ids: Vec<Arg> = pulled
        .conversations
        .iter()
        .map(|c| Arg::Text(c.contact_id.to_string()))
        .collect();
    if !contact_ids.is_empty() {
        let query = format!(
            "SELECT doc FROM contacts WHERE {}",
            in_list("id", 1, contact_ids.len())
        );
        for text in sql.texts(&query, &contact_ids).await? {
            pulled.contacts.push(serde_json::from_str(&text)?);
        }
    }
    Ok(pulled)
}

/// The newest version of any workspace row (people, teams, inboxes, templates, canned
/// replies), and of this member's own row and of any inbox (what visibility depends on).
async fn workspace_versions<S: Sql>(sql: &mut S, member: UserId) -> Result<(i64, i64), DbError> {
    let rows = sql
        .rows(
            "SELECT (SELECT COALESCE(MAX(v), 0) FROM (\
                SELECT MAX(version) AS v FROM members UNION ALL SELECT MAX(version) FROM teams \
                UNION ALL SELECT MAX(version) FROM inboxes UNION ALL SELECT MAX(version) FROM templates \
                UNION ALL SELECT MAX(version) FROM canned_replies \
                UNION ALL SELECT MAX(value) FROM meta WHERE key = 'workspace_deleted') all_rows), \
             (SELECT COALESCE(MAX(v), 0) FROM (\
                SELECT MAX(version) AS v FROM members WHERE id = $1 \
                UNION ALL SELECT MAX(version) FROM inboxes) mine)",
            &[Arg::Text(member.to_string())],
        )
        .await?;
    let row = rows.first().cloned().unwrap_or_default();
    Ok((
        row.first().and_then(Cell::int).unwrap_or(0),
        row.get(1).and_then(Cell::int).unwrap_or(0),
    ))
}

impl Store {
    /// Decides and applies one pushed mutation exactly once.
    pub async fn push_mutation(
        &self,
        client: String,
        user: UserId,
        mutation: u64,
        command: Command,
        now: Timestamp,
    ) -> Result<Pushed, DbError> {
        let mutation = i64::try_from(mutation).unwrap_or(i64::MAX);
        in_transaction!(self, |sql| push_one(
            sql, &client, user, mutation, &command, now
        )
        .await)
    }

    /// The latest version and the client's last consumed mutation, read together.
    pub async fn sync_start(&self, client: String) -> Result<(i64, i64), DbError> {
        in_read!(self, |sql| start(sql, &client).await)
    }

    /// Up to `limit` conversations changed after `cursor` (all of them when `cursor` is 0),
    /// after conversation `after`, with their changed messages, notes, events and contacts.
    pub async fn sync_page(
        &self,
        cursor: i64,
        after: Option<ConversationId>,
        limit: i64,
    ) -> Result<PulledPage, DbError> {
        in_read!(self, |sql| page(sql, cursor, after, limit).await)
    }

    /// (newest workspace version, newest version of what `member`'s visibility depends on).
    pub async fn workspace_versions(&self, member: UserId) -> Result<(i64, i64), DbError> {
        in_read!(self, |sql| workspace_versions(sql, member).await)
    }
}
