//! The ephemeral channel (ADR 0010, DESIGN §2 "not everything is a change"): [`Signal`]s —
//! who is viewing or typing in a conversation, who is present — that take no version and are
//! never stored. Each instance keeps the live ones in memory until they expire (a live stream
//! that opens is told them first) and hands each new one to its streams, which filter them
//! with `can_see` like changes (`crate::http::events`). Between instances they travel through
//! the store's signal bus (`crate::store::signal_bus`: PostgreSQL NOTIFY on a channel of
//! their own, one signal per payload).
//!
//! Nothing sends one yet but the tests; presence and "who is looking" (the routing issue)
//! will, through [`Signals::publish`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use relaydesk_core::domain::{ConversationId, Timestamp, UserId};
use relaydesk_core::protocol::live::{Signal, SignalKind};
use tokio::sync::broadcast;

use crate::store::{DbError, Store};

/// The longest a signal may live: what it says must be said again to last.
pub const LONGEST: Duration = Duration::from_secs(120);

/// Signals a slow stream may fall behind by before it misses some.
const BUFFERED: usize = 1_024;

/// Why a signal was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    #[error("a signal must expire in the future, and within {} seconds", LONGEST.as_secs())]
    Expiry,
    #[error("a signal of a kind this server does not know")]
    UnknownKind,
    #[error(transparent)]
    Database(#[from] DbError),
}

type Key = (SignalKind, UserId, Option<ConversationId>);

/// This instance's live signals and their listeners.
#[derive(Debug)]
pub struct Signals {
    store: Store,
    arrived: broadcast::Sender<Signal>,
    live: Mutex<BTreeMap<Key, Signal>>,
}

impl Signals {
    /// Starts listening to the store's signal bus (for the life of the returned handle).
    pub fn start(store: Store) -> Arc<Signals> {
        let signals = Arc::new(Signals {
            arrived: broadcast::channel(BUFFERED).0,
            live: Mutex::new(BTreeMap::new()),
            store: store.clone(),
        });
        let mut payloads = store.signal_payloads();
        let weak = Arc::downgrade(&signals);
        tokio::spawn(async move {
            loop {
                let payload = match payloads.recv().await {
                    Ok(payload) => payload,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(
                            missed,
                            "signals arrived faster than they were read; some were missed"
                        );
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                let Some(signals) = weak.upgrade() else {
                    return;
                };
                match serde_json::from_str::<Signal>(&payload) {
                    Ok(signal) => signals.arrive(signal),
                    Err(error) => tracing::warn!(%error, "a signal that cannot be read; ignored"),
                }
            }
        });
        signals
    }

    /// Sends `signal` to every instance's streams (this one's included). Refused when it has
    /// expired already or would live longer than [`LONGEST`], or names a kind not known here.
    pub async fn publish(&self, signal: &Signal, now: Timestamp) -> Result<(), SignalError> {
        if signal.kind == SignalKind::Unknown {
            return Err(SignalError::UnknownKind);
        }
        let longest = chrono::TimeDelta::from_std(LONGEST).unwrap_or_default();
        if signal.expires_at <= now || signal.expires_at > now + longest {
            return Err(SignalError::Expiry);
        }
        let payload = serde_json::to_string(signal).map_err(DbError::from)?;
        self.store.send_signal(payload).await?;
        Ok(())
    }

    fn arrive(&self, signal: Signal) {
        let now = Utc::now();
        if signal.expires_at <= now {
            return;
        }
        {
            let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
            live.retain(|_, s| s.expires_at > now);
            live.insert(
                (signal.kind, signal.member, signal.conversation),
                signal.clone(),
            );
        }
        let _ = self.arrived.send(signal);
    }

    /// The signals still live at `now` (what a stream that opens is told first).
    pub fn live(&self, now: Timestamp) -> Vec<Signal> {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|_, s| s.expires_at > now);
        live.values().cloned().collect()
    }

    /// Signals as they arrive from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.arrived.subscribe()
    }
}
