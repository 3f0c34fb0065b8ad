//! The people of a support desk: members with a role, teams they belong to, and whether they
//! can take work right now.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::ids::{TeamId, UserId};

/// What a member may do. Ordered by authority.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Works conversations of their teams.
    Agent,
    /// Leads teams: reassigns, approves escalations, sees the whole team queue.
    Supervisor,
    /// Runs the workspace: people, teams, numbers, templates. Sees everything.
    Admin,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl Role {
    /// The word used on the wire, in storage and in the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a member is taking work. Routing (later) only hands new work to `Online` members;
/// people can always claim by hand.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// At work and taking new conversations.
    Online,
    /// At work, not taking new conversations for now.
    Away,
    /// Off shift.
    #[default]
    Offline,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

/// How many open conversations a member should own at once. Used by automatic routing to
/// pick who gets new work; a person claiming by hand or a supervisor assigning on purpose is
/// not blocked by it (see docs/adr/0001-domain-rules.md).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(maximum = 65535))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Capacity(pub u16);

impl Default for Capacity {
    fn default() -> Self {
        Capacity(10)
    }
}

/// A person in the workspace, as the rules need to know them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: UserId,
    /// Shown to colleagues and customers-facing records ("Ana Lima").
    pub name: String,
    /// The `@handle` colleagues use to mention them in notes (lowercase, no `@`).
    pub handle: String,
    pub role: Role,
    pub teams: BTreeSet<TeamId>,
    pub availability: Availability,
    pub capacity: Capacity,
    /// Deactivated members keep their history but can do nothing.
    pub active: bool,
}

impl Member {
    /// Whether this member belongs to `team`.
    pub fn is_in(&self, team: TeamId) -> bool {
        self.teams.contains(&team)
    }

    /// Whether this member shares at least one team with `teams`.
    pub fn shares_a_team<'a>(&self, mut teams: impl Iterator<Item = &'a TeamId>) -> bool {
        teams.any(|t| self.teams.contains(t))
    }
}

/// A team sharing a queue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
}
