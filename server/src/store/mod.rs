//! Storage: one interface, two backends — SQLite (a file under the data directory, the
//! default) and PostgreSQL (several server instances on one database).
//!
//! The logic is written once, over the [`sql::Sql`] trait: the write path (`write_path`),
//! webhook ingest (`ingest`, of [`inbound`] plain data), entity rows (`rows`), the send, media
//! and push queues, [`followers`] of the event log, durable [`timers`] and the migrations.
//! `sqlite` and `postgres` only say how to run a transaction and bind values. Nothing here
//! knows a channel (WhatsApp's JSON, FCM): the channels and `crate::workers` sit above and
//! hand the store plain data.

mod accounts;
pub mod config;
mod event_docs;
pub mod inbound;
mod ingest;
mod job_queue;
mod media_queue;
mod migrations;
mod postgres;
pub mod provenance;
mod rows;
mod send_queue;
pub mod sql;
mod sqlite;
pub mod watermark;
mod write_path;

use std::path::PathBuf;
use std::sync::Arc;

use relaydesk_core::domain::{
    Command, Contact, Conversation, ConversationId, Event, Message, Rejection, Timestamp, Wamid,
    Workspace,
};

pub use accounts::{Account, AccountConflict, Session};
pub use ingest::{DeliveryState, IngestReport};
pub use media_queue::{LEASE_LOST, MediaClaim, MediaJob, MediaOutcome, MediaState};
pub use provenance::{Door, Provenance};
pub use pull::{PageBound, PullFrom, PulledPage};
pub use push_queue::{Delivery as PushDelivery, PushClaim, PushJob, PushKind};
pub use queue::{After, QueueFilters, QueueRows};
pub use send_queue::{Claimed, Outgoing, SendJob, SendKind, SendOutcome, SendState};
pub use sql::DbError;
use sql::Sql;
pub use sync::Pushed;
pub use timeline::{Stamped, TimelineFrom};
pub use timers::{Settled, TimerRow};

use postgres::{PgDb, PgSql};
use sqlite::{SqliteDb, run_ready};
use write_path::Unit;

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL, and optionally the schema to use (tests use a fresh one each).
    Postgres { url: String, schema: Option<String> },
}

impl std::fmt::Debug for Database {
    /// Never prints a PostgreSQL password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
            Database::Postgres { url, schema } => {
                let shown = match url.parse::<url_parts::Url>() {
                    Ok(u) => u.redacted(),
                    Err(()) => "postgres://…".to_owned(),
                };
                write!(f, "Postgres({shown}, schema {schema:?})")
            }
        }
    }
}

mod url_parts {
    /// Just enough URL handling to hide a password.
    pub(super) struct Url(String);
    impl std::str::FromStr for Url {
        type Err = ();
        fn from_str(s: &str) -> Result<Self, ()> {
            Ok(Url(s.to_owned()))
        }
    }
    impl Url {
        pub(super) fn redacted(&self) -> String {
            let Some((scheme, rest)) = self.0.split_once("://") else {
                return "…".into();
            };
            match rest.split_once('@') {
                Some((credentials, host)) => {
                    let user = credentials.split(':').next().unwrap_or_default();
                    format!("{scheme}://{user}:***@{host}")
                }
                None => self.0.clone(),
            }
        }
    }
}

#[derive(Debug)]
enum Backend {
    Sqlite(SqliteDb),
    Postgres(PgDb),
}

/// The store. Cheap to clone; all clones share the database.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Arc<Backend>,
    /// The commit watermark W: every reader of what changed reads up to it, and live streams
    /// and followers wake when it moves.
    watermark: Arc<watermark::Watermark>,
    /// The ephemeral channel's payloads as they arrive (`signal_bus`).
    signals: Arc<signal_bus::SignalBus>,
}

/// Runs `$body` (which uses `$sql: &mut impl Sql`) in one transaction on whichever backend;
/// after a commit that took a version, tells the watermark. A transaction that took none —
/// an idle worker's poll — moves nothing. On PostgreSQL a transaction ended by a deadlock or a
/// serialization failure runs again from the start (at most `postgres::ATTEMPTS` times), so
/// `$body` must be safe to run twice: it only reads its captures.
macro_rules! in_transaction {
    ($store:expr, |$sql:ident| $body:expr) => {{
        let result = match &*$store.backend {
            Backend::Sqlite(db) => {
                db.transaction_noting(move |$sql| run_ready(async move { $body }))
                    .await
            }
            Backend::Postgres(db) => {
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let outcome: Result<_, DbError> = async {
                        let mut tx = db.pool.begin().await?;
                        let mut pg = PgSql::writer(&mut *tx, db);
                        let result = {
                            let $sql = &mut pg;
                            async { $body }.await
                        };
                        let taken = pg.taken;
                        match result {
                            Ok(value) => {
                                tx.commit().await?;
                                Ok((value, taken))
                            }
                            Err(error) => {
                                let _ = tx.rollback().await;
                                Err(error)
                            }
                        }
                    }
                    .await;
                    match outcome {
                        Err(error)
                            if error.is_retryable() && attempt < crate::store::postgres::ATTEMPTS =>
                        {
                            tracing::debug!(%error, attempt, "a transaction is run again");
                            tokio::time::sleep(crate::store::postgres::retry_pause(attempt)).await;
                        }
                        other => break other,
                    }
                }
            }
        };
        match result {
            Ok((value, taken)) => {
                if let Some(version) = taken {
                    $store.watermark.committed(version);
                }
                Ok(value)
            }
            Err(error) => Err(error),
        }
    }};
}

/// Runs read-only `$body` on whichever backend: a SQLite reader connection (never queued
/// behind the writer), or a PostgreSQL `REPEATABLE READ READ ONLY` transaction — one
/// snapshot for all its statements, no row locks.
macro_rules! in_read {
    ($store:expr, |$sql:ident| $body:expr) => {
        match &*$store.backend {
            Backend::Sqlite(db) => db.read(move |$sql| run_ready(async move { $body })).await,
            Backend::Postgres(db) => {
                let mut tx = db.pool.begin_with(crate::store::postgres::READ).await?;
                let result = {
                    let $sql = &mut PgSql::reader(&mut *tx, db);
                    async move { $body }.await
                };
                let _ = tx.rollback().await;
                result
            }
        }
    };
}

mod account_ops;
pub mod followers;
mod library;
mod pull;
mod push_queue;
mod queue;
pub mod signal_bus;
mod sync;
mod timeline;
pub mod timers;
mod viewer;
#[cfg(test)]
mod watermark_proof;

/// A row of the workspace's configuration, as tools, the demo and tests set it up
/// ([`Store::setup`]); the domain's [`relaydesk_core::domain::config::Item`].
pub use relaydesk_core::domain::config::Item as Setup;

impl Store {
    /// Opens the database and brings its schema up to date.
    pub async fn open(database: &Database) -> Result<Store, DbError> {
        let backend = match database {
            Database::Sqlite(path) => Backend::Sqlite(SqliteDb::open(path)?),
            Database::Postgres { url, schema } => {
                if let Some(schema) = schema {
                    if schema.is_empty()
                        || !schema
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    {
                        return Err(DbError::Other(format!(
                            "the schema {schema:?} is not a plain name: use lower-case letters, digits and _"
                        )));
                    }
                    let admin = PgDb::connect(url, None).await?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
                    )))
                    .execute(&admin.pool)
                    .await?;
                    admin.pool.close().await;
                }
                Backend::Postgres(PgDb::connect(url, schema.as_deref()).await?)
            }
        };
        let watermark = match &backend {
            // Until the schema is known to be there, W is 0; `version` reads the counter.
            Backend::Sqlite(_) => watermark::Watermark::sqlite(0),
            Backend::Postgres(db) => {
                watermark::Watermark::postgres(db.pool.clone(), db.channel.clone())
            }
        };
        let store = Store {
            backend: Arc::new(backend),
            watermark,
            signals: Arc::new(signal_bus::SignalBus::new()),
        };
        let applied = in_transaction!(store, |sql| migrations::migrate(sql).await)?;
        if let Backend::Postgres(db) = &*store.backend {
            postgres::listen(
                db,
                Arc::downgrade(&store.watermark),
                Arc::downgrade(&store.signals),
            )
            .await?;
        }
        store.version().await?;
        tracing::info!(
            applied,
            latest = migrations::latest(),
            "database schema is up to date"
        );
        Ok(store)
    }

    /// The commit watermark W as this instance knows it, changing whenever W moves (here, or
    /// because another instance committed): live streams and followers wait on it, then read
    /// what is new up to it.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<i64> {
        self.watermark.subscribe()
    }

    /// W as this instance last knew it, without asking the database ([`Store::version`] asks).
    pub fn watermark(&self) -> i64 {
        self.watermark.known()
    }

    /// How far W trails the newest version handed out, and the oldest transaction holding it
    /// back (for `/metrics`).
    pub async fn watermark_lag(&self) -> Result<watermark::Lag, DbError> {
        self.watermark.lag().await
    }

    /// Decides `command` from `source` (who asked, through which door, in which session; an
    /// [`Actor`] alone is Relaydesk calling its store directly) at `now` and records its
    /// effects: the one write path.
    pub async fn execute(
        &self,
        source: impl Into<Provenance>,
        now: Timestamp,
        command: Command,
    ) -> Result<Result<Vec<Event>, Rejection>, DbError> {
        let source = source.into();
        in_transaction!(self, |sql| {
            let workspace = config::workspace(sql).await?;
            let mut unit = Unit::default();
            write_path::execute(sql, &mut unit, &workspace, &source, now, &command).await
        })
    }

    /// Whether the database answers (one trivial read; never waits for the watermark).
    pub async fn ping(&self) -> Result<(), DbError> {
        in_read!(self, |sql| sql
            .integer("SELECT CAST(1 AS BIGINT)", &[])
            .await
            .map(|_| ()))
    }

    /// Which database this store is on.
    pub fn backend(&self) -> sql::Backend {
        match &*self.backend {
            Backend::Sqlite(_) => sql::Backend::Sqlite,
            Backend::Postgres(_) => sql::Backend::Postgres,
        }
    }

    /// A setting of the database connections (PostgreSQL's `SHOW`; `None` on SQLite), for
    /// operators checking what the server runs with.
    pub async fn connection_setting(&self, name: &str) -> Result<Option<String>, DbError> {
        match &*self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(_) => {
                let name = name.to_owned();
                in_read!(self, |sql| {
                    let shown = sql
                        .texts("SELECT current_setting($1)", &[sql::Arg::Text(name)])
                        .await?;
                    Ok(shown.into_iter().next())
                })
            }
        }
    }

    /// Each event of `conversation` with the door it came through and its session, in the
    /// order they were recorded (what an audit reads).
    pub async fn sources_of(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<(Event, String, Option<String>)>, DbError> {
        in_read!(self, |sql| rows::sources_of(sql, conversation).await)
    }

    /// Stores a channel's delivery whose signature was verified: the raw payload `body`, what
    /// the channel read in it (or why it could not: the payload is then quarantined with that
    /// reason) and all its effects, in one transaction. WhatsApp's door is
    /// `crate::whatsapp::notification`'s `Store::ingest_webhook`.
    pub async fn ingest(
        &self,
        body: Vec<u8>,
        read: Result<inbound::Notification, String>,
        received_at: Timestamp,
    ) -> Result<IngestReport, DbError> {
        in_transaction!(self, |sql| ingest::ingest(
            sql,
            &body,
            received_at,
            read.clone()
        )
        .await)
    }

    /// Claims up to `limit` sends due at `now`; each is leased for `lease` (after which another
    /// sender may take it, if this one died).
    pub async fn claim_sends(
        &self,
        now: Timestamp,
        lease: std::time::Duration,
        limit: i64,
    ) -> Result<Vec<Claimed>, DbError> {
        in_transaction!(self, |sql| send_queue::claim(sql, now, lease, limit).await)
    }

    /// Records how a claimed send went (if the claim still holds the job); returns where the
    /// send stands now.
    pub async fn finish_send(
        &self,
        claimed: Claimed,
        outcome: SendOutcome,
        now: Timestamp,
    ) -> Result<SendState, DbError> {
        in_transaction!(self, |sql| send_queue::finish(
            sql,
            &claimed,
            outcome.clone(),
            now
        )
        .await)
    }

    /// Claims up to `limit` media items due for fetching at `now`.
    pub async fn claim_media(
        &self,
        now: Timestamp,
        lease: std::time::Duration,
        limit: i64,
    ) -> Result<Vec<MediaClaim>, DbError> {
        in_transaction!(self, |sql| media_queue::claim(sql, now, lease, limit).await)
    }

    /// Records how a media fetch went; returns the item's new state.
    pub async fn finish_media(
        &self,
        claim: MediaClaim,
        outcome: MediaOutcome,
        now: Timestamp,
    ) -> Result<&'static str, DbError> {
        in_transaction!(self, |sql| media_queue::finish(
            sql,
            &claim,
            outcome.clone(),
            now
        )
        .await)
    }

    /// Where a message's media stands, if it has any.
    pub async fn media_state(
        &self,
        message: relaydesk_core::domain::MessageId,
    ) -> Result<Option<MediaState>, DbError> {
        in_read!(self, |sql| media_queue::state(sql, message).await)
    }

    /// Where each of these messages' media stands (one read; messages without media are left
    /// out).
    pub async fn media_states(
        &self,
        messages: Vec<relaydesk_core::domain::MessageId>,
    ) -> Result<Vec<(relaydesk_core::domain::MessageId, MediaState)>, DbError> {
        in_read!(self, |sql| media_queue::states(sql, &messages).await)
    }

    /// Send-queue jobs by state.
    pub async fn send_queue_depth(&self) -> Result<Vec<(String, i64)>, DbError> {
        in_read!(self, |sql| send_queue::depth(sql).await)
    }

    /// Puts `item` in the workspace's configuration as `source` at `now`, through the one
    /// write path for configuration ([`config::put`]: locked, checked by the domain, logged).
    pub async fn configure(
        &self,
        source: impl Into<Provenance>,
        now: Timestamp,
        item: config::Item,
    ) -> Result<Result<config::Made, config::Refusal>, DbError> {
        let source = source.into();
        in_transaction!(self, |sql| config::put(sql, &source, now, &item).await)
    }

    /// Deletes a configuration row (a canned reply), leaving a tombstone in the log; `None`
    /// when there was no such row.
    pub async fn unconfigure(
        &self,
        source: impl Into<Provenance>,
        now: Timestamp,
        kind: config::Kind,
        key: String,
    ) -> Result<Option<Result<(), config::Refusal>>, DbError> {
        let source = source.into();
        in_transaction!(self, |sql| config::remove(sql, &source, now, kind, &key)
            .await)
    }

    /// Adds or changes part of the workspace as Relaydesk itself (tools, the demo's first
    /// setup, tests): [`Store::configure`] by the system through the internal door; a refusal
    /// is an error here.
    pub async fn setup(&self, change: Setup) -> Result<(), DbError> {
        match self
            .configure(Provenance::relaydesk(), chrono::Utc::now(), change)
            .await?
        {
            Ok(_) => Ok(()),
            Err(refused) => Err(DbError::Other(format!("setup refused: {refused}"))),
        }
    }

    /// The configuration log, newest first, as `filter` asks.
    pub async fn config_log(
        &self,
        filter: config::LogFilter,
    ) -> Result<Vec<config::LogEntry>, DbError> {
        in_read!(self, |sql| config::entries(sql, &filter).await)
    }

    /// The configuration as it was at `at`, read back from the log, and — when `at` is before
    /// the log began — the instant from which it is known for certain.
    pub async fn configuration_at(
        &self,
        at: Timestamp,
    ) -> Result<(Workspace, Option<Timestamp>), DbError> {
        in_read!(self, |sql| config::as_of(sql, at).await)
    }

    pub async fn workspace(&self) -> Result<Workspace, DbError> {
        in_read!(self, |sql| config::workspace(sql).await)
    }

    pub async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>, DbError> {
        in_read!(self, |sql| rows::conversation(sql, id).await)
    }

    /// Every conversation, oldest first (tests and small tools; the queue API pages).
    pub async fn conversations(&self) -> Result<Vec<Conversation>, DbError> {
        in_read!(self, |sql| {
            let texts = sql
                .texts("SELECT doc FROM conversations ORDER BY opened_at, id", &[])
                .await?;
            texts
                .iter()
                .map(|t| serde_json::from_str(t).map_err(DbError::from))
                .collect()
        })
    }

    pub async fn messages_of(&self, conversation: ConversationId) -> Result<Vec<Message>, DbError> {
        in_read!(self, |sql| rows::messages_of(sql, conversation).await)
    }

    /// The latest message of each conversation named (those with none are left out).
    pub async fn last_messages(
        &self,
        conversations: Vec<ConversationId>,
    ) -> Result<std::collections::BTreeMap<ConversationId, Message>, DbError> {
        in_read!(self, |sql| {
            let mut latest = std::collections::BTreeMap::new();
            for id in conversations {
                if let Some(message) = rows::last_message(sql, id).await? {
                    latest.insert(id, message);
                }
            }
            Ok(latest)
        })
    }

    pub async fn message_by_wamid(&self, wamid: Wamid) -> Result<Option<Message>, DbError> {
        in_read!(self, |sql| rows::message_by_wamid(sql, &wamid).await)
    }

    pub async fn contact(
        &self,
        id: relaydesk_core::domain::ContactId,
    ) -> Result<Option<Contact>, DbError> {
        in_read!(self, |sql| rows::contact(sql, id).await)
    }

    pub async fn contact_by_phone(&self, phone: String) -> Result<Option<Contact>, DbError> {
        in_read!(self, |sql| rows::contact_by_identity(
            sql,
            Some(&phone),
            None
        )
        .await)
    }

    /// The timeline of a conversation: its events in order.
    pub async fn events_of(&self, conversation: ConversationId) -> Result<Vec<Event>, DbError> {
        in_read!(self, |sql| rows::events_of(sql, conversation).await)
    }

    /// Stored webhook payloads as (state, reason), oldest first.
    pub async fn payloads(&self) -> Result<Vec<(String, Option<String>)>, DbError> {
        in_read!(self, |sql| {
            let states = sql
                .texts(
                    "SELECT state FROM webhook_payloads ORDER BY received_at, id",
                    &[],
                )
                .await?;
            let reasons = sql
                .texts(
                    "SELECT COALESCE(reason, '') FROM webhook_payloads ORDER BY received_at, id",
                    &[],
                )
                .await?;
            Ok(states
                .into_iter()
                .zip(reasons)
                .map(|(s, r)| (s, (!r.is_empty()).then_some(r)))
                .collect())
        })
    }

    /// The commit watermark W, covering everything committed before this call: where a
    /// reader starts (a live stream, a timeline's first page, a pull). On PostgreSQL it may
    /// wait a moment for transactions running meanwhile.
    pub async fn version(&self) -> Result<i64, DbError> {
        if let Some(w) = self.watermark.fresh().await? {
            return Ok(w);
        }
        let committed = in_read!(self, |sql| Ok(sql
            .integer("SELECT value FROM meta WHERE key = 'version'", &[])
            .await?
            .unwrap_or(0)))?;
        self.watermark.advance(committed);
        Ok(self.watermark.known())
    }
}
