//! PostgreSQL backend (several server instances on one database): an sqlx pool, one
//! transaction per unit of work, rows a decision reads locked with `FOR UPDATE`, versions
//! from the `versions` sequence (readers follow the commit watermark, [`super::watermark`]).
//!
//! **Lock order.** Nothing serialises all writers, so every transaction that takes several
//! locks takes them in one order, and two can never wait on each other: advisory locks
//! first, in ascending [`LockSpace`] order; then a phone's sync client row; conversations, by
//! id; contacts; messages; people, then the configuration stamp (`store::config`); and queue
//! rows (sends, media, pushes) last. Rows only read
//! are not locked (the push dispatcher reads conversations as they are). A webhook delivery
//! names its customers before their rows exist: it takes one advisory lock per customer
//! (`LockSpace::Customer`) before anything else. Where a path still cannot know all its rows
//! up front, PostgreSQL's deadlock detector ends one transaction and [`ATTEMPTS`] runs it
//! again from the start, as it does after a serialization failure.

use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::{Arguments, AssertSqlSafe, Column, PgConnection, PgPool, Postgres, Row, TypeInfo};

use super::sql::{Arg, Backend, Cell, DbError, LockSpace, Sql};

/// How long one of our connections may sit in an open transaction doing nothing before
/// PostgreSQL ends it. Nothing of ours waits inside a transaction; a transaction left open
/// (a bug, a stuck task) would hold its locks — and, once readers follow a commit watermark,
/// hold every reader back — so it is cut off instead. Other programs using the same database
/// should set theirs too (README, "PostgreSQL").
pub(crate) const IDLE_IN_TRANSACTION_TIMEOUT: &str = "60s";

/// How many times a transaction ended by a deadlock or a serialization failure is run
/// (the first time included) before the error is given to the caller.
pub(crate) const ATTEMPTS: u32 = 5;

/// How long to wait before running attempt `attempt + 1`: a few milliseconds, growing, with
/// jitter so two transactions that deadlocked do not meet again at once.
pub(crate) fn retry_pause(attempt: u32) -> std::time::Duration {
    let base = 2u64 << attempt.min(6);
    let jitter = u64::from(uuid::Uuid::now_v7().as_bytes()[15]) % base.max(1);
    std::time::Duration::from_millis(base + jitter)
}

/// A pool of connections.
#[derive(Debug, Clone)]
pub(crate) struct PgDb {
    pub(crate) pool: PgPool,
    /// The NOTIFY channel of this database and schema: each instance announces its commits
    /// there (coalesced, after commit: [`super::watermark`]), and every instance listens.
    pub(crate) channel: String,
    /// The ephemeral channel's NOTIFY channel (`super::signal_bus`).
    pub(crate) signal_channel: String,
    /// The workspace as last read (`super::config::workspace`).
    pub(crate) cache: std::sync::Arc<super::config::WorkspaceCache>,
}

impl PgDb {
    /// Connects; `schema`, if given, becomes the search path (tests use a fresh one each).
    pub(crate) async fn connect(url: &str, schema: Option<&str>) -> Result<PgDb, DbError> {
        let mut options: PgConnectOptions = url.parse()?;
        options = options.options([(
            "idle_in_transaction_session_timeout",
            IDLE_IN_TRANSACTION_TIMEOUT,
        )]);
        if let Some(schema) = schema {
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(PgDb {
            pool,
            channel: channel_of("relaydesk_changes", schema),
            signal_channel: channel_of("relaydesk_signals", schema),
            cache: std::sync::Arc::default(),
        })
    }
}

/// `<name>` for the default schema, `<name>_<schema>` for another (test schemas share a
/// database but not their live streams or signals). At most 63 bytes, PostgreSQL's limit: a
/// longer one is cut and ends in a hash of the whole, so two schemas never share a channel.
fn channel_of(name: &str, schema: Option<&str>) -> String {
    let channel = match schema {
        Some(schema) => format!("{name}_{schema}"),
        None => name.to_owned(),
    };
    if channel.len() <= 63 {
        return channel;
    }
    use sha2::Digest;
    let hash = sha2::Sha256::digest(channel.as_bytes());
    let tail: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{}_{tail}", &channel[..50])
}

/// Listens on the database's channels for the life of the process: every change notification
/// (and a reconnection, since commits may have been missed meanwhile) tells the watermark to
/// look again; every signal goes to the ephemeral channel's listeners. Ends with the store.
pub(crate) async fn listen(
    db: &PgDb,
    watermark: std::sync::Weak<super::watermark::Watermark>,
    signals: std::sync::Weak<super::signal_bus::SignalBus>,
) -> Result<(), DbError> {
    let mut listener = sqlx::postgres::PgListener::connect_with(&db.pool).await?;
    listener
        .listen_all([db.channel.as_str(), db.signal_channel.as_str()])
        .await?;
    let signal_channel = db.signal_channel.clone();
    tokio::spawn(async move {
        loop {
            let heard = match listener.try_recv().await {
                Ok(heard) => heard,
                Err(error) => {
                    tracing::warn!(%error, "lost the PostgreSQL notifications; reconnecting");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    None
                }
            };
            let Some(watermark) = watermark.upgrade() else {
                return;
            };
            match heard {
                Some(signal) if signal.channel() == signal_channel => {
                    if let Some(signals) = signals.upgrade() {
                        signals.heard(signal.payload().to_owned());
                    }
                }
                // A change, or a reconnection (commits may have been missed meanwhile).
                _ => watermark.heard(),
            }
        }
    });
    Ok(())
}

/// A transaction on one pooled connection.
pub(crate) struct PgSql<'c> {
    pub(crate) connection: &'c mut PgConnection,
    /// A read takes no row locks.
    pub(crate) read_only: bool,
    /// The newest version this transaction took, if it took one.
    pub(crate) taken: Option<i64>,
    cache: &'c super::config::WorkspaceCache,
}

impl<'c> PgSql<'c> {
    pub(crate) fn writer(connection: &'c mut PgConnection, db: &'c PgDb) -> Self {
        PgSql {
            connection,
            read_only: false,
            taken: None,
            cache: &db.cache,
        }
    }

    pub(crate) fn reader(connection: &'c mut PgConnection, db: &'c PgDb) -> Self {
        PgSql {
            connection,
            read_only: true,
            taken: None,
            cache: &db.cache,
        }
    }
}

/// How a read begins: one snapshot for all its statements, and no writes.
pub(crate) const READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

fn arguments(args: &[Arg]) -> Result<PgArguments, DbError> {
    let mut bound = PgArguments::default();
    for arg in args {
        let added = match arg {
            Arg::Text(s) => bound.add(s.clone()),
            Arg::OptText(s) => bound.add(s.clone()),
            Arg::Int(i) => bound.add(*i),
            Arg::OptInt(i) => bound.add(*i),
            Arg::Bytes(b) => bound.add(b.clone()),
        };
        added.map_err(|e| DbError::Other(format!("cannot bind a parameter: {e}")))?;
    }
    Ok(bound)
}

impl Sql for PgSql<'_> {
    async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, DbError> {
        let result =
            sqlx::query_with::<Postgres, _>(AssertSqlSafe(sql.to_owned()), arguments(args)?)
                .execute(&mut *self.connection)
                .await?;
        Ok(result.rows_affected())
    }

    async fn texts(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<String>, DbError> {
        let rows = sqlx::query_with::<Postgres, _>(AssertSqlSafe(sql.to_owned()), arguments(args)?)
            .fetch_all(&mut *self.connection)
            .await?;
        Ok(rows
            .iter()
            .map(|row| row.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?)
    }

    async fn rows(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<Vec<Cell>>, DbError> {
        let rows = sqlx::query_with::<Postgres, _>(AssertSqlSafe(sql.to_owned()), arguments(args)?)
            .fetch_all(&mut *self.connection)
            .await?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        let column = row.column(i);
                        Ok(match column.type_info().name() {
                            "INT8" => row
                                .try_get::<Option<i64>, _>(i)?
                                .map_or(Cell::Null, Cell::Int),
                            "INT4" => row
                                .try_get::<Option<i32>, _>(i)?
                                .map_or(Cell::Null, |v| Cell::Int(i64::from(v))),
                            "INT2" => row
                                .try_get::<Option<i16>, _>(i)?
                                .map_or(Cell::Null, |v| Cell::Int(i64::from(v))),
                            "TEXT" | "VARCHAR" | "NAME" | "BPCHAR" => row
                                .try_get::<Option<String>, _>(i)?
                                .map_or(Cell::Null, Cell::Text),
                            other => {
                                return Err(DbError::Other(format!(
                                    "column {} is {other}; cast it to BIGINT or TEXT",
                                    column.name()
                                )));
                            }
                        })
                    })
                    .collect::<Result<Vec<_>, DbError>>()
            })
            .collect()
    }

    async fn integer(&mut self, sql: &str, args: &[Arg]) -> Result<Option<i64>, DbError> {
        let row = sqlx::query_with::<Postgres, _>(AssertSqlSafe(sql.to_owned()), arguments(args)?)
            .fetch_optional(&mut *self.connection)
            .await?;
        Ok(row.map(|row| row.try_get::<i64, _>(0)).transpose()?)
    }

    async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut *self.connection)
            .await?;
        Ok(())
    }

    async fn next_version(&mut self) -> Result<i64, DbError> {
        // The transaction's id first, then the version (CASE evaluates in order): the
        // watermark's proof rests on it.
        let version: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN pg_current_xact_id() IS NOT NULL THEN nextval('versions') END",
        )
        .fetch_one(&mut *self.connection)
        .await?;
        self.taken = Some(self.taken.map_or(version, |t| t.max(version)));
        Ok(version)
    }

    fn lock_rows(&self) -> &'static str {
        if self.read_only { "" } else { " FOR UPDATE" }
    }

    fn skip_locked(&self) -> &'static str {
        " FOR UPDATE SKIP LOCKED"
    }

    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn lock_key(&mut self, space: LockSpace, key: &str) -> Result<(), DbError> {
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(space as i32)
            .bind(key)
            .execute(&mut *self.connection)
            .await?;
        Ok(())
    }

    fn workspace_cache(&self) -> &super::config::WorkspaceCache {
        self.cache
    }
}

#[cfg(test)]
mod channel_tests {
    use super::channel_of;

    #[test]
    fn two_long_schema_names_alike_at_the_start_get_different_channels() {
        let a = channel_of(
            "relaydesk_signals",
            Some("rd_test_1796154580_01a23327dcab7022b72e90461836530a"),
        );
        let b = channel_of(
            "relaydesk_signals",
            Some("rd_test_1796154580_01a23327dcab7022b72e90461836530b"),
        );
        assert!(a.len() <= 63 && b.len() <= 63);
        assert_ne!(a, b);
        assert_eq!(channel_of("relaydesk_changes", None), "relaydesk_changes");
    }
}
