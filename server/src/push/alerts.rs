//! Who is told what by a push, decided from one committed change (the events of one version)
//! and the conversations as they stand after it. Pure: the rules are tested as a table.
//!
//! Two kinds of push:
//! - a **wake-up** (data only) for everyone who may see the change — or just lost sight of the
//!   conversation through it — so their phone syncs; coalesced later to one pending per device;
//! - an **alert** (a visible notification) only when a person is needed: a conversation was
//!   given to them; a customer wrote in their conversation; an escalation awaits their
//!   decision; their escalation was decided; a note mentions them; a message to their customer
//!   failed. Nobody is alerted about what they did themselves, and nobody about a conversation
//!   they may not see.
//!
//! Alert text carries at most a short preview of the customer's words, and none at all (no
//! customer name, no message, no note text) for people who turned previews off.

use std::collections::{BTreeMap, BTreeSet};

use relaydesk_core::domain::{
    By, Change, Contact, Conversation, ConversationId, DeliveryStatus, EscalationState, Event,
    Handover, Role, UserId, Workspace, can_see, lost_sight, may_decide,
};

/// Longest preview of anyone's words in a notification, in characters.
pub const PREVIEW_CHARS: usize = 80;

/// Why a person is alerted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    Assigned,
    CustomerWrote,
    EscalationAwaits,
    EscalationDecided,
    Mentioned,
    SendFailed,
}

impl Reason {
    /// The word carried in the push's data (`kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Assigned => "assigned",
            Reason::CustomerWrote => "customer_wrote",
            Reason::EscalationAwaits => "escalation_awaits",
            Reason::EscalationDecided => "escalation_decided",
            Reason::Mentioned => "mentioned",
            Reason::SendFailed => "send_failed",
        }
    }
}

/// A visible notification for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub user: UserId,
    pub conversation: ConversationId,
    pub reason: Reason,
    pub title: String,
    pub body: String,
}

/// What one change asks of the push service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pushes {
    /// People whose phones should sync.
    pub wake: BTreeSet<UserId>,
    pub alerts: Vec<Alert>,
}

/// What the rules read besides the events.
#[derive(Debug)]
pub struct Desk<'a> {
    pub workspace: &'a Workspace,
    /// The conversations the events touch, as they are after the change.
    pub conversations: &'a BTreeMap<ConversationId, Conversation>,
    pub contacts: &'a BTreeMap<relaydesk_core::domain::ContactId, Contact>,
    /// People who turned previews off.
    pub no_previews: &'a BTreeSet<UserId>,
}

/// At most [`PREVIEW_CHARS`] characters of `text`, on one line.
pub fn preview(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= PREVIEW_CHARS {
        return line;
    }
    let cut: String = line.chars().take(PREVIEW_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Pushes for one change.
pub fn pushes(events: &[Event], desk: &Desk<'_>) -> Pushes {
    let mut out = Pushes::default();
    let members = || desk.workspace.members.values().filter(|m| m.active);
    for event in events {
        let Some(id) = event.conversation else {
            continue;
        };
        let Some(conversation) = desk.conversations.get(&id) else {
            continue;
        };
        for member in members() {
            if can_see(member, conversation, desk.workspace)
                || lost_sight(member, &event.change, Some(conversation), desk.workspace)
            {
                out.wake.insert(member.id);
            }
        }
        for (user, reason) in wanted(&event.change, conversation, desk.workspace) {
            let Some(member) = desk.workspace.active_member(user) else {
                continue;
            };
            if event.by == By::Member(user) || !can_see(member, conversation, desk.workspace) {
                continue;
            }
            if out
                .alerts
                .iter()
                .any(|a| a.user == user && a.conversation == id && a.reason == reason)
            {
                continue;
            }
            let (title, body) = words(
                reason,
                event,
                conversation,
                desk,
                !desk.no_previews.contains(&user),
            );
            out.alerts.push(Alert {
                user,
                conversation: id,
                reason,
                title,
                body,
            });
        }
    }
    out
}

/// Who a change needs, and why.
fn wanted(
    change: &Change,
    conversation: &Conversation,
    workspace: &Workspace,
) -> Vec<(UserId, Reason)> {
    match change {
        Change::AssignmentChanged {
            to: Some(to), how, ..
        } if !matches!(how, Handover::Claimed | Handover::ClaimedByReply) => {
            vec![(*to, Reason::Assigned)]
        }
        Change::CustomerMessageReceived { .. } => conversation
            .assignee
            .map(|owner| vec![(owner, Reason::CustomerWrote)])
            .unwrap_or_default(),
        Change::EscalationRequested { escalation } => workspace
            .members
            .values()
            .filter(|m| {
                m.active && m.role == Role::Supervisor && may_decide(m, escalation, workspace)
            })
            .map(|m| (m.id, Reason::EscalationAwaits))
            .collect(),
        Change::EscalationApproved { escalation, .. }
        | Change::EscalationRejected { escalation, .. } => conversation
            .escalation
            .as_ref()
            .filter(|e| e.id == *escalation)
            .and_then(|e| e.requested_by.member())
            .map(|requester| vec![(requester, Reason::EscalationDecided)])
            .unwrap_or_default(),
        Change::NoteAdded { note } => note
            .mentions
            .iter()
            .filter(|m| By::Member(**m) != note.author)
            .map(|m| (*m, Reason::Mentioned))
            .collect(),
        Change::DeliveryUpdated {
            status: DeliveryStatus::Failed { .. },
            ..
        } => conversation
            .assignee
            .map(|owner| vec![(owner, Reason::SendFailed)])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Who did it, as an alert's title starts ("Ana", "The customer", "Rule 'Out of hours'").
fn name_of(workspace: &Workspace, by: &By) -> String {
    let name = workspace.name_of(*by);
    let mut letters = name.chars();
    letters
        .next()
        .map(|first| first.to_uppercase().chain(letters).collect())
        .unwrap_or(name)
}

/// Title and body of an alert; with `previews` off, no customer name and no one's words.
fn words(
    reason: Reason,
    event: &Event,
    conversation: &Conversation,
    desk: &Desk<'_>,
    previews: bool,
) -> (String, String) {
    let customer = desk
        .contacts
        .get(&conversation.contact_id)
        .and_then(|c| {
            c.profile_name
                .clone()
                .or_else(|| c.phone.as_ref().map(|p| format!("+{p}")))
        })
        .map(|n| preview(&n))
        .filter(|_| previews);
    let with = customer
        .as_ref()
        .map_or_else(|| "a customer".to_owned(), |c| c.clone());
    let actor = name_of(desk.workspace, &event.by);
    match (reason, &event.change) {
        (Reason::Assigned, _) => (
            "Assigned to you".to_owned(),
            format!("{actor} gave you the conversation with {with}."),
        ),
        (Reason::CustomerWrote, Change::CustomerMessageReceived { message }) => match customer {
            Some(name) => (name, preview(&message.content.summary())),
            None => (
                "A customer wrote".to_owned(),
                "Open Relaydesk to read it.".to_owned(),
            ),
        },
        (Reason::EscalationAwaits, Change::EscalationRequested { escalation }) => (
            "Escalation awaits your approval".to_owned(),
            if previews {
                format!("{actor}: {}", preview(&escalation.reason))
            } else {
                format!("{actor} asks to escalate a conversation.")
            },
        ),
        (Reason::EscalationDecided, change) => {
            let approved = matches!(change, Change::EscalationApproved { .. })
                || conversation
                    .escalation
                    .as_ref()
                    .is_some_and(|e| matches!(e.state, EscalationState::Approved { .. }));
            let words = match change {
                Change::EscalationApproved { note, .. } => note.clone().unwrap_or_default(),
                Change::EscalationRejected { reason, .. } => reason.clone(),
                _ => String::new(),
            };
            (
                format!(
                    "Your escalation was {}",
                    if approved { "approved" } else { "rejected" }
                ),
                if previews && !words.trim().is_empty() {
                    format!("{actor}: {}", preview(&words))
                } else {
                    format!("Decided by {actor}.")
                },
            )
        }
        (Reason::Mentioned, Change::NoteAdded { note }) => (
            format!("{actor} mentioned you"),
            if previews {
                preview(&note.body)
            } else {
                "Open Relaydesk to read the note.".to_owned()
            },
        ),
        (
            Reason::SendFailed,
            Change::DeliveryUpdated {
                status: DeliveryStatus::Failed { error },
                ..
            },
        ) => (
            format!("A message to {with} was not delivered"),
            preview(&error.explanation()),
        ),
        _ => ("Relaydesk".to_owned(), "Something needs you.".to_owned()),
    }
}
