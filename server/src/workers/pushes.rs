//! Push notifications' two tasks. The **dispatcher** is a follower of the event log
//! (`crate::push::dispatcher`, run by [`super::followers`]) that writes pushes in the
//! transaction that moves its cursor; the **sender** claims due pushes, sends them
//! concurrently through FCM, and records each outcome (retry with backoff or `Retry-After`,
//! forget a dead token).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::push::dispatcher::Pushes;
use crate::push::fcm::{self, FcmClient, FcmSettings};
use crate::store::Store;

/// Pushes claimed per round.
const BATCH: i64 = 64;
/// How long a claimed push is its sender's (then another instance may retry it).
const LEASE: Duration = Duration::from_secs(60);

/// Starts the dispatcher and the sender.
pub fn start(store: Store, settings: FcmSettings) {
    let client = Arc::new(FcmClient::new(settings));
    let ready = Arc::new(Notify::new());
    tokio::spawn(super::followers::run(
        store.clone(),
        Arc::new(Pushes),
        Some(ready.clone()),
    ));
    tokio::spawn(send(store, client, ready));
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
