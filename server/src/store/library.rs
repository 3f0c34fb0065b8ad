//! The reply library: canned replies (per team or per person) and WhatsApp templates as
//! synced from Meta — configuration, written through `store::config` like every other row.

use relaydesk_core::domain::config::{Item, Kind, Refusal};
use relaydesk_core::domain::{
    CannedReply, CannedReplyId, Message, MessageId, Template, TemplateStatus, Timestamp,
};

use super::config;
use super::provenance::Provenance;

use super::postgres::PgSql;
use super::rows;
use super::sql::{Arg, DbError, LockSpace, Sql};
use super::sqlite::run_ready;
use super::{Backend, Store};

async fn all_canned<S: Sql>(sql: &mut S) -> Result<Vec<CannedReply>, DbError> {
    sql.texts("SELECT doc FROM canned_replies ORDER BY shortcut, id", &[])
        .await?
        .iter()
        .map(|t| serde_json::from_str(t).map_err(DbError::from))
        .collect()
}

/// Inserts or updates templates of one WABA by (name, language), keeping ids stable; a
/// template Meta no longer lists is marked disabled (never deleted: old messages name it).
/// Answers how many were stored and how many disabled.
async fn replace_templates<S: Sql>(
    sql: &mut S,
    source: &Provenance,
    now: Timestamp,
    waba_id: &str,
    fresh: &[Template],
) -> Result<Result<(usize, usize), Refusal>, DbError> {
    let stored: Vec<Template> = sql
        .texts(
            "SELECT doc FROM templates WHERE waba_id = $1",
            &[Arg::from(waba_id)],
        )
        .await?
        .iter()
        .map(|t| serde_json::from_str(t).map_err(DbError::from))
        .collect::<Result<_, _>>()?;
    // Meta lists a name and language once; a listing that repeats one keeps the first.
    let mut listed: Vec<&Template> = Vec::new();
    for template in fresh {
        if !listed
            .iter()
            .any(|t| t.name == template.name && t.language == template.language)
        {
            listed.push(template);
        }
    }
    let mut items = Vec::new();
    let mut disabled = 0;
    for old in &stored {
        let still = listed
            .iter()
            .any(|t| t.name == old.name && t.language == old.language);
        if !still && old.status != TemplateStatus::Disabled {
            items.push(Item::Template(Template {
                status: TemplateStatus::Disabled,
                ..old.clone()
            }));
            disabled += 1;
        }
    }
    for template in &listed {
        let id = stored
            .iter()
            .find(|t| t.name == template.name && t.language == template.language)
            .map_or(template.id, |t| t.id);
        items.push(Item::Template(Template {
            id,
            waba_id: waba_id.to_owned(),
            ..(*template).clone()
        }));
    }
    // All or none: a refusal writes nothing.
    Ok(config::put_all(sql, source, now, Kind::Template, &items)
        .await?
        .map(|_| (listed.len(), disabled)))
}

impl Store {
    /// Every canned reply, by shortcut.
    pub async fn canned_replies(&self) -> Result<Vec<CannedReply>, DbError> {
        in_read!(self, |sql| all_canned(sql).await)
    }

    /// Saves a canned reply as `source`, unless the configuration's rules refuse it (its
    /// shortcut taken in its scope, its scope gone).
    pub async fn put_canned_reply(
        &self,
        source: Provenance,
        now: Timestamp,
        reply: CannedReply,
    ) -> Result<Result<(), Refusal>, DbError> {
        self.configure(source, now, Item::CannedReply(reply))
            .await
            .map(|made| made.map(|_| ()))
    }

    /// Deletes a canned reply as `source`, leaving its tombstone in the configuration log;
    /// whether there was one.
    pub async fn delete_canned_reply(
        &self,
        source: Provenance,
        now: Timestamp,
        id: CannedReplyId,
    ) -> Result<bool, DbError> {
        Ok(self
            .unconfigure(source, now, Kind::CannedReply, id.to_string())
            .await?
            .is_some())
    }

    /// Replaces the templates of one WhatsApp Business Account with what Meta lists, as
    /// `source` (each template changed is logged; those Meta no longer lists are disabled).
    pub async fn replace_templates(
        &self,
        source: Provenance,
        now: Timestamp,
        waba_id: String,
        templates: Vec<Template>,
    ) -> Result<Result<(usize, usize), Refusal>, DbError> {
        in_transaction!(self, |sql| {
            // Two refreshes take turns (the template kind's lock): each sees the other's ids.
            sql.lock_key(LockSpace::Configuration, Kind::Template.as_str())
                .await?;
            replace_templates(sql, &source, now, &waba_id, &templates).await
        })
    }

    /// One message by our id.
    pub async fn message(&self, id: MessageId) -> Result<Option<Message>, DbError> {
        in_read!(self, |sql| rows::message(sql, id).await)
    }
}
