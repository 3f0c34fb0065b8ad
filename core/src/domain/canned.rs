//! Canned replies: saved answers to the questions that come every day, with variables such
//! as `{{contact.name}}` filled when an agent uses one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ids::{CannedReplyId, TeamId, UserId};
use super::placeholders::{fill, placeholder_names};

/// Who may use a canned reply.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum CannedScope {
    /// Everyone in a team (managed by its supervisors).
    Team(TeamId),
    /// One agent's own.
    Personal(UserId),
}

/// A saved reply.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    pub id: CannedReplyId,
    /// What an agent types after `/` to find it (`refund-policy`).
    pub shortcut: String,
    pub title: String,
    /// Text with `{{variables}}`.
    pub body: String,
    pub scope: CannedScope,
}

/// Values known when an agent uses a canned reply, e.g. `contact.name`, `agent.name`.
pub type Variables = BTreeMap<String, String>;

/// A canned reply could not be filled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no value for {}", .missing.join(", "))]
pub struct MissingVariables {
    pub missing: Vec<String>,
}

impl CannedReply {
    /// The variables this reply uses, in order, without repeats.
    pub fn variables(&self) -> Vec<&str> {
        let mut names = placeholder_names(&self.body);
        let mut seen = std::collections::BTreeSet::new();
        names.retain(|n| seen.insert(*n));
        names
    }

    /// The text ready to send. Fails, naming them, if some variables have no value: sending
    /// "Hi {{contact.name}}" to a customer is worse than asking the agent to fill it in.
    pub fn render(&self, vars: &Variables) -> Result<String, MissingVariables> {
        fill(&self.body, |name| vars.get(name).cloned()).map_err(|missing| MissingVariables {
            missing: missing.into_iter().map(str::to_owned).collect(),
        })
    }

    /// Whether `member` (with `teams`) may use this reply.
    pub fn usable_by(&self, user: UserId, teams: &std::collections::BTreeSet<TeamId>) -> bool {
        match self.scope {
            CannedScope::Team(team) => teams.contains(&team),
            CannedScope::Personal(owner) => owner == user,
        }
    }
}
