//! The queue's views: which conversations a member finds under "unassigned", "mine", "team",
//! "escalations", "waiting", "snoozed", "resolved" and "all", and the two orders they sort in.
//!
//! This is the definition every door shares: the server translates it to SQL (and a storage
//! test holds the SQL to it), the phone filters its local copy with it. A view only ever
//! narrows what [`super::can_see`] allows.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::access::{can_see, in_my_teams, may_decide, may_work};
use super::conversation::{Conversation, Status};
use super::people::Member;
use super::window::Timestamp;
use super::workspace::Workspace;

/// A named slice of the queue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Open, nobody owns it, and it is in a queue of mine: work to pick up.
    Unassigned,
    /// Open and mine.
    Mine,
    /// Open, in one of my teams' queues (owned or not): its team's, or while it has none, its
    /// inbox's.
    Team,
    /// With an escalation waiting: ones I may decide, requested or owned by me.
    Escalations,
    /// Waiting on the customer (status pending).
    Waiting,
    /// Put aside until a time that has not come yet.
    Snoozed,
    /// Done.
    Resolved,
    /// Everything I may see.
    All,
}

impl View {
    /// Every view, in the order clients show them.
    pub const ALL: [View; 8] = [
        View::Unassigned,
        View::Mine,
        View::Team,
        View::Escalations,
        View::Waiting,
        View::Snoozed,
        View::Resolved,
        View::All,
    ];

    /// The word used on the wire (`?view=unassigned`).
    pub fn as_str(self) -> &'static str {
        match self {
            View::Unassigned => "unassigned",
            View::Mine => "mine",
            View::Team => "team",
            View::Escalations => "escalations",
            View::Waiting => "waiting",
            View::Snoozed => "snoozed",
            View::Resolved => "resolved",
            View::All => "all",
        }
    }

    /// Whether `conversation` belongs in this view for `member` at `now` (visibility included).
    pub fn includes(
        self,
        member: &Member,
        conversation: &Conversation,
        workspace: &Workspace,
        now: Timestamp,
    ) -> bool {
        if !can_see(member, conversation, workspace) {
            return false;
        }
        let status = conversation.status.at(now);
        let open = status == Status::Open;
        match self {
            View::Unassigned => {
                open && conversation.assignee.is_none() && may_work(member, conversation, workspace)
            }
            View::Mine => open && conversation.assignee == Some(member.id),
            View::Team => open && in_my_teams(member, conversation, workspace),
            View::Escalations => conversation.pending_escalation().is_some_and(|e| {
                e.requested_by == super::event::By::Member(member.id)
                    || conversation.assignee == Some(member.id)
                    || may_decide(member, e, workspace)
            }),
            View::Waiting => status == Status::Pending,
            View::Snoozed => matches!(status, Status::Snoozed { .. }),
            View::Resolved => status == Status::Resolved,
            View::All => true,
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown view or order name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {given:?}; expected one of: {expected}")]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

impl FromStr for View {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<View, UnknownName> {
        View::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "view",
                given: s.to_owned(),
                expected: View::ALL.map(View::as_str).join(", "),
            })
    }
}

/// How a view is ordered.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// The customer who has waited longest for an answer first; conversations nobody waits on
    /// after them, oldest first.
    #[default]
    LongestWaiting,
    /// The 24-hour window closing soonest first; closed windows (templates only) after them.
    WindowClosingSoonest,
}

impl Order {
    pub const ALL: [Order; 2] = [Order::LongestWaiting, Order::WindowClosingSoonest];

    /// The word used on the wire (`?sort=longest_waiting`).
    pub fn as_str(self) -> &'static str {
        match self {
            Order::LongestWaiting => "longest_waiting",
            Order::WindowClosingSoonest => "window_closing_soonest",
        }
    }

    /// The sort key of a conversation at `now`: smaller comes first; ties are broken by id.
    /// Epoch milliseconds, with `i64::MAX`-based ranks for "nothing to sort on".
    pub fn key(self, conversation: &Conversation, now: Timestamp) -> i64 {
        match self {
            Order::LongestWaiting => conversation.awaiting_reply_since.map_or(
                NOBODY_WAITING + conversation.opened_at.timestamp_millis(),
                |t| t.timestamp_millis(),
            ),
            Order::WindowClosingSoonest => match conversation.last_inbound_at {
                Some(last) if conversation.window_is_open(now) => last.timestamp_millis(),
                Some(last) => WINDOW_CLOSED + last.timestamp_millis(),
                None => NO_WINDOW,
            },
        }
    }
}

/// Sort ranks placed after every real instant (epoch ms stay far below 2^52 for millennia).
pub const NOBODY_WAITING: i64 = 1 << 52;
pub const WINDOW_CLOSED: i64 = 1 << 52;
pub const NO_WINDOW: i64 = 1 << 60;

impl FromStr for Order {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Order, UnknownName> {
        Order::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "sort",
                given: s.to_owned(),
                expected: Order::ALL.map(Order::as_str).join(", "),
            })
    }
}
