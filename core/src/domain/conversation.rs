//! A conversation: one support thread with one customer on one inbox, and everything that says
//! who owns it, how urgent it is and where it stands.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::escalation::Escalation;
use super::ids::{ContactId, ConversationId, InboxId, TeamId, UserId};
use super::window::{Timestamp, window_closes_at, window_is_open};

/// Where a conversation stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Needs work from us.
    Open,
    /// Waiting on the customer; their next message reopens it.
    Pending,
    /// Put aside until a time; it comes back (as open) then, or earlier if the customer writes.
    Snoozed {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        until: Timestamp,
    },
    /// Done; a new customer message reopens it.
    Resolved,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl Status {
    /// The status as queues see it at `now`: a snooze that has run out is open again.
    pub fn at(self, now: Timestamp) -> Status {
        match self {
            Status::Snoozed { until } if until <= now => Status::Open,
            other => other,
        }
    }

    /// The word used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Snoozed { .. } => "snoozed",
            Status::Resolved => "resolved",
            Status::Unknown => "unknown",
        }
    }
}

/// How urgent a conversation is. Ordered.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl Priority {
    /// The word used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
            Priority::Unknown => "unknown",
        }
    }
}

/// A label on a conversation (`refund`, `vip`, `late-delivery`): lowercase, trimmed, 1–50
/// characters of letters, digits, `-`, `_`, `:` and inner spaces.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(String);

pub use super::limits::MAX_LABEL_CHARS;

impl Label {
    /// Normalises and checks a label typed by a person.
    pub fn parse(raw: &str) -> Result<Label, String> {
        let label = raw.trim().to_lowercase();
        if label.is_empty() {
            return Err("a label cannot be empty".into());
        }
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(format!("a label has at most {MAX_LABEL_CHARS} characters"));
        }
        if !label
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | ' '))
        {
            return Err("a label may only hold letters, digits, spaces, '-', '_' and ':'".into());
        }
        Ok(Label(label))
    }

    /// The label's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Label {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Label::parse(&value)
    }
}

impl From<Label> for String {
    fn from(label: Label) -> String {
        label.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Label({})", self.0)
    }
}

/// One support thread.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub status: Status,
    /// The one owner, if any.
    pub assignee: Option<UserId>,
    /// The team whose queue it sits in (escalations move it).
    pub team: Option<TeamId>,
    pub priority: Priority,
    pub labels: BTreeSet<Label>,
    /// When the customer last wrote: the 24-hour window counts from here.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_inbound_at: Option<Timestamp>,
    /// Since when the customer has been waiting for an answer from a person: the time the
    /// earliest customer message not yet answered was sent, whatever order messages arrived
    /// in (reactions and WhatsApp's notices aside). A person's reply answers the messages that
    /// had arrived before it; `None` until the customer writes again. The queue's "longest
    /// waiting" order reads it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub awaiting_reply_since: Option<Timestamp>,
    /// The latest escalation (at most one is pending at a time).
    pub escalation: Option<Escalation>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub opened_at: Timestamp,
}

impl Conversation {
    /// When free-form replies stop being allowed.
    pub fn window_closes_at(&self) -> Option<Timestamp> {
        window_closes_at(self.last_inbound_at)
    }

    /// Whether a free-form reply may be sent now.
    pub fn window_is_open(&self, now: Timestamp) -> bool {
        window_is_open(self.last_inbound_at, now)
    }

    /// The escalation waiting for a decision, if any.
    pub fn pending_escalation(&self) -> Option<&Escalation> {
        self.escalation.as_ref().filter(|e| e.is_pending())
    }
}
