//! Schema migrations, embedded in the binary and applied at start, in order, each in the
//! transaction that records it. One folder per backend (`server/migrations/{sqlite,postgres}`)
//! numbered in step: migration N means the same change on both. Append-only: a released
//! migration is never edited.

use super::sql::{Arg, Backend, DbError, LockSpace, Sql};

/// `(number, name, SQLite text, PostgreSQL text)`, in order.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "desk",
        include_str!("../../migrations/sqlite/0001_desk.sql"),
        include_str!("../../migrations/postgres/0001_desk.sql"),
    ),
    (
        2,
        "send queue",
        include_str!("../../migrations/sqlite/0002_send_queue.sql"),
        include_str!("../../migrations/postgres/0002_send_queue.sql"),
    ),
    (
        3,
        "media",
        include_str!("../../migrations/sqlite/0003_media.sql"),
        include_str!("../../migrations/postgres/0003_media.sql"),
    ),
    (
        4,
        "accounts and queue",
        include_str!("../../migrations/sqlite/0004_accounts_and_queue.sql"),
        include_str!("../../migrations/postgres/0004_accounts_and_queue.sql"),
    ),
    (
        5,
        "sync",
        include_str!("../../migrations/sqlite/0005_sync.sql"),
        include_str!("../../migrations/postgres/0005_sync.sql"),
    ),
    (
        6,
        "pushes",
        include_str!("../../migrations/sqlite/0006_pushes.sql"),
        include_str!("../../migrations/postgres/0006_pushes.sql"),
    ),
    (
        7,
        "timeline order",
        include_str!("../../migrations/sqlite/0007_timeline_order.sql"),
        include_str!("../../migrations/postgres/0007_timeline_order.sql"),
    ),
    (
        8,
        "sight",
        include_str!("../../migrations/sqlite/0008_sight.sql"),
        include_str!("../../migrations/postgres/0008_sight.sql"),
    ),
    (
        9,
        "fewer indexes",
        include_str!("../../migrations/sqlite/0009_fewer_indexes.sql"),
        include_str!("../../migrations/postgres/0009_fewer_indexes.sql"),
    ),
    (
        10,
        "automations",
        include_str!("../../migrations/sqlite/0010_automations.sql"),
        include_str!("../../migrations/postgres/0010_automations.sql"),
    ),
    (
        11,
        "provenance",
        include_str!("../../migrations/sqlite/0011_provenance.sql"),
        include_str!("../../migrations/postgres/0011_provenance.sql"),
    ),
    (
        12,
        "versions sequence",
        include_str!("../../migrations/sqlite/0012_versions_sequence.sql"),
        include_str!("../../migrations/postgres/0012_versions_sequence.sql"),
    ),
    (
        13,
        "followers and timers",
        include_str!("../../migrations/sqlite/0013_followers_and_timers.sql"),
        include_str!("../../migrations/postgres/0013_followers_and_timers.sql"),
    ),
    (
        14,
        "config log",
        include_str!("../../migrations/sqlite/0014_config_log.sql"),
        include_str!("../../migrations/postgres/0014_config_log.sql"),
    ),
    (
        15,
        "label catalogue",
        include_str!("../../migrations/sqlite/0015_label_catalogue.sql"),
        include_str!("../../migrations/postgres/0015_label_catalogue.sql"),
    ),
];

/// Migrations that change one backend only, by design; each says so in both files.
#[cfg(test)]
const ONE_BACKEND: &[i64] = &[12];

/// Work a migration needs done in Rust after its SQL (filling columns derived from documents,
/// which neither dialect's JSON functions would do the same way).
async fn after<S: Sql>(sql: &mut S, number: i64) -> Result<(), DbError> {
    match number {
        4 => super::rows::refill_conversation_columns(sql).await?,
        7 => super::timeline::refill_places(sql).await?,
        8 => super::timeline::mark_sight(sql).await?,
        13 => super::timers::arm_standing_snoozes(sql, chrono::Utc::now()).await?,
        14 => super::config::write_baselines(sql, chrono::Utc::now()).await?,
        _ => {}
    }
    Ok(())
}

/// Applies every migration the database has not seen yet; returns how many were applied.
pub(crate) async fn migrate<S: Sql>(sql: &mut S) -> Result<usize, DbError> {
    // Two instances starting together on one database take turns: the second finds the
    // first's migrations applied.
    sql.lock_key(LockSpace::Migrations, "").await?;
    sql.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (number BIGINT PRIMARY KEY, name TEXT NOT NULL)",
    )
    .await?;
    let applied = sql
        .integer(
            "SELECT COALESCE(MAX(number), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .unwrap_or(0);
    let mut count = 0;
    for (number, name, sqlite, postgres) in MIGRATIONS {
        if *number <= applied {
            continue;
        }
        let text = match sql.backend() {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        };
        sql.batch(text).await?;
        after(sql, *number).await?;
        sql.execute(
            "INSERT INTO schema_migrations (number, name) VALUES ($1, $2)",
            &[Arg::Int(*number), Arg::from(*name)],
        )
        .await?;
        count += 1;
    }
    Ok(count)
}

/// The newest migration this binary knows.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

#[cfg(test)]
mod tests {
    use super::{MIGRATIONS, ONE_BACKEND};

    /// The two folders may differ only where the dialects do.
    #[test]
    fn sqlite_and_postgres_migrations_say_the_same_thing() {
        for (number, name, sqlite, postgres) in MIGRATIONS {
            if ONE_BACKEND.contains(number) {
                assert!(
                    sqlite.contains("PostgreSQL only") && postgres.contains("PostgreSQL only"),
                    "migration {number} ({name}) changes one backend: both files say so"
                );
                continue;
            }
            let normalise = |text: &str| {
                text.replace("BYTEA", "BLOB")
                    .replace("../postgres/", "../OTHER/")
                    .replace("../sqlite/", "../OTHER/")
            };
            assert_eq!(
                normalise(sqlite),
                normalise(postgres),
                "migration {number} ({name}) drifted"
            );
        }
    }
}
