//! The few things the store asks of a database, so that everything above — the write path,
//! webhook ingest, the migrator — is written once for SQLite and PostgreSQL.
//!
//! Entities are kept as JSON documents (the domain's own serde form) beside the columns that
//! queries filter on, so reading one back needs a single text column on both backends. SQL
//! text is shared: both dialects accept `$1`-style parameters, `ON CONFLICT … DO UPDATE`,
//! `TEXT` and `BIGINT`. (SQLite numbers `$N` parameters by first appearance, so shared
//! statements must name them in ascending order; a test checks every statement.) What differs
//! — types in DDL, row locks, the version counter — is isolated in the backend files.

use std::future::Future;

/// A value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bytes(Vec<u8>),
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(v)
    }
}

/// One value of a row read by [`Sql::rows`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

impl Cell {
    pub fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(value) => Some(*value),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(value) => Some(value),
            _ => None,
        }
    }

    /// The text, or a clear error naming the column that should have held it.
    pub fn required_text(&self, column: &str) -> Result<&str, DbError> {
        self.text()
            .ok_or_else(|| DbError::Other(format!("column {column} should hold text")))
    }

    /// The integer, or a clear error naming the column that should have held it.
    pub fn required_int(&self, column: &str) -> Result<i64, DbError> {
        self.int()
            .ok_or_else(|| DbError::Other(format!("column {column} should hold an integer")))
    }
}

/// A failure of the database itself (not of a domain rule).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error("a stored document cannot be read: {0}")]
    Document(#[from] serde_json::Error),
    #[error("the SQLite writer thread has stopped")]
    WriterGone,
    #[error("{0}")]
    Other(String),
}

impl DbError {
    /// Whether PostgreSQL ended the transaction to break a deadlock (40P01) or a
    /// serialization failure (40001): running it again from the start is the remedy.
    pub fn is_retryable(&self) -> bool {
        match self {
            DbError::Postgres(sqlx::Error::Database(error)) => {
                matches!(error.code().as_deref(), Some("40P01" | "40001"))
            }
            _ => false,
        }
    }

    /// Whether a UNIQUE constraint refused the write (two people created the same thing at
    /// once): a conflict to report, not a failure of the database.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(error, _)) => {
                error.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || error.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            DbError::Postgres(sqlx::Error::Database(error)) => {
                error.code().as_deref() == Some("23505")
            }
            _ => false,
        }
    }
}

/// One open transaction.
pub trait Sql: Send {
    /// Runs a statement; returns the number of rows it changed.
    fn execute(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> impl Future<Output = Result<u64, DbError>> + Send;

    /// Runs a query whose first column is text (a JSON document, an id); returns that column.
    fn texts(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> impl Future<Output = Result<Vec<String>, DbError>> + Send;

    /// Runs a query returning several columns of integers and texts (accounts, sessions,
    /// queue rows with their sort key).
    fn rows(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> impl Future<Output = Result<Vec<Vec<Cell>>, DbError>> + Send;

    /// Runs a query whose first column is an integer; returns it from the first row, if any.
    fn integer(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> impl Future<Output = Result<Option<i64>, DbError>> + Send;

    /// Takes the next version for what this transaction changes: SQLite's counter (its one
    /// writer commits in order), PostgreSQL's `versions` sequence after the transaction's id
    /// (readers follow the commit watermark, [`super::watermark`]).
    fn next_version(&mut self) -> impl Future<Output = Result<i64, DbError>> + Send;

    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> impl Future<Output = Result<(), DbError>> + Send;

    /// The clause that locks the rows a `SELECT` reads until commit (`FOR UPDATE` on
    /// PostgreSQL; nothing on SQLite, whose single writer already serialises transactions).
    fn lock_rows(&self) -> &'static str;

    /// The clause that lets several senders claim queue rows without waiting for each other
    /// (`FOR UPDATE SKIP LOCKED` on PostgreSQL; nothing on SQLite's single writer).
    fn skip_locked(&self) -> &'static str;

    /// Which backend this is, for the migrator and for logs.
    fn backend(&self) -> Backend;

    /// Holds the lock named `key` in `space` until this transaction ends, so transactions
    /// about the same thing (one email's login attempts) take turns while others run —
    /// PostgreSQL's transaction-scoped advisory locks; nothing on SQLite, whose single writer
    /// already serialises. Whoever takes several takes them in ascending [`LockSpace`] order,
    /// so two transactions can never wait on each other.
    fn lock_key(
        &mut self,
        space: LockSpace,
        key: &str,
    ) -> impl Future<Output = Result<(), DbError>> + Send;

    /// The workspace as last read by this store, under its configuration stamp
    /// (`store::config::workspace`).
    fn workspace_cache(&self) -> &super::config::WorkspaceCache;
}

/// The kinds of thing an advisory lock is taken on, in the order they are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockSpace {
    /// Schema migrations: two instances starting together take turns, so one migrates and
    /// the other finds it done.
    Migrations = 0,
    /// Configuration changes of one kind (`store::config`, keyed by the kind): the checks
    /// spanning rows — a team's name, the last admin, a shortcut in its scope, an account's
    /// templates, an email and handle — see every other change of that kind committed.
    Configuration = 1,
    /// Login attempts for one email.
    LoginEmail = 2,
    /// Login attempts from one address.
    LoginAddress = 3,
    /// One customer writing in (by phone number or user id): webhook deliveries naming the
    /// same customers take turns.
    Customer = 6,
}

/// The database behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether `sql`'s `$N` parameters first appear as `$1, $2, $3 …` — required for SQLite, which
/// numbers named parameters by first appearance. Checked on every statement in debug builds.
pub(crate) fn parameters_in_order(sql: &str) -> bool {
    let mut next = 1;
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        match digits.parse::<u32>() {
            Ok(n) if n == next => next += 1,
            Ok(n) if n < next => {}
            Ok(_) => return false,
            Err(_) => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::parameters_in_order;

    #[test]
    fn parameters_must_first_appear_in_ascending_order() {
        assert!(parameters_in_order(
            "SELECT doc FROM t WHERE a = $1 AND b = $2 OR a = $1"
        ));
        assert!(parameters_in_order("SELECT 1"));
        assert!(!parameters_in_order("UPDATE t SET a = $2 WHERE id = $1"));
        assert!(!parameters_in_order("SELECT $1, $3"));
    }
}
