//! What a phone of an older protocol is served instead of the current shape (DESIGN.md §2).
//! Version 1 phones know only members as actors and read every enum strictly, so before an
//! answer leaves for one: every act of automation is named as a synthetic colleague
//! ([`Automaton::colleague_id`]), listed in the workspace copy so the phone can name it;
//! event kinds version 1 does not know are dropped (or, for a snooze ending, told as the
//! status change it is); refusals and outcomes it does not know
//! are mapped onto its own. Each function is total over the current types, so a new actor,
//! event kind or outcome does not compile until it says what an older phone sees.

use std::collections::BTreeSet;

use crate::domain::{
    Automation, Automaton, Availability, By, Change, Escalation, EscalationState, Event, Message,
    Note, Rejection, Role, Status, Workspace,
};

use super::directory::Colleague;
use super::live::LiveChange;
use super::sync::{MutationOutcome, PullResponse, WorkspaceCopy};

/// `by` as version 1 knows it: a member, the customer or WhatsApp.
fn actor(by: &mut By) {
    if let By::Automation(automaton) = *by {
        *by = By::Member(automaton.colleague_id());
    }
}

fn message(m: &mut Message) {
    if let Some(by) = m.author.as_mut() {
        actor(by);
    }
}

fn note(n: &mut Note) {
    actor(&mut n.author);
}

fn escalation(e: &mut Escalation) {
    actor(&mut e.requested_by);
    match &mut e.state {
        EscalationState::Approved { by, .. }
        | EscalationState::Rejected { by, .. }
        | EscalationState::Cancelled { by, .. } => actor(by),
        EscalationState::Requested | EscalationState::Unknown => {}
    }
}

/// Whether version 1 knows this kind of change (the answer for every kind is written out, so
/// a new kind must say).
fn known_to_v1(change: &Change) -> bool {
    match change {
        Change::ConversationOpened { .. }
        | Change::CustomerMessageReceived { .. }
        | Change::ReactionChanged { .. }
        | Change::ReplyQueued { .. }
        | Change::DeliveryUpdated { .. }
        | Change::Played { .. }
        | Change::Priced { .. }
        | Change::ReadReceiptQueued { .. }
        | Change::ContactUnreachable { .. }
        | Change::AssignmentChanged { .. }
        | Change::TeamChanged { .. }
        | Change::NoteAdded { .. }
        | Change::LabelAdded { .. }
        | Change::LabelRemoved { .. }
        | Change::StatusChanged { .. }
        | Change::SnoozeEnded { .. }
        | Change::PriorityChanged { .. }
        | Change::EscalationRequested { .. }
        | Change::EscalationApproved { .. }
        | Change::EscalationRejected { .. }
        | Change::EscalationCancelled { .. }
        | Change::AvailabilityChanged { .. } => true,
        Change::Unknown => false,
    }
}

fn event(e: &mut Event) {
    actor(&mut e.by);
    match &mut e.change {
        Change::CustomerMessageReceived { message: m } | Change::ReplyQueued { message: m } => {
            message(m)
        }
        Change::NoteAdded { note: n } => note(n),
        Change::EscalationRequested { escalation: e } => escalation(e),
        // Version 1 knows a snooze ending only as the status it leaves.
        Change::SnoozeEnded { until } => {
            let until = *until;
            e.change = Change::StatusChanged {
                from: Status::Snoozed { until },
                to: Status::Open,
            }
        }
        _ => {}
    }
}

/// The events of a list that version 1 knows, each as it knows them.
fn events<T>(list: &mut Vec<T>, of: impl Fn(&mut T) -> &mut Event) {
    list.retain_mut(|item| known_to_v1(&of(item).change));
    list.iter_mut().for_each(|item| event(of(item)));
}

/// The synthetic colleague an older phone knows `automation` by.
pub fn colleague(automation: &Automation) -> Colleague {
    let (name, handle) = match automation.automaton {
        Automaton::Rule(_) => (
            format!("{} (rule)", automation.name),
            format!("rule-{}", slug(&automation.name)),
        ),
        Automaton::Bot(_) => (
            format!("{} (bot)", automation.name),
            format!("bot-{}", slug(&automation.name)),
        ),
        Automaton::System | Automaton::Unknown => ("Relaydesk".to_owned(), "relaydesk".to_owned()),
    };
    Colleague {
        id: automation.automaton.colleague_id(),
        name,
        handle,
        role: Role::Agent,
        teams: BTreeSet::new(),
        availability: Availability::Offline,
    }
}

fn slug(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join("-")
}

/// The workspace copy as version 1 knows it: every automation (and the system) a colleague.
fn copy(c: &mut WorkspaceCopy, workspace: &Workspace) {
    c.automations.clear();
    c.members.push(colleague(&Automation::system()));
    c.members
        .extend(workspace.automations.iter().map(colleague));
}

/// A pull page as version 1 knows it.
pub fn pull_for_v1(page: &mut PullResponse, workspace: &Workspace) {
    page.messages.iter_mut().for_each(message);
    page.notes.iter_mut().for_each(note);
    page.conversations
        .iter_mut()
        .filter_map(|c| c.escalation.as_mut())
        .for_each(escalation);
    events(&mut page.events, |e| &mut e.event);
    if let Some(c) = page.workspace.as_mut() {
        copy(c, workspace);
    }
}

/// A live change as version 1 knows it (an empty one is not sent).
pub fn live_for_v1(change: &mut LiveChange) {
    events(&mut change.events, |e| e);
}

/// A push outcome as version 1 knows it: a refusal it has no code for reads as `forbidden`
/// with its words.
pub fn outcome_for_v1(outcome: &mut MutationOutcome) {
    if let MutationOutcome::Rejected { rejection, message } = outcome {
        match rejection {
            Rejection::NotFound { .. }
            | Rejection::Forbidden { .. }
            | Rejection::AlreadyOwned { .. }
            | Rejection::NotOwner { .. }
            | Rejection::WindowClosed { .. }
            | Rejection::Invalid { .. }
            | Rejection::HandoffNoteRequired
            | Rejection::ReasonRequired
            | Rejection::EscalationPending { .. }
            | Rejection::EscalationClosed { .. } => {}
            Rejection::Unknown => {
                *rejection = Rejection::Forbidden {
                    reason: message.clone(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConversationId, NoteId, RuleId, UserId};

    /// An older phone is shown an automated note as written by a colleague named after the
    /// rule, and finds that colleague in its workspace copy.
    #[test]
    fn an_older_phone_sees_a_rules_note_as_written_by_a_colleague_named_after_it() {
        let rule = Automaton::Rule(RuleId::new());
        let workspace = Workspace {
            automations: vec![Automation {
                automaton: rule,
                name: "Out of hours".into(),
                replies_when_owned: false,
                active: true,
            }],
            ..Workspace::default()
        };
        let mut page: PullResponse = serde_json::from_value(serde_json::json!({
            "cursor": 1, "next_page": null, "has_more": false, "last_mutation_id": 0,
            "reset": false, "conversations": [], "contacts": [], "messages": [],
            "notes": [], "events": [], "removed": [],
            "workspace": {"members": [], "teams": [], "inboxes": [], "templates": [],
                          "canned_replies": []}
        }))
        .expect("a page");
        page.notes.push(Note {
            id: NoteId::new(),
            conversation_id: ConversationId::new(),
            author: By::Automation(rule),
            body: "We are closed; we answer at 9.".into(),
            mentions: BTreeSet::new(),
            at: chrono::Utc::now(),
        });
        pull_for_v1(&mut page, &workspace);
        let author = page.notes[0].author;
        assert_eq!(author, By::Member(rule.colleague_id()));
        let copy = page.workspace.expect("a copy");
        let named = copy
            .members
            .iter()
            .find(|m| By::Member(m.id) == author)
            .expect("the colleague is in the copy");
        assert_eq!(named.name, "Out of hours (rule)");
        assert!(copy.members.iter().any(|m| m.name == "Relaydesk"));
        assert!(copy.automations.is_empty());
        let wire = serde_json::to_value(&page.notes[0]).expect("json");
        assert_eq!(
            wire["author"],
            serde_json::json!(UserId::from_uuid(rule.colleague_id().as_uuid())),
            "a plain id, as version 1 reads an author"
        );
    }

    #[test]
    fn an_older_phone_is_never_sent_a_kind_of_change_it_does_not_know() {
        let mut live = LiveChange {
            version: 3,
            events: vec![Event {
                conversation: None,
                at: chrono::Utc::now(),
                by: By::Automation(Automaton::System),
                change: Change::Unknown,
            }],
        };
        live_for_v1(&mut live);
        assert!(live.events.is_empty());
    }
}
