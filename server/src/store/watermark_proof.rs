//! The commit watermark's promise, tested on PostgreSQL: many writers take versions and
//! commit in random order (random pauses inside their transactions, some rolling back), and
//! readers — on this instance and on a second one — follow W, each reading the versions in
//! `(cursor, W]` and moving its cursor to W. Every committed version is read exactly once by
//! each reader: no gap (a version committing below a reader's cursor would be missed
//! forever), no repeat, nothing that rolled back.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::postgres::PgSql;
use super::sql::{Arg, DbError, Sql};
use super::sqlite::run_ready;
use super::{Backend, Database, Store};

/// A small deterministic generator (the pauses and the aborts), seeded per writer.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

/// Writes one probe row at a version of its own, pausing `pause` inside the transaction;
/// rolls back instead when `abort`. Answers the version if it committed.
async fn write(store: &Store, pause: Duration, abort: bool) -> Result<Option<i64>, DbError> {
    let outcome = in_transaction!(store, |sql| {
        let version = sql.next_version().await?;
        sql.execute(
            "INSERT INTO watermark_probe (version) VALUES ($1)",
            &[Arg::Int(version)],
        )
        .await?;
        tokio::time::sleep(pause).await;
        if abort {
            return Err(DbError::Other("rolled back on purpose".into()));
        }
        Ok(version)
    });
    match outcome {
        Ok(version) => Ok(Some(version)),
        Err(DbError::Other(reason)) if reason == "rolled back on purpose" => Ok(None),
        Err(error) => Err(error),
    }
}

/// Follows W on `store` from `cursor` until `done` and W has reached `last`; answers every
/// version read.
async fn follow(
    store: Store,
    mut cursor: i64,
    done: Arc<AtomicBool>,
    last: Arc<std::sync::Mutex<i64>>,
) -> Vec<i64> {
    let mut changes = store.changes();
    let mut read = Vec::new();
    loop {
        let w = *changes.borrow_and_update();
        assert!(w >= cursor, "W never moves back ({w} after {cursor})");
        if w > cursor {
            let rows: Result<Vec<String>, DbError> = async {
                in_read!(store, |sql| sql
                    .texts(
                        "SELECT CAST(version AS TEXT) FROM watermark_probe \
                         WHERE version > $1 AND version <= $2 ORDER BY version",
                        &[Arg::Int(cursor), Arg::Int(w)],
                    )
                    .await)
            }
            .await;
            let rows = rows.expect("read");
            read.extend(rows.iter().map(|v| v.parse::<i64>().expect("a version")));
            cursor = w;
        }
        let target = *last.lock().expect("last");
        if done.load(Ordering::Acquire) && cursor >= target {
            return read;
        }
        // The tick moves W even when nobody notifies (a rollback tells no one).
        let _ = tokio::time::timeout(Duration::from_secs(2), changes.changed()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_following_the_watermark_see_every_committed_version_once_whatever_the_commit_order()
 {
    let Ok(url) = std::env::var("RELAYDESK_TEST_DATABASE_URL") else {
        eprintln!(
            "SKIPPED: the watermark proof needs PostgreSQL (RELAYDESK_TEST_DATABASE_URL is not \
             set; .ci/run sets it). SQLite's one writer commits versions in order."
        );
        return;
    };
    let database = Database::Postgres {
        url,
        schema: Some(format!(
            "rd_test_{}_{}",
            chrono::Utc::now().timestamp(),
            uuid::Uuid::now_v7().simple()
        )),
    };
    let here = Store::open(&database).await.expect("store");
    let there = Store::open(&database).await.expect("a second instance");
    in_transaction!(here, |sql| sql
        .batch("CREATE TABLE watermark_probe (version BIGINT PRIMARY KEY)")
        .await)
    .expect("probe table");

    let start = here.version().await.expect("W");
    let done = Arc::new(AtomicBool::new(false));
    let last = Arc::new(std::sync::Mutex::new(0));
    let readers = [here.clone(), there.clone(), here.clone()]
        .map(|store| tokio::spawn(follow(store, start, done.clone(), last.clone())));
    let commits = Arc::new(std::sync::atomic::AtomicU64::new(0));

    const WRITERS: u64 = 32;
    const EACH: u64 = 20;
    let writers = (0..WRITERS).map(|w| {
        // Writers on both instances, so W moves on each through the other's NOTIFY too.
        let store = if w % 2 == 0 {
            here.clone()
        } else {
            there.clone()
        };
        let commits = commits.clone();
        tokio::spawn(async move {
            let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (w + 1).wrapping_mul(0x2545_F491));
            let mut committed = Vec::new();
            let mut aborted = 0;
            for _ in 0..EACH {
                let pause = Duration::from_millis(dice.roll(25));
                let abort = dice.roll(5) == 0;
                match write(&store, pause, abort).await.expect("db") {
                    Some(version) => {
                        committed.push((version, commits.fetch_add(1, Ordering::AcqRel)))
                    }
                    None => aborted += 1,
                }
            }
            (committed, aborted)
        })
    });
    let mut in_commit_order = Vec::new();
    let mut aborted = 0;
    for writer in writers.collect::<Vec<_>>() {
        let (versions, rolled_back) = writer.await.expect("writer");
        in_commit_order.extend(versions);
        aborted += rolled_back;
    }
    in_commit_order.sort_by_key(|(_, order)| *order);
    let committed: BTreeSet<i64> = in_commit_order.iter().map(|(v, _)| *v).collect();
    assert!(
        aborted > 0,
        "some writers rolled back (so some versions never commit)"
    );
    *last.lock().expect("last") = committed.last().copied().unwrap_or(0);
    done.store(true, Ordering::Release);

    for (i, reader) in readers.into_iter().enumerate() {
        let read = tokio::time::timeout(Duration::from_secs(60), reader)
            .await
            .expect("the reader reaches the last version (W moves on)")
            .expect("reader");
        let unique: BTreeSet<i64> = read.iter().copied().collect();
        assert_eq!(unique.len(), read.len(), "reader {i} read no version twice");
        let missed: Vec<_> = committed.difference(&unique).collect();
        let extra: Vec<_> = unique.difference(&committed).collect();
        assert!(
            missed.is_empty() && extra.is_empty(),
            "reader {i} read every committed version and nothing that rolled back: \
             missed {missed:?}, read {extra:?} that never committed"
        );
    }
    assert_eq!(committed.len() as u64 + aborted, WRITERS * EACH);
    // Versions were handed out in one order and committed in another: that was the point.
    assert!(
        in_commit_order.windows(2).any(|pair| pair[0].0 > pair[1].0),
        "some version committed before a smaller one"
    );
}
