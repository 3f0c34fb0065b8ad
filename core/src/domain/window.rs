//! WhatsApp's 24-hour customer-service window.
//!
//! A customer's message opens a window of 24 hours in which the business may send anything;
//! each new customer message restarts it. Outside it only approved templates may be sent
//! (a free-form send fails with WhatsApp error 131047, often only later, as a `failed` status).
//! Business messages, read receipts and typing indicators do not extend it. We check it before
//! sending so the agent learns at once, not minutes later from a failed tick.

use chrono::{DateTime, Duration, Utc};

/// An instant in UTC. Every time in the domain is one.
pub type Timestamp = DateTime<Utc>;

/// How long a customer message keeps the window open.
pub const WINDOW: Duration = Duration::hours(24);

/// When the window opened by the customer's last inbound message closes (`None` if the
/// customer never wrote, which means the window was never open).
pub fn window_closes_at(last_inbound_at: Option<Timestamp>) -> Option<Timestamp> {
    last_inbound_at.map(|at| at + WINDOW)
}

/// Whether a free-form reply may be sent at `now`. The window is half-open: at exactly
/// 24 h it is already closed, which errs on the side of WhatsApp's own clock.
pub fn window_is_open(last_inbound_at: Option<Timestamp>, now: Timestamp) -> bool {
    window_closes_at(last_inbound_at).is_some_and(|closes| now < closes)
}

/// Time left for free-form replies at `now` (zero once closed), for the countdown every
/// client shows.
pub fn window_time_left(last_inbound_at: Option<Timestamp>, now: Timestamp) -> Duration {
    match window_closes_at(last_inbound_at) {
        Some(closes) if now < closes => closes - now,
        _ => Duration::zero(),
    }
}
