//! Applying events to the desk: the second pure function. It never refuses — the decision
//! already did the judging — and it ignores events about things this (possibly partial) desk
//! does not hold, so a phone that sees only part of the queue can apply the whole feed.

use std::collections::BTreeSet;

use super::content::Content;
use super::conversation::{Conversation, Priority, Status};
use super::desk::Desk;
use super::escalation::EscalationState;
use super::event::{By, Change, Event};
use super::ids::EscalationId;
use super::window::Timestamp;

/// Applies one event.
pub fn apply(desk: &mut Desk, event: &Event) {
    let at = event.at;
    match &event.change {
        Change::ConversationOpened {
            inbox,
            contact,
            team,
            referral: _,
        } => {
            if let Some(id) = event.conversation {
                desk.conversations
                    .entry(id)
                    .or_insert_with(|| Conversation {
                        id,
                        inbox_id: *inbox,
                        contact_id: *contact,
                        status: Status::Open,
                        assignee: None,
                        team: *team,
                        priority: Priority::default(),
                        labels: BTreeSet::new(),
                        last_inbound_at: None,
                        awaiting_reply_since: None,
                        escalation: None,
                        opened_at: at,
                    });
            }
        }
        Change::CustomerMessageReceived { message } => {
            if let Some(c) = desk.conversations.get_mut(&message.conversation_id) {
                // Reactions and system notices neither open the window nor ask for an answer.
                // Messages arrive in any order: the window runs from the latest one sent, the
                // wait from the earliest one not yet answered.
                if message.content.refreshes_window() {
                    c.last_inbound_at = c.last_inbound_at.max(Some(message.at));
                    c.awaiting_reply_since = Some(
                        c.awaiting_reply_since
                            .map_or(message.at, |since| since.min(message.at)),
                    );
                }
            }
            desk.put_message((**message).clone());
        }
        // A person's reply answers every customer message that had arrived before it; one
        // that arrives later still waits, whatever its time says.
        Change::ReplyQueued { message } => {
            if matches!(event.by, By::Member(_))
                && !matches!(message.content, Content::Reaction { .. })
                && let Some(c) = desk.conversations.get_mut(&message.conversation_id)
            {
                c.awaiting_reply_since = None;
            }
            desk.put_message((**message).clone());
        }
        Change::ReactionChanged { message, emoji } => {
            if let Some(m) = desk.message_mut(*message) {
                m.reaction = emoji.clone();
                m.reaction_at = Some(at);
            }
        }
        Change::DeliveryUpdated {
            message,
            wamid,
            status,
        } => {
            if let Some(wamid) = wamid {
                desk.learn_wamid(*message, wamid.clone());
            }
            if let Some(m) = desk.message_mut(*message) {
                m.delivery = status.clone();
            }
        }
        Change::Played { message } => {
            if let Some(m) = desk.message_mut(*message) {
                m.played = true;
            }
        }
        Change::Priced { message, category } => {
            if let Some(m) = desk.message_mut(*message) {
                m.pricing_category = Some(category.clone());
            }
        }
        Change::ReadReceiptQueued { message } => {
            if let Some(m) = desk.message_mut(*message) {
                m.read_by_us = true;
            }
        }
        Change::ContactUnreachable { contact } => {
            if let Some(c) = desk.contacts.get_mut(contact) {
                c.unreachable_on_whatsapp = true;
            }
        }
        Change::NoteAdded { note } => {
            desk.notes.insert(note.id, note.clone());
        }
        Change::AvailabilityChanged { member, to, .. } => {
            if let Some(m) = desk.workspace.members.get_mut(member) {
                m.availability = *to;
            }
        }
        change => {
            let Some(c) = event
                .conversation
                .and_then(|id| desk.conversations.get_mut(&id))
            else {
                return;
            };
            apply_to_conversation(c, event.by, at, change);
        }
    }
}

fn apply_to_conversation(c: &mut Conversation, by: By, at: Timestamp, change: &Change) {
    match change {
        Change::AssignmentChanged { to, .. } => c.assignee = *to,
        Change::TeamChanged { to, .. } => c.team = *to,
        Change::LabelAdded { label } => {
            c.labels.insert(label.clone());
        }
        Change::LabelRemoved { label } => {
            c.labels.remove(label);
        }
        Change::StatusChanged { to, .. } => c.status = *to,
        Change::SnoozeEnded { until } => {
            if c.status == (Status::Snoozed { until: *until }) {
                c.status = Status::Open;
            }
        }
        Change::PriorityChanged { to, .. } => c.priority = *to,
        Change::EscalationRequested { escalation } => c.escalation = Some(escalation.clone()),
        Change::EscalationApproved { escalation, note } => {
            decide_escalation(c, *escalation, by, |by| EscalationState::Approved {
                by,
                at,
                note: note.clone(),
            });
        }
        Change::EscalationRejected { escalation, reason } => {
            decide_escalation(c, *escalation, by, |by| EscalationState::Rejected {
                by,
                at,
                reason: reason.clone(),
            });
        }
        Change::EscalationCancelled { escalation } => {
            decide_escalation(c, *escalation, by, |by| EscalationState::Cancelled {
                by,
                at,
            });
        }
        // Handled in `apply`.
        Change::ConversationOpened { .. }
        | Change::CustomerMessageReceived { .. }
        | Change::ReplyQueued { .. }
        | Change::ReactionChanged { .. }
        | Change::DeliveryUpdated { .. }
        | Change::Played { .. }
        | Change::Priced { .. }
        | Change::ReadReceiptQueued { .. }
        | Change::ContactUnreachable { .. }
        | Change::NoteAdded { .. }
        | Change::AvailabilityChanged { .. } => {}
        // A change from a newer server this build does not know: it changes nothing here.
        Change::Unknown => {}
    }
}

fn decide_escalation(
    c: &mut Conversation,
    escalation: EscalationId,
    by: By,
    state: impl FnOnce(By) -> EscalationState,
) {
    if let Some(e) = c.escalation.as_mut()
        && e.id == escalation
    {
        e.state = state(by);
    }
}
