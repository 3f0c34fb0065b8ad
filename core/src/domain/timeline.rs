//! Where each entry sits on a conversation's timeline. WhatsApp delivers out of order (a
//! message sent first may arrive minutes after a later one), so a timeline is ordered by when
//! things happened, not by when they reached us: a customer's message at the time WhatsApp says
//! the customer sent it, anything else when it was recorded, and the conversation's opening
//! before everything in it. Entries that happened at the same instant keep the order they were
//! recorded in (version, then place within the change).
//!
//! The server's timeline pages and the phone's thread both sort by [`Place`]; the live stream
//! stays in version order, and a client places each streamed entry by its [`Place`].

use super::event::{Change, Event};
use super::window::Timestamp;

/// An entry's place on its timeline: compare two places to know which comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    /// When it happened, in epoch milliseconds ([`OPENING`] for the conversation's opening).
    pub at_millis: i64,
    /// The version of the change that recorded it.
    pub version: i64,
    /// Its position among the events of that change.
    pub seq: i64,
}

/// The time an opening sorts at: before anything that can happen in its conversation, even a
/// message that arrives later but was sent earlier than the one that opened it.
pub const OPENING: i64 = i64::MIN;

impl Place {
    /// The place of `event`, recorded as entry `seq` of version `version`.
    pub fn of(event: &Event, version: i64, seq: i64) -> Place {
        Place {
            at_millis: sort_millis(event),
            version,
            seq,
        }
    }
}

impl Event {
    /// When this happened: a customer's message when WhatsApp says the customer sent it,
    /// anything else when it was recorded. What a timeline shows beside each entry.
    pub fn happened_at(&self) -> Timestamp {
        match &self.change {
            Change::CustomerMessageReceived { message } => message.at,
            _ => self.at,
        }
    }
}

/// The time, in epoch milliseconds, `event` sorts at on its timeline.
pub fn sort_millis(event: &Event) -> i64 {
    match event.change {
        Change::ConversationOpened { .. } => OPENING,
        _ => event.happened_at().timestamp_millis(),
    }
}
