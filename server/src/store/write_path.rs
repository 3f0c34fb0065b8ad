//! The one write path on the server: load what a command needs, let the domain decide, apply
//! the events, write what changed and append the events — all inside the caller's
//! transaction. REST, web forms, sync pushes and the WhatsApp webhook all come through here.

use relaydesk_core::domain::{
    Actor, Command, Desk, Event, Needs, Rejection, Timestamp, Workspace, apply, decide,
};

use super::rows;
use super::sql::{DbError, Sql};

/// What one transaction has done so far: its version (taken at the first change, so that a
/// transaction that changes nothing takes none) and the events it appended.
#[derive(Debug, Default)]
pub(crate) struct Unit {
    version: Option<i64>,
    pub(crate) events: Vec<Event>,
}

impl Unit {
    /// The transaction's version, taken on first use.
    pub(crate) async fn version<S: Sql>(&mut self, sql: &mut S) -> Result<i64, DbError> {
        match self.version {
            Some(version) => Ok(version),
            None => {
                let version = rows::next_version(sql).await?;
                self.version = Some(version);
                Ok(version)
            }
        }
    }
}

/// Decides and records `command`. A rejection is an answer, not an error: nothing is written.
pub(crate) async fn execute<S: Sql>(
    sql: &mut S,
    unit: &mut Unit,
    workspace: &Workspace,
    actor: Actor,
    now: Timestamp,
    command: &Command,
) -> Result<Result<Vec<Event>, Rejection>, DbError> {
    let before = load(sql, workspace, &command.needs()).await?;
    let events = match decide(&before, actor, now, command) {
        Ok(events) => events,
        Err(rejection) => return Ok(Err(rejection)),
    };
    if events.is_empty() {
        return Ok(Ok(events));
    }
    let mut after = before.clone();
    for event in &events {
        apply(&mut after, event);
    }
    let version = unit.version(sql).await?;
    save_changes(sql, &before, &after, version).await?;
    for event in &events {
        let seq = unit.events.len() as i64;
        rows::append_event(sql, version, seq, event).await?;
        unit.events.push(event.clone());
    }
    Ok(Ok(events))
}

/// The part of the desk `needs` names, plus the conversation (and contact) of everything
/// loaded — exactly what [`Needs`] promises the domain.
async fn load<S: Sql>(sql: &mut S, workspace: &Workspace, needs: &Needs) -> Result<Desk, DbError> {
    let mut desk = Desk::new(workspace.clone());
    let mut conversations = Vec::new();
    if let Some(id) = needs.conversation {
        conversations.extend(rows::conversation(sql, id).await?);
    }
    if let Some(id) = needs.escalation {
        conversations.extend(rows::conversation_with_escalation(sql, id).await?);
    }
    if let Some((inbox, contact)) = needs.contact_conversation {
        conversations.extend(rows::conversation_of_contact(sql, inbox, contact).await?);
    }
    let mut messages = Vec::new();
    for id in &needs.messages {
        messages.extend(rows::message(sql, *id).await?);
    }
    for wamid in &needs.wamids {
        messages.extend(rows::message_by_wamid(sql, wamid).await?);
    }
    for message in messages {
        if !conversations
            .iter()
            .any(|c| c.id == message.conversation_id)
        {
            conversations.extend(rows::conversation(sql, message.conversation_id).await?);
        }
        desk.put_message(message);
    }
    if let Some(id) = needs.note
        && let Some(note) = rows::note(sql, id).await?
    {
        if !conversations.iter().any(|c| c.id == note.conversation_id) {
            conversations.extend(rows::conversation(sql, note.conversation_id).await?);
        }
        desk.notes.insert(note.id, note);
    }
    for conversation in conversations {
        if let Some(contact) = rows::contact(sql, conversation.contact_id).await? {
            desk.contacts.insert(contact.id, contact);
        }
        desk.conversations.insert(conversation.id, conversation);
    }
    Ok(desk)
}

/// Writes every entity that differs between `before` and `after`.
async fn save_changes<S: Sql>(
    sql: &mut S,
    before: &Desk,
    after: &Desk,
    version: i64,
) -> Result<(), DbError> {
    for (id, conversation) in &after.conversations {
        if before.conversations.get(id) != Some(conversation) {
            rows::put_conversation(sql, conversation, version).await?;
        }
    }
    for message in after.messages() {
        if before.message(message.id) != Some(message) {
            rows::put_message(sql, message, version).await?;
        }
    }
    for (id, note) in &after.notes {
        if before.notes.get(id) != Some(note) {
            rows::put_note(sql, note, version).await?;
        }
    }
    for (id, contact) in &after.contacts {
        if before.contacts.get(id) != Some(contact) {
            rows::put_contact(sql, contact, version).await?;
        }
    }
    for (id, member) in &after.workspace.members {
        if before.workspace.members.get(id) != Some(member) {
            rows::put_member(sql, member, version).await?;
        }
    }
    Ok(())
}
