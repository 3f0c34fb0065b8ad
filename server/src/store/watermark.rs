//! The commit watermark **W**: a version under which every version has committed or aborted.
//! Writers take versions in one order and commit in another; a reader that reads up to W and
//! later goes on from W misses nothing and reads nothing twice. Sync pulls, live streams,
//! timeline pages and the push dispatcher read only up to W (ADR 0009).
//!
//! - **SQLite** has one writer, and a group of transactions commits at once: the committed
//!   counter is W, advanced after each commit that took a version.
//! - **PostgreSQL**: writers take their transaction id, then `nextval('versions')`
//!   ([`super::postgres`]). A *sample* reads `hi` (the sequence's last value), then — in a
//!   later statement, its own transaction — takes a transaction id `x`: every writer holding a
//!   version up to `hi` got its id before `hi` was read, so below `x`. Once a snapshot's
//!   `xmin` (the oldest transaction id still running) is above `x`, they have all ended, and W
//!   may be `hi`. A sample that finds nothing new above W takes no id (an idle instance burns
//!   none). Reading a snapshot's `xmax` instead of taking an id looks cheaper but is unsound:
//!   `xmax` is one past the newest *completed* id, and a writer may hold a newer one (the
//!   property test in `watermark_proof` caught it).
//!
//! Each instance keeps W in one watch (every stream and follower subscribes to it), moved by
//! a sampler task on a connection of its own: woken by this instance's commits and by other
//! instances' NOTIFY, and by a tick, since an aborted transaction notifies nobody. After this
//! instance's commits the sampler sends one NOTIFY (coalesced): a NOTIFY inside each writer
//! would hold PostgreSQL's cluster-wide notify lock through every commit.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::{PgConnection, PgPool, Row};
use tokio::sync::{Notify, watch};

use super::sql::DbError;

/// How often the sampler looks while versions wait below a running transaction.
const BUSY_TICK: Duration = Duration::from_millis(20);
/// How often it looks when nothing is pending (for commits whose NOTIFY was missed).
const IDLE_TICK: Duration = Duration::from_secs(1);
/// The least time between two samples, so a busy instance does not sample once per commit.
const MIN_GAP: Duration = Duration::from_millis(2);
/// How long [`Watermark::fresh`] waits for transactions still running before answering
/// with the W it has (a transaction left open holds every reader back; see the README).
const FRESH_WAIT: Duration = Duration::from_secs(2);

/// W and what moves it.
#[derive(Debug)]
pub(crate) struct Watermark {
    w: watch::Sender<i64>,
    pg: Option<PgWatch>,
}

#[derive(Debug)]
struct PgWatch {
    pool: PgPool,
    /// The NOTIFY channel every instance on this database and schema listens on.
    channel: String,
    sampler: tokio::sync::Mutex<Sampler>,
    /// Wakes the sampler: a commit here, a NOTIFY from elsewhere.
    poke: Notify,
    /// A commit here took a version since the last NOTIFY.
    committed_here: AtomicBool,
    lag: std::sync::Mutex<Lag>,
}

/// Samples waiting for the transactions that were running when they were taken.
#[derive(Debug, Default)]
struct Sampler {
    connection: Option<PgConnection>,
    pending: VecDeque<Sample>,
    /// When the newest settled sample was taken: W covers every version committed before.
    covered: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    hi: i64,
    /// The transaction id the sample took after reading `hi`.
    x: i64,
    taken: Instant,
}

/// How far W trails what has been handed out (for `/metrics`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lag {
    /// The newest version handed out, as last sampled.
    pub newest: i64,
    /// W.
    pub watermark: i64,
    /// How long the oldest sample above W has waited.
    pub waiting: Duration,
    /// The oldest transaction holding W back, when one is: how long it has run, its process
    /// id, its state (`idle in transaction` is a forgotten one) and its program.
    pub oldest_transaction: Option<OldestTransaction>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OldestTransaction {
    pub running: Duration,
    pub pid: i64,
    pub state: String,
    pub application: String,
}

impl Watermark {
    /// SQLite's: W is the committed counter, `committed`.
    pub(crate) fn sqlite(committed: i64) -> Arc<Watermark> {
        Arc::new(Watermark {
            w: watch::channel(committed).0,
            pg: None,
        })
    }

    /// PostgreSQL's, with its sampler started (it ends with the last store handle).
    pub(crate) fn postgres(pool: PgPool, channel: String) -> Arc<Watermark> {
        let watermark = Arc::new(Watermark {
            w: watch::channel(0).0,
            pg: Some(PgWatch {
                pool,
                channel,
                sampler: tokio::sync::Mutex::new(Sampler::default()),
                poke: Notify::new(),
                committed_here: AtomicBool::new(false),
                lag: std::sync::Mutex::new(Lag::default()),
            }),
        });
        tokio::spawn(sample_forever(Arc::downgrade(&watermark)));
        watermark
    }

    /// W as this instance last knew it.
    pub(crate) fn known(&self) -> i64 {
        *self.w.borrow()
    }

    /// Wakes on every move of W (its value is W).
    pub(crate) fn subscribe(&self) -> watch::Receiver<i64> {
        self.w.subscribe()
    }

    /// Moves W up to `to` (never down).
    pub(crate) fn advance(&self, to: i64) {
        self.w.send_if_modified(|w| {
            let moved = to > *w;
            if moved {
                *w = to;
            }
            moved
        });
    }

    /// A transaction of this instance that took `version` has committed.
    pub(crate) fn committed(&self, version: i64) {
        match &self.pg {
            None => self.advance(version),
            Some(pg) => {
                pg.committed_here.store(true, Ordering::Release);
                pg.poke.notify_one();
            }
        }
    }

    /// Another instance announced a commit (or the notifications were lost a while).
    pub(crate) fn heard(&self) {
        if let Some(pg) = &self.pg {
            pg.poke.notify_one();
        }
    }

    /// On PostgreSQL, a W that covers every version committed before this call: a sample
    /// taken after the call began, once settled, says so — the caller's own, or one another
    /// caller or the sampler took meanwhile. Waits (at most [`FRESH_WAIT`]) for transactions
    /// running meanwhile, without holding the sampler between looks, so callers waiting
    /// together cost no more than one. `None` on SQLite, whose caller reads its counter.
    pub(crate) async fn fresh(&self) -> Result<Option<i64>, DbError> {
        let Some(pg) = &self.pg else { return Ok(None) };
        let arrived = Instant::now();
        let mut sampled = false;
        let mut pause = Duration::from_millis(1);
        loop {
            {
                let mut sampler = pg.sampler.lock().await;
                if sampler.covers(arrived) {
                    return Ok(Some(self.known()));
                }
                if !sampled {
                    // A sample someone else took since we arrived answers us too.
                    if !sampler.pending.iter().any(|s| s.taken >= arrived) {
                        sampler.sample(pg, self).await?;
                    }
                    sampled = true;
                }
                // On a quiet database the sample's own transaction has ended by now.
                sampler.check(pg, self).await?;
                if sampler.covers(arrived) {
                    return Ok(Some(self.known()));
                }
            }
            if arrived.elapsed() > FRESH_WAIT {
                tracing::warn!(
                    watermark = self.known(),
                    "a transaction has held the commit watermark back for {FRESH_WAIT:?}; \
                     readers see what committed before it (see /metrics)"
                );
                return Ok(Some(self.known()));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// How far W trails (and, on PostgreSQL, who holds it back).
    pub(crate) async fn lag(&self) -> Result<Lag, DbError> {
        let Some(pg) = &self.pg else {
            let w = self.known();
            return Ok(Lag {
                newest: w,
                watermark: w,
                ..Lag::default()
            });
        };
        let mut lag = pg
            .lag
            .lock()
            .map(|l| l.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone());
        lag.watermark = self.known();
        if lag.newest > lag.watermark {
            lag.oldest_transaction = oldest_transaction(&pg.pool).await?;
        }
        Ok(lag)
    }
}

impl Sampler {
    async fn connection(&mut self, pool: &PgPool) -> Result<&mut PgConnection, DbError> {
        if self.connection.is_none() {
            // A connection of its own: the sampler never waits for the pool, nor takes a
            // writer's place in it.
            self.connection = Some(pool.acquire().await?.detach());
        }
        self.connection
            .as_mut()
            .ok_or_else(|| DbError::Other("the watermark's connection is missing".into()))
    }

    /// Takes a sample, settles what it can; answers the sampled `hi`.
    async fn sample(&mut self, pg: &PgWatch, watermark: &Watermark) -> Result<i64, DbError> {
        let result = self.try_sample(pg, watermark).await;
        if result.is_err() {
            self.connection = None;
        }
        result
    }

    async fn try_sample(&mut self, pg: &PgWatch, watermark: &Watermark) -> Result<i64, DbError> {
        let connection = self.connection(&pg.pool).await?;
        let taken = Instant::now();
        // `hi` first; then, in a later statement (its own transaction, committed at once), a
        // transaction id of our own.
        let hi: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM versions",
        )
        .fetch_one(&mut *connection)
        .await?;
        if hi <= watermark.known() {
            // Everything handed out by now is below W already.
            self.cover(taken);
        } else {
            let row = sqlx::query(
                "SELECT CAST(CAST(pg_current_xact_id() AS TEXT) AS BIGINT), \
                 CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT)",
            )
            .fetch_one(&mut *connection)
            .await?;
            let (x, xmin): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            self.pending.push_back(Sample { hi, x, taken });
            // That snapshot was taken while `x` ran: it can settle older samples only.
            self.settle(xmin, watermark);
        }
        if let Ok(mut lag) = pg.lag.lock() {
            lag.newest = lag.newest.max(hi);
            lag.waiting = self
                .pending
                .front()
                .map_or(Duration::ZERO, |s| s.taken.elapsed());
        }
        Ok(hi)
    }

    /// Looks again whether the transactions pending samples wait for have ended.
    async fn check(&mut self, pg: &PgWatch, watermark: &Watermark) -> Result<(), DbError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let checked = async {
            let connection = self.connection(&pg.pool).await?;
            oldest_running(connection).await
        }
        .await;
        match checked {
            Ok(xmin) => {
                self.settle(xmin, watermark);
                Ok(())
            }
            Err(error) => {
                self.connection = None;
                Err(error)
            }
        }
    }

    /// Every sample whose transaction id is below the oldest one still running is complete:
    /// so is every writer of a version up to its `hi`.
    fn settle(&mut self, xmin: i64, watermark: &Watermark) {
        while let Some(sample) = self.pending.front().copied() {
            if sample.x >= xmin {
                break;
            }
            self.pending.pop_front();
            watermark.advance(sample.hi);
            self.cover(sample.taken);
        }
    }

    fn cover(&mut self, taken: Instant) {
        self.covered = Some(self.covered.map_or(taken, |covered| covered.max(taken)));
    }

    /// Whether W covers every version committed before `instant`.
    fn covers(&self, instant: Instant) -> bool {
        self.covered.is_some_and(|covered| covered >= instant)
    }
}

/// The oldest transaction id still running (a snapshot's `xmin`), anywhere in the cluster.
async fn oldest_running(connection: &mut PgConnection) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT)",
    )
    .fetch_one(&mut *connection)
    .await?)
}

/// The longest-running transaction that holds a transaction id (any database of the
/// cluster: any of them holds W back).
async fn oldest_transaction(pool: &PgPool) -> Result<Option<OldestTransaction>, DbError> {
    let row = sqlx::query(
        "SELECT CAST(EXTRACT(EPOCH FROM (clock_timestamp() - xact_start)) * 1000 AS BIGINT), \
         CAST(pid AS BIGINT), COALESCE(state, ''), COALESCE(application_name, '') \
         FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND xact_start IS NOT NULL \
         ORDER BY xact_start LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(OldestTransaction {
            running: Duration::from_millis(u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0)),
            pid: row.try_get(1)?,
            state: row.try_get(2)?,
            application: row.try_get(3)?,
        })
    })
    .transpose()
}

/// The sampler: wakes on a poke or a tick, announces this instance's commits, samples.
async fn sample_forever(watermark: std::sync::Weak<Watermark>) {
    loop {
        let Some(me) = watermark.upgrade() else {
            return;
        };
        let Some(pg) = &me.pg else { return };
        let pending = !pg.sampler.lock().await.pending.is_empty();
        tokio::select! {
            () = pg.poke.notified() => {}
            () = tokio::time::sleep(if pending { BUSY_TICK } else { IDLE_TICK }) => {}
        }
        let mut sampler = pg.sampler.lock().await;
        if pg.committed_here.swap(false, Ordering::AcqRel) {
            let announced = async {
                let connection = sampler.connection(&pg.pool).await?;
                sqlx::query("SELECT pg_notify($1, '')")
                    .bind(&pg.channel)
                    .execute(&mut *connection)
                    .await?;
                Ok::<_, DbError>(())
            }
            .await;
            if let Err(error) = announced {
                sampler.connection = None;
                tracing::warn!(%error, "cannot tell other instances of a commit; they see it at their next tick");
            }
        }
        let sampled = match sampler.sample(pg, &me).await {
            Ok(_) => sampler.check(pg, &me).await,
            Err(error) => Err(error),
        };
        if let Err(error) = sampled {
            tracing::warn!(%error, "cannot sample the commit watermark; trying again shortly");
            drop(sampler);
            drop(me);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        drop(sampler);
        drop(me);
        tokio::time::sleep(MIN_GAP).await;
    }
}
