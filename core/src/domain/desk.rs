//! The desk: the state decisions read and events change — the workspace, contacts,
//! conversations, messages and notes.
//!
//! A desk may be *partial*: the server loads into it only what a command [`needs`]
//! (one conversation, one message …) inside its transaction; the phone holds its whole visible
//! queue; tests hold a whole small world. Decisions and `apply` are the same in all three.
//!
//! [`needs`]: super::Command::needs

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::command::{Actor, Command};
use super::contact::Contact;
use super::conversation::Conversation;
use super::event::Event;
use super::ids::{ContactId, ConversationId, EscalationId, InboxId, MessageId, NoteId, Wamid};
use super::message::{Message, Note};
use super::rejection::Rejection;
use super::window::Timestamp;
use super::workspace::Workspace;
use super::{apply, decide};

/// Everything a decision may consult.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Desk {
    pub workspace: Workspace,
    pub contacts: BTreeMap<ContactId, Contact>,
    pub conversations: BTreeMap<ConversationId, Conversation>,
    messages: BTreeMap<MessageId, Message>,
    pub notes: BTreeMap<NoteId, Note>,
    /// WhatsApp id → our id, kept in step with `messages`.
    wamids: BTreeMap<Wamid, MessageId>,
}

impl Desk {
    /// An empty desk over a workspace.
    pub fn new(workspace: Workspace) -> Self {
        Desk {
            workspace,
            ..Desk::default()
        }
    }

    /// Decides `command` and, if accepted, applies its events; returns them.
    pub fn execute(
        &mut self,
        actor: Actor,
        now: Timestamp,
        command: &Command,
    ) -> Result<Vec<Event>, Rejection> {
        let events = decide(self, actor, now, command)?;
        for event in &events {
            apply(self, event);
        }
        Ok(events)
    }

    /// Adds or replaces a message (loading from storage, or applying an event).
    pub fn put_message(&mut self, message: Message) {
        if let Some(wamid) = &message.wamid {
            self.wamids.insert(wamid.clone(), message.id);
        }
        self.messages.insert(message.id, message);
    }

    /// A message by our id.
    pub fn message(&self, id: MessageId) -> Option<&Message> {
        self.messages.get(&id)
    }

    /// A message by our id, to change it (the wamid must not be changed this way; see
    /// [`Desk::learn_wamid`]).
    pub(crate) fn message_mut(&mut self, id: MessageId) -> Option<&mut Message> {
        self.messages.get_mut(&id)
    }

    /// Records that our message `id` is known to WhatsApp as `wamid`.
    pub(crate) fn learn_wamid(&mut self, id: MessageId, wamid: Wamid) {
        if let Some(message) = self.messages.get_mut(&id) {
            message.wamid = Some(wamid.clone());
            self.wamids.insert(wamid, id);
        }
    }

    /// Drops a conversation and everything of it (a phone's copy, when it leaves sight).
    pub fn forget_conversation(&mut self, id: ConversationId) {
        self.conversations.remove(&id);
        self.messages.retain(|_, m| m.conversation_id != id);
        self.wamids.retain(|_, mid| self.messages.contains_key(mid));
        self.notes.retain(|_, n| n.conversation_id != id);
    }

    /// A message by WhatsApp's id.
    pub fn message_by_wamid(&self, wamid: &Wamid) -> Option<&Message> {
        self.wamids.get(wamid).and_then(|id| self.messages.get(id))
    }

    /// All messages, in id (= creation) order.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.values()
    }

    /// The messages of one conversation, in id (= creation) order.
    pub fn messages_of(&self, conversation: ConversationId) -> impl Iterator<Item = &Message> {
        self.messages
            .values()
            .filter(move |m| m.conversation_id == conversation)
    }

    /// The contact's latest conversation on an inbox: new customer messages continue it.
    pub fn conversation_of_contact(
        &self,
        inbox: InboxId,
        contact: ContactId,
    ) -> Option<&Conversation> {
        self.conversations
            .values()
            .filter(|c| c.inbox_id == inbox && c.contact_id == contact)
            .max_by_key(|c| (c.opened_at, c.id))
    }

    /// The conversation whose latest escalation is `escalation`.
    pub fn conversation_with_escalation(&self, escalation: EscalationId) -> Option<&Conversation> {
        self.conversations
            .values()
            .find(|c| c.escalation.as_ref().is_some_and(|e| e.id == escalation))
    }
}
