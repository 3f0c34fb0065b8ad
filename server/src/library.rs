//! The reply library's rules: who manages which canned replies (supervisors and admins for a
//! team's, each person their own), what a shortcut may be, filling a reply's variables for a
//! conversation, which templates a person may pick from, and syncing templates from Meta.
//! REST handlers and the web view call these; nothing else decides them.

use chrono::Utc;
use relaydesk_core::domain::config;
use relaydesk_core::domain::limits::{MAX_CANNED_BODY_CHARS, MAX_TITLE_CHARS};
use relaydesk_core::domain::{
    CannedReply, CannedReplyId, CannedScope, Conversation, Role, Template, TemplateStatus,
    Variables, can_see,
};
use relaydesk_core::protocol::library::{
    AccountSync, CannedReplyChange, NewCannedReply, TemplateInfo, TemplateSyncReport,
};

use crate::accounts::{AccountError, Signed, invalid};
use crate::store::{Door, Provenance, Store};
use crate::whatsapp::GraphApi;
use crate::whatsapp::templates;

/// Whether `who` may create, change or delete replies in `scope`.
pub fn may_manage(who: &Signed, scope: &CannedScope) -> bool {
    match scope {
        CannedScope::Personal(owner) => *owner == who.member.id || who.is_admin(),
        CannedScope::Team(team) => {
            who.is_admin() || (who.member.role == Role::Supervisor && who.member.is_in(*team))
        }
        CannedScope::Unknown => false,
    }
}

/// Whether `who` may use (and see) a reply.
pub fn may_use(who: &Signed, reply: &CannedReply) -> bool {
    who.is_admin() || reply.usable_by(who.member.id, &who.member.teams)
}

/// Replies `who` may use, optionally matching `query` in shortcut or title.
pub async fn usable(
    store: &Store,
    who: &Signed,
    query: Option<&str>,
) -> Result<Vec<CannedReply>, AccountError> {
    let query = query.map(str::to_lowercase);
    Ok(store
        .canned_replies()
        .await?
        .into_iter()
        .filter(|r| may_use(who, r))
        .filter(|r| {
            query.as_deref().is_none_or(|q| {
                r.shortcut.contains(q.trim_start_matches('/')) || r.title.to_lowercase().contains(q)
            })
        })
        .collect())
}

/// Creates a canned reply as `who` through `door` (its shortcut free in its scope and the
/// scope there: the configuration's rules).
pub async fn create(
    store: &Store,
    who: &Signed,
    door: Door,
    new: NewCannedReply,
) -> Result<CannedReply, AccountError> {
    config::scope_exists(&who.workspace, &new.scope)?;
    if !may_manage(who, &new.scope) {
        return Err(AccountError::Forbidden(
            "a team's replies are managed by its supervisors and admins".into(),
        ));
    }
    let reply = CannedReply {
        id: CannedReplyId::new(),
        shortcut: config::shortcut(&new.shortcut)?,
        title: config::text("title", &new.title, MAX_TITLE_CHARS)?,
        body: config::text("body", &new.body, MAX_CANNED_BODY_CHARS)?,
        scope: new.scope,
    };
    store
        .put_canned_reply(who.through(door), Utc::now(), reply.clone())
        .await??;
    Ok(reply)
}

/// The reply, if `who` may use it (others are "not found").
async fn find(store: &Store, who: &Signed, id: CannedReplyId) -> Result<CannedReply, AccountError> {
    store
        .canned_replies()
        .await?
        .into_iter()
        .find(|r| r.id == id && may_use(who, r))
        .ok_or_else(|| AccountError::NotFound(format!("canned reply {id}")))
}

pub async fn change(
    store: &Store,
    who: &Signed,
    door: Door,
    id: CannedReplyId,
    change: CannedReplyChange,
) -> Result<CannedReply, AccountError> {
    let mut reply = find(store, who, id).await?;
    if !may_manage(who, &reply.scope) {
        return Err(AccountError::Forbidden(
            "a team's replies are managed by its supervisors and admins".into(),
        ));
    }
    if let Some(shortcut) = change.shortcut {
        reply.shortcut = config::shortcut(&shortcut)?;
    }
    if let Some(title) = change.title {
        reply.title = config::text("title", &title, MAX_TITLE_CHARS)?;
    }
    if let Some(body) = change.body {
        reply.body = config::text("body", &body, MAX_CANNED_BODY_CHARS)?;
    }
    store
        .put_canned_reply(who.through(door), Utc::now(), reply.clone())
        .await??;
    Ok(reply)
}

pub async fn delete(
    store: &Store,
    who: &Signed,
    door: Door,
    id: CannedReplyId,
) -> Result<(), AccountError> {
    let reply = find(store, who, id).await?;
    if !may_manage(who, &reply.scope) {
        return Err(AccountError::Forbidden(
            "a team's replies are managed by its supervisors and admins".into(),
        ));
    }
    store
        .delete_canned_reply(who.through(door), Utc::now(), id)
        .await?;
    Ok(())
}

/// The values a reply may use in this conversation (the domain's, as the phone fills them).
pub fn variables(
    who: &Signed,
    conversation: &Conversation,
    contact_name: Option<&str>,
    contact_phone: Option<&str>,
) -> Variables {
    relaydesk_core::domain::canned::variables(
        &who.member,
        &who.workspace,
        conversation,
        contact_name,
        contact_phone,
    )
}

/// A reply filled for a conversation `who` may see; missing values are named, not guessed.
pub async fn fill(
    store: &Store,
    who: &Signed,
    id: CannedReplyId,
    conversation: relaydesk_core::domain::ConversationId,
) -> Result<String, AccountError> {
    let reply = find(store, who, id).await?;
    let conversation = store
        .conversation(conversation)
        .await?
        .filter(|c| can_see(&who.member, c, &who.workspace))
        .ok_or_else(|| AccountError::NotFound(format!("conversation {conversation}")))?;
    let contact = store.contact(conversation.contact_id).await?;
    let vars = variables(
        who,
        &conversation,
        contact.as_ref().and_then(|c| c.profile_name.as_deref()),
        contact.as_ref().and_then(|c| c.phone.as_deref()),
    );
    reply.render(&vars).map_err(|missing| {
        invalid(
            "variables",
            format!("{missing}: fill them in by hand before sending"),
        )
    })
}

/// Templates of the WhatsApp accounts whose inboxes `who` works (admins: all).
pub fn templates_for(who: &Signed) -> Vec<TemplateInfo> {
    let workspace = &who.workspace;
    let accounts: std::collections::BTreeSet<&str> = workspace
        .inboxes
        .values()
        .filter(|i| who.is_admin() || who.member.shares_a_team(i.teams.iter()))
        .map(|i| i.waba_id.as_str())
        .collect();
    workspace
        .templates
        .values()
        .filter(|t| accounts.contains(t.waba_id.as_str()))
        .map(|t: &Template| TemplateInfo {
            slots: t.slots().into_iter().collect(),
            usable: t.status == TemplateStatus::Approved,
            template: t.clone(),
        })
        .collect()
}

/// Reads every WhatsApp account's templates from Meta and stores them as `by` (an admin who
/// asked, or Relaydesk's six-hourly sync).
pub async fn sync_templates(
    store: &Store,
    by: &Provenance,
    graph: &GraphApi,
) -> Result<TemplateSyncReport, AccountError> {
    let workspace = store.workspace().await?;
    let accounts: std::collections::BTreeSet<String> = workspace
        .inboxes
        .values()
        .map(|i| i.waba_id.clone())
        .collect();
    let mut report = TemplateSyncReport { accounts: vec![] };
    for waba_id in accounts {
        let mut line = AccountSync {
            waba_id: waba_id.clone(),
            synced: 0,
            disabled: 0,
            skipped: vec![],
            error: None,
        };
        match templates::fetch(graph, &waba_id).await {
            Ok(read) => {
                match store
                    .replace_templates(by.clone(), Utc::now(), waba_id.clone(), read.templates)
                    .await?
                {
                    Ok((synced, disabled)) => {
                        line.synced = synced;
                        line.disabled = disabled;
                    }
                    // Nothing of this account was stored; the others go on.
                    Err(refused) => line.error = Some(refused.to_string()),
                }
                line.skipped = read.skipped;
            }
            Err(error) => {
                tracing::warn!(%waba_id, %error, "templates could not be synced");
                line.error = Some(error);
            }
        }
        report.accounts.push(line);
    }
    Ok(report)
}
