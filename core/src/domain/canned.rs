//! Canned replies: saved answers to the questions that come every day, with variables such
//! as `{{contact.name}}` filled when an agent uses one. [`variables`] are the values a
//! conversation offers and [`CannedReply::fill_in`] fills with them: the web view, the REST
//! route and the phone all fill through these, so every door fills identically.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::conversation::Conversation;
use super::ids::{CannedReplyId, TeamId, UserId};
use super::people::Member;
use super::placeholders::{fill, placeholder_names};
use super::tolerant::adjacently_tagged;
use super::workspace::Workspace;

/// Who may use a canned reply.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    tag = "kind",
    content = "id",
    rename_all = "snake_case"
)]
pub enum CannedScope {
    /// Everyone in a team (managed by its supervisors).
    Team(TeamId),
    /// One agent's own.
    Personal(UserId),
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    Unknown,
}

adjacently_tagged!(CannedScope, ["team", "personal"]);

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

/// A canned reply filled for one conversation: the text ready to send, or — when some
/// variables have no value there — the reply's own text with those variables named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilledReply {
    /// Filled when nothing is missing; else the body with its `{{variables}}` left in.
    pub text: String,
    /// The variables without a value here, in order (empty: ready to send).
    pub missing: Vec<String>,
}

/// The values a canned reply may use in `conversation` when `agent` uses it: the customer's
/// name and phone, the agent's name and first name, the inbox's and the team's names. Blank
/// values are left out, so a reply using them names them as missing.
pub fn variables(
    agent: &Member,
    workspace: &Workspace,
    conversation: &Conversation,
    contact_name: Option<&str>,
    contact_phone: Option<&str>,
) -> Variables {
    let mut vars = Variables::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            vars.insert(key.to_owned(), value.to_owned());
        }
    };
    put("contact.name", contact_name);
    put("contact.phone", contact_phone);
    put("agent.name", Some(&agent.name));
    put("agent.first_name", agent.name.split_whitespace().next());
    put(
        "inbox.name",
        workspace
            .inboxes
            .get(&conversation.inbox_id)
            .map(|i| i.name.as_str()),
    );
    put(
        "team.name",
        conversation
            .team
            .and_then(|t| workspace.teams.get(&t))
            .map(|t| t.name.as_str()),
    );
    vars
}

impl CannedReply {
    /// [`CannedReply::render`] for a screen: the filled text, or the body and what is missing.
    pub fn fill_in(&self, vars: &Variables) -> FilledReply {
        match self.render(vars) {
            Ok(text) => FilledReply {
                text,
                missing: Vec::new(),
            },
            Err(MissingVariables { missing }) => FilledReply {
                text: self.body.clone(),
                missing,
            },
        }
    }

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
            CannedScope::Unknown => false,
        }
    }
}
