//! How many live streams are open, per session and on this instance, and the limits on both:
//! each open stream holds a [`Ticket`], given only while both counts are under their limits and
//! handed back when the stream ends. A stream costs a task, a connection and a database read
//! on every change, so neither one session (a script opening streams in a loop, a hundred
//! tabs) nor everyone together may open them without bound. Also here: how far behind a
//! stream may start before it is told to reload instead of replaying ([`LiveLimits`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use relaydesk_core::protocol::errors::ErrorCode;

/// The limits on live streams (`relaydesk serve --live-…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveLimits {
    /// Streams one session may hold open at once (its tabs, or a phone and its retries).
    pub per_session: usize,
    /// Streams this instance serves at once, everyone's together.
    pub per_instance: usize,
    /// A stream resuming more versions behind than this is not replayed: it gets one `reset`
    /// event (reload what you show) and goes on live from the latest version.
    pub catch_up_versions: i64,
}

impl Default for LiveLimits {
    fn default() -> Self {
        LiveLimits {
            per_session: 8,
            per_instance: 2_000,
            catch_up_versions: 1_000,
        }
    }
}

/// Which limit refused a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// This session holds `per_session` streams already.
    Session(usize),
    /// This instance serves `per_instance` streams already.
    Instance(usize),
}

/// How long a refused client is asked to wait before trying again.
const RETRY_AFTER_SECS: i64 = 30;

impl From<Full> for super::ApiError {
    /// `429 too_many_streams`, naming the limit and whose it is, with a `Retry-After`.
    fn from(full: Full) -> Self {
        let (scope, limit, message) = match full {
            Full::Session(limit) => (
                "session",
                limit,
                format!(
                    "this session already holds {limit} live streams, the most one session \
                     may: close one (another tab or window) and try again"
                ),
            ),
            Full::Instance(limit) => (
                "instance",
                limit,
                format!(
                    "this server already serves {limit} live streams, the most it may: try \
                     again shortly"
                ),
            ),
        };
        super::ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyStreams,
            message,
        )
        .with("scope", scope)
        .with("limit", limit)
        .with("retry_after_secs", RETRY_AFTER_SECS)
    }
}

/// The open streams of this instance.
#[derive(Debug, Default)]
pub struct LiveStreams {
    limits: LiveLimits,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    by_session: HashMap<String, usize>,
    total: usize,
}

/// One open stream, counted until dropped.
#[derive(Debug)]
pub struct Ticket {
    streams: Arc<LiveStreams>,
    session: String,
}

impl LiveStreams {
    pub fn new(limits: LiveLimits) -> LiveStreams {
        LiveStreams {
            limits,
            open: Mutex::default(),
        }
    }

    pub fn limits(&self) -> LiveLimits {
        self.limits
    }

    /// A ticket for one more stream of `session`, unless a limit is reached.
    pub fn open(self: &Arc<Self>, session: &str) -> Result<Ticket, Full> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.limits.per_instance {
            return Err(Full::Instance(self.limits.per_instance));
        }
        let held = open.by_session.get(session).copied().unwrap_or(0);
        if held >= self.limits.per_session {
            return Err(Full::Session(self.limits.per_session));
        }
        open.by_session.insert(session.to_owned(), held + 1);
        open.total += 1;
        Ok(Ticket {
            streams: self.clone(),
            session: session.to_owned(),
        })
    }

    /// Streams open now (all sessions).
    pub fn count(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self
            .streams
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(held) = open.by_session.get_mut(&self.session) {
            *held -= 1;
            if *held == 0 {
                open.by_session.remove(&self.session);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streams(per_session: usize, per_instance: usize) -> Arc<LiveStreams> {
        Arc::new(LiveStreams::new(LiveLimits {
            per_session,
            per_instance,
            ..LiveLimits::default()
        }))
    }

    #[test]
    fn a_session_holds_at_most_its_share_and_gets_it_back_as_streams_end() {
        let streams = streams(2, 10);
        let first = streams.open("ana").expect("one");
        let _second = streams.open("ana").expect("two");
        assert_eq!(streams.open("ana").err(), Some(Full::Session(2)));
        assert!(streams.open("bruno").is_ok(), "another session has its own");
        drop(first);
        assert!(
            streams.open("ana").is_ok(),
            "a closed stream frees its place"
        );
    }

    #[test]
    fn the_instance_serves_at_most_its_limit_whoever_asks() {
        let streams = streams(5, 3);
        let held: Vec<Ticket> = ["a", "b", "c"]
            .iter()
            .map(|s| streams.open(s).expect("under the limit"))
            .collect();
        assert_eq!(streams.count(), 3);
        assert_eq!(streams.open("d").err(), Some(Full::Instance(3)));
        drop(held);
        assert_eq!(streams.count(), 0);
        assert!(streams.open("d").is_ok());
    }
}
