//! The phone's own database (rusqlite, bundled SQLite, WAL, one connection): the server's
//! truth as last pulled, the outbox of commands not yet answered, and the session. The schema
//! is versioned with `PRAGMA user_version`; each migration runs once, in order, in its own
//! transaction, and a test opens a database of every earlier version.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::{Command, ConversationId, Rejection, Timestamp};
use crate::protocol::sync::PullResponse;

use super::ClientError;

/// Migrations by version: index 0 takes a database from version 0 to 1, and so on.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the copy, the outbox, settings.
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE conversations (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
     CREATE TABLE contacts (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
     CREATE TABLE messages (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, doc TEXT NOT NULL);
     CREATE INDEX messages_by_conversation ON messages (conversation_id);
     CREATE TABLE notes (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, doc TEXT NOT NULL);
     CREATE INDEX notes_by_conversation ON notes (conversation_id);
     CREATE TABLE events (version INTEGER NOT NULL, seq INTEGER NOT NULL, conversation_id TEXT NOT NULL,
                          doc TEXT NOT NULL, PRIMARY KEY (version, seq));
     CREATE INDEX events_by_conversation ON events (conversation_id);
     CREATE TABLE outbox (mutation_id INTEGER PRIMARY KEY, command TEXT NOT NULL, made_at TEXT NOT NULL,
                          state TEXT NOT NULL, rejection TEXT);",
    // 2: the workspace copy gets its own row (it was a setting).
    "CREATE TABLE workspace (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
     INSERT INTO workspace (id, doc) SELECT 1, value FROM settings WHERE key = 'workspace';
     DELETE FROM settings WHERE key = 'workspace';",
];

/// Where a command in the outbox stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Written, not yet sent.
    Queued,
    /// Sent; the answer has not arrived.
    Sending,
    /// The server applied it.
    Applied,
    /// The server refused it (the reason is kept).
    Rejected,
    /// The server had consumed it so long ago that it no longer knows how it went: done, and
    /// the copy shows what it left.
    Unknown,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Applied => "applied",
            OutboxState::Rejected => "rejected",
            OutboxState::Unknown => "unknown",
        }
    }

    fn parse(raw: &str) -> OutboxState {
        match raw {
            "sending" => OutboxState::Sending,
            "applied" => OutboxState::Applied,
            "rejected" => OutboxState::Rejected,
            "unknown" => OutboxState::Unknown,
            _ => OutboxState::Queued,
        }
    }
}

/// A command in the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub mutation_id: u64,
    pub command: Command,
    pub made_at: Timestamp,
    pub state: OutboxState,
    pub rejection: Option<Rejection>,
}

/// The database.
#[derive(Debug)]
pub(crate) struct Local {
    connection: Connection,
}

fn doc<T: Serialize>(value: &T) -> Result<String, ClientError> {
    serde_json::to_string(value).map_err(|e| ClientError::Internal(e.to_string()))
}

fn read<T: DeserializeOwned>(text: &str) -> Result<T, ClientError> {
    serde_json::from_str(text).map_err(|e| ClientError::Internal(format!("a stored row: {e}")))
}

impl Local {
    /// Opens (creating) `dir/relaydesk-phone.db` and brings its schema up to date.
    pub(crate) fn open(dir: &Path) -> Result<Local, ClientError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ClientError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let mut connection = Connection::open(dir.join("relaydesk-phone.db"))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut connection)?;
        Ok(Local { connection })
    }

    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>, ClientError> {
        Ok(self
            .connection
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub(crate) fn set_setting(&self, key: &str, value: &str) -> Result<(), ClientError> {
        self.connection.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Writes a command to the outbox and answers its mutation id (the next of this client).
    pub(crate) fn enqueue(&mut self, command: &Command, at: Timestamp) -> Result<u64, ClientError> {
        let tx = self.connection.transaction()?;
        let last: i64 = tx.query_row(
            "SELECT COALESCE(MAX(mutation_id), 0) FROM outbox",
            [],
            |r| r.get(0),
        )?;
        let consumed: i64 = tx
            .query_row(
                "SELECT value FROM settings WHERE key = 'last_mutation_id'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let id = last.max(consumed) + 1;
        tx.execute(
            "INSERT INTO outbox (mutation_id, command, made_at, state) VALUES (?1, ?2, ?3, 'queued')",
            params![id, doc(command)?, at.to_rfc3339()],
        )?;
        tx.commit()?;
        Ok(u64::try_from(id).unwrap_or(0))
    }

    /// The outbox, oldest first.
    pub(crate) fn outbox(&self) -> Result<Vec<Pending>, ClientError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT mutation_id, command, made_at, state, rejection FROM outbox ORDER BY mutation_id",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut pending = Vec::new();
        for row in rows {
            let (id, command, made_at, state, rejection) = row?;
            pending.push(Pending {
                mutation_id: u64::try_from(id).unwrap_or(0),
                command: read(&command)?,
                made_at: chrono::DateTime::parse_from_rfc3339(&made_at)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|e| ClientError::Internal(format!("a stored time: {e}")))?,
                state: OutboxState::parse(&state),
                rejection: rejection.map(|r| read(&r)).transpose()?,
            });
        }
        Ok(pending)
    }

    pub(crate) fn mark(
        &self,
        mutation_id: u64,
        state: OutboxState,
        rejection: Option<&Rejection>,
    ) -> Result<(), ClientError> {
        self.connection.execute(
            "UPDATE outbox SET state = ?1, rejection = ?2 WHERE mutation_id = ?3",
            params![
                state.as_str(),
                rejection.map(doc).transpose()?,
                i64::try_from(mutation_id).unwrap_or(i64::MAX)
            ],
        )?;
        Ok(())
    }

    /// Starts numbering afresh under a new client id (the server no longer recognises the old
    /// numbering): still-pending commands keep their order as 1, 2, 3 …; answered ones are
    /// forgotten (their outcome was shown).
    pub(crate) fn renumber(&mut self, client_id: &str) -> Result<(), ClientError> {
        let pending: Vec<Pending> = self
            .outbox()?
            .into_iter()
            .filter(|p| matches!(p.state, OutboxState::Queued | OutboxState::Sending))
            .collect();
        let tx = self.connection.transaction()?;
        tx.execute("DELETE FROM outbox", [])?;
        for (index, p) in pending.iter().enumerate() {
            tx.execute(
                "INSERT INTO outbox (mutation_id, command, made_at, state) VALUES (?1, ?2, ?3, 'queued')",
                params![index as i64 + 1, doc(&p.command)?, p.made_at.to_rfc3339()],
            )?;
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('client_id', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [client_id],
        )?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('last_mutation_id', '0') \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Commands sent whose answer never came go back to queued (after a restart or a failure).
    pub(crate) fn requeue_sending(&self) -> Result<(), ClientError> {
        self.connection.execute(
            "UPDATE outbox SET state = 'queued' WHERE state = 'sending'",
            [],
        )?;
        Ok(())
    }

    /// Forgets answered commands older than the newest `keep` (their outcome was shown).
    pub(crate) fn prune_outbox(&self, keep: i64) -> Result<(), ClientError> {
        self.connection.execute(
            "DELETE FROM outbox WHERE state IN ('applied', 'rejected') AND mutation_id <= \
             (SELECT COALESCE(MAX(mutation_id), 0) FROM outbox) - ?1",
            [keep],
        )?;
        Ok(())
    }

    /// Stores one pulled page in one transaction; with `cursor`, the pull is complete and the
    /// cursor is kept with it.
    pub(crate) fn store_pull(
        &mut self,
        page: &PullResponse,
        cursor: Option<i64>,
    ) -> Result<(), ClientError> {
        let tx = self.connection.transaction()?;
        if page.reset {
            for table in ["conversations", "contacts", "messages", "notes", "events"] {
                tx.execute(&format!("DELETE FROM {table}"), [])?;
            }
        }
        for id in &page.removed {
            forget(&tx, *id)?;
        }
        for c in &page.conversations {
            tx.execute(
                "INSERT OR REPLACE INTO conversations (id, doc) VALUES (?1, ?2)",
                params![c.id.to_string(), doc(c)?],
            )?;
        }
        for c in &page.contacts {
            tx.execute(
                "INSERT OR REPLACE INTO contacts (id, doc) VALUES (?1, ?2)",
                params![c.id.to_string(), doc(c)?],
            )?;
        }
        for m in &page.messages {
            tx.execute(
                "INSERT OR REPLACE INTO messages (id, conversation_id, doc) VALUES (?1, ?2, ?3)",
                params![m.id.to_string(), m.conversation_id.to_string(), doc(m)?],
            )?;
        }
        for n in &page.notes {
            tx.execute(
                "INSERT OR REPLACE INTO notes (id, conversation_id, doc) VALUES (?1, ?2, ?3)",
                params![n.id.to_string(), n.conversation_id.to_string(), doc(n)?],
            )?;
        }
        for e in &page.events {
            let conversation = e
                .event
                .conversation
                .map(|c| c.to_string())
                .unwrap_or_default();
            tx.execute(
                "INSERT OR REPLACE INTO events (version, seq, conversation_id, doc) VALUES (?1, ?2, ?3, ?4)",
                params![e.version, e.seq, conversation, doc(&e.event)?],
            )?;
        }
        if let Some(workspace) = &page.workspace {
            tx.execute(
                "INSERT OR REPLACE INTO workspace (id, doc) VALUES (1, ?1)",
                [doc(workspace)?],
            )?;
        }
        let consumed = i64::try_from(page.last_mutation_id).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('last_mutation_id', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [consumed.to_string()],
        )?;
        if let Some(cursor) = cursor {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ('cursor', ?1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [cursor.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every row of the copy, for building the in-memory desk.
    pub(crate) fn all<T: DeserializeOwned>(&self, table: &str) -> Result<Vec<T>, ClientError> {
        let mut statement = self
            .connection
            .prepare(&format!("SELECT doc FROM {table}"))?;
        let texts = statement.query_map([], |r| r.get::<_, String>(0))?;
        let mut rows = Vec::new();
        for text in texts {
            rows.push(read(&text?)?);
        }
        Ok(rows)
    }

    /// One stored message.
    pub(crate) fn message(
        &self,
        id: crate::domain::MessageId,
    ) -> Result<Option<crate::domain::Message>, ClientError> {
        let text: Option<String> = self
            .connection
            .query_row(
                "SELECT doc FROM messages WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| read(&t)).transpose()
    }

    /// One stored note.
    pub(crate) fn note(
        &self,
        id: crate::domain::NoteId,
    ) -> Result<Option<crate::domain::Note>, ClientError> {
        let text: Option<String> = self
            .connection
            .query_row(
                "SELECT doc FROM notes WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| read(&t)).transpose()
    }

    fn docs_of<T: DeserializeOwned>(
        &self,
        query: &str,
        conversation: ConversationId,
    ) -> Result<Vec<T>, ClientError> {
        let mut statement = self.connection.prepare_cached(query)?;
        let texts = statement.query_map([conversation.to_string()], |r| r.get::<_, String>(0))?;
        let mut rows = Vec::new();
        for text in texts {
            rows.push(read(&text?)?);
        }
        Ok(rows)
    }

    /// The stored messages of one conversation.
    pub(crate) fn messages_of(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<crate::domain::Message>, ClientError> {
        self.docs_of(
            "SELECT doc FROM messages WHERE conversation_id = ?1",
            conversation,
        )
    }

    /// The stored notes of one conversation.
    pub(crate) fn notes_of(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<crate::domain::Note>, ClientError> {
        self.docs_of(
            "SELECT doc FROM notes WHERE conversation_id = ?1",
            conversation,
        )
    }

    /// The timeline of one conversation, in the order things happened, each event with its
    /// place (the domain's [`crate::domain::Place`]: a message that arrived late sits where it
    /// was sent).
    pub(crate) fn events_of(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<(crate::domain::Place, crate::domain::Event)>, ClientError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT version, seq, doc FROM events WHERE conversation_id = ?1")?;
        let rows = statement.query_map([conversation.to_string()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut placed = Vec::new();
        for row in rows {
            let (version, seq, text) = row?;
            let event: crate::domain::Event = read(&text)?;
            placed.push((crate::domain::Place::of(&event, version, seq), event));
        }
        placed.sort_by_key(|(place, _)| *place);
        Ok(placed)
    }

    /// Forgets everything of the signed-in person (logout): the copy, the outbox, the session.
    pub(crate) fn wipe(&mut self) -> Result<(), ClientError> {
        let tx = self.connection.transaction()?;
        for table in [
            "conversations",
            "contacts",
            "messages",
            "notes",
            "events",
            "outbox",
            "workspace",
            "settings",
        ] {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn forget(tx: &rusqlite::Transaction<'_>, id: ConversationId) -> Result<(), ClientError> {
    let id = id.to_string();
    // The customer goes too, unless another conversation on this phone is theirs.
    tx.execute(
        "DELETE FROM contacts WHERE id = (SELECT json_extract(doc, '$.contact_id') \
         FROM conversations WHERE id = ?1) AND (SELECT COUNT(*) FROM conversations \
         WHERE json_extract(doc, '$.contact_id') = contacts.id) = 1",
        [&id],
    )?;
    tx.execute("DELETE FROM conversations WHERE id = ?1", [&id])?;
    tx.execute("DELETE FROM messages WHERE conversation_id = ?1", [&id])?;
    tx.execute("DELETE FROM notes WHERE conversation_id = ?1", [&id])?;
    tx.execute("DELETE FROM events WHERE conversation_id = ?1", [&id])?;
    Ok(())
}

/// Brings the schema to the newest version, one migration per transaction.
pub(crate) fn migrate(connection: &mut Connection) -> Result<(), ClientError> {
    let current: i64 = connection.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let newest = MIGRATIONS.len() as i64;
    if current > newest {
        return Err(ClientError::Internal(format!(
            "this database was written by a newer app (schema {current}, this app knows {newest})"
        )));
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = connection.transaction()?;
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

impl From<rusqlite::Error> for ClientError {
    fn from(error: rusqlite::Error) -> Self {
        ClientError::Internal(format!("the local database: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database left at each earlier version (with what that version held) opens on the
    /// newest schema with nothing lost.
    #[test]
    fn every_earlier_schema_version_upgrades_to_the_newest() {
        for version in 0..MIGRATIONS.len() {
            let dir = tempfile::tempdir().unwrap();
            {
                let connection = Connection::open(dir.path().join("relaydesk-phone.db")).unwrap();
                for (index, migration) in MIGRATIONS.iter().enumerate().take(version) {
                    connection.execute_batch(migration).unwrap();
                    connection
                        .pragma_update(None, "user_version", index as i64 + 1)
                        .unwrap();
                }
                if version >= 1 {
                    connection
                        .execute(
                            "INSERT INTO outbox (mutation_id, command, made_at, state) VALUES (1, ?1, ?2, 'queued')",
                            params![
                                r#"{"command":"claim","conversation":"01a215ef-3b91-7284-89b9-e18b08a3b671"}"#,
                                "2026-11-26T10:00:00+00:00"
                            ],
                        )
                        .unwrap();
                }
                if version == 1 {
                    // Version 1 kept the workspace copy as a setting.
                    connection
                        .execute(
                            "INSERT INTO settings (key, value) VALUES ('workspace', ?1)",
                            [r#"{"members":[],"teams":[],"inboxes":[],"templates":[],"canned_replies":[]}"#],
                        )
                        .unwrap();
                }
            }
            let local = Local::open(dir.path()).unwrap();
            let newest: i64 = local
                .connection
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(newest, MIGRATIONS.len() as i64, "from version {version}");
            if version >= 1 {
                assert_eq!(
                    local.outbox().unwrap().len(),
                    1,
                    "the outbox survives from {version}"
                );
            }
            if version == 1 {
                let copies: Vec<crate::protocol::sync::WorkspaceCopy> =
                    local.all("workspace").unwrap();
                assert_eq!(copies.len(), 1, "the workspace moved to its own table");
                assert_eq!(local.setting("workspace").unwrap(), None);
            }
        }
    }

    #[test]
    fn a_database_from_a_newer_app_is_refused_not_damaged() {
        let dir = tempfile::tempdir().unwrap();
        {
            let connection = Connection::open(dir.path().join("relaydesk-phone.db")).unwrap();
            connection.pragma_update(None, "user_version", 99).unwrap();
        }
        let error = Local::open(dir.path()).unwrap_err();
        assert!(error.to_string().contains("newer app"), "{error}");
    }
}
