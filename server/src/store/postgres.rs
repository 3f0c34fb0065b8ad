//! PostgreSQL backend (several server instances on one database): an sqlx pool, one
//! transaction per unit of work, rows a decision reads locked with `FOR UPDATE`.

use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};
use sqlx::{Arguments, AssertSqlSafe, Column, PgConnection, PgPool, Postgres, Row, TypeInfo};

use super::sql::{Arg, Backend, Cell, DbError, LockSpace, Sql};

/// How long one of our connections may sit in an open transaction doing nothing before
/// PostgreSQL ends it. Nothing of ours waits inside a transaction; a transaction left open
/// (a bug, a stuck task) would hold its locks — and, once readers follow a commit watermark,
/// hold every reader back — so it is cut off instead. Other programs using the same database
/// should set theirs too (README, "PostgreSQL").
pub(crate) const IDLE_IN_TRANSACTION_TIMEOUT: &str = "60s";

/// A pool of connections.
#[derive(Debug, Clone)]
pub(crate) struct PgDb {
    pub(crate) pool: PgPool,
    /// The NOTIFY channel of this database and schema: every commit that takes a version
    /// announces itself there, and every instance listens.
    pub(crate) channel: String,
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
            channel: channel_of(schema),
        })
    }
}

/// `relaydesk_changes` for the default schema, `relaydesk_changes_<schema>` for another (test
/// schemas share a database but not their live streams). At most 63 bytes, PostgreSQL's limit.
fn channel_of(schema: Option<&str>) -> String {
    let mut channel = match schema {
        Some(schema) => format!("relaydesk_changes_{schema}"),
        None => "relaydesk_changes".to_owned(),
    };
    channel.truncate(63);
    channel
}

/// Listens on the database's channel for the life of the process, bumping `changes` on every
/// notification — and after a reconnection, since commits may have been missed meanwhile.
pub(crate) async fn listen(
    db: &PgDb,
    changes: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
) -> Result<(), DbError> {
    let mut listener = sqlx::postgres::PgListener::connect_with(&db.pool).await?;
    listener.listen(&db.channel).await?;
    tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "lost the PostgreSQL change notifications; reconnecting");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
            changes.send_modify(|n| *n = n.wrapping_add(1));
        }
    });
    Ok(())
}

/// A transaction on one pooled connection.
pub(crate) struct PgSql<'c> {
    pub(crate) connection: &'c mut PgConnection,
    /// A read takes no row locks.
    pub(crate) read_only: bool,
    pub(crate) channel: &'c str,
    /// A version was taken (and announced) in this transaction.
    pub(crate) announced: bool,
}

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

    async fn announce_change(&mut self) -> Result<(), DbError> {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(self.channel)
            .execute(&mut *self.connection)
            .await?;
        self.announced = true;
        Ok(())
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
}
