//! Durable timers (ADR 0010): one table of due work, over [`Sql`] for both backends.
//!
//! - **Arming** happens in the transaction of the change that calls for it (the write path
//!   asks the domain, [`Timer::armed_by`]): no timer is lost, and none is armed for a change
//!   that rolled back. A timer's key is its purpose, its subject and its *episode* — the
//!   version of the change that armed it — so one episode fires at most once and re-arming
//!   after a change is a new row.
//! - **Firing** is one transaction per batch: due rows are claimed with `SKIP LOCKED` (several
//!   instances take different rows and never wait for each other; a crashed instance's claim
//!   ends with its transaction), each is checked against the conversation as it stands
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
        sql.execute(
            "INSERT INTO timers (purpose, subject, episode, due_at, state, armed_at, doc) \
             VALUES ($1, $2, $3, $4, 'armed', $5, $6) \
             ON CONFLICT (purpose, subject, episode) DO UPDATE SET due_at = $4, doc = $6",
            &[
                Arg::from(timer.purpose()),
                Arg::Text(timer.subject()),
                Arg::Int(version),
                Arg::Int(due_millis(timer.due_at())),
                Arg::Int(now.timestamp_millis()),
                Arg::Text(serde_json::to_string(&timer)?),
            ],
        )
        .await?;
    }
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
    let due = sql
        .rows(&query, &[Arg::Int(now.timestamp_millis()), Arg::Int(limit)])
        .await?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let workspace = rows::workspace(sql).await?;
    let system = Provenance::new(Actor::Automation(Automaton::System), Door::Timer);
    let mut unit = Unit::default();
    let mut settled = Vec::with_capacity(due.len());
    for row in due {
        let purpose = row[0].required_text("purpose")?.to_owned();
        let subject = row[1].required_text("subject")?.to_owned();
        let episode = row[2].required_int("episode")?;
        let due_at = millis(row[3].required_int("due_at")?);
        let dropped = match serde_json::from_str::<Timer>(row[4].required_text("doc")?) {
            Err(error) => Some(format!("its stored form cannot be read: {error}")),
            Ok(timer) => {
                let conversation = rows::conversation(sql, timer.conversation()).await?;
                match timer.still_applies(conversation.as_ref()) {
                    Err(reason) => Some(reason.to_owned()),
                    Ok(()) => {
                        match write_path::execute(
                            sql,
                            &mut unit,
                            &workspace,
                            &system,
                            now,
                            &timer.command(),
                        )
                        .await?
                        {
                            Ok(events) if !events.is_empty() => None,
                            Ok(_) => Some("its command changed nothing".to_owned()),
                            Err(rejection) => Some(format!("refused: {rejection}")),
                        }
                    }
                }
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

impl Store {
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
