//! The reply library: canned replies (per team or per person) and WhatsApp templates as
//! synced from Meta, stored with versions like every other row.

use relaydesk_core::domain::{
    CannedReply, CannedReplyId, CannedScope, Message, MessageId, Template, TemplateStatus,
};

use super::postgres::PgSql;
use super::rows;
use super::sql::{Arg, DbError, LockSpace, Sql};
use super::sqlite::run_ready;
use super::{Backend, Store};

/// How a scope is stored (`team:<id>`, `user:<id>`), so shortcuts are unique within it.
fn scope_key(scope: &CannedScope) -> String {
    match scope {
        CannedScope::Team(team) => format!("team:{team}"),
        CannedScope::Personal(user) => format!("user:{user}"),
        CannedScope::Unknown => "unknown".to_owned(),
    }
}

/// A canned reply could not be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the shortcut /{0} is already used in this scope")]
pub struct ShortcutTaken(pub String);

async fn all_canned<S: Sql>(sql: &mut S) -> Result<Vec<CannedReply>, DbError> {
    sql.texts("SELECT doc FROM canned_replies ORDER BY shortcut, id", &[])
        .await?
        .iter()
        .map(|t| serde_json::from_str(t).map_err(DbError::from))
        .collect()
}

async fn put_canned<S: Sql>(
    sql: &mut S,
    reply: &CannedReply,
) -> Result<Result<(), ShortcutTaken>, DbError> {
    let scope = scope_key(&reply.scope);
    // Replies taking the same shortcut in the same scope take turns, so the check below sees
    // the other's reply once it has committed (the unique index would refuse it anyway).
    sql.lock_key(LockSpace::Shortcut, &format!("{scope} {}", reply.shortcut))
        .await?;
    let clash = sql
        .integer(
            "SELECT COUNT(*) FROM canned_replies WHERE scope = $1 AND shortcut = $2 AND id <> $3",
            &[
                Arg::Text(scope.clone()),
                Arg::from(reply.shortcut.as_str()),
                Arg::Text(reply.id.to_string()),
            ],
        )
        .await?
        .unwrap_or(0);
    if clash > 0 {
        return Ok(Err(ShortcutTaken(reply.shortcut.clone())));
    }
    let version = rows::next_version(sql).await?;
    sql.execute(
        "INSERT INTO canned_replies (id, scope, shortcut, doc, version) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET scope = excluded.scope, shortcut = excluded.shortcut, \
         doc = excluded.doc, version = excluded.version",
        &[
            Arg::Text(reply.id.to_string()),
            Arg::Text(scope),
            Arg::from(reply.shortcut.as_str()),
            Arg::Text(serde_json::to_string(reply)?),
            Arg::Int(version),
        ],
    )
    .await?;
    Ok(Ok(()))
}

/// Inserts or updates templates of one WABA by (name, language), keeping ids stable; a
/// template Meta no longer lists is marked disabled (never deleted: old messages name it).
/// Answers how many were stored and how many disabled.
async fn replace_templates<S: Sql>(
    sql: &mut S,
    waba_id: &str,
    fresh: &[Template],
) -> Result<(usize, usize), DbError> {
    let stored: Vec<Template> = sql
        .texts(
            "SELECT doc FROM templates WHERE waba_id = $1",
            &[Arg::from(waba_id)],
        )
        .await?
        .iter()
        .map(|t| serde_json::from_str(t).map_err(DbError::from))
        .collect::<Result<_, _>>()?;
    let version = rows::next_version(sql).await?;
    let mut disabled = 0;
    for old in &stored {
        let listed = fresh
            .iter()
            .any(|t| t.name == old.name && t.language == old.language);
        if !listed && old.status != TemplateStatus::Disabled {
            let gone = Template {
                status: TemplateStatus::Disabled,
                ..old.clone()
            };
            rows::put_template(sql, &gone, version).await?;
            disabled += 1;
        }
    }
    for template in fresh {
        let id = stored
            .iter()
            .find(|t| t.name == template.name && t.language == template.language)
            .map_or(template.id, |t| t.id);
        let template = Template {
            id,
            waba_id: waba_id.to_owned(),
            ..template.clone()
        };
        rows::put_template(sql, &template, version).await?;
    }
    Ok((fresh.len(), disabled))
}

impl Store {
    /// Every canned reply, by shortcut.
    pub async fn canned_replies(&self) -> Result<Vec<CannedReply>, DbError> {
        in_read!(self, |sql| all_canned(sql).await)
    }

    /// Saves a canned reply, unless its shortcut is taken in its scope.
    pub async fn put_canned_reply(
        &self,
        reply: CannedReply,
    ) -> Result<Result<(), ShortcutTaken>, DbError> {
        in_transaction!(self, |sql| put_canned(sql, &reply).await)
    }

    pub async fn delete_canned_reply(&self, id: CannedReplyId) -> Result<bool, DbError> {
        in_transaction!(self, |sql| {
            let version = rows::next_version(sql).await?;
            // No row is left to carry the version: phones learn of the deletion from this.
            // Deletions may commit out of version order: the newest version stays.
            sql.execute(
                "INSERT INTO meta (key, value) VALUES ('workspace_deleted', $1) \
                 ON CONFLICT (key) DO UPDATE SET value = CASE WHEN excluded.value > meta.value \
                 THEN excluded.value ELSE meta.value END",
                &[Arg::Int(version)],
            )
            .await?;
            Ok(sql
                .execute(
                    "DELETE FROM canned_replies WHERE id = $1",
                    &[Arg::Text(id.to_string())],
                )
                .await?
                == 1)
        })
    }

    /// Replaces the templates of one WhatsApp Business Account with what Meta lists.
    pub async fn replace_templates(
        &self,
        waba_id: String,
        templates: Vec<Template>,
    ) -> Result<(usize, usize), DbError> {
        in_transaction!(self, |sql| {
            // Two refreshes of one account's templates take turns: each sees the other's ids.
            sql.lock_key(LockSpace::Templates, &waba_id).await?;
            replace_templates(sql, &waba_id, &templates).await
        })
    }

    /// One message by our id.
    pub async fn message(&self, id: MessageId) -> Result<Option<Message>, DbError> {
        in_read!(self, |sql| rows::message(sql, id).await)
    }
}
