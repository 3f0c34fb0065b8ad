//! Push notifications to phones through FCM HTTP v1, so field agents and supervisors know when
//! something needs them with the app closed.
//!
//! - [`alerts`]: who is woken and who is alerted by a change, and the words (pure);
//! - [`message`]: the FCM message objects (data for `handle_push`, Android and APNs options);
//! - [`fcm`]: the service-account token and the send call, and what FCM's answers mean;
//! - here: the two tasks. The **dispatcher** follows the event log (woken by the store's change
//!   signal) and writes pushes in the transaction that advances its cursor
//!   (`store::push_queue`); the **sender** claims due pushes, sends them concurrently, and
//!   records each outcome (retry with backoff or `Retry-After`, forget a dead token).

pub mod alerts;
pub mod fcm;
pub mod message;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::store::Store;
use fcm::{FcmClient, FcmSettings};

/// Pushes claimed per round.
const BATCH: i64 = 64;
/// How long a claimed push is its sender's (then another instance may retry it).
const LEASE: Duration = Duration::from_secs(60);

/// Starts the dispatcher and the sender.
pub fn start(store: Store, settings: FcmSettings) {
    let client = Arc::new(FcmClient::new(settings));
    let ready = Arc::new(Notify::new());
    tokio::spawn(dispatch(store.clone(), ready.clone()));
    tokio::spawn(send(store, client, ready));
}

/// Turns committed changes into pushes, as they commit.
async fn dispatch(store: Store, ready: Arc<Notify>) {
    let mut changes = store.changes();
    loop {
        changes.borrow_and_update();
        loop {
            match store.pushes_behind().await {
                Ok(false) => break,
                Ok(true) => match store.dispatch_pushes(chrono::Utc::now()).await {
                    Ok(written) => {
                        if written > 0 {
                            ready.notify_one();
                        }
                    }
                    Err(error) => {
                        tracing::error!(%error, "pushes could not be written; trying again shortly");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        break;
                    }
                },
                Err(error) => {
                    tracing::error!(%error, "the push cursor cannot be read; trying again shortly");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}

/// Sends due pushes: at once when the dispatcher wrote some, and every second for retries.
async fn send(store: Store, client: Arc<FcmClient>, ready: Arc<Notify>) {
    loop {
        let now = chrono::Utc::now();
        let due = store.pushes_due(now).await.unwrap_or(true);
        let claimed = match due {
            false => Vec::new(),
            true => match store.claim_pushes(now, LEASE, BATCH).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::error!(%error, "pushes cannot be claimed; trying again shortly");
                    Vec::new()
                }
            },
        };
        let full = i64::try_from(claimed.len()).unwrap_or(0) >= BATCH;
        let mut sends = tokio::task::JoinSet::new();
        for claim in claimed {
            let client = client.clone();
            let store = store.clone();
            sends.spawn(async move {
                let outcome = client.send(&claim.job.message).await;
                match &outcome {
                    fcm::Delivery::Refused { reason } => {
                        tracing::error!(%reason, kind = %claim.job.kind, "FCM refused a push of ours: a bug to fix");
                    }
                    fcm::Delivery::TokenGone { reason } => {
                        tracing::info!(%reason, "a device's push token is gone; forgetting it");
                    }
                    fcm::Delivery::Retry { reason, .. } => {
                        tracing::warn!(%reason, attempt = claim.attempt, "a push will be tried again");
                    }
                    fcm::Delivery::Sent => {}
                }
                if let Err(error) = store.finish_push(claim, outcome, chrono::Utc::now()).await {
                    tracing::error!(%error, "a push's outcome could not be recorded (it will be retried)");
                }
            });
        }
        while sends.join_next().await.is_some() {}
        if !full {
            tokio::select! {
                () = ready.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }
}
