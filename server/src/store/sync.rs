//! Phone sync in storage. Push: each mutation is decided and applied by the write path in the
//! same transaction that advances the client's `last_mutation_id` and records its outcome —
//! exactly once, whatever is retried. Where a pull starts (the version it reads up to, the
//! client's last consumed mutation) and what its workspace copy depends on; its pages are
//! [`super::pull`]'s.

use relaydesk_core::domain::{Actor, Command, Timestamp, UserId};
use relaydesk_core::protocol::sync::MutationOutcome;

use super::postgres::PgSql;
use super::provenance::{Door, Provenance};
use super::sql::{Arg, Cell, DbError, Sql};
use super::sqlite::run_ready;
use super::write_path::{self, Unit};
use super::{Backend, Store};

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
    session: &str,
    mutation: i64,
    command: &Command,
    now: Timestamp,
) -> Result<Pushed, DbError> {
    // A brand-new client's row is made first, then locked: a second push from the same new
    // client waits for this one to commit and sees its mutation consumed (nothing else
    // serialises them now that writers no longer queue on one counter).
    sql.execute(
        "INSERT INTO sync_clients (client_id, user_id, last_mutation_id, updated_at) \
         VALUES ($1, $2, 0, $3) ON CONFLICT (client_id) DO NOTHING",
        &[
            Arg::from(client),
            Arg::Text(user.to_string()),
            Arg::Int(now.timestamp_millis()),
        ],
    )
    .await?;
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
    let workspace = super::config::workspace(sql).await?;
    let mut unit = Unit::default();
    let outcome = match write_path::execute(
        sql,
        &mut unit,
        &workspace,
        &Provenance::in_session(Actor::Member(user), Door::Sync, session),
        now,
        command,
    )
    .await?
    {
        Ok(_) => MutationOutcome::Applied,
        Err(rejection) => MutationOutcome::Rejected {
            message: rejection.to_string(),
            rejection,
        },
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

/// The client's last consumed mutation.
async fn last_mutation<S: Sql>(sql: &mut S, client: &str) -> Result<i64, DbError> {
    Ok(sql
        .integer(
            "SELECT COALESCE(MAX(last_mutation_id), 0) FROM sync_clients WHERE client_id = $1",
            &[Arg::from(client)],
        )
        .await?
        .unwrap_or(0))
}

/// The newest version of any configuration change (the configuration log: people, teams,
/// inboxes, templates, canned replies — a deleted one's tombstone too — and automations), and
/// of this member's own row and of any inbox (what visibility depends on) up to `upto`, the
/// pull's watermark: a change above it is the next pull's (so a pull does not reset, again
/// and again, for a change it cannot carry yet).
async fn workspace_versions<S: Sql>(
    sql: &mut S,
    member: UserId,
    upto: i64,
) -> Result<(i64, i64), DbError> {
    let rows = sql
        .rows(
            "SELECT (SELECT COALESCE(MAX(version), 0) FROM config_log), \
             (SELECT COALESCE(MAX(version), 0) FROM config_log \
                WHERE ((kind = 'member' AND item = $1) OR kind = 'inbox') AND version <= $2)",
            &[Arg::Text(member.to_string()), Arg::Int(upto)],
        )
        .await?;
    let row = rows.first().cloned().unwrap_or_default();
    Ok((
        row.first().and_then(Cell::int).unwrap_or(0),
        row.get(1).and_then(Cell::int).unwrap_or(0),
    ))
}

impl Store {
    /// Decides and applies one pushed mutation exactly once; `session` is the pushing
    /// phone's (its events record it, with the sync door).
    pub async fn push_mutation(
        &self,
        client: String,
        user: UserId,
        session: String,
        mutation: u64,
        command: Command,
        now: Timestamp,
    ) -> Result<Pushed, DbError> {
        let mutation = i64::try_from(mutation).unwrap_or(i64::MAX);
        in_transaction!(self, |sql| push_one(
            sql, &client, user, &session, mutation, &command, now
        )
        .await)
    }

    /// Where a pull starts: the commit watermark, and the client's last consumed mutation —
    /// read first, so the watermark (which covers everything committed before it is asked
    /// for) covers that mutation's changes: a phone never drops a mutation from its outbox
    /// before its pull carries what the mutation did.
    pub async fn sync_start(&self, client: String) -> Result<(i64, i64), DbError> {
        let last = in_read!(self, |sql| last_mutation(sql, &client).await)?;
        Ok((self.version().await?, last))
    }

    /// (newest workspace version, newest version up to `upto` of what `member`'s visibility
    /// depends on).
    pub async fn workspace_versions(
        &self,
        member: UserId,
        upto: i64,
    ) -> Result<(i64, i64), DbError> {
        in_read!(self, |sql| workspace_versions(sql, member, upto).await)
    }
}
