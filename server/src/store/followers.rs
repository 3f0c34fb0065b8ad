//! Work that follows the event log (ADR 0010): a [`Follower`] is told every change in version
//! order, exactly once, across instances and restarts, and writes its effects — commands
//! through the write path, rows of its own — in the transaction that moves its cursor.
//!
//! - One row per follower in `followers` holds its cursor: every version up to it has had its
//!   effects written.
//! - A round locks that row (`SKIP LOCKED`: while one instance runs a follower's round,
//!   another does not wait, it finds the follower busy and lets it be), reads the events in
//!   `(cursor, upto]` where `upto` is at most the commit watermark W (below it the log is
//!   final: nothing can still appear there) and at most a round's worth of versions past the
//!   cursor, hands them to the follower, and moves the cursor to `upto` — all in one
//!   transaction. A crash mid-round rolls it all back: nothing done, the cursor unmoved.
//! - A round takes a version only when the follower writes a command, but, like every
//!   transaction that locks a row, it holds W back while it runs (the watermark waits for
//!   transactions older than its sample): rounds are kept short — a bounded number of
//!   versions — and the runner runs none while the cursor is known to be at W.
//!
//! The rounds are run by `crate::workers::followers`, woken when W moves.

use std::future::Future;
use std::sync::Arc;

use relaydesk_core::domain::{
    Command, Contact, ContactId, Conversation, ConversationId, Event, Rejection, Timestamp,
    Workspace,
};

use super::provenance::Provenance;
use super::sql::{Arg, DbError, Sql};
use super::sqlite::run_ready;
use super::timeline::{self, Stamped};
use super::write_path::{self, Unit};
use super::{Backend, PgSql, Store, rows};

/// Versions a round reads unless its follower says otherwise.
pub const VERSIONS_PER_ROUND: i64 = 200;

/// Where a follower that has never run starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// With what happens from now on (pushes: nobody wants last year's alerts).
    Now,
    /// With the first change ever recorded.
    Beginning,
}

/// Work that follows the event log. Its rounds run inside a writing transaction, so
/// [`Follower::follow`] must only use the [`Round`] (no network, no sleeping: on SQLite the
/// round runs on the one writer thread) and be safe to run again from the start (on
/// PostgreSQL a round ended by a deadlock runs again).
pub trait Follower: Send + Sync + 'static {
    /// Its name in the `followers` table; never changed once deployed (the cursor is kept by it).
    fn name(&self) -> &'static str;

    /// Where it starts the first time it runs.
    fn start(&self) -> Start;

    /// At most how many versions one round reads.
    fn versions_per_round(&self) -> i64 {
        VERSIONS_PER_ROUND
    }

    /// Writes the effects of `changes` (every event of the round's versions, in version and
    /// sequence order; a version may have none — it rolled back or changed no conversation);
    /// answers how many effects it wrote, for the runner to say and wake whoever acts on them.
    fn follow<S: Sql>(
        &self,
        round: &mut Round<'_, S>,
        changes: &[Stamped],
    ) -> impl Future<Output = Result<usize, DbError>> + Send;
}

/// One round's transaction, as a follower may use it.
#[allow(missing_debug_implementations)] // it holds an open transaction: nothing to print
pub struct Round<'a, S: Sql> {
    sql: &'a mut S,
    unit: Unit,
    workspace: Option<Workspace>,
    now: Timestamp,
    upto: i64,
}

impl<'a, S: Sql> Round<'a, S> {
    /// When this round runs.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The last version this round covers.
    pub fn upto(&self) -> i64 {
        self.upto
    }

    /// The transaction itself, for a follower's rows of its own.
    pub fn sql(&mut self) -> &mut S {
        self.sql
    }

    /// The workspace as this transaction sees it (read once per round).
    pub async fn workspace(&mut self) -> Result<&Workspace, DbError> {
        if self.workspace.is_none() {
            self.workspace = Some(super::config::workspace(self.sql).await?);
        }
        Ok(self.workspace.as_ref().expect("read just above"))
    }

    /// A conversation as it stands, without locking it (a follower that changes one does so
    /// through [`Round::execute`], which locks it).
    pub async fn conversation(
        &mut self,
        id: ConversationId,
    ) -> Result<Option<Conversation>, DbError> {
        rows::conversation_as_is(self.sql, id).await
    }

    /// A customer.
    pub async fn contact(&mut self, id: ContactId) -> Result<Option<Contact>, DbError> {
        rows::contact(self.sql, id).await
    }

    /// Decides and records `command` through the one write path, in this round's transaction:
    /// it happens exactly when the cursor moves past the changes that called for it.
    pub async fn execute(
        &mut self,
        source: &Provenance,
        command: &Command,
    ) -> Result<Result<Vec<Event>, Rejection>, DbError> {
        let workspace = self.workspace().await?.clone();
        write_path::execute(
            self.sql,
            &mut self.unit,
            &workspace,
            source,
            self.now,
            command,
        )
        .await
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// The follower ran for the first time: its cursor was set where it starts.
    Started { at: i64 },
    /// Another instance is running its round right now; that one carries on.
    Busy,
    /// Nothing new below the watermark.
    UpToDate { at: i64 },
    /// It read `(from, upto]` and wrote `effects`; `behind` when the watermark is further on.
    Advanced {
        from: i64,
        upto: i64,
        effects: usize,
        behind: bool,
    },
}

async fn round<S: Sql, F: Follower>(
    sql: &mut S,
    follower: &F,
    now: Timestamp,
    watermark: i64,
) -> Result<Followed, DbError> {
    let name = Arg::from(follower.name());
    let locked = format!(
        "SELECT version FROM followers WHERE name = $1{}",
        sql.skip_locked()
    );
    let Some(from) = sql.integer(&locked, std::slice::from_ref(&name)).await? else {
        let at = match follower.start() {
            Start::Now => watermark,
            Start::Beginning => 0,
        };
        let created = sql
            .execute(
                "INSERT INTO followers (name, version) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[name, Arg::Int(at)],
            )
            .await?;
        // Not created: the row exists, so another instance holds it.
        return Ok(if created == 1 {
            Followed::Started { at }
        } else {
            Followed::Busy
        });
    };
    let upto = watermark.min(from + follower.versions_per_round().max(1));
    if upto <= from {
        return Ok(Followed::UpToDate { at: from });
    }
    let changes = timeline::between(sql, from, upto).await?;
    let mut round = Round {
        sql: &mut *sql,
        unit: Unit::default(),
        workspace: None,
        now,
        upto,
    };
    let effects = follower.follow(&mut round, &changes).await?;
    drop(round);
    sql.execute(
        "UPDATE followers SET version = $1 WHERE name = $2",
        &[Arg::Int(upto), Arg::from(follower.name())],
    )
    .await?;
    Ok(Followed::Advanced {
        from,
        upto,
        effects,
        behind: upto < watermark,
    })
}

impl Store {
    /// Runs one round of `follower` at `now`, up to the commit watermark as it stands after
    /// everything committed before the call (tests, tools).
    pub async fn follow<F: Follower>(
        &self,
        follower: &Arc<F>,
        now: Timestamp,
    ) -> Result<Followed, DbError> {
        let watermark = self.version().await?;
        self.follow_to(follower, now, watermark).await
    }

    /// Runs one round of `follower` at `now`, up to `watermark` (a value of the commit
    /// watermark: the runner's, woken when it moved).
    pub async fn follow_to<F: Follower>(
        &self,
        follower: &Arc<F>,
        now: Timestamp,
        watermark: i64,
    ) -> Result<Followed, DbError> {
        let follower = follower.clone();
        in_transaction!(self, |sql| round(sql, &*follower, now, watermark).await)
    }

    /// Where follower `name` has read up to (`None`: it never ran). A read.
    pub async fn follower_cursor(&self, name: &str) -> Result<Option<i64>, DbError> {
        let name = name.to_owned();
        in_read!(self, |sql| sql
            .integer(
                "SELECT version FROM followers WHERE name = $1",
                &[Arg::Text(name)]
            )
            .await)
    }

    /// Every follower that has run, with where it has read up to. A read.
    pub async fn followers(&self) -> Result<Vec<(String, i64)>, DbError> {
        in_read!(self, |sql| {
            sql.rows("SELECT name, version FROM followers ORDER BY name", &[])
                .await?
                .iter()
                .map(|row| {
                    Ok((
                        row[0].required_text("name")?.to_owned(),
                        row[1].required_int("version")?,
                    ))
                })
                .collect()
        })
    }

    /// Whether follower `name` has changes below the commit watermark to read (or never ran).
    /// A read: an idle follower's check writes nothing.
    pub async fn follower_behind(&self, name: &str) -> Result<bool, DbError> {
        let watermark = self.version().await?;
        Ok(self
            .follower_cursor(name)
            .await?
            .is_none_or(|at| at < watermark))
    }
}
