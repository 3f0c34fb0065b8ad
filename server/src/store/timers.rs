//! Durable timers (ADR 0010): one table of due work, over [`Sql`] for both backends.
//!
//! - **Arming** happens in the transaction of the change that calls for it (the write path
//!   asks the domain, [`Timer::armed_by`]): no timer is lost, and none is armed for a change
//!   that rolled back. A timer's key is its purpose, its subject and its *episode* — the
//!   version of the change that armed it — so one episode fires at most once and re-arming
//!   after a change is a new row.
//! - **Firing** is one transaction per batch: due rows are claimed with `SKIP LOCKED` (several
//!   instances take different rows and never wait for each other; a crashed instance's claim
//!   ends with its transaction), taken in conversation-id order (the lock order), each in a
//!   savepoint of its own (one that fails is dropped with its error; the others fire), each
//!   checked against the conversation as it stands
//!   ([`Timer::still_applies`]), its command runs through the write path as the system, and
//!   the row is marked `fired` — or `dropped`, with the reason, logged. Old rows are not
//!   cancelled when a change makes them moot (that would lock them from the write path, in
//!   the opposite order to firing); they are dropped when due.
//!
//! The wheel that calls [`Store::fire_timers`] when timers come due is
//! `crate::workers::timers`.

use relaydesk_core::domain::{Actor, Automaton, Event, Timer, Timestamp};

use super::postgres::PgSql;
use super::provenance::{Door, Provenance};
use super::sql::{Arg, DbError, Sql};
use super::sqlite::run_ready;
use super::write_path::{self, Unit};
use super::{Backend, Store, rows};

/// Arms the timers `events` call for, as episode `version` (the write path calls this for
/// every command it records). Two in one transaction for the same subject: the later wins.
pub(crate) async fn arm<S: Sql>(
    sql: &mut S,
    events: &[Event],
    version: i64,
    now: Timestamp,
) -> Result<(), DbError> {
    for timer in events.iter().filter_map(Timer::armed_by) {
        put(sql, &timer, version, now).await?;
    }
    Ok(())
}

/// Writes `timer` as episode `episode`, armed (the same episode again: its latest form).
async fn put<S: Sql>(
    sql: &mut S,
    timer: &Timer,
    episode: i64,
    now: Timestamp,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO timers (purpose, subject, episode, due_at, state, armed_at, doc) \
         VALUES ($1, $2, $3, $4, 'armed', $5, $6) \
         ON CONFLICT (purpose, subject, episode) DO UPDATE SET due_at = $4, doc = $6",
        &[
            Arg::from(timer.purpose()),
            Arg::Text(timer.subject()),
            Arg::Int(episode),
            Arg::Int(due_millis(timer.due_at())),
            Arg::Int(now.timestamp_millis()),
            Arg::Text(serde_json::to_string(timer)?),
        ],
    )
    .await?;
    Ok(())
}

/// A timer that was settled in a round: fired (its command changed something) or dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub purpose: String,
    pub subject: String,
    pub episode: i64,
    pub due_at: Timestamp,
    /// `None`: fired; otherwise why it was dropped.
    pub dropped: Option<String>,
}

/// A timer's row, as tests and operators read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerRow {
    pub purpose: String,
    pub subject: String,
    pub episode: i64,
    pub due_at: Timestamp,
    /// `armed`, `fired` or `dropped`.
    pub state: String,
    /// Why it was dropped.
    pub outcome: Option<String>,
}

/// When a timer is due, in whole milliseconds rounded up: a wheel that finds it due finds its
/// moment passed (a snooze until 10:00:00.0004 is not over at 10:00:00.000).
fn due_millis(at: Timestamp) -> i64 {
    at.timestamp_millis() + i64::from(!at.timestamp_subsec_nanos().is_multiple_of(1_000_000))
}

fn millis(ms: i64) -> Timestamp {
    Timestamp::from_timestamp_millis(ms).unwrap_or_default()
}

/// Claims up to `limit` timers due at `now` and settles each (see the module's words).
async fn fire<S: Sql>(sql: &mut S, now: Timestamp, limit: i64) -> Result<Vec<Settled>, DbError> {
    let query = format!(
        "SELECT purpose, subject, episode, due_at, doc FROM timers \
         WHERE state = 'armed' AND due_at <= $1 ORDER BY due_at, episode LIMIT $2{}",
        sql.skip_locked()
    );
    let mut due = sql
        .rows(&query, &[Arg::Int(now.timestamp_millis()), Arg::Int(limit)])
        .await?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    // Conversations are locked in id order (the lock order, `super::postgres`): two wheels, or
    // a wheel and a webhook delivery, never wait on each other in a circle.
    due.sort_by(|a, b| a[1].text().cmp(&b[1].text()));
    let workspace = super::config::workspace(sql).await?;
    let system = Provenance::new(Actor::Automation(Automaton::System), Door::Timer);
    let mut unit = Unit::default();
    let mut settled = Vec::with_capacity(due.len());
    for row in due {
        let purpose = row[0].required_text("purpose")?.to_owned();
        let subject = row[1].required_text("subject")?.to_owned();
        let episode = row[2].required_int("episode")?;
        let due_at = millis(row[3].required_int("due_at")?);
        // Each timer in a savepoint of its own: one that fails for a reason of its own (a
        // document that cannot be read) is dropped with the error, and the others still fire.
        sql.execute("SAVEPOINT timer", &[]).await?;
        let dropped = match settle(
            sql,
            &mut unit,
            &workspace,
            &system,
            now,
            row[4].required_text("doc")?,
        )
        .await
        {
            Ok(dropped) => {
                sql.execute("RELEASE SAVEPOINT timer", &[]).await?;
                dropped
            }
            Err(error) if error.is_retryable() => return Err(error),
            Err(error) => {
                sql.execute("ROLLBACK TO SAVEPOINT timer", &[]).await?;
                sql.execute("RELEASE SAVEPOINT timer", &[]).await?;
                tracing::error!(%error, %purpose, %subject, episode, "a timer failed; dropped");
                Some(format!("it failed: {error}"))
            }
        };
        sql.execute(
            "UPDATE timers SET state = $1, settled_at = $2, outcome = $3 \
             WHERE purpose = $4 AND subject = $5 AND episode = $6",
            &[
                Arg::from(if dropped.is_some() {
                    "dropped"
                } else {
                    "fired"
                }),
                Arg::Int(now.timestamp_millis()),
                Arg::OptText(dropped.clone()),
                Arg::Text(purpose.clone()),
                Arg::Text(subject.clone()),
                Arg::Int(episode),
            ],
        )
        .await?;
        settled.push(Settled {
            purpose,
            subject,
            episode,
            due_at,
            dropped,
        });
    }
    Ok(settled)
}

/// Fires one timer (its stored form `doc`) if it still applies; `Some(reason)` when it is dropped.
async fn settle<S: Sql>(
    sql: &mut S,
    unit: &mut Unit,
    workspace: &relaydesk_core::domain::Workspace,
    system: &Provenance,
    now: Timestamp,
    doc: &str,
) -> Result<Option<String>, DbError> {
    let timer = match serde_json::from_str::<Timer>(doc) {
        Ok(timer) => timer,
        Err(error) => return Ok(Some(format!("its stored form cannot be read: {error}"))),
    };
    let conversation = rows::conversation(sql, timer.conversation()).await?;
    if let Err(reason) = timer.still_applies(conversation.as_ref()) {
        return Ok(Some(reason.to_owned()));
    }
    Ok(
        match write_path::execute(sql, unit, workspace, system, now, &timer.command()).await? {
            Ok(events) if !events.is_empty() => None,
            Ok(_) => Some("its command changed nothing".to_owned()),
            Err(rejection) => Some(format!("refused: {rejection}")),
        },
    )
}

/// Arms the end of every snooze standing when migration 13 added timers (episode: the
/// conversation's version), so a conversation snoozed before the upgrade comes back on the
/// timeline too.
pub(crate) async fn arm_standing_snoozes<S: Sql>(
    sql: &mut S,
    now: Timestamp,
) -> Result<(), DbError> {
    let standing = sql
        .rows(
            "SELECT doc, version FROM conversations WHERE status = 'snoozed'",
            &[],
        )
        .await?;
    for row in standing {
        let conversation: relaydesk_core::domain::Conversation =
            serde_json::from_str(row[0].required_text("doc")?)?;
        let relaydesk_core::domain::Status::Snoozed { until } = conversation.status else {
            continue;
        };
        let timer = Timer::SnoozeEnds {
            conversation: conversation.id,
            until,
        };
        put(sql, &timer, row[1].required_int("version")?, now).await?;
    }
    Ok(())
}

impl Store {
    /// Arms the end of every standing snooze that has none for its current episode (what
    /// migration 13 does at the upgrade; safe to run again).
    pub async fn arm_standing_snoozes(&self, now: Timestamp) -> Result<(), DbError> {
        in_transaction!(self, |sql| arm_standing_snoozes(sql, now).await)
    }

    /// When the earliest armed timer is due (`None`: none is armed). A read.
    pub async fn next_timer_due(&self) -> Result<Option<Timestamp>, DbError> {
        in_read!(self, |sql| Ok(sql
            .integer(
                "SELECT due_at FROM timers WHERE state = 'armed' ORDER BY due_at LIMIT 1",
                &[]
            )
            .await?
            .map(millis)))
    }

    /// Claims up to `limit` timers due at `now` and fires or drops each, in one transaction;
    /// answers what became of them (empty: none was due, or other instances hold them).
    pub async fn fire_timers(&self, now: Timestamp, limit: i64) -> Result<Vec<Settled>, DbError> {
        in_transaction!(self, |sql| fire(sql, now, limit).await)
    }

    /// The timers of `subject` (a conversation's id), oldest episode first.
    pub async fn timers_of(&self, subject: String) -> Result<Vec<TimerRow>, DbError> {
        in_read!(self, |sql| {
            sql.rows(
                "SELECT purpose, subject, episode, due_at, state, outcome FROM timers \
                 WHERE subject = $1 ORDER BY episode",
                &[Arg::Text(subject)],
            )
            .await?
            .iter()
            .map(|row| {
                Ok(TimerRow {
                    purpose: row[0].required_text("purpose")?.to_owned(),
                    subject: row[1].required_text("subject")?.to_owned(),
                    episode: row[2].required_int("episode")?,
                    due_at: millis(row[3].required_int("due_at")?),
                    state: row[4].required_text("state")?.to_owned(),
                    outcome: row[5].text().map(str::to_owned),
                })
            })
            .collect()
        })
    }

    /// How many timers are in each state (`armed`, `fired`, `dropped`), for `/metrics` and tests.
    pub async fn timer_counts(&self) -> Result<Vec<(String, i64)>, DbError> {
        in_read!(self, |sql| {
            sql.rows(
                "SELECT state, COUNT(*) FROM timers GROUP BY state ORDER BY state",
                &[],
            )
            .await?
            .iter()
            .map(|row| {
                Ok((
                    row[0].required_text("state")?.to_owned(),
                    row[1].required_int("count")?,
                ))
            })
            .collect()
        })
    }
}
