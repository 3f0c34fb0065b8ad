//! The slowly changing facts every decision consults: who works here (with role and teams),
//! the teams, the WhatsApp numbers and their templates.
//!
//! The server keeps it cached and the phone keeps a synced copy, so deciding a command never
//! needs a query for them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::contact::Inbox;
use super::ids::{InboxId, TeamId, TemplateId, UserId};
use super::people::{Member, Team};
use super::template::Template;

/// People, teams, inboxes and templates.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub members: BTreeMap<UserId, Member>,
    pub teams: BTreeMap<TeamId, Team>,
    pub inboxes: BTreeMap<InboxId, Inbox>,
    pub templates: BTreeMap<TemplateId, Template>,
}

impl Workspace {
    /// An active member.
    pub fn active_member(&self, id: UserId) -> Option<&Member> {
        self.members.get(&id).filter(|m| m.active)
    }

    /// The template an inbox may send under this name and language.
    pub fn template(&self, inbox: &Inbox, name: &str, language: &str) -> Option<&Template> {
        self.templates
            .values()
            .find(|t| t.waba_id == inbox.waba_id && t.name == name && t.language == language)
    }

    /// The colleagues named with `@handle` in `body`. A handle counts only at the start of a
    /// word (so `ana@example.com` mentions nobody), matches case-insensitively, and ignores
    /// trailing punctuation (`@ana,`). Unknown handles are just text.
    pub fn mentions_in(&self, body: &str) -> BTreeSet<UserId> {
        let mut mentioned = BTreeSet::new();
        let mut previous: Option<char> = None;
        for (at, c) in body.char_indices() {
            let starts_word = previous.is_none_or(|p| !(p.is_alphanumeric() || p == '_'));
            previous = Some(c);
            if c != '@' || !starts_word {
                continue;
            }
            let rest = &body[at + 1..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-')))
                .unwrap_or(rest.len());
            let handle = rest[..end].trim_end_matches(['.', '-', '_']).to_lowercase();
            if handle.is_empty() {
                continue;
            }
            if let Some(member) = self
                .members
                .values()
                .find(|m| m.active && m.handle.eq_ignore_ascii_case(&handle))
            {
                mentioned.insert(member.id);
            }
        }
        mentioned
    }
}
