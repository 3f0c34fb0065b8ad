//! One conversation (its thread, what sits beside it, and every command on it) and one
//! escalation, as objects the app's screens hold. Commands are decided at once by the core
//! with the domain's rules — a refusal is `AppError.Rejected` with the server's code, offline
//! too — written to the outbox and applied; they reach the server with the next sync (or at
//! once with `claim_now`). Each method only translates types to a `Client` call.

use std::sync::Arc;

use relaydesk_core::client::Client;
use relaydesk_core::domain::{
    AssignTarget, CannedReplyId, Command, ConversationId, EscalationId, EscalationTarget,
    MessageId, TeamId, Timestamp, UserId,
};

use crate::error::{AppError, id};
use crate::records::{
    AssignTo, CannedReplyChoice, ConversationPriority, EscalationSeverity, SideFactsView,
    ThreadView,
};

impl AssignTo {
    fn target(&self) -> Result<AssignTarget, AppError> {
        Ok(match self {
            AssignTo::Person { person_id } => AssignTarget::Agent(id("person_id", person_id)?),
            AssignTo::Team { team_id } => AssignTarget::Team(id("team_id", team_id)?),
            AssignTo::Unknown => {
                return Err(AppError::InvalidInput {
                    reason: "to: name a person or a team".to_owned(),
                });
            }
        })
    }
}

/// Reads a time the app passes as RFC 3339 text.
fn time(field: &str, raw: &str) -> Result<Timestamp, AppError> {
    raw.parse::<Timestamp>()
        .map_err(|_| AppError::InvalidInput {
            reason: format!("{field}: not an RFC 3339 time ({raw:?})"),
        })
}

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

    /// The thread, if the person may see it (messages and notes with who wrote them, who did
    /// what in the timeline's words, window time left, escalation).
    pub async fn thread(&self) -> Result<Option<ThreadView>, AppError> {
        Ok(self.client.thread(self.id)?.map(ThreadView::from))
    }

    /// What sits beside the thread: customer, inbox, team, owner, status, labels, priority,
    /// the escalation waiting, the customer's other conversations.
    pub async fn side_facts(&self) -> Result<Option<SideFactsView>, AppError> {
        let workspace = self.client.workspace();
        Ok(self.client.side_facts(self.id)?.map(|facts| {
            SideFactsView::read(facts, |c| {
                workspace
                    .as_ref()
                    .and_then(|w| w.inboxes.iter().find(|i| i.id == c.inbox_id))
                    .map(|i| i.name.clone())
            })
        }))
    }

    /// The canned replies the person may use, filled for this conversation (each names the
    /// variables it has no value for).
    pub async fn canned_replies(&self) -> Result<Vec<CannedReplyChoice>, AppError> {
        Ok(self
            .client
            .canned_replies(self.id)?
            .into_iter()
            .map(CannedReplyChoice::from)
            .collect())
    }

    /// Takes it (offline too). Answers the command's number in the outbox.
    pub async fn claim(&self) -> Result<u64, AppError> {
        Ok(self.client.claim(self.id)?)
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

    /// Sends a canned reply filled for this conversation (`AppError.InvalidInput` naming the
    /// variables without a value: edit its text and send it with `reply`).
    pub async fn reply_canned(&self, canned_reply_id: String) -> Result<u64, AppError> {
        let canned: CannedReplyId = id("canned_reply_id", &canned_reply_id)?;
        Ok(self.client.reply_canned(self.id, canned)?)
    }

    /// The owner hands it to a colleague or a team's queue with a note for the next person
    /// (refused without one: `handoff_note_required`).
    pub async fn hand_off(&self, to: AssignTo, note: String) -> Result<u64, AppError> {
        Ok(self.client.hand_off(self.id, to.target()?, note)?)
    }

    /// A supervisor assigns it to a colleague or a team; taking it from its owner needs a
    /// reason (`reason_required`).
    pub async fn assign(&self, to: AssignTo, reason: Option<String>) -> Result<u64, AppError> {
        Ok(self.client.assign(self.id, to.target()?, reason)?)
    }

    /// Puts it back in its team's queue: the owner leaves a note, a supervisor releasing
    /// someone else's gives a reason.
    pub async fn release(
        &self,
        note: Option<String>,
        reason: Option<String>,
    ) -> Result<u64, AppError> {
        Ok(self.client.release(self.id, note, reason)?)
    }

    /// Resolves it (refused while an escalation waits: `escalation_pending`).
    pub async fn resolve(&self) -> Result<u64, AppError> {
        Ok(self.client.resolve(self.id)?)
    }

    /// Opens it again.
    pub async fn reopen(&self) -> Result<u64, AppError> {
        Ok(self.client.reopen(self.id)?)
    }

    /// Waiting on the customer: their next message opens it again.
    pub async fn wait_on_customer(&self) -> Result<u64, AppError> {
        Ok(self.client.wait_on_customer(self.id)?)
    }

    /// Snoozes it for `seconds` from now.
    pub async fn snooze_for(&self, seconds: u32) -> Result<u64, AppError> {
        Ok(self
            .client
            .snooze_for(self.id, std::time::Duration::from_secs(u64::from(seconds)))?)
    }

    /// Snoozes it until `until` (RFC 3339, in the future).
    pub async fn snooze_until(&self, until: String) -> Result<u64, AppError> {
        Ok(self.client.snooze_until(self.id, time("until", &until)?)?)
    }

    /// Adds a label.
    pub async fn add_label(&self, label: String) -> Result<u64, AppError> {
        Ok(self.client.add_label(self.id, label)?)
    }

    /// Removes a label.
    pub async fn remove_label(&self, label: String) -> Result<u64, AppError> {
        Ok(self.client.remove_label(self.id, label)?)
    }

    /// Sets how urgent it is.
    pub async fn set_priority(&self, priority: ConversationPriority) -> Result<u64, AppError> {
        Ok(self.client.set_priority(self.id, priority.into())?)
    }

    /// Tells the customer their messages were read (blue ticks), up to their latest.
    pub async fn mark_read(&self) -> Result<u64, AppError> {
        Ok(self.client.mark_read(self.id, None)?)
    }

    /// Tells the customer their messages were read up to this one (a `MessageRow.id`).
    pub async fn mark_read_up_to(&self, message_id: String) -> Result<u64, AppError> {
        let message: MessageId = id("message_id", &message_id)?;
        Ok(self.client.mark_read(self.id, Some(message))?)
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

/// One pending escalation (approve, reject, cancel).
#[derive(Debug, uniffi::Object)]
pub struct EscalationHandle {
    pub(crate) client: Arc<Client>,
    pub(crate) id: EscalationId,
}

#[uniffi::export(async_runtime = "tokio")]
impl EscalationHandle {
    /// Approves it (supervisors of its target), with an optional note.
    pub async fn approve(&self, note: Option<String>) -> Result<u64, AppError> {
        Ok(self.client.approve_escalation(self.id, note)?)
    }

    /// Rejects it, saying why.
    pub async fn reject(&self, reason: String) -> Result<u64, AppError> {
        Ok(self.client.reject_escalation(self.id, reason)?)
    }

    /// Withdraws it while it waits (its requester, the owner or a supervisor).
    pub async fn cancel(&self) -> Result<u64, AppError> {
        Ok(self.client.cancel_escalation(self.id)?)
    }
}
