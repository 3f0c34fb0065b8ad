//! Runs a follower of the event log (`crate::store::followers`) on this instance: a round
//! whenever the commit watermark moves (and every few seconds, in case another instance was
//! running it and stopped), rounds back to back while it is behind. Every instance runs every
//! follower; the follower's row makes each round one instance's, and the cursor makes each
//! change's effects happen once.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::store::Store;
use crate::store::followers::{Followed, Follower};

/// How long a follower sleeps without news before it looks again.
const TICK: Duration = Duration::from_secs(5);

/// Runs `follower` until the store closes; `acted` is told whenever a round wrote effects
/// (the push sender waits on it).
pub async fn run<F: Follower>(store: Store, follower: Arc<F>, acted: Option<Arc<Notify>>) {
    let mut changes = store.changes();
    // Where this instance last saw the cursor: a wake-up with W no further needs no round (a
    // round locks the follower's row, which takes a transaction id and holds W back).
    let mut known: Option<i64> = None;
    loop {
        changes.borrow_and_update();
        loop {
            let watermark = store.watermark();
            if known.is_some_and(|at| watermark <= at) {
                break;
            }
            match store
                .follow_to(&follower, chrono::Utc::now(), watermark)
                .await
            {
                Ok(Followed::Started { at }) => {
                    tracing::info!(follower = follower.name(), at, "a follower starts");
                    known = Some(at);
                }
                Ok(Followed::Advanced {
                    effects,
                    behind,
                    upto,
                    ..
                }) => {
                    known = Some(upto);
                    if effects > 0
                        && let Some(acted) = &acted
                    {
                        acted.notify_one();
                    }
                    if !behind {
                        break;
                    }
                }
                Ok(Followed::UpToDate { at }) => {
                    known = Some(at);
                    break;
                }
                // Another instance runs it now; a tick or the next change looks again.
                Ok(Followed::Busy) => {
                    known = None;
                    break;
                }
                Err(error) => {
                    tracing::error!(follower = follower.name(), %error, "a follower's round failed; trying again shortly");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            // In case the instance running it stopped mid-round: look again.
            () = tokio::time::sleep(TICK) => known = None,
        }
    }
}
