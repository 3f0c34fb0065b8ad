//! The transport of the ephemeral channel (ADR 0010): payloads that take no version and are
//! never stored — who is viewing or typing, presence heartbeats — carried between instances in
//! PostgreSQL NOTIFY payloads on a channel of their own, and within one SQLite instance in
//! memory. The store sees opaque text; `crate::signals` gives it meaning, keeps the live ones
//! and expires them.
//!
//! A payload is sent outside any transaction (a NOTIFY in a writing transaction would take
//! PostgreSQL's notify lock through its commit), each on its own, and refused above
//! PostgreSQL's limit ([`MAX_BYTES`]). Delivery is at most once and only to instances
//! listening at that moment: what matters is only what is happening now.

use tokio::sync::broadcast;

use super::sql::DbError;
use super::{Backend, Store};

/// The largest payload: PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more.
pub const MAX_BYTES: usize = 7_999;

/// Payloads a slow listener may fall behind by before it misses some (it is told how many).
const BUFFERED: usize = 1_024;

/// The instance's end of the channel: what arrived (from this or another instance).
#[derive(Debug)]
pub(crate) struct SignalBus {
    arrived: broadcast::Sender<String>,
}

impl SignalBus {
    pub(crate) fn new() -> SignalBus {
        SignalBus {
            arrived: broadcast::channel(BUFFERED).0,
        }
    }

    /// A payload heard (the PostgreSQL listener, or SQLite's send).
    pub(crate) fn heard(&self, payload: String) {
        // Nobody listening is fine: a signal is for whoever is there now.
        let _ = self.arrived.send(payload);
    }
}

impl Store {
    /// Sends `payload` to every instance listening now (this one included).
    pub async fn send_signal(&self, payload: String) -> Result<(), DbError> {
        if payload.len() > MAX_BYTES {
            return Err(DbError::Other(format!(
                "a signal is at most {MAX_BYTES} bytes; this one is {}",
                payload.len()
            )));
        }
        match &*self.backend {
            Backend::Sqlite(_) => {
                self.signals.heard(payload);
                Ok(())
            }
            // This instance hears its own through its listener, like everyone else's.
            Backend::Postgres(db) => {
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(&db.signal_channel)
                    .bind(payload)
                    .execute(&db.pool)
                    .await?;
                Ok(())
            }
        }
    }

    /// What arrives on the ephemeral channel from now on.
    pub fn signal_payloads(&self) -> broadcast::Receiver<String> {
        self.signals.arrived.subscribe()
    }
}
