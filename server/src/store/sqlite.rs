//! SQLite backend: one connection on one dedicated writer thread, jobs sent to it over a
//! channel; jobs that queue up while it is busy are committed together (group commit).
//!
//! Measured on this hardware (shared/reference/performance-anchors.md): a rusqlite writer
//! thread with cached statements sustains ~20k single-message webhook transactions/s where
//! sqlx's SQLite driver managed ~3k, because every sqlx statement is an async round trip.
//! The store's logic is async (it is shared with PostgreSQL) but on this thread it never
//! waits, so [`run_ready`] polls it to completion in one go.

use std::future::Future;
use std::path::Path;
use std::pin::pin;
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Waker};

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use tokio::sync::oneshot;

use super::sql::{Arg, Backend, Cell, DbError, LockSpace, Sql, parameters_in_order};

/// One unit of work for the writer. Jobs that queue up while the writer is busy run together
/// in one transaction (group commit), each inside its own savepoint: a job that fails rolls
/// back only its own changes, and every caller is answered once the group has committed.
trait Job: Send {
    /// Runs the work against the open transaction.
    fn run(&mut self, sql: &mut SqliteSql<'_>);
    /// Whether the work succeeded (its changes are kept).
    fn succeeded(&self) -> bool;
    /// Answers the caller once the group's commit is done (or failed).
    fn answer(self: Box<Self>, committed: Result<(), String>);
}

struct Work<R, W> {
    work: Option<W>,
    outcome: Option<Result<R, DbError>>,
    /// The newest version the work took, so its commit moves the watermark.
    taken: Option<i64>,
    reply: oneshot::Sender<Result<(R, Option<i64>), DbError>>,
}

impl<R, W> Job for Work<R, W>
where
    R: Send,
    W: FnOnce(&mut SqliteSql<'_>) -> Result<R, DbError> + Send,
{
    fn run(&mut self, sql: &mut SqliteSql<'_>) {
        if let Some(work) = self.work.take() {
            self.outcome = Some(work(sql));
            self.taken = sql.taken;
        }
    }

    fn succeeded(&self) -> bool {
        matches!(self.outcome, Some(Ok(_)))
    }

    fn answer(self: Box<Self>, committed: Result<(), String>) {
        let result = match (self.outcome, committed) {
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(value)), Ok(())) => Ok((value, self.taken)),
            (Some(Ok(_)), Err(error)) => Err(DbError::Other(format!("the commit failed: {error}"))),
            (None, Err(error)) => Err(DbError::Other(format!("the transaction failed: {error}"))),
            (None, Ok(())) => Err(DbError::Other(
                "a storage job failed unexpectedly (see the log)".into(),
            )),
        };
        let _ = self.reply.send(result);
    }
}

/// Most jobs committed together.
const GROUP: usize = 64;

/// Handle to the writer thread and the readers. Cloning shares them.
#[derive(Debug, Clone)]
pub(crate) struct SqliteDb {
    jobs: mpsc::Sender<Box<dyn Job>>,
    readers: Arc<Readers>,
    /// The workspace as last read (`super::config::workspace`).
    cache: Arc<super::config::WorkspaceCache>,
    /// Dropped with the last handle, which stops the checkpointer.
    _checkpoints: Arc<mpsc::Sender<()>>,
}

/// Read-only connections, so reads never queue behind the writer (WAL lets them read the
/// last committed state while it writes). Opened on demand, kept for reuse.
#[derive(Debug)]
struct Readers {
    path: std::path::PathBuf,
    idle: std::sync::Mutex<Vec<Connection>>,
}

impl Readers {
    fn take(&self) -> Result<Connection, DbError> {
        if let Some(connection) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(connection);
        }
        let connection = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.execute_batch("PRAGMA mmap_size = 268435456;")?;
        Ok(connection)
    }

    fn give_back(&self, connection: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < 8
        {
            idle.push(connection);
        }
    }
}

impl SqliteDb {
    /// Opens (creating if needed) the database file and starts its writer thread.
    pub(crate) fn open(path: &Path) -> Result<SqliteDb, DbError> {
        let connection = Connection::open(path)?;
        // WAL + synchronous=NORMAL: a commit survives a process crash and costs no fsync (the
        // WAL is synced at checkpoints). Memory-mapped reads save read() syscalls; pages still
        // in the WAL are read with pread, so the writer keeps a 16 MiB page cache: with the
        // queue's indexes its working set outgrew the 2 MiB default (a profile showed a tenth
        // of its time copying WAL pages back in; batches 0.77× → 0.93× of 2b5e00a, p99 at
        // 1,000 POSTs/s 2.6× → 1.65×; 32 MiB was no better, 64 MiB slowed single messages).
        // Checkpoints run on their own thread (see `checkpointer`), not inside commits: copying
        // the WAL back was a third of the writer's time and its slowest moments.
        connection.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
             PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16384; \
             PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 16384;",
        )?;
        connection.set_prepared_statement_cache_capacity(128);
        let stop_checkpoints = checkpointer(path)?;
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        let cache = Arc::new(super::config::WorkspaceCache::default());
        let writer_cache = cache.clone();
        std::thread::Builder::new()
            .name("relaydesk-sqlite-writer".into())
            .spawn(move || {
                let mut connection = connection;
                // Ends when every handle (and so every sender) is dropped.
                while let Ok(first) = queue.recv() {
                    let mut group = vec![first];
                    while group.len() < GROUP {
                        match queue.try_recv() {
                            Ok(job) => group.push(job),
                            Err(_) => break,
                        }
                    }
                    let committed = run_group(&mut connection, &writer_cache, &mut group);
                    for job in group {
                        job.answer(committed.clone());
                    }
                }
            })
            .map_err(|e| DbError::Other(format!("cannot start the SQLite writer thread: {e}")))?;
        Ok(SqliteDb {
            jobs,
            readers: Arc::new(Readers {
                path: path.to_path_buf(),
                idle: std::sync::Mutex::new(Vec::new()),
            }),
            cache,
            _checkpoints: Arc::new(stop_checkpoints),
        })
    }

    /// Runs `work` in a transaction on the writer thread (possibly shared with other jobs
    /// queued at the same moment, each isolated by a savepoint); answers after the commit.
    #[cfg(test)]
    pub(crate) async fn transaction<R, W>(&self, work: W) -> Result<R, DbError>
    where
        R: Send + 'static,
        W: FnOnce(&mut SqliteSql<'_>) -> Result<R, DbError> + Send + 'static,
    {
        Ok(self.transaction_noting(work).await?.0)
    }

    /// [`SqliteDb::transaction`], also answering the newest version the work took (a
    /// transaction that took none changed nothing anyone follows, and wakes nobody).
    pub(crate) async fn transaction_noting<R, W>(
        &self,
        work: W,
    ) -> Result<(R, Option<i64>), DbError>
    where
        R: Send + 'static,
        W: FnOnce(&mut SqliteSql<'_>) -> Result<R, DbError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Work {
            work: Some(work),
            outcome: None,
            taken: None,
            reply,
        });
        self.jobs.send(job).map_err(|_| DbError::WriterGone)?;
        answer.await.map_err(|_| DbError::WriterGone)?
    }
}

impl SqliteDb {
    /// Runs read-only `work` on a reader connection (off the async threads), in one read
    /// transaction so it sees one committed state.
    pub(crate) async fn read<R, W>(&self, work: W) -> Result<R, DbError>
    where
        R: Send + 'static,
        W: FnOnce(&mut SqliteSql<'_>) -> Result<R, DbError> + Send + 'static,
    {
        let readers = self.readers.clone();
        let cache = self.cache.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = readers.take()?;
            connection.execute_batch("BEGIN")?;
            let result = work(&mut SqliteSql {
                connection: &mut connection,
                taken: None,
                cache: &cache,
            });
            let _ = connection.execute_batch("COMMIT");
            readers.give_back(connection);
            result
        })
        .await
        .map_err(|e| DbError::Other(format!("a read failed unexpectedly: {e}")))?
    }
}

/// Runs a group of jobs in one transaction, each in its own savepoint, and commits. A job
/// that fails or panics (a bug) is rolled back to its savepoint; the others keep their work.
fn run_group(
    connection: &mut Connection,
    cache: &super::config::WorkspaceCache,
    group: &mut [Box<dyn Job>],
) -> Result<(), String> {
    connection
        .execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| e.to_string())?;
    for job in group.iter_mut() {
        if let Err(error) = connection.execute_batch("SAVEPOINT job") {
            let _ = connection.execute_batch("ROLLBACK");
            return Err(error.to_string());
        }
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            job.run(&mut SqliteSql {
                connection: &mut *connection,
                taken: None,
                cache,
            });
        }));
        if ran.is_err() {
            tracing::error!("a storage job panicked; its changes were rolled back");
        }
        let kept = if ran.is_ok() && job.succeeded() {
            connection.execute_batch("RELEASE job")
        } else {
            connection.execute_batch("ROLLBACK TO job; RELEASE job")
        };
        if let Err(error) = kept {
            let _ = connection.execute_batch("ROLLBACK");
            return Err(error.to_string());
        }
    }
    connection.execute_batch("COMMIT").map_err(|error| {
        let _ = connection.execute_batch("ROLLBACK");
        error.to_string()
    })
}

/// Starts the thread that copies the WAL back into the database file four times a second.
/// `PASSIVE` checkpoints never block the writer, so most of the copying happens beside it;
/// the writer's own automatic checkpoint (at 16,384 pages, 64 MiB) only finishes what this
/// thread could not, and bounds the WAL under sustained load. Returns the handle whose drop
/// stops the thread.
fn checkpointer(path: &Path) -> Result<mpsc::Sender<()>, DbError> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("relaydesk-sqlite-checkpointer".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(std::time::Duration::from_millis(250))
            {
                if let Err(error) =
                    connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                {
                    tracing::warn!(%error, "a SQLite checkpoint failed; the next one will retry");
                }
            }
        })
        .map_err(|e| DbError::Other(format!("cannot start the SQLite checkpointer: {e}")))?;
    Ok(stop)
}

/// Polls a future that never waits (store logic on the writer thread) to its end.
pub(crate) fn run_ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("SQLite store work never waits"),
    }
}

/// A transaction on the writer thread's connection.
pub(crate) struct SqliteSql<'c> {
    connection: &'c mut Connection,
    /// The newest version this job took.
    taken: Option<i64>,
    cache: &'c super::config::WorkspaceCache,
}

fn values(sql: &str, args: &[Arg]) -> Vec<Value> {
    debug_assert!(
        parameters_in_order(sql),
        "SQLite numbers $N parameters by first appearance; name them in order: {sql}"
    );
    args.iter()
        .map(|arg| match arg {
            Arg::Text(s) => Value::Text(s.clone()),
            Arg::OptText(s) => s.clone().map_or(Value::Null, Value::Text),
            Arg::Int(i) => Value::Integer(*i),
            Arg::OptInt(i) => i.map_or(Value::Null, Value::Integer),
            Arg::Bytes(b) => Value::Blob(b.clone()),
        })
        .collect()
}

impl Sql for SqliteSql<'_> {
    async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, DbError> {
        let mut statement = self.connection.prepare_cached(sql)?;
        Ok(statement.execute(params_from_iter(values(sql, args)))? as u64)
    }

    async fn texts(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<String>, DbError> {
        let mut statement = self.connection.prepare_cached(sql)?;
        let rows = statement.query_map(params_from_iter(values(sql, args)), |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    async fn rows(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<Vec<Cell>>, DbError> {
        let mut statement = self.connection.prepare_cached(sql)?;
        let width = statement.column_count();
        let rows = statement.query_map(params_from_iter(values(sql, args)), |row| {
            (0..width)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        ValueRef::Null => Cell::Null,
                        ValueRef::Integer(value) => Cell::Int(value),
                        ValueRef::Real(value) => Cell::Int(value as i64),
                        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
                            Cell::Text(String::from_utf8_lossy(bytes).into_owned())
                        }
                    })
                })
                .collect::<Result<Vec<_>, rusqlite::Error>>()
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    async fn integer(&mut self, sql: &str, args: &[Arg]) -> Result<Option<i64>, DbError> {
        let mut statement = self.connection.prepare_cached(sql)?;
        Ok(statement
            .query_row(params_from_iter(values(sql, args)), |row| row.get(0))
            .optional()?)
    }

    async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.connection.execute_batch(sql)?)
    }

    async fn next_version(&mut self) -> Result<i64, DbError> {
        // One writer: versions are taken and committed in the same order.
        let version = self
            .integer(
                "UPDATE meta SET value = value + 1 WHERE key = 'version' RETURNING value",
                &[],
            )
            .await?
            .ok_or_else(|| DbError::Other("the version counter is missing".into()))?;
        self.taken = Some(version);
        Ok(version)
    }

    fn lock_rows(&self) -> &'static str {
        ""
    }

    fn skip_locked(&self) -> &'static str {
        ""
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn lock_key(&mut self, _space: LockSpace, _key: &str) -> Result<(), DbError> {
        // One writer: every write transaction already has the file to itself.
        Ok(())
    }

    fn workspace_cache(&self) -> &super::config::WorkspaceCache {
        self.cache
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_committed_together_keep_each_others_work_when_one_fails() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = SqliteDb::open(&dir.path().join("t.db")).expect("open");
        db.transaction(|sql| run_ready(sql.batch("CREATE TABLE t (x BIGINT)")))
            .await
            .expect("create");
        let jobs: Vec<_> = (0..40i64)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    db.transaction(move |sql| {
                        run_ready(sql.execute("INSERT INTO t (x) VALUES ($1)", &[Arg::Int(i)]))?;
                        if i % 5 == 0 {
                            return Err(DbError::Other(format!("job {i} refuses")));
                        }
                        Ok(i)
                    })
                    .await
                })
            })
            .collect();
        let mut kept = Vec::new();
        for job in jobs {
            if let Ok(i) = job.await.expect("task") {
                kept.push(i);
            }
        }
        assert_eq!(kept.len(), 32, "every job but the refusing ones succeeded");
        let stored = db
            .transaction(|sql| run_ready(sql.integer("SELECT COUNT(*) FROM t", &[])))
            .await
            .expect("count");
        assert_eq!(
            stored,
            Some(32),
            "the refusing jobs' rows were rolled back, nobody else's"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_are_answered_while_the_writer_is_busy_and_see_only_committed_work() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = SqliteDb::open(&dir.path().join("t.db")).expect("open");
        db.transaction(|sql| {
            run_ready(sql.batch("CREATE TABLE t (x BIGINT); INSERT INTO t (x) VALUES (1);"))
        })
        .await
        .expect("create");
        let (release, held) = mpsc::channel::<()>();
        let (started, writing) = mpsc::channel::<()>();
        let writer = db.clone();
        let write = tokio::spawn(async move {
            writer
                .transaction(move |sql| {
                    run_ready(sql.execute("INSERT INTO t (x) VALUES (2)", &[]))?;
                    // The writer is busy until the test lets it go.
                    let _ = started.send(());
                    let _ = held.recv();
                    Ok(())
                })
                .await
        });
        tokio::task::spawn_blocking(move || writing.recv())
            .await
            .expect("task")
            .expect("the writer started");
        let count = |db: SqliteDb| async move {
            db.read(|sql| run_ready(sql.integer("SELECT COUNT(*) FROM t", &[])))
                .await
        };
        // Guarded against a hang only: if reads queued behind the writer, this would never end.
        let during = tokio::time::timeout(std::time::Duration::from_secs(30), count(db.clone()))
            .await
            .expect("the read is not stuck behind the writer")
            .expect("read");
        assert_eq!(during, Some(1), "uncommitted work is not visible");
        release.send(()).expect("release the writer");
        write.await.expect("task").expect("write");
        assert_eq!(count(db).await.expect("read"), Some(2), "committed work is");
    }

    #[tokio::test]
    async fn a_job_that_panics_fails_alone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = SqliteDb::open(&dir.path().join("t.db")).expect("open");
        db.transaction(|sql| run_ready(sql.batch("CREATE TABLE t (x BIGINT)")))
            .await
            .expect("create");
        let failed = db
            .transaction::<(), _>(|sql| {
                run_ready(sql.execute("INSERT INTO t (x) VALUES (1)", &[])).expect("insert");
                panic!("a bug in a storage job");
            })
            .await;
        assert!(matches!(failed, Err(DbError::Other(_))));
        let count = db
            .transaction(|sql| run_ready(sql.integer("SELECT COUNT(*) FROM t", &[])))
            .await
            .expect("the writer still works");
        assert_eq!(count, Some(0), "the panicking job's insert was rolled back");
    }
}
