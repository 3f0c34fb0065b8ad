//! A WhatsApp webhook delivery, stored: the raw payload and all its effects in one
//! transaction, so a 200 (answered only after commit) means nothing can be lost, and a
//! failure rolls everything back for Meta to retry.
//!
//! Each customer message is recognised as a contact (by phone, else BSUID) and enters the one
//! write path as `ReceiveCustomerMessage`; each status as `RecordDelivery`. A number we do not
//! serve, or a payload we cannot read, is kept as *quarantined* with the reason.

use relaydesk_core::domain::{
    Actor, Command, Contact, ContactId, Content, ConversationId, CustomerIdentity, InboundMessage,
    MessageId, MessageRef, Timestamp, Workspace,
};

use super::inbound::{InboundItem, Notification};
use super::provenance::{Door, Provenance};
use super::rows;
use super::send_queue::{THROUGHPUT_PAUSE, pause_number};
use super::sql::{Arg, DbError, LockSpace, Sql};
use super::write_path::{Unit, execute};

/// WhatsApp's "throughput reached" error (the number sent more than its messages per second).
const THROUGHPUT_REACHED: i64 = 130429;

/// What became of a webhook delivery as a whole.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Everything in it applied (or already known).
    #[default]
    Processed,
    /// Some of it applied; the rest is kept with the reason (an unknown number …).
    PartlyQuarantined,
    /// Nothing of it could be applied; kept with the reason.
    Quarantined,
}

impl DeliveryState {
    /// The word stored with the payload.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Processed => "processed",
            DeliveryState::PartlyQuarantined => "partly_quarantined",
            DeliveryState::Quarantined => "quarantined",
        }
    }
}

/// What became of one delivery.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IngestReport {
    /// The stored payload's id.
    pub payload: String,
    pub state: DeliveryState,
    pub messages_stored: usize,
    pub duplicates: usize,
    pub statuses_applied: usize,
    /// Items not applied, with why (unknown number, unknown message, unidentifiable sender …).
    pub skipped: Vec<String>,
}

/// Everything WhatsApp tells us comes through its signed webhook.
const WEBHOOK: Provenance = Provenance {
    actor: Actor::WhatsApp,
    door: Door::Webhook,
    session: None,
};

pub(crate) async fn ingest<S: Sql>(
    sql: &mut S,
    body: &[u8],
    received_at: Timestamp,
    notification: Result<Notification, String>,
) -> Result<IngestReport, DbError> {
    let payload = uuid::Uuid::now_v7().to_string();
    let mut report = IngestReport {
        payload: payload.clone(),
        ..IngestReport::default()
    };
    let mut quarantined: Vec<String> = Vec::new();
    match notification {
        Err(error) => quarantined.push(error.to_string()),
        Ok(notification) => {
            let workspace = super::config::workspace(sql).await?;
            lock_up_front(sql, &workspace, &notification).await?;
            report.skipped.extend(notification.skipped);
            let mut unit = Unit::default();
            for number in notification.numbers {
                let Some(inbox) = workspace
                    .inboxes
                    .values()
                    .find(|i| i.phone_number_id == number.phone_number_id)
                    .map(|i| i.id)
                else {
                    quarantined.push(format!(
                        "number {} is not served here",
                        number.phone_number_id
                    ));
                    continue;
                };
                for error in &number.errors {
                    tracing::warn!(code = error.code, title = %error.title, phone_number_id = %number.phone_number_id, "WhatsApp reported an account-level error");
                    if error.code == THROUGHPUT_REACHED {
                        let until = received_at
                            + chrono::Duration::from_std(THROUGHPUT_PAUSE).unwrap_or_default();
                        let paused = pause_number(sql, &number.phone_number_id, until).await?;
                        tracing::warn!(phone_number_id = %number.phone_number_id, paused, "sends from this number pause: WhatsApp's throughput was reached");
                    }
                }
                for item in number.messages {
                    receive(
                        sql,
                        &mut unit,
                        &workspace,
                        inbox,
                        item,
                        received_at,
                        &mut report,
                    )
                    .await?;
                }
                for status in number.statuses {
                    let command = Command::RecordDelivery {
                        message: MessageRef {
                            ours: status.ours,
                            wamid: Some(status.wamid.clone()),
                        },
                        wamid: None,
                        report: status.report,
                        at: status.at,
                        pricing_category: status.pricing_category,
                    };
                    match execute(sql, &mut unit, &workspace, &WEBHOOK, received_at, &command)
                        .await?
                    {
                        Ok(events) if events.is_empty() => report.duplicates += 1,
                        Ok(_) => report.statuses_applied += 1,
                        Err(rejection) => report
                            .skipped
                            .push(format!("status for {}: {rejection}", status.wamid)),
                    }
                }
            }
        }
    }
    report.state = match (
        quarantined.is_empty(),
        report.messages_stored + report.statuses_applied + report.duplicates,
    ) {
        (true, _) => DeliveryState::Processed,
        (false, 0) => DeliveryState::Quarantined,
        (false, _) => DeliveryState::PartlyQuarantined,
    };
    let reason = (!quarantined.is_empty()).then(|| quarantined.join("; "));
    report.skipped.extend(quarantined);
    sql.execute(
        "INSERT INTO webhook_payloads (id, received_at, state, reason, body) VALUES ($1, $2, $3, $4, $5)",
        &[
            Arg::Text(payload),
            Arg::Int(received_at.timestamp_millis()),
            Arg::from(report.state.as_str()),
            Arg::OptText(reason),
            Arg::Bytes(body.to_vec()),
        ],
    )
    .await?;
    Ok(report)
}

/// Takes, before any other lock, what this delivery will change, in one order (the lock
/// order: `super::postgres`): first each customer who wrote (an advisory lock per phone number
/// or user id, in hash order, so two deliveries naming the same customers — even ones writing
/// for the first time, whose contact rows do not exist yet — take turns instead of
/// deadlocking); then, when it also reports on our messages, the conversations that exist
/// already (each sender's latest, and those of the messages statuses are about), in id order —
/// a status locks its message, then its conversation, where no customer's lock orders it.
/// Nothing to do on SQLite, whose one writer serialises.
async fn lock_up_front<S: Sql>(
    sql: &mut S,
    workspace: &Workspace,
    notification: &Notification,
) -> Result<(), DbError> {
    if sql.lock_rows().is_empty() {
        return Ok(());
    }
    let mut customers = std::collections::BTreeSet::new();
    let mut conversations = std::collections::BTreeSet::new();
    let statuses = notification.numbers.iter().any(|n| !n.statuses.is_empty());
    for number in &notification.numbers {
        let Some(inbox) = workspace
            .inboxes
            .values()
            .find(|i| i.phone_number_id == number.phone_number_id)
        else {
            continue;
        };
        let phones: Vec<String> = number
            .messages
            .iter()
            .filter_map(|m| m.from.phone.clone())
            .collect();
        let bsuids: Vec<String> = number
            .messages
            .iter()
            .filter_map(|m| m.from.bsuid.clone())
            .collect();
        customers.extend(phones.iter().map(|p| format!("phone {p}")));
        customers.extend(bsuids.iter().map(|b| format!("bsuid {b}")));
        // A status may mark its customer unreachable: their contact is written too.
        for status in &number.statuses {
            customers.extend(status.recipient.phone.iter().map(|p| format!("phone {p}")));
            customers.extend(status.recipient.bsuid.iter().map(|b| format!("bsuid {b}")));
        }
        if statuses && (!phones.is_empty() || !bsuids.is_empty()) {
            let mut s = super::viewer::Statement::default();
            s.push(
                "SELECT DISTINCT ON (c.contact_id) c.id FROM conversations c \
                 JOIN contacts k ON k.id = c.contact_id WHERE c.inbox_id = ",
            )
            .arg(Arg::Text(inbox.id.to_string()))
            .push(" AND (");
            s.any_of("k.phone", &phones).push(" OR ");
            s.any_of("k.bsuid", &bsuids);
            s.push(") ORDER BY c.contact_id, c.opened_at DESC, c.id DESC");
            conversations.extend(sql.texts(&s.text, &s.args).await?);
        }
        let wamids: Vec<String> = number
            .statuses
            .iter()
            .map(|st| st.wamid.as_str().to_owned())
            .collect();
        let ours: Vec<String> = number
            .statuses
            .iter()
            .filter_map(|st| st.ours.map(|id| id.to_string()))
            .collect();
        if !wamids.is_empty() {
            let mut s = super::viewer::Statement::default();
            s.push("SELECT conversation_id FROM messages WHERE ");
            s.any_of("wamid", &wamids).push(" OR ");
            s.any_of("id", &ours);
            conversations.extend(sql.texts(&s.text, &s.args).await?);
        }
    }
    let customers: Vec<String> = customers.into_iter().collect();
    if !customers.is_empty() {
        // Locked row by row in the subquery's order (a volatile function is not evaluated
        // before the rows it is given).
        let mut s = super::viewer::Statement::default();
        s.push(&format!(
            "SELECT CAST(COUNT(pg_advisory_xact_lock({}, key)) AS BIGINT) FROM \
             (SELECT DISTINCT hashtext(customer) AS key FROM (SELECT ",
            LockSpace::Customer as i32
        ));
        for (i, customer) in customers.iter().enumerate() {
            if i > 0 {
                s.push(" UNION ALL SELECT ");
            }
            s.arg(Arg::Text(customer.clone())).push(" AS customer");
        }
        s.push(") named ORDER BY key) keys");
        sql.integer(&s.text, &s.args).await?;
    }
    if conversations.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = conversations.into_iter().collect();
    let mut s = super::viewer::Statement::default();
    s.push("SELECT id FROM conversations WHERE ");
    s.any_of("id", &ids);
    s.push(" ORDER BY id");
    s.push(sql.lock_rows());
    sql.texts(&s.text, &s.args).await?;
    Ok(())
}

async fn receive<S: Sql>(
    sql: &mut S,
    unit: &mut Unit,
    workspace: &Workspace,
    inbox: relaydesk_core::domain::InboxId,
    item: InboundItem,
    received_at: Timestamp,
    report: &mut IngestReport,
) -> Result<(), DbError> {
    let Some(contact) = recognise(sql, unit, &item.from).await? else {
        report.skipped.push(format!(
            "message {} has neither a phone number nor a user id",
            item.wamid
        ));
        return Ok(());
    };
    let new_identity = match &item.content {
        Content::System {
            new_phone,
            new_bsuid,
            ..
        } if new_phone.is_some() || new_bsuid.is_some() => {
            Some((new_phone.clone(), new_bsuid.clone()))
        }
        _ => None,
    };
    let command = Command::ReceiveCustomerMessage(Box::new(InboundMessage {
        inbox,
        contact,
        new_conversation: ConversationId::new(),
        message_id: MessageId::new(),
        wamid: item.wamid.clone(),
        sent_at: item.sent_at,
        content: item.content,
        context: item.context,
    }));
    match execute(sql, unit, workspace, &WEBHOOK, received_at, &command).await? {
        Ok(events) if events.is_empty() => report.duplicates += 1,
        Ok(_) => {
            report.messages_stored += 1;
            if let Some((phone, bsuid)) = new_identity {
                re_identify(sql, unit, contact, phone, bsuid, report).await?;
            }
        }
        Err(rejection) => report
            .skipped
            .push(format!("message {}: {rejection}", item.wamid)),
    }
    Ok(())
}

/// WhatsApp says the customer changed number (or user id): the contact keeps its history and
/// is known by the new one from now on — unless another contact already has it, which needs a
/// person to merge, so it is reported instead.
async fn re_identify<S: Sql>(
    sql: &mut S,
    unit: &mut Unit,
    contact: ContactId,
    phone: Option<String>,
    bsuid: Option<String>,
    report: &mut IngestReport,
) -> Result<(), DbError> {
    let Some(current) = rows::contact(sql, contact).await? else {
        return Ok(());
    };
    let taken = rows::contact_by_identity(sql, phone.as_deref(), bsuid.as_deref())
        .await?
        .is_some_and(|other| other.id != contact);
    if taken {
        report.skipped.push(format!(
            "contact {contact} changed number to one another contact has: merge them by hand"
        ));
        return Ok(());
    }
    let updated = Contact {
        phone: phone.or(current.phone.clone()),
        bsuid: bsuid.or(current.bsuid.clone()),
        ..current.clone()
    };
    save_if_changed(sql, unit, &current, &updated).await
}

/// The contact behind an identity, created on first contact and taught what WhatsApp newly
/// tells (a name, a BSUID, a phone number). `None` if WhatsApp gave nothing to recognise.
async fn recognise<S: Sql>(
    sql: &mut S,
    unit: &mut Unit,
    identity: &CustomerIdentity,
) -> Result<Option<ContactId>, DbError> {
    if !identity.is_identifiable() {
        return Ok(None);
    }
    let incoming = Contact::from_identity(ContactId::new(), identity);
    let phone = incoming.phone.as_deref();
    let bsuid = incoming.bsuid.as_deref();
    let existing = match rows::contact_by_identity(sql, phone, bsuid).await? {
        Some(existing) => existing,
        None => {
            let version = unit.version(sql).await?;
            if rows::insert_contact_if_new(sql, &incoming, version).await? {
                return Ok(Some(incoming.id));
            }
            // Someone else created it a moment ago: use theirs.
            rows::contact_by_identity(sql, phone, bsuid)
                .await?
                .ok_or_else(|| DbError::Other("a contact vanished while being created".into()))?
        }
    };
    let learned = Contact {
        phone: existing.phone.clone().or(incoming.phone),
        bsuid: existing.bsuid.clone().or(incoming.bsuid),
        profile_name: incoming.profile_name.or(existing.profile_name.clone()),
        ..existing.clone()
    };
    save_if_changed(sql, unit, &existing, &learned).await?;
    Ok(Some(existing.id))
}

/// Writes `updated` if it differs from `stored`, keeping the transaction's desk in step.
async fn save_if_changed<S: Sql>(
    sql: &mut S,
    unit: &mut Unit,
    stored: &Contact,
    updated: &Contact,
) -> Result<(), DbError> {
    if updated != stored {
        let version = unit.version(sql).await?;
        rows::put_contact(sql, updated, version).await?;
        unit.contact_written(updated);
    }
    Ok(())
}
