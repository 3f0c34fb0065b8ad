//! The one write path on the server: load what a command needs, let the domain decide, apply
//! the events, write what changed and append the events — all inside the caller's
//! transaction. REST, web forms, sync pushes and the WhatsApp webhook all come through here,
//! each naming where the command came from ([`Provenance`]), which every event keeps.

use std::collections::{BTreeMap, BTreeSet};

use relaydesk_core::domain::{
    Command, Conversation, ConversationId, Desk, Event, Needs, Rejection, Timestamp, Workspace,
    apply, decide,
};

use relaydesk_core::domain::config::{Item, Kind};

use super::provenance::Provenance;
use super::rows;
use super::sql::{DbError, Sql};

/// What one transaction has done so far: its version (taken at the first change, so that a
/// transaction that changes nothing takes none), the events it appended, and the desk it has
/// loaded (kept across its commands, so a batch of a hundred messages parses the workspace
/// and each conversation once).
#[derive(Debug, Default)]
pub(crate) struct Unit {
    version: Option<i64>,
    pub(crate) events: Vec<Event>,
    desk: Option<Desk>,
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

impl Unit {
    /// Keeps this transaction's desk in step with a contact written outside the write path
    /// (ingest learning a customer's name).
    pub(crate) fn contact_written(&mut self, contact: &relaydesk_core::domain::Contact) {
        if let Some(desk) = &mut self.desk
            && let Some(held) = desk.contacts.get_mut(&contact.id)
        {
            *held = contact.clone();
        }
    }
}

/// Decides and records `command`. A rejection is an answer, not an error: nothing is written.
pub(crate) async fn execute<S: Sql>(
    sql: &mut S,
    unit: &mut Unit,
    workspace: &Workspace,
    source: &Provenance,
    now: Timestamp,
    command: &Command,
) -> Result<Result<Vec<Event>, Rejection>, DbError> {
    let mut desk = unit
        .desk
        .take()
        .unwrap_or_else(|| Desk::new(workspace.clone()));
    let result = decide_and_record(sql, unit, &mut desk, source, now, command).await;
    unit.desk = Some(desk);
    result
}

async fn decide_and_record<S: Sql>(
    sql: &mut S,
    unit: &mut Unit,
    desk: &mut Desk,
    source: &Provenance,
    now: Timestamp,
    command: &Command,
) -> Result<Result<Vec<Event>, Rejection>, DbError> {
    load(sql, desk, &command.needs()).await?;
    let events = match decide(desk, source.actor, now, command) {
        Ok(events) => events,
        Err(rejection) => return Ok(Err(rejection)),
    };
    if events.is_empty() {
        return Ok(Ok(events));
    }
    // The rows as they are stored, so a save writes only the columns that changed.
    let before: BTreeMap<ConversationId, Conversation> = events
        .iter()
        .filter_map(|e| e.touches().conversation)
        .filter_map(|id| desk.conversations.get(&id).map(|c| (id, c.clone())))
        .collect();
    for event in &events {
        apply(desk, event);
    }
    let version = unit.version(sql).await?;
    save(sql, desk, &before, &events, (version, source, now)).await?;
    super::send_queue::enqueue_replies(sql, desk, &events, now).await?;
    super::media_queue::enqueue(sql, &events, now).await?;
    super::timers::arm(sql, &events, version, now).await?;
    for event in &events {
        let seq = unit.events.len() as i64;
        rows::append_event(sql, version, seq, event, source).await?;
        unit.events.push(event.clone());
    }
    Ok(Ok(events))
}

/// Adds to `desk` what `needs` names, plus the conversation (and, if asked, the contact) of
/// everything loaded — exactly what [`Needs`] promises the domain. What the desk already holds was
/// loaded (and since changed) in this transaction, so it is kept as is.
async fn load<S: Sql>(sql: &mut S, desk: &mut Desk, needs: &Needs) -> Result<(), DbError> {
    let mut conversations = Vec::new();
    if let Some(id) = needs.conversation {
        // Locked before its messages (the lock order: `super::postgres`).
        if !desk.conversations.contains_key(&id)
            && let Some(found) = rows::conversation(sql, id).await?
        {
            desk.conversations.insert(id, found);
        }
        conversations.push(id);
    }
    if let Some(id) = needs.escalation
        && let Some(found) = rows::conversation_with_escalation(sql, id).await?
    {
        conversations.push(found.id);
        desk.conversations.entry(found.id).or_insert(found);
    }
    if let Some((inbox, contact)) = needs.contact_conversation
        && let Some(found) = rows::conversation_of_contact(sql, inbox, contact).await?
    {
        conversations.push(found.id);
        desk.conversations.entry(found.id).or_insert(found);
    }
    for id in &needs.messages {
        if desk.message(*id).is_none()
            && let Some(message) = rows::message(sql, *id).await?
        {
            desk.put_message(message);
        }
        conversations.extend(desk.message(*id).map(|m| m.conversation_id));
    }
    for wamid in &needs.wamids {
        if desk.message_by_wamid(wamid).is_none()
            && let Some(message) = rows::message_by_wamid(sql, wamid).await?
        {
            desk.put_message(message);
        }
        conversations.extend(desk.message_by_wamid(wamid).map(|m| m.conversation_id));
    }
    if let Some(id) = needs.note {
        if !desk.notes.contains_key(&id)
            && let Some(note) = rows::note(sql, id).await?
        {
            desk.notes.insert(note.id, note);
        }
        conversations.extend(desk.notes.get(&id).map(|n| n.conversation_id));
    }
    for id in conversations {
        if !desk.conversations.contains_key(&id)
            && let Some(found) = rows::conversation(sql, id).await?
        {
            desk.conversations.insert(id, found);
        }
        if needs.contacts
            && let Some(contact) = desk.conversations.get(&id).map(|c| c.contact_id)
            && !desk.contacts.contains_key(&contact)
            && let Some(found) = rows::contact(sql, contact).await?
        {
            desk.contacts.insert(contact, found);
        }
    }
    Ok(())
}

/// Writes every entity the events changed (each once).
async fn save<S: Sql>(
    sql: &mut S,
    desk: &Desk,
    before: &BTreeMap<ConversationId, Conversation>,
    events: &[Event],
    (version, source, now): (i64, &Provenance, Timestamp),
) -> Result<(), DbError> {
    let touched: Vec<_> = events.iter().map(Event::touches).collect();
    let conversations: BTreeSet<_> = touched.iter().filter_map(|t| t.conversation).collect();
    let messages: BTreeSet<_> = touched.iter().filter_map(|t| t.message).collect();
    let notes: BTreeSet<_> = touched.iter().filter_map(|t| t.note).collect();
    let contacts: BTreeSet<_> = touched.iter().filter_map(|t| t.contact).collect();
    let members: BTreeSet<_> = touched.iter().filter_map(|t| t.member).collect();
    for conversation in conversations
        .iter()
        .filter_map(|id| desk.conversations.get(id))
    {
        match before.get(&conversation.id) {
            Some(stored) if rows::same_queue_columns(stored, conversation) => {
                rows::update_conversation_doc(sql, conversation, version).await?;
            }
            _ => rows::put_conversation(sql, conversation, version).await?,
        }
    }
    for message in messages.iter().filter_map(|id| desk.message(*id)) {
        rows::put_message(sql, message, version).await?;
    }
    for note in notes.iter().filter_map(|id| desk.notes.get(id)) {
        rows::put_note(sql, note, version).await?;
    }
    for contact in contacts.iter().filter_map(|id| desk.contacts.get(id)) {
        rows::put_contact(sql, contact, version).await?;
    }
    for member in members
        .iter()
        .filter_map(|id| desk.workspace.members.get(id))
    {
        // The workspace was read without locks: the row is locked and read again, and only
        // what the write path changes on a person (their availability) is written onto it,
        // so an admin's change to them committed meanwhile is kept.
        // It is configuration: the change is logged like an admin's, by whoever made it.
        let Some(stored) = rows::member_for_update(sql, member.id).await? else {
            continue;
        };
        let mut current = stored.clone();
        current.availability = member.availability;
        if current != stored {
            super::config::record(
                sql,
                source,
                now,
                version,
                (Kind::Member, &member.id.to_string()),
                Some(&Item::Member(stored)),
                Some(&Item::Member(current)),
            )
            .await?;
        }
    }
    Ok(())
}
