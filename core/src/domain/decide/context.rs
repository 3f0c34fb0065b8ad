//! Context that stays on the thread (notes with @mentions, labels) and the conversation's own
//! state (status, priority), plus a member's availability.
//!
//! Anyone who can see a conversation may note and label it: context is everyone's job. Status
//! and priority belong to the owner and to the supervisors leading the queue.

use super::super::access::can_see;
use super::super::automation::Automaton;
use super::super::conversation::{Conversation, Label, Priority, Status};
use super::super::event::{By, Change, Event};
use super::super::ids::{ConversationId, NoteId};
use super::super::message::{MAX_NOTE_CHARS, Note};
use super::super::people::Availability;
use super::super::rejection::Rejection;
use super::super::window::Timestamp;
use super::{Decider, Doer};

impl Decider<'_> {
    pub(super) fn add_note(
        &self,
        id: ConversationId,
        note: NoteId,
        body: &str,
    ) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        Ok(self
            .note_event(conversation, note, body)?
            .into_iter()
            .collect())
    }

    /// The event adding a note, or nothing if this note id was already added here (a retry).
    pub(super) fn note_event(
        &self,
        conversation: &Conversation,
        id: NoteId,
        body: &str,
    ) -> Result<Option<Event>, Rejection> {
        if let Some(existing) = self.desk.notes.get(&id) {
            return if existing.conversation_id == conversation.id {
                Ok(None)
            } else {
                Err(Rejection::invalid(
                    "note",
                    "this id is already used by another note",
                ))
            };
        }
        let body = body.trim();
        if body.is_empty() {
            return Err(Rejection::invalid("note", "a note cannot be empty"));
        }
        if body.chars().count() > MAX_NOTE_CHARS {
            return Err(Rejection::invalid(
                "note",
                format!("a note has at most {MAX_NOTE_CHARS} characters"),
            ));
        }
        let workspace = &self.desk.workspace;
        let mentions = workspace.mentions_in(body);
        if let Some(blind) = mentions
            .iter()
            .filter_map(|m| workspace.members.get(m))
            .find(|m| !can_see(m, conversation, workspace))
        {
            return Err(Rejection::invalid(
                "mentions",
                format!(
                    "@{} cannot see this conversation; assign or escalate it instead",
                    blind.handle
                ),
            ));
        }
        let note = Note {
            id,
            conversation_id: conversation.id,
            author: self.by(),
            body: body.to_owned(),
            mentions,
            at: self.now,
        };
        Ok(Some(
            self.event(conversation.id, Change::NoteAdded { note }),
        ))
    }

    pub(super) fn add_label(&self, id: ConversationId, raw: &str) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        let label = Label::parse(raw).map_err(|reason| Rejection::invalid("label", reason))?;
        if conversation.labels.contains(&label) {
            return Ok(vec![]);
        }
        Ok(vec![self.event(id, Change::LabelAdded { label })])
    }

    pub(super) fn remove_label(
        &self,
        id: ConversationId,
        raw: &str,
    ) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        let label = Label::parse(raw).map_err(|reason| Rejection::invalid("label", reason))?;
        if !conversation.labels.contains(&label) {
            return Ok(vec![]);
        }
        Ok(vec![self.event(id, Change::LabelRemoved { label })])
    }

    pub(super) fn set_status(
        &self,
        id: ConversationId,
        status: Status,
    ) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        self.require_owner_or_lead(conversation)?;
        if let Status::Snoozed { until } = status
            && until <= self.now
        {
            return Err(Rejection::invalid(
                "status",
                "a snooze must end in the future",
            ));
        }
        if status == Status::Resolved
            && let Some(escalation) = conversation.pending_escalation()
        {
            return Err(Rejection::EscalationPending {
                escalation: escalation.id,
            });
        }
        if conversation.status == status {
            return Ok(vec![]);
        }
        Ok(vec![self.event(
            id,
            Change::StatusChanged {
                from: conversation.status,
                to: status,
            },
        )])
    }

    /// The snooze until `until` ran out (Relaydesk's timer): the conversation is open again.
    /// Nothing happens when that snooze no longer stands — the customer wrote, someone changed
    /// the status or snoozed it again: the timer no longer applies.
    pub(super) fn end_snooze(
        &self,
        id: ConversationId,
        until: Timestamp,
    ) -> Result<Vec<Event>, Rejection> {
        if !matches!(&self.who, Doer::Automation(a) if a.automaton == Automaton::System) {
            return Err(Rejection::forbidden(
                "a snooze ends by itself when it runs out; set the status to open to end it now",
            ));
        }
        let conversation = self.visible(id)?;
        if until > self.now {
            return Err(Rejection::invalid(
                "until",
                "the snooze has not run out yet",
            ));
        }
        if conversation.status != (Status::Snoozed { until }) {
            return Ok(vec![]);
        }
        Ok(vec![self.event(id, Change::SnoozeEnded { until })])
    }

    pub(super) fn set_priority(
        &self,
        id: ConversationId,
        priority: Priority,
    ) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        self.require_owner_or_lead(conversation)?;
        if conversation.priority == priority {
            return Ok(vec![]);
        }
        Ok(vec![self.event(
            id,
            Change::PriorityChanged {
                from: conversation.priority,
                to: priority,
            },
        )])
    }

    pub(super) fn set_availability(
        &self,
        availability: Availability,
    ) -> Result<Vec<Event>, Rejection> {
        let member = self.person()?;
        if member.availability == availability {
            return Ok(vec![]);
        }
        Ok(vec![Event {
            conversation: None,
            at: self.now,
            by: By::Member(member.id),
            change: Change::AvailabilityChanged {
                member: member.id,
                from: member.availability,
                to: availability,
            },
        }])
    }

    /// The owner, or a supervisor leading this queue. An agent must claim first.
    pub(super) fn require_owner_or_lead(
        &self,
        conversation: &Conversation,
    ) -> Result<(), Rejection> {
        if self.owns(conversation) || self.leads_it(conversation) {
            return Ok(());
        }
        Err(match conversation.assignee {
            Some(owner) => self.not_owner(owner),
            None => Rejection::forbidden("claim the conversation first"),
        })
    }
}
