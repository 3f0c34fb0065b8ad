//! Reading and writing the desk's entities, written once over [`Sql`] for both backends.
//! Each entity is stored as its JSON document plus the columns queries filter on.

use relaydesk_core::domain::{
    Contact, ContactId, Conversation, ConversationId, EscalationId, EscalationTarget, Event,
    InboxId, Message, MessageId, Note, NoteId, Status, Timestamp, Wamid, Workspace, sight,
    timeline,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::sql::{Arg, DbError, Sql};

fn doc<T: Serialize>(value: &T) -> Result<Arg, DbError> {
    Ok(Arg::Text(serde_json::to_string(value)?))
}

/// Epoch milliseconds, as every time column holds them.
pub(crate) fn millis(at: Timestamp) -> i64 {
    at.timestamp_millis()
}

/// The documents a query returns, read back.
async fn docs<S: Sql, T: DeserializeOwned>(
    sql: &mut S,
    query: &str,
    args: &[Arg],
) -> Result<Vec<T>, DbError> {
    sql.texts(query, args)
        .await?
        .iter()
        .map(|text| serde_json::from_str(text).map_err(DbError::from))
        .collect()
}

async fn one<S: Sql, T: DeserializeOwned>(
    sql: &mut S,
    query: &str,
    args: &[Arg],
) -> Result<Option<T>, DbError> {
    Ok(docs(sql, query, args).await?.into_iter().next())
}

/// The next version: every change a transaction makes records it. Versions are handed out
/// in one order and may commit in another (on PostgreSQL); readers read only below the
/// commit watermark ([`super::watermark`]), under which none is missing.
pub(crate) async fn next_version<S: Sql>(sql: &mut S) -> Result<i64, DbError> {
    sql.next_version().await
}

/// The workspace as stored, every row read and parsed: what [`super::config::workspace`]
/// caches per configuration stamp (transactions read it through there).
pub(crate) async fn read_workspace<S: Sql>(sql: &mut S) -> Result<Workspace, DbError> {
    let mut workspace = Workspace::default();
    for member in
        docs::<_, relaydesk_core::domain::Member>(sql, "SELECT doc FROM members", &[]).await?
    {
        workspace.members.insert(member.id, member);
    }
    for team in docs::<_, relaydesk_core::domain::Team>(sql, "SELECT doc FROM teams", &[]).await? {
        workspace.teams.insert(team.id, team);
    }
    for inbox in
        docs::<_, relaydesk_core::domain::Inbox>(sql, "SELECT doc FROM inboxes", &[]).await?
    {
        workspace.inboxes.insert(inbox.id, inbox);
    }
    for template in
        docs::<_, relaydesk_core::domain::Template>(sql, "SELECT doc FROM templates", &[]).await?
    {
        workspace.templates.insert(template.id, template);
    }
    workspace.automations = docs::<_, relaydesk_core::domain::Automation>(
        sql,
        "SELECT doc FROM automations ORDER BY id",
        &[],
    )
    .await?;
    for label in
        docs::<_, relaydesk_core::domain::LabelDefinition>(sql, "SELECT doc FROM labels", &[])
            .await?
    {
        workspace.labels.insert(label.id, label);
    }
    for reply in docs::<_, relaydesk_core::domain::CannedReply>(
        sql,
        "SELECT doc FROM canned_replies ORDER BY shortcut, id",
        &[],
    )
    .await?
    {
        workspace.canned_replies.insert(reply.id, reply);
    }
    Ok(workspace)
}

pub(crate) async fn conversation<S: Sql>(
    sql: &mut S,
    id: ConversationId,
) -> Result<Option<Conversation>, DbError> {
    let query = format!(
        "SELECT doc FROM conversations WHERE id = $1{}",
        sql.lock_rows()
    );
    one(sql, &query, &[Arg::Text(id.to_string())]).await
}

pub(crate) async fn conversation_of_contact<S: Sql>(
    sql: &mut S,
    inbox: InboxId,
    contact: ContactId,
) -> Result<Option<Conversation>, DbError> {
    let query = format!(
        "SELECT doc FROM conversations WHERE inbox_id = $1 AND contact_id = $2 \
         ORDER BY opened_at DESC, id DESC LIMIT 1{}",
        sql.lock_rows()
    );
    one(
        sql,
        &query,
        &[Arg::Text(inbox.to_string()), Arg::Text(contact.to_string())],
    )
    .await
}

pub(crate) async fn conversation_with_escalation<S: Sql>(
    sql: &mut S,
    escalation: EscalationId,
) -> Result<Option<Conversation>, DbError> {
    let query = format!(
        "SELECT doc FROM conversations WHERE escalation_id = $1{}",
        sql.lock_rows()
    );
    one(sql, &query, &[Arg::Text(escalation.to_string())]).await
}

pub(crate) async fn message<S: Sql>(
    sql: &mut S,
    id: MessageId,
) -> Result<Option<Message>, DbError> {
    let query = format!("SELECT doc FROM messages WHERE id = $1{}", sql.lock_rows());
    one(sql, &query, &[Arg::Text(id.to_string())]).await
}

pub(crate) async fn message_by_wamid<S: Sql>(
    sql: &mut S,
    wamid: &Wamid,
) -> Result<Option<Message>, DbError> {
    let query = format!(
        "SELECT doc FROM messages WHERE wamid = $1{}",
        sql.lock_rows()
    );
    one(sql, &query, &[Arg::from(wamid.as_str())]).await
}

pub(crate) async fn messages_of<S: Sql>(
    sql: &mut S,
    conversation: ConversationId,
) -> Result<Vec<Message>, DbError> {
    docs(
        sql,
        "SELECT doc FROM messages WHERE conversation_id = $1 ORDER BY at, id",
        &[Arg::Text(conversation.to_string())],
    )
    .await
}

/// The latest message of a conversation (what a queue row previews).
pub(crate) async fn last_message<S: Sql>(
    sql: &mut S,
    conversation: ConversationId,
) -> Result<Option<Message>, DbError> {
    one(
        sql,
        "SELECT doc FROM messages WHERE conversation_id = $1 ORDER BY at DESC, id DESC LIMIT 1",
        &[Arg::Text(conversation.to_string())],
    )
    .await
}

pub(crate) async fn note<S: Sql>(sql: &mut S, id: NoteId) -> Result<Option<Note>, DbError> {
    one(
        sql,
        "SELECT doc FROM notes WHERE id = $1",
        &[Arg::Text(id.to_string())],
    )
    .await
}

pub(crate) async fn contact<S: Sql>(
    sql: &mut S,
    id: ContactId,
) -> Result<Option<Contact>, DbError> {
    one(
        sql,
        "SELECT doc FROM contacts WHERE id = $1",
        &[Arg::Text(id.to_string())],
    )
    .await
}

/// The contact WhatsApp knows by this phone number or, failing that, this BSUID (locked).
pub(crate) async fn contact_by_identity<S: Sql>(
    sql: &mut S,
    phone: Option<&str>,
    bsuid: Option<&str>,
) -> Result<Option<Contact>, DbError> {
    if let Some(phone) = phone {
        let query = format!(
            "SELECT doc FROM contacts WHERE phone = $1{}",
            sql.lock_rows()
        );
        if let Some(found) = one(sql, &query, &[Arg::from(phone)]).await? {
            return Ok(Some(found));
        }
    }
    if let Some(bsuid) = bsuid {
        let query = format!(
            "SELECT doc FROM contacts WHERE bsuid = $1{}",
            sql.lock_rows()
        );
        return one(sql, &query, &[Arg::from(bsuid)]).await;
    }
    Ok(None)
}

pub(crate) async fn events_of<S: Sql>(
    sql: &mut S,
    conversation: ConversationId,
) -> Result<Vec<Event>, DbError> {
    let texts = sql
        .texts(
            "SELECT doc FROM events WHERE conversation_id = $1 ORDER BY placed_at, version, seq",
            &[Arg::Text(conversation.to_string())],
        )
        .await?;
    let mut events = Vec::with_capacity(texts.len());
    for text in texts {
        events.push(super::event_docs::from_doc(sql, &text).await?);
    }
    Ok(events)
}

pub(crate) async fn put_conversation<S: Sql>(
    sql: &mut S,
    c: &Conversation,
    version: i64,
) -> Result<(), DbError> {
    let pending = c.pending_escalation();
    let (target_team, target_person) = match pending.map(|e| e.target) {
        Some(EscalationTarget::Team(team)) => (Some(team.to_string()), None),
        Some(EscalationTarget::Person(person)) => (None, Some(person.to_string())),
        // Never stored: a command naming an unknown target is refused.
        Some(EscalationTarget::Unknown) | None => (None, None),
    };
    let snoozed_until = match c.status {
        Status::Snoozed { until } => Some(millis(until)),
        _ => None,
    };
    sql.execute(
        "INSERT INTO conversations (id, inbox_id, contact_id, status, assignee, team_id, priority, \
         last_inbound_at, escalation_id, opened_at, doc, version, snoozed_until, \
         awaiting_reply_since, labels, escalation_requested_by, escalation_target_team, \
         escalation_target_person) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, assignee = excluded.assignee, \
         team_id = excluded.team_id, priority = excluded.priority, \
         last_inbound_at = excluded.last_inbound_at, escalation_id = excluded.escalation_id, \
         doc = excluded.doc, version = excluded.version, snoozed_until = excluded.snoozed_until, \
         awaiting_reply_since = excluded.awaiting_reply_since, labels = excluded.labels, \
         escalation_requested_by = excluded.escalation_requested_by, \
         escalation_target_team = excluded.escalation_target_team, \
         escalation_target_person = excluded.escalation_target_person",
        &[
            Arg::Text(c.id.to_string()),
            Arg::Text(c.inbox_id.to_string()),
            Arg::Text(c.contact_id.to_string()),
            Arg::from(c.status.as_str()),
            Arg::OptText(c.assignee.map(|a| a.to_string())),
            Arg::OptText(c.team.map(|t| t.to_string())),
            Arg::from(c.priority.as_str()),
            Arg::OptInt(c.last_inbound_at.map(millis)),
            Arg::OptText(c.escalation.as_ref().map(|e| e.id.to_string())),
            Arg::Int(millis(c.opened_at)),
            doc(c)?,
            Arg::Int(version),
            Arg::OptInt(snoozed_until),
            Arg::OptInt(c.awaiting_reply_since.map(millis)),
            Arg::Text(labels_column(c)),
            Arg::OptText(pending.map(|e| requester_key(e.requested_by))),
            Arg::OptText(target_team),
            Arg::OptText(target_person),
        ],
    )
    .await?;
    Ok(())
}

/// How an escalation's requester is kept in its indexed column: a member's id (so "my
/// escalations" is one comparison), anyone else as their JSON (never equal to an id).
fn requester_key(by: relaydesk_core::domain::By) -> String {
    match by {
        relaydesk_core::domain::By::Member(id) => id.to_string(),
        other => serde_json::to_string(&other).unwrap_or_else(|_| "automation".to_owned()),
    }
}

/// Whether two states of a conversation agree on every indexed column: then a save rewrites
/// only its document, version, window and wait (a customer's next message), and the queue's
/// indexes stay untouched — the hot path of ingest.
pub(crate) fn same_queue_columns(a: &Conversation, b: &Conversation) -> bool {
    let escalation = |c: &Conversation| {
        c.pending_escalation()
            .map(|e| (e.id, e.requested_by, e.target))
    };
    a.id == b.id
        && a.inbox_id == b.inbox_id
        && a.contact_id == b.contact_id
        && a.status == b.status
        && a.assignee == b.assignee
        && a.team == b.team
        && a.priority == b.priority
        && a.labels == b.labels
        && a.opened_at == b.opened_at
        && a.escalation.as_ref().map(|e| e.id) == b.escalation.as_ref().map(|e| e.id)
        && escalation(a) == escalation(b)
}

/// Rewrites a stored conversation whose indexed columns did not change
/// ([`same_queue_columns`]).
pub(crate) async fn update_conversation_doc<S: Sql>(
    sql: &mut S,
    c: &Conversation,
    version: i64,
) -> Result<(), DbError> {
    sql.execute(
        "UPDATE conversations SET last_inbound_at = $1, awaiting_reply_since = $2, doc = $3, \
         version = $4 WHERE id = $5",
        &[
            Arg::OptInt(c.last_inbound_at.map(millis)),
            Arg::OptInt(c.awaiting_reply_since.map(millis)),
            doc(c)?,
            Arg::Int(version),
            Arg::Text(c.id.to_string()),
        ],
    )
    .await?;
    Ok(())
}

/// Labels as one column a view can match with `LIKE '%|label|%'` (labels never hold `|`).
pub(crate) fn labels_column(c: &Conversation) -> String {
    if c.labels.is_empty() {
        return String::new();
    }
    let mut column = String::from("|");
    for label in &c.labels {
        column.push_str(label.as_str());
        column.push('|');
    }
    column
}

/// Rewrites every conversation's filter columns from its document (after a migration added
/// some), keeping each row's version.
pub(crate) async fn refill_conversation_columns<S: Sql>(sql: &mut S) -> Result<(), DbError> {
    let versions = sql
        .texts(
            "SELECT CAST(version AS TEXT) FROM conversations ORDER BY id",
            &[],
        )
        .await?;
    let conversations: Vec<Conversation> =
        docs(sql, "SELECT doc FROM conversations ORDER BY id", &[]).await?;
    for (c, version) in conversations.iter().zip(versions) {
        let version = version
            .parse()
            .map_err(|_| DbError::Other(format!("conversation {} has a bad version", c.id)))?;
        put_conversation(sql, c, version).await?;
    }
    Ok(())
}

pub(crate) async fn put_message<S: Sql>(
    sql: &mut S,
    m: &Message,
    version: i64,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO messages (id, conversation_id, wamid, at, doc, version) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET wamid = excluded.wamid, doc = excluded.doc, \
         version = excluded.version",
        &[
            Arg::Text(m.id.to_string()),
            Arg::Text(m.conversation_id.to_string()),
            Arg::OptText(m.wamid.as_ref().map(|w| w.as_str().to_owned())),
            Arg::Int(millis(m.at)),
            doc(m)?,
            Arg::Int(version),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn put_note<S: Sql>(sql: &mut S, n: &Note, version: i64) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO notes (id, conversation_id, doc, version) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version",
        &[
            Arg::Text(n.id.to_string()),
            Arg::Text(n.conversation_id.to_string()),
            doc(n)?,
            Arg::Int(version),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn put_contact<S: Sql>(
    sql: &mut S,
    c: &Contact,
    version: i64,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO contacts (id, phone, bsuid, doc, version) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET phone = excluded.phone, bsuid = excluded.bsuid, \
         doc = excluded.doc, version = excluded.version",
        &[
            Arg::Text(c.id.to_string()),
            Arg::OptText(c.phone.clone()),
            Arg::OptText(c.bsuid.clone()),
            doc(c)?,
            Arg::Int(version),
        ],
    )
    .await?;
    Ok(())
}

/// Inserts a contact unless one with the same phone or BSUID exists (another transaction may
/// have just created it); returns whether it was inserted.
pub(crate) async fn insert_contact_if_new<S: Sql>(
    sql: &mut S,
    c: &Contact,
    version: i64,
) -> Result<bool, DbError> {
    let inserted = sql
        .execute(
            "INSERT INTO contacts (id, phone, bsuid, doc, version) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
            &[
                Arg::Text(c.id.to_string()),
                Arg::OptText(c.phone.clone()),
                Arg::OptText(c.bsuid.clone()),
                doc(c)?,
                Arg::Int(version),
            ],
        )
        .await?;
    Ok(inserted == 1)
}

/// A person as stored now, locked until commit.
pub(crate) async fn member_for_update<S: Sql>(
    sql: &mut S,
    id: relaydesk_core::domain::UserId,
) -> Result<Option<relaydesk_core::domain::Member>, DbError> {
    let query = format!("SELECT doc FROM members WHERE id = $1{}", sql.lock_rows());
    one(sql, &query, &[Arg::Text(id.to_string())]).await
}

/// A conversation as stored now, for reading only (no row lock, even in a writing
/// transaction: the push dispatcher reads conversations it does not change).
pub(crate) async fn conversation_as_is<S: Sql>(
    sql: &mut S,
    id: ConversationId,
) -> Result<Option<Conversation>, DbError> {
    one(
        sql,
        "SELECT doc FROM conversations WHERE id = $1",
        &[Arg::Text(id.to_string())],
    )
    .await
}

pub(crate) async fn put_member<S: Sql>(
    sql: &mut S,
    m: &relaydesk_core::domain::Member,
    version: i64,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO members (id, handle, doc, version) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET handle = excluded.handle, doc = excluded.doc, \
         version = excluded.version",
        &[
            Arg::Text(m.id.to_string()),
            Arg::Text(m.handle.clone()),
            doc(m)?,
            Arg::Int(version),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn put_team<S: Sql>(
    sql: &mut S,
    t: &relaydesk_core::domain::Team,
    version: i64,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO teams (id, doc, version) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version",
        &[Arg::Text(t.id.to_string()), doc(t)?, Arg::Int(version)],
    )
    .await?;
    Ok(())
}

pub(crate) async fn put_label<S: Sql>(
    sql: &mut S,
    l: &relaydesk_core::domain::LabelDefinition,
    version: i64,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO labels (id, doc, version) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version",
        &[Arg::Text(l.id.to_string()), doc(l)?, Arg::Int(version)],
    )
    .await?;
    Ok(())
}

pub(crate) async fn put_automation<S: Sql>(
    sql: &mut S,
    a: &relaydesk_core::domain::Automation,
    version: i64,
) -> Result<(), DbError> {
    let id = serde_json::to_string(&a.automaton)?;
    sql.execute(
        "INSERT INTO automations (id, doc, version) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version",
        &[Arg::Text(id), doc(a)?, Arg::Int(version)],
    )
    .await?;
    Ok(())
}

pub(crate) async fn put_inbox<S: Sql>(
    sql: &mut S,
    i: &relaydesk_core::domain::Inbox,
    version: i64,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO inboxes (id, phone_number_id, doc, version) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET phone_number_id = excluded.phone_number_id, \
         doc = excluded.doc, version = excluded.version",
        &[
            Arg::Text(i.id.to_string()),
            Arg::Text(i.phone_number_id.clone()),
            doc(i)?,
            Arg::Int(version),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn put_template<S: Sql>(
    sql: &mut S,
    t: &relaydesk_core::domain::Template,
    version: i64,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO templates (id, waba_id, name, language, doc, version) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET waba_id = excluded.waba_id, name = excluded.name, \
         language = excluded.language, doc = excluded.doc, version = excluded.version",
        &[
            Arg::Text(t.id.to_string()),
            Arg::Text(t.waba_id.clone()),
            Arg::Text(t.name.clone()),
            Arg::Text(t.language.clone()),
            doc(t)?,
            Arg::Int(version),
        ],
    )
    .await?;
    Ok(())
}

/// How a canned reply's scope is stored (`team:<id>`, `user:<id>`), so shortcuts are unique
/// within it.
fn scope_key(scope: &relaydesk_core::domain::CannedScope) -> String {
    use relaydesk_core::domain::CannedScope;
    match scope {
        CannedScope::Team(team) => format!("team:{team}"),
        CannedScope::Personal(user) => format!("user:{user}"),
        CannedScope::Unknown => "unknown".to_owned(),
    }
}

pub(crate) async fn put_canned<S: Sql>(
    sql: &mut S,
    reply: &relaydesk_core::domain::CannedReply,
    version: i64,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO canned_replies (id, scope, shortcut, doc, version) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET scope = excluded.scope, shortcut = excluded.shortcut, \
         doc = excluded.doc, version = excluded.version",
        &[
            Arg::Text(reply.id.to_string()),
            Arg::Text(scope_key(&reply.scope)),
            Arg::from(reply.shortcut.as_str()),
            doc(reply)?,
            Arg::Int(version),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn append_event<S: Sql>(
    sql: &mut S,
    version: i64,
    seq: i64,
    event: &Event,
    source: &super::provenance::Provenance,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO events (version, seq, conversation_id, at, placed_at, sight, doc, door, \
         session_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            Arg::Int(version),
            Arg::Int(seq),
            Arg::OptText(event.conversation.map(|c| c.to_string())),
            Arg::Int(millis(event.at)),
            Arg::Int(timeline::sort_millis(event)),
            Arg::Int(sight(&event.change).number()),
            Arg::Text(super::event_docs::to_doc(event)?),
            Arg::Text(source.door.as_str().to_owned()),
            Arg::OptText(source.session.clone()),
        ],
    )
    .await?;
    Ok(())
}

/// The events of `conversation` with their door and session, in recorded order.
pub(crate) async fn sources_of<S: Sql>(
    sql: &mut S,
    conversation: ConversationId,
) -> Result<Vec<(Event, String, Option<String>)>, DbError> {
    let rows = sql
        .rows(
            "SELECT doc, door, session_id FROM events WHERE conversation_id = $1 \
             ORDER BY version, seq",
            &[Arg::Text(conversation.to_string())],
        )
        .await?;
    let mut sources = Vec::with_capacity(rows.len());
    for row in &rows {
        let doc = row
            .first()
            .and_then(super::sql::Cell::text)
            .unwrap_or_default();
        sources.push((
            super::event_docs::from_doc(sql, doc).await?,
            row.get(1)
                .and_then(super::sql::Cell::text)
                .unwrap_or_default()
                .to_owned(),
            row.get(2)
                .and_then(super::sql::Cell::text)
                .map(str::to_owned),
        ));
    }
    Ok(sources)
}
