//! The slowly changing facts every decision consults: who works here (with role and teams),
//! the teams, the WhatsApp numbers and their templates.
//!
//! The server keeps it cached and the phone keeps a synced copy, so deciding a command never
//! needs a query for them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::automation::{Automation, Automaton};
use super::canned::CannedReply;
use super::contact::Inbox;
use super::event::By;
use super::ids::{CannedReplyId, InboxId, LabelId, TeamId, TemplateId, UserId};
use super::label::LabelDefinition;
use super::people::{Member, Team};
use super::template::Template;

/// People, teams, inboxes, templates, automations, canned replies and labels: the configuration
/// ([`super::config`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub members: BTreeMap<UserId, Member>,
    pub teams: BTreeMap<TeamId, Team>,
    pub inboxes: BTreeMap<InboxId, Inbox>,
    pub templates: BTreeMap<TemplateId, Template>,
    /// The rules and bots set up here (the system is always there, and not listed).
    #[serde(default)]
    pub automations: Vec<Automation>,
    /// Every canned reply, of every team and person (who may use which is the library's rule).
    #[serde(default)]
    pub canned_replies: BTreeMap<CannedReplyId, CannedReply>,
    /// The label catalogue ([`super::label`]).
    #[serde(default)]
    pub labels: BTreeMap<LabelId, LabelDefinition>,
}

impl Workspace {
    /// An automation set up here (the system always is).
    pub fn automation(&self, automaton: Automaton) -> Option<Automation> {
        match automaton {
            Automaton::System => Some(Automation::system()),
            Automaton::Unknown => None,
            _ => self
                .automations
                .iter()
                .find(|a| a.automaton == automaton)
                .cloned(),
        }
    }

    /// How every screen names who did something: a colleague's name, "the customer",
    /// "WhatsApp", "rule 'Out of hours'", "the Shop bot", "Relaydesk".
    pub fn name_of(&self, by: By) -> String {
        match by {
            By::Member(id) => self
                .members
                .get(&id)
                .map_or_else(|| "someone no longer here".to_owned(), |m| m.name.clone()),
            By::Customer => "the customer".to_owned(),
            By::WhatsApp => "WhatsApp".to_owned(),
            By::Automation(automaton) => self
                .automation(automaton)
                .map_or_else(|| "an automation".to_owned(), |a| a.words()),
            By::Unknown => "someone".to_owned(),
        }
    }

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
