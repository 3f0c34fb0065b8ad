//! `relaydesk-e2e`: whole-system scenarios — a real server, several phone clients, a fake
//! WhatsApp Graph API and a fake FCM on loopback — and browser tests of the web view.
//!
//! The scenarios arrive with the parts they exercise (issues 3 to 8); this crate holds the
//! shared fixtures and helpers they use.

pub mod desk;
pub mod fcm;

use std::path::PathBuf;

/// The directory of the WhatsApp webhook fixtures shared by every scenario.
pub fn whatsapp_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/whatsapp")
}

/// The database a load driver runs on: SQLite in `dir`, or with `postgres` a fresh schema at
/// `RELAYDESK_BENCH_DATABASE_URL` (named like the test schemas, which test runs drop after an
/// hour).
pub fn bench_database(
    postgres: bool,
    dir: &std::path::Path,
) -> anyhow::Result<relaydesk_server::store::Database> {
    use anyhow::Context;
    if !postgres {
        return Ok(relaydesk_server::store::Database::Sqlite(
            dir.join("relaydesk.db"),
        ));
    }
    let url = std::env::var("RELAYDESK_BENCH_DATABASE_URL")
        .context("--postgres needs RELAYDESK_BENCH_DATABASE_URL")?;
    Ok(relaydesk_server::store::Database::Postgres {
        url,
        schema: Some(format!(
            "rd_test_{}_{}",
            chrono::Utc::now().timestamp(),
            uuid::Uuid::now_v7().simple()
        )),
    })
}
