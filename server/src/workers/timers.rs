//! The timer wheel: fires durable timers (`crate::store::timers`) as they come due. It sleeps
//! until the earliest armed timer is due — at most a second, so timers armed by another
//! instance are seen — and looks again soon after anything commits (a change here may have
//! armed an earlier one). Each instance runs one; `SKIP LOCKED` gives each due timer to one of
//! them, and a timer whose instance died mid-round is fired by another.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::store::{Settled, Store};

/// Timers settled per transaction.
pub const BATCH: i64 = 64;
/// The longest the wheel sleeps without looking (timers armed on other instances).
const POLL: Duration = Duration::from_secs(1);
/// How soon after a commit the wheel looks again.
const AFTER_A_CHANGE: Duration = Duration::from_millis(100);
/// How long it waits when due timers are all held by other instances.
const HELD_ELSEWHERE: Duration = Duration::from_millis(50);

/// Told of every batch of settled timers, after it committed (metrics, benchmarks).
pub type Observer = Arc<dyn Fn(&[Settled]) + Send + Sync>;

/// Runs the wheel until the store closes.
pub async fn run(store: Store, observer: Option<Observer>) {
    let mut changes = store.changes();
    loop {
        loop {
            match store.fire_timers(Utc::now(), BATCH).await {
                Ok(settled) => {
                    for timer in settled.iter().filter(|t| t.dropped.is_some()) {
                        tracing::info!(
                            purpose = %timer.purpose,
                            subject = %timer.subject,
                            episode = timer.episode,
                            reason = timer.dropped.as_deref().unwrap_or_default(),
                            "a timer no longer applies; dropped"
                        );
                    }
                    if let Some(observe) = &observer
                        && !settled.is_empty()
                    {
                        observe(&settled);
                    }
                    if i64::try_from(settled.len()).unwrap_or(0) < BATCH {
                        break;
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "due timers could not be fired; trying again shortly");
                    tokio::time::sleep(POLL).await;
                    break;
                }
            }
        }
        let wait = match store.next_timer_due().await {
            Ok(Some(due)) => (due - Utc::now())
                .to_std()
                .unwrap_or(HELD_ELSEWHERE)
                .clamp(HELD_ELSEWHERE, POLL),
            Ok(None) => POLL,
            Err(error) => {
                tracing::error!(%error, "the timers cannot be read; trying again shortly");
                POLL
            }
        };
        changes.borrow_and_update();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                tokio::time::sleep(AFTER_A_CHANGE.min(wait)).await;
            }
        }
    }
}
