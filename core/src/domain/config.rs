//! Configuration: the workspace's rows that people set up — members, teams, inboxes,
//! templates, canned replies, automations, labels — each an [`Item`] of one [`Kind`], written one at a
//! time and kept, with who changed it and what it was before, in the server's configuration
//! log (`store::config`).
//!
//! **The** rules every configuration change obeys, whichever door it comes through (REST, the
//! admin command line, the demo, template sync from Meta, a person's own availability), are
//! [`check`]: pure, judged against the workspace as committed while the change's kind is locked,
//! so two admins cannot both pass a check only one may (two teams of one name, the last
//! admin demoted twice). The shapes a person types are read by [`name`], [`handle`],
//! [`shortcut`], [`text`] and [`digits`], which every door calls before it builds an item.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::automation::Automation;
use super::canned::{CannedReply, CannedScope};
use super::contact::Inbox;
use super::label::LabelDefinition;
use super::limits::{
    MAX_CANNED_BODY_CHARS, MAX_HANDLE_CHARS, MAX_NAME_CHARS, MAX_NUMBER_ID_CHARS,
    MAX_SHORTCUT_CHARS, MAX_TITLE_CHARS,
};
use super::people::{Member, Role, Team};
use super::template::Template;
use super::workspace::Workspace;

/// The kinds of configuration row.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Member,
    Team,
    Inbox,
    Template,
    CannedReply,
    Automation,
    Label,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl Kind {
    /// Every kind this build knows.
    pub const ALL: [Kind; 7] = [
        Kind::Member,
        Kind::Team,
        Kind::Inbox,
        Kind::Template,
        Kind::CannedReply,
        Kind::Automation,
        Kind::Label,
    ];

    /// Its word on the wire and in storage (`config_log.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Member => "member",
            Kind::Team => "team",
            Kind::Inbox => "inbox",
            Kind::Template => "template",
            Kind::CannedReply => "canned_reply",
            Kind::Automation => "automation",
            Kind::Label => "label",
            Kind::Unknown => "unknown",
        }
    }

    /// The kind named by `word`, if this build knows it.
    pub fn parse(word: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == word)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One configuration row, as it stands after a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "item", rename_all = "snake_case")]
pub enum Item {
    Member(Member),
    Team(Team),
    Inbox(Inbox),
    Template(Template),
    CannedReply(CannedReply),
    Automation(Automation),
    Label(LabelDefinition),
}

impl Item {
    pub fn kind(&self) -> Kind {
        match self {
            Item::Member(_) => Kind::Member,
            Item::Team(_) => Kind::Team,
            Item::Inbox(_) => Kind::Inbox,
            Item::Template(_) => Kind::Template,
            Item::CannedReply(_) => Kind::CannedReply,
            Item::Automation(_) => Kind::Automation,
            Item::Label(_) => Kind::Label,
        }
    }

    /// The row's id within its kind (an automation's is its automaton as JSON, as stored).
    pub fn key(&self) -> String {
        match self {
            Item::Member(m) => m.id.to_string(),
            Item::Team(t) => t.id.to_string(),
            Item::Inbox(i) => i.id.to_string(),
            Item::Template(t) => t.id.to_string(),
            Item::CannedReply(r) => r.id.to_string(),
            Item::Automation(a) => serde_json::to_string(&a.automaton).unwrap_or_default(),
            Item::Label(l) => l.id.to_string(),
        }
    }

    /// The row itself as JSON (what the log keeps as before and after).
    pub fn document(&self) -> serde_json::Value {
        let value = match self {
            Item::Member(m) => serde_json::to_value(m),
            Item::Team(t) => serde_json::to_value(t),
            Item::Inbox(i) => serde_json::to_value(i),
            Item::Template(t) => serde_json::to_value(t),
            Item::CannedReply(r) => serde_json::to_value(r),
            Item::Automation(a) => serde_json::to_value(a),
            Item::Label(l) => serde_json::to_value(l),
        };
        value.unwrap_or(serde_json::Value::Null)
    }

    /// The row of `kind` read back from its document.
    pub fn from_document(kind: Kind, document: &str) -> Result<Item, serde_json::Error> {
        Ok(match kind {
            Kind::Member => Item::Member(serde_json::from_str(document)?),
            Kind::Team => Item::Team(serde_json::from_str(document)?),
            Kind::Inbox => Item::Inbox(serde_json::from_str(document)?),
            Kind::Template => Item::Template(serde_json::from_str(document)?),
            Kind::CannedReply => Item::CannedReply(serde_json::from_str(document)?),
            Kind::Label => Item::Label(serde_json::from_str(document)?),
            Kind::Automation | Kind::Unknown => Item::Automation(serde_json::from_str(document)?),
        })
    }

    /// The row as it stands in `workspace`, if it is there.
    pub fn in_workspace(workspace: &Workspace, kind: Kind, key: &str) -> Option<Item> {
        match kind {
            Kind::Member => by_id(&workspace.members, key).map(Item::Member),
            Kind::Team => by_id(&workspace.teams, key).map(Item::Team),
            Kind::Inbox => by_id(&workspace.inboxes, key).map(Item::Inbox),
            Kind::Template => by_id(&workspace.templates, key).map(Item::Template),
            Kind::CannedReply => by_id(&workspace.canned_replies, key).map(Item::CannedReply),
            Kind::Label => by_id(&workspace.labels, key).map(Item::Label),
            Kind::Automation => workspace
                .automations
                .iter()
                .find(|a| serde_json::to_string(&a.automaton).unwrap_or_default() == key)
                .cloned()
                .map(Item::Automation),
            Kind::Unknown => None,
        }
    }
}

/// The row of `rows` whose id `key` names (a key that is not an id names none).
fn by_id<K: Ord + std::str::FromStr, V: Clone>(rows: &BTreeMap<K, V>, key: &str) -> Option<V> {
    key.parse().ok().and_then(|id| rows.get(&id)).cloned()
}

impl Workspace {
    /// Puts `item` in (replacing the row with its id).
    pub fn put(&mut self, item: Item) {
        match item {
            Item::Member(m) => {
                self.members.insert(m.id, m);
            }
            Item::Team(t) => {
                self.teams.insert(t.id, t);
            }
            Item::Inbox(i) => {
                self.inboxes.insert(i.id, i);
            }
            Item::Template(t) => {
                self.templates.insert(t.id, t);
            }
            Item::CannedReply(r) => {
                self.canned_replies.insert(r.id, r);
            }
            Item::Label(l) => {
                self.labels.insert(l.id, l);
            }
            Item::Automation(a) => match self
                .automations
                .iter_mut()
                .find(|held| held.automaton == a.automaton)
            {
                Some(held) => *held = a,
                None => self.automations.push(a),
            },
        }
    }

    /// Takes the row `key` of `kind` out (a tombstone read back).
    pub fn remove(&mut self, kind: Kind, key: &str) {
        fn take<K: Ord + std::str::FromStr, V>(rows: &mut BTreeMap<K, V>, key: &str) {
            if let Ok(id) = key.parse() {
                rows.remove(&id);
            }
        }
        match kind {
            Kind::CannedReply => take(&mut self.canned_replies, key),
            Kind::Member => take(&mut self.members, key),
            Kind::Team => take(&mut self.teams, key),
            Kind::Inbox => take(&mut self.inboxes, key),
            Kind::Template => take(&mut self.templates, key),
            Kind::Label => take(&mut self.labels, key),
            Kind::Automation => self
                .automations
                .retain(|a| serde_json::to_string(&a.automaton).unwrap_or_default() != key),
            Kind::Unknown => {}
        }
    }
}

/// Why a configuration change was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A value is not of the shape it must have.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// It clashes with the rest of the configuration (a name taken, the last admin).
    #[error("{0}")]
    Conflict(String),
}

fn invalid(field: &str, reason: impl Into<String>) -> Refusal {
    Refusal::Invalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// A name as people type it: trimmed, 1–[`MAX_NAME_CHARS`] characters.
pub fn name(field: &str, raw: &str) -> Result<String, Refusal> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(field, format!("1–{MAX_NAME_CHARS} characters")));
    }
    Ok(name.to_owned())
}

/// An `@handle`: lowercase, without the `@`, 1–[`MAX_HANDLE_CHARS`] letters, digits, `.`, `_`
/// or `-`.
pub fn handle(raw: &str) -> Result<String, Refusal> {
    let handle = raw.trim().trim_start_matches('@').to_lowercase();
    let valid = !handle.is_empty()
        && handle.chars().count() <= MAX_HANDLE_CHARS
        && handle
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(handle)
    } else {
        Err(invalid(
            "handle",
            format!("1–{MAX_HANDLE_CHARS} letters, digits, '.', '_' or '-' (no spaces)"),
        ))
    }
}

/// A canned reply's shortcut: lowercase, without the `/`, 1–[`MAX_SHORTCUT_CHARS`] letters,
/// digits, `-` or `_`.
pub fn shortcut(raw: &str) -> Result<String, Refusal> {
    let shortcut = raw.trim().trim_start_matches('/').to_lowercase();
    let valid = !shortcut.is_empty()
        && shortcut.chars().count() <= MAX_SHORTCUT_CHARS
        && shortcut
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_'));
    if valid {
        Ok(shortcut)
    } else {
        Err(invalid(
            "shortcut",
            format!("1–{MAX_SHORTCUT_CHARS} letters, digits, '-' or '_' (typed after /)"),
        ))
    }
}

/// Free text of 1–`max` characters, trimmed.
pub fn text(field: &str, raw: &str, max: usize) -> Result<String, Refusal> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(invalid(field, format!("1–{max} characters")));
    }
    Ok(text.to_owned())
}

/// Meta's numbers and ids: digits only (a `+` in front dropped), at most
/// [`MAX_NUMBER_ID_CHARS`].
pub fn digits(field: &str, raw: &str) -> Result<String, Refusal> {
    let value = raw.trim().trim_start_matches('+');
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(field, "digits only"));
    }
    if value.chars().count() > MAX_NUMBER_ID_CHARS {
        return Err(invalid(
            field,
            format!("too long (at most {MAX_NUMBER_ID_CHARS} digits)"),
        ));
    }
    Ok(value.to_owned())
}

/// Whether the change from `before` to `after` (either may be absent: a new row, a removed
/// one) may be made to `workspace`, the configuration as committed with the change's kind
/// locked. The shape of each value that changed is checked again (a door that forgot to read
/// one is caught here; one stored before a rule tightened is left alone), then
/// what spans rows: names and numbers unique, teams that exist, a workspace never left
/// without an active admin.
pub fn check(
    workspace: &Workspace,
    before: Option<&Item>,
    after: Option<&Item>,
) -> Result<(), Refusal> {
    let Some(after) = after else {
        return match before {
            Some(Item::CannedReply(_)) | None => Ok(()),
            Some(other) => Err(Refusal::Conflict(format!(
                "a {} is never deleted (it is named by history): switch it off instead",
                other.kind().as_str().replace('_', " ")
            ))),
        };
    };
    if let Some(before) = before
        && (before.kind() != after.kind() || before.key() != after.key())
    {
        return Err(invalid("id", "a change keeps the row's kind and id"));
    }
    match after {
        Item::Member(member) => check_member(workspace, before, member),
        Item::Team(team) => {
            same(
                name("name", &team.name),
                &team.name,
                was(before, "name"),
                "name",
            )?;
            if workspace
                .teams
                .values()
                .any(|t| t.id != team.id && t.name.to_lowercase() == team.name.to_lowercase())
            {
                return Err(Refusal::Conflict(format!("a team {} exists", team.name)));
            }
            Ok(())
        }
        Item::Inbox(inbox) => {
            same(
                name("name", &inbox.name),
                &inbox.name,
                was(before, "name"),
                "name",
            )?;
            for (field, value) in [
                ("phone_number_id", &inbox.phone_number_id),
                ("display_phone_number", &inbox.display_phone_number),
                ("waba_id", &inbox.waba_id),
            ] {
                same(digits(field, value), value, was(before, field), field)?;
            }
            teams_exist(workspace, inbox.teams.iter())?;
            if workspace
                .inboxes
                .values()
                .any(|i| i.id != inbox.id && i.phone_number_id == inbox.phone_number_id)
            {
                return Err(Refusal::Conflict(format!(
                    "the number {} already has an inbox",
                    inbox.phone_number_id
                )));
            }
            Ok(())
        }
        Item::Template(template) => {
            if template.name.trim().is_empty() || template.language.trim().is_empty() {
                return Err(invalid("name", "a template has a name and a language"));
            }
            if workspace.templates.values().any(|t| {
                t.id != template.id
                    && t.waba_id == template.waba_id
                    && t.name == template.name
                    && t.language == template.language
            }) {
                return Err(Refusal::Conflict(format!(
                    "the template {} ({}) is already stored",
                    template.name, template.language
                )));
            }
            Ok(())
        }
        Item::CannedReply(reply) => check_canned(workspace, before, reply),
        Item::Label(label) => check_label(workspace, before, label),
        Item::Automation(automation) => {
            same(
                name("name", &automation.name),
                &automation.name,
                was(before, "name"),
                "name",
            )?;
            Ok(())
        }
    }
}

/// What `field` held before the change, if the row was there.
fn was(before: Option<&Item>, field: &str) -> Option<String> {
    before.and_then(|b| b.document()[field].as_str().map(str::to_owned))
}

/// A value that changed (`was` is what it held) must be in the shape its reader gives it; one
/// stored before a rule tightened is left alone until it changes.
fn same(
    read: Result<String, Refusal>,
    stored: &str,
    was: Option<String>,
    field: &str,
) -> Result<(), Refusal> {
    if was.as_deref() == Some(stored) {
        return Ok(());
    }
    if read? == stored {
        Ok(())
    } else {
        Err(invalid(field, "not in its stored shape (trimmed, as read)"))
    }
}

fn teams_exist<'a>(
    workspace: &Workspace,
    mut teams: impl Iterator<Item = &'a super::ids::TeamId>,
) -> Result<(), Refusal> {
    match teams.find(|t| !workspace.teams.contains_key(t)) {
        Some(unknown) => Err(invalid("teams", format!("no team {unknown}"))),
        None => Ok(()),
    }
}

fn check_member(
    workspace: &Workspace,
    before: Option<&Item>,
    member: &Member,
) -> Result<(), Refusal> {
    same(
        name("name", &member.name),
        &member.name,
        was(before, "name"),
        "name",
    )?;
    same(
        handle(&member.handle),
        &member.handle,
        was(before, "handle"),
        "handle",
    )?;
    if member.role == Role::Unknown {
        return Err(invalid("role", "one of: agent, supervisor, admin"));
    }
    teams_exist(workspace, member.teams.iter())?;
    if workspace
        .members
        .values()
        .any(|m| m.id != member.id && m.handle.eq_ignore_ascii_case(&member.handle))
    {
        return Err(Refusal::Conflict(format!(
            "the handle @{} is taken",
            member.handle
        )));
    }
    let was_active_admin =
        matches!(before, Some(Item::Member(m)) if m.active && m.role == Role::Admin);
    let still_admin = member.active && member.role == Role::Admin;
    let others = workspace
        .members
        .values()
        .filter(|m| m.id != member.id && m.active && m.role == Role::Admin)
        .count();
    if was_active_admin && !still_admin && others == 0 {
        return Err(Refusal::Conflict(
            "the workspace needs at least one active admin".into(),
        ));
    }
    Ok(())
}

fn check_canned(
    workspace: &Workspace,
    before: Option<&Item>,
    reply: &CannedReply,
) -> Result<(), Refusal> {
    same(
        shortcut(&reply.shortcut),
        &reply.shortcut,
        was(before, "shortcut"),
        "shortcut",
    )?;
    same(
        text("title", &reply.title, MAX_TITLE_CHARS),
        &reply.title,
        was(before, "title"),
        "title",
    )?;
    same(
        text("body", &reply.body, MAX_CANNED_BODY_CHARS),
        &reply.body,
        was(before, "body"),
        "body",
    )?;
    scope_exists(workspace, &reply.scope)?;
    if workspace
        .canned_replies
        .values()
        .any(|r| r.id != reply.id && r.scope == reply.scope && r.shortcut == reply.shortcut)
    {
        return Err(Refusal::Conflict(format!(
            "the shortcut /{} is already used in this scope",
            reply.shortcut
        )));
    }
    Ok(())
}

/// A label of the catalogue: its name, colour and description in shape, and a new name (or a
/// changed one) not another label's whatever the case. Names that differed only in case before
/// the catalogue (made from free text) stay as they were until an admin renames or merges them.
fn check_label(
    workspace: &Workspace,
    before: Option<&Item>,
    label: &LabelDefinition,
) -> Result<(), Refusal> {
    same(
        super::label::name(&label.name),
        &label.name,
        was(before, "name"),
        "name",
    )?;
    same(
        super::label::colour(&label.colour),
        &label.colour,
        was(before, "colour"),
        "colour",
    )?;
    same(
        super::label::description(&label.description),
        &label.description,
        was(before, "description"),
        "description",
    )?;
    let renamed = was(before, "name").as_deref() != Some(label.name.as_str());
    if renamed
        && let Some(other) = workspace
            .labels
            .values()
            .find(|l| l.id != label.id && super::label::same_name(&l.name, &label.name))
    {
        return Err(Refusal::Conflict(format!(
            "a label {} exists (names differing only in case are one name)",
            other.name
        )));
    }
    Ok(())
}

/// Whether the team or person a canned reply belongs to is there.
pub fn scope_exists(workspace: &Workspace, scope: &CannedScope) -> Result<(), Refusal> {
    let known = match scope {
        CannedScope::Team(team) => workspace.teams.contains_key(team),
        CannedScope::Personal(user) => workspace.members.contains_key(user),
        CannedScope::Unknown => false,
    };
    if known {
        Ok(())
    } else {
        Err(invalid("scope", "no such team or person"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Availability, Capacity, UserId};

    fn admin(handle: &str) -> Member {
        Member {
            id: UserId::new(),
            name: "Alex".into(),
            handle: handle.into(),
            role: Role::Admin,
            teams: Default::default(),
            availability: Availability::Online,
            capacity: Capacity::default(),
            active: true,
        }
    }

    /// A person stored before handles were read as they are now (a space, capitals) can still
    /// be changed in other ways; a new handle must have the shape.
    #[test]
    fn a_value_stored_before_a_rule_tightened_is_left_alone_until_it_changes() {
        let old = admin("Alex Admin");
        let other = admin("sam");
        let mut workspace = Workspace::default();
        workspace.put(Item::Member(old.clone()));
        workspace.put(Item::Member(other));
        let demoted = Member {
            role: Role::Agent,
            ..old.clone()
        };
        assert_eq!(
            check(
                &workspace,
                Some(&Item::Member(old.clone())),
                Some(&Item::Member(demoted))
            ),
            Ok(())
        );
        let renamed = Member {
            handle: "Alex Admin2".into(),
            ..old.clone()
        };
        assert!(matches!(
            check(&workspace, Some(&Item::Member(old)), Some(&Item::Member(renamed))),
            Err(Refusal::Invalid { field, .. }) if field == "handle"
        ));
    }

    #[test]
    fn only_canned_replies_are_ever_deleted() {
        let team = Team {
            id: crate::domain::TeamId::new(),
            name: "North".into(),
        };
        let refused = check(&Workspace::default(), Some(&Item::Team(team)), None);
        assert_eq!(
            refused,
            Err(Refusal::Conflict(
                "a team is never deleted (it is named by history): switch it off instead".into()
            ))
        );
    }
}
