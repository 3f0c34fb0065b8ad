//! One conversation (its thread and the commands on it) and one escalation, as objects the
//! app's screens hold. Commands are written to the outbox and applied at once; they reach the
//! server with the next sync (or at once with `claim_now`).

use std::sync::Arc;

use relaydesk_core::client::Client;
use relaydesk_core::domain::{
    Command, ConversationId, EscalationId, EscalationTarget, TeamId, UserId,
};

use crate::error::{AppError, id};
use crate::records::{EscalationSeverity, ThreadView};

/// One conversation.
#[derive(Debug, uniffi::Object)]
pub struct ConversationHandle {
    pub(crate) client: Arc<Client>,
    pub(crate) id: ConversationId,
}

#[uniffi::export(async_runtime = "tokio")]
impl ConversationHandle {
    /// Its id.
    pub fn id(&self) -> String {
        self.id.to_string()
    }

    /// The thread, if the person may see it (messages, notes, window time left, escalation).
    pub async fn thread(&self) -> Result<Option<ThreadView>, AppError> {
        Ok(self.client.thread(self.id)?.map(ThreadView::from))
    }

    /// Takes it (offline too). Answers the command's number in the outbox.
    pub async fn claim(&self) -> Result<u64, AppError> {
        Ok(self.client.submit(Command::Claim {
            conversation: self.id,
        })?)
    }

    /// Takes it and asks the server at once: a colleague's earlier claim is answered as
    /// `AppError.Rejected` with code `already_owned` (its reason names the owner).
    pub async fn claim_now(&self) -> Result<u64, AppError> {
        Ok(self
            .client
            .submit_now(Command::Claim {
                conversation: self.id,
            })
            .await?)
    }

    /// Sends free text (inside the 24-hour window).
    pub async fn reply(&self, text: String) -> Result<u64, AppError> {
        Ok(self.client.reply_text(self.id, text)?)
    }

    /// Sends an approved template with its parameters (`body.1` → value …).
    pub async fn reply_with_template(
        &self,
        name: String,
        language: String,
        params: std::collections::HashMap<String, String>,
    ) -> Result<u64, AppError> {
        Ok(self
            .client
            .reply_template(self.id, name, language, params.into_iter().collect())?)
    }

    /// Leaves an internal note (`@handle` mentions colleagues).
    pub async fn add_note(&self, body: String) -> Result<u64, AppError> {
        Ok(self.client.add_note(self.id, body)?)
    }

    /// Asks for an escalation to a team (`target_team_id`) or a person (`target_person_id`),
    /// as severe as the person judges it.
    pub async fn request_escalation(
        &self,
        reason: String,
        severity: EscalationSeverity,
        target_team_id: Option<String>,
        target_person_id: Option<String>,
    ) -> Result<u64, AppError> {
        let target = match (target_team_id, target_person_id) {
            (Some(team), None) => EscalationTarget::Team(id::<TeamId>("target_team_id", &team)?),
            (None, Some(person)) => {
                EscalationTarget::Person(id::<UserId>("target_person_id", &person)?)
            }
            _ => {
                return Err(AppError::InvalidInput {
                    reason: "name either a team or a person to escalate to".into(),
                });
            }
        };
        Ok(self
            .client
            .request_escalation(self.id, reason, severity.into(), target)?)
    }
}

/// One pending escalation.
#[derive(Debug, uniffi::Object)]
pub struct EscalationHandle {
    pub(crate) client: Arc<Client>,
    pub(crate) id: EscalationId,
}

#[uniffi::export(async_runtime = "tokio")]
impl EscalationHandle {
    /// Approves it (supervisors of its target), with an optional note.
    pub async fn approve(&self, note: Option<String>) -> Result<u64, AppError> {
        Ok(self.client.submit(Command::ApproveEscalation {
            escalation: self.id,
            note,
        })?)
    }

    /// Rejects it, saying why.
    pub async fn reject(&self, reason: String) -> Result<u64, AppError> {
        Ok(self.client.submit(Command::RejectEscalation {
            escalation: self.id,
            reason,
        })?)
    }
}
