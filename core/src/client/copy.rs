//! The phone's copy in memory, kept small so the app opens fast: the workspace, every visible
//! conversation and its customer (what views list), as last pulled — the server's truth — plus
//! an overlay: the few conversations, messages and notes pending commands touch, with those
//! commands applied by the same domain functions the server uses. Messages and notes stay in
//! the database and are read per thread. What the person sees is the overlay over the truth.

use crate::domain::{
    Actor, Capacity, Contact, Conversation, ConversationId, Desk, Member, Message, Note, UserId,
    Workspace, apply, decide,
};
use crate::protocol::sync::{PullResponse, WorkspaceCopy};

use super::ClientError;
use super::local::{Local, OutboxState, Pending};

/// The workspace as the domain knows it, from the copy the server sent.
pub(crate) fn workspace_of(copy: &WorkspaceCopy) -> Workspace {
    let mut workspace = Workspace::default();
    for colleague in &copy.members {
        workspace.members.insert(
            colleague.id,
            Member {
                id: colleague.id,
                name: colleague.name.clone(),
                handle: colleague.handle.clone(),
                role: colleague.role,
                teams: colleague.teams.clone(),
                availability: colleague.availability,
                capacity: Capacity::default(),
                active: true,
            },
        );
    }
    for team in &copy.teams {
        workspace.teams.insert(team.id, team.clone());
    }
    for inbox in &copy.inboxes {
        workspace.inboxes.insert(inbox.id, inbox.clone());
    }
    for template in &copy.templates {
        workspace.templates.insert(template.id, template.clone());
    }
    workspace.automations = copy.automations.clone();
    for label in &copy.labels {
        workspace.labels.insert(label.id, label.clone());
    }
    workspace
}

/// Truth and overlay.
#[derive(Debug, Default, Clone)]
pub(crate) struct Copy {
    /// Workspace, conversations and contacts as the server last said.
    pub(crate) truth: Desk,
    /// What pending commands changed, applied over what they needed of the truth.
    pub(crate) overlay: Desk,
    pub(crate) workspace: Option<WorkspaceCopy>,
}

impl Copy {
    /// Reads the copy's conversations and contacts from the database.
    pub(crate) fn load(local: &Local) -> Result<Copy, ClientError> {
        let workspace: Option<WorkspaceCopy> = local.all("workspace")?.into_iter().next();
        let mut truth = Desk::new(workspace.as_ref().map(workspace_of).unwrap_or_default());
        for c in local.all::<Conversation>("conversations")? {
            truth.conversations.insert(c.id, c);
        }
        for c in local.all::<Contact>("contacts")? {
            truth.contacts.insert(c.id, c);
        }
        Ok(Copy {
            overlay: Desk::new(truth.workspace.clone()),
            truth,
            workspace,
        })
    }

    /// Takes in one pulled page (already stored in the database).
    pub(crate) fn absorb(&mut self, page: &PullResponse) {
        if page.reset {
            self.truth.conversations.clear();
            self.truth.contacts.clear();
        }
        if let Some(workspace) = &page.workspace {
            self.truth.workspace = workspace_of(workspace);
            self.workspace = Some(workspace.clone());
        }
        for id in &page.removed {
            if let Some(gone) = self.truth.conversations.get(id).map(|c| c.contact_id) {
                let shared = self
                    .truth
                    .conversations
                    .values()
                    .filter(|c| c.contact_id == gone)
                    .count()
                    > 1;
                if !shared {
                    self.truth.contacts.remove(&gone);
                }
            }
            self.truth.forget_conversation(*id);
        }
        for c in &page.conversations {
            self.truth.conversations.insert(c.id, c.clone());
        }
        for c in &page.contacts {
            self.truth.contacts.insert(c.id, c.clone());
        }
    }

    /// Rebuilds the overlay: the pending commands of `me`, in order, over what they need.
    pub(crate) fn rebuild(
        &mut self,
        me: Option<UserId>,
        outbox: &[Pending],
        local: &Local,
    ) -> Result<(), ClientError> {
        self.overlay = Desk::new(self.truth.workspace.clone());
        if let Some(me) = me {
            for pending in outbox
                .iter()
                .filter(|p| matches!(p.state, OutboxState::Queued | OutboxState::Sending))
            {
                self.apply_pending(me, pending, local)?;
            }
        }
        Ok(())
    }

    /// Applies one pending command to the overlay. A queued command the domain refuses now
    /// (newer truth arrived after it was accepted here) is left for the server to judge.
    pub(crate) fn apply_pending(
        &mut self,
        me: UserId,
        pending: &Pending,
        local: &Local,
    ) -> Result<(), ClientError> {
        self.fill(&pending.command.needs(), local)?;
        if let Ok(events) = decide(
            &self.overlay,
            Actor::Member(me),
            pending.made_at,
            &pending.command,
        ) {
            for event in &events {
                apply(&mut self.overlay, event);
            }
        }
        Ok(())
    }

    /// Decides `command` of `me` at `at` against the view (truth and pending commands), as
    /// the server will: the events it brings, or why the domain refuses it.
    pub(crate) fn decide(
        &mut self,
        me: UserId,
        command: &crate::domain::Command,
        at: crate::domain::Timestamp,
        local: &Local,
    ) -> Result<Result<Vec<crate::domain::Event>, crate::domain::Rejection>, ClientError> {
        self.fill(&command.needs(), local)?;
        Ok(decide(&self.overlay, Actor::Member(me), at, command))
    }

    /// Applies events [`Copy::decide`] answered to the overlay.
    pub(crate) fn apply_events(&mut self, events: &[crate::domain::Event]) {
        for event in events {
            apply(&mut self.overlay, event);
        }
    }

    /// Brings into the overlay what a command reads (as the server's store does), unless the
    /// overlay already holds a newer version of it.
    fn fill(&mut self, needs: &crate::domain::Needs, local: &Local) -> Result<(), ClientError> {
        let mut conversations: Vec<ConversationId> = needs.conversation.into_iter().collect();
        if let Some(escalation) = needs.escalation
            && let Some(c) = self.truth.conversation_with_escalation(escalation)
        {
            conversations.push(c.id);
        }
        for id in &needs.messages {
            if self.overlay.message(*id).is_none()
                && let Some(message) = local.message(*id)?
            {
                conversations.push(message.conversation_id);
                self.overlay.put_message(message);
            }
        }
        if let Some(note) = needs.note
            && !self.overlay.notes.contains_key(&note)
            && let Some(found) = local.note(note)?
        {
            self.overlay.notes.insert(found.id, found);
        }
        for id in conversations {
            if !self.overlay.conversations.contains_key(&id)
                && let Some(c) = self.truth.conversations.get(&id)
            {
                if let Some(contact) = self.truth.contacts.get(&c.contact_id) {
                    self.overlay.contacts.insert(contact.id, contact.clone());
                }
                self.overlay.conversations.insert(id, c.clone());
            }
        }
        Ok(())
    }

    /// A conversation as the person sees it.
    pub(crate) fn conversation(&self, id: ConversationId) -> Option<&Conversation> {
        self.overlay
            .conversations
            .get(&id)
            .or_else(|| self.truth.conversations.get(&id))
    }

    /// Every conversation as the person sees it.
    pub(crate) fn conversations(&self) -> impl Iterator<Item = &Conversation> {
        let overlay = &self.overlay.conversations;
        self.truth
            .conversations
            .values()
            .filter(move |c| !overlay.contains_key(&c.id))
            .chain(overlay.values())
    }

    /// A thread's messages: the stored ones, with pending replies and changes over them.
    pub(crate) fn messages_of(
        &self,
        id: ConversationId,
        local: &Local,
    ) -> Result<Vec<Message>, ClientError> {
        let mut messages = local.messages_of(id)?;
        for pending in self.overlay.messages_of(id) {
            match messages.iter_mut().find(|m| m.id == pending.id) {
                Some(stored) => *stored = pending.clone(),
                None => messages.push(pending.clone()),
            }
        }
        messages.sort_by_key(|m| (m.at, m.id));
        Ok(messages)
    }

    /// A thread's notes, pending ones included.
    pub(crate) fn notes_of(
        &self,
        id: ConversationId,
        local: &Local,
    ) -> Result<Vec<Note>, ClientError> {
        let mut notes = local.notes_of(id)?;
        for pending in self
            .overlay
            .notes
            .values()
            .filter(|n| n.conversation_id == id)
        {
            if !notes.iter().any(|n| n.id == pending.id) {
                notes.push(pending.clone());
            }
        }
        notes.sort_by_key(|n| (n.at, n.id));
        Ok(notes)
    }
}
