//! Due work: what Relaydesk itself must do when a time comes (ADR 0010). A change that calls
//! for it arms a [`Timer`] in the transaction that records it ([`Timer::armed_by`]); when it is
//! due, the server checks it [`still_applies`](Timer::still_applies) to the conversation as it
//! stands and runs its [`command`](Timer::command) as the system — or drops it, saying why.
//!
//! Stored with the version of the event that armed it (its *episode*): one episode fires at
//! most once, and re-arming after a change is a new episode, never a second firing of the old.
//! Today: a snooze running out. Later: delayed rules, return timers, service-level warnings.

use serde::{Deserialize, Serialize};

use super::command::Command;
use super::conversation::{Conversation, Status};
use super::event::{Change, Event};
use super::ids::ConversationId;
use super::window::Timestamp;

/// One piece of due work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum Timer {
    /// A snooze runs out: the conversation comes back to the queue.
    SnoozeEnds {
        conversation: ConversationId,
        until: Timestamp,
    },
}

impl Timer {
    /// Its purpose, as stored (`timers.purpose`).
    pub fn purpose(&self) -> &'static str {
        match self {
            Timer::SnoozeEnds { .. } => "snooze_ends",
        }
    }

    /// What it is about, as stored (`timers.subject`): with the purpose and the episode, its key.
    pub fn subject(&self) -> String {
        match self {
            Timer::SnoozeEnds { conversation, .. } => conversation.to_string(),
        }
    }

    /// The conversation it acts on.
    pub fn conversation(&self) -> ConversationId {
        match self {
            Timer::SnoozeEnds { conversation, .. } => *conversation,
        }
    }

    /// When it is due.
    pub fn due_at(&self) -> Timestamp {
        match self {
            Timer::SnoozeEnds { until, .. } => *until,
        }
    }

    /// The timer `event` arms, if any: a snooze arms its end.
    pub fn armed_by(event: &Event) -> Option<Timer> {
        match (&event.change, event.conversation) {
            (
                Change::StatusChanged {
                    to: Status::Snoozed { until },
                    ..
                },
                Some(conversation),
            ) => Some(Timer::SnoozeEnds {
                conversation,
                until: *until,
            }),
            _ => None,
        }
    }

    /// Whether it still applies to `conversation` as it stands (`None`: it is gone); if not,
    /// why not — said in the log line of a dropped timer.
    pub fn still_applies(&self, conversation: Option<&Conversation>) -> Result<(), &'static str> {
        let Some(conversation) = conversation else {
            return Err("the conversation is gone");
        };
        match self {
            Timer::SnoozeEnds { until, .. } => match conversation.status {
                Status::Snoozed { until: now_until } if now_until == *until => Ok(()),
                Status::Snoozed { .. } => Err("it was snoozed again, until another time"),
                _ => Err("it is no longer snoozed (the customer wrote, or someone changed it)"),
            },
        }
    }

    /// The command it runs, as the system.
    pub fn command(&self) -> Command {
        match self {
            Timer::SnoozeEnds {
                conversation,
                until,
            } => Command::EndSnooze {
                conversation: *conversation,
                until: *until,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{By, ContactId, InboxId, Priority, UserId};
    use chrono::{TimeZone, Utc};

    fn conversation(status: Status) -> Conversation {
        Conversation {
            id: ConversationId::new(),
            inbox_id: InboxId::new(),
            contact_id: ContactId::new(),
            status,
            assignee: None,
            team: None,
            priority: Priority::Normal,
            labels: Default::default(),
            last_inbound_at: None,
            awaiting_reply_since: None,
            escalation: None,
            opened_at: Utc.timestamp_opt(0, 0).unwrap(),
        }
    }

    #[test]
    fn a_snooze_arms_its_end_and_nothing_else_arms_anything() {
        let until = Utc.timestamp_opt(5_000, 0).unwrap();
        let c = conversation(Status::Open);
        let snoozed = Event {
            conversation: Some(c.id),
            at: Utc.timestamp_opt(1_000, 0).unwrap(),
            by: By::Member(UserId::new()),
            change: Change::StatusChanged {
                from: Status::Open,
                to: Status::Snoozed { until },
            },
        };
        let timer = Timer::armed_by(&snoozed).expect("a snooze arms a timer");
        assert_eq!(timer.due_at(), until);
        assert_eq!(timer.subject(), c.id.to_string());
        assert_eq!(
            timer.command(),
            Command::EndSnooze {
                conversation: c.id,
                until
            }
        );
        let resolved = Event {
            change: Change::StatusChanged {
                from: Status::Open,
                to: Status::Resolved,
            },
            ..snoozed
        };
        assert_eq!(Timer::armed_by(&resolved), None);
    }

    #[test]
    fn a_snooze_end_applies_only_to_the_same_snooze() {
        let until = Utc.timestamp_opt(5_000, 0).unwrap();
        let later = Utc.timestamp_opt(9_000, 0).unwrap();
        let c = conversation(Status::Snoozed { until });
        let timer = Timer::SnoozeEnds {
            conversation: c.id,
            until,
        };
        assert_eq!(timer.still_applies(Some(&c)), Ok(()));
        assert!(
            timer
                .still_applies(Some(&conversation(Status::Snoozed { until: later })))
                .is_err()
        );
        assert!(
            timer
                .still_applies(Some(&conversation(Status::Open)))
                .is_err()
        );
        assert!(timer.still_applies(None).is_err());
    }
}
