//! The commands a person issues from the phone, with the ids the phone mints for what they
//! create (a reply, a note, an escalation, a handoff note): each is decided with the domain's
//! rules, written to the outbox and applied to the copy at once, like [`Client::submit`] (a
//! refusal is answered at once, as the server would). The bindings call these and hold no
//! logic of their own; an app in Rust may call them too.
//!
//! - this file: replies, notes, escalations (request, approve, reject, cancel).
//! - `ownership`: claim, hand off, assign, release.
//! - `state`: status (resolve, reopen, waiting on the customer, snooze), labels, priority,
//!   read receipts, one's availability.

mod ownership;
mod state;

use crate::domain::{
    CannedReplyId, Command, ConversationId, EscalationId, EscalationTarget, MessageId, NoteId,
    ReplyBody, Severity, TemplateParams,
};

use super::{Client, ClientError};

impl Client {
    /// Sends free text (inside the 24-hour window). Answers the command's number.
    pub fn reply_text(
        &self,
        conversation: ConversationId,
        text: String,
    ) -> Result<u64, ClientError> {
        self.submit(Command::Reply {
            conversation,
            message: MessageId::new(),
            body: ReplyBody::Text { text },
            in_reply_to: None,
        })
    }

    /// Sends an approved template with its parameters (`body.1` → value …).
    pub fn reply_template(
        &self,
        conversation: ConversationId,
        name: String,
        language: String,
        params: TemplateParams,
    ) -> Result<u64, ClientError> {
        self.submit(Command::Reply {
            conversation,
            message: MessageId::new(),
            body: ReplyBody::Template {
                name,
                language,
                params,
            },
            in_reply_to: None,
        })
    }

    /// Leaves an internal note (`@handle` mentions colleagues).
    pub fn add_note(&self, conversation: ConversationId, body: String) -> Result<u64, ClientError> {
        self.submit(Command::AddNote {
            conversation,
            note: NoteId::new(),
            body,
        })
    }

    /// Sends a canned reply filled for this conversation ([`Client::canned_replies`]); one
    /// whose variables have no value here is refused, naming them (fill them in by hand and
    /// send the text with [`Client::reply_text`]).
    pub fn reply_canned(
        &self,
        conversation: ConversationId,
        canned: CannedReplyId,
    ) -> Result<u64, ClientError> {
        let choice = self
            .canned_replies(conversation)?
            .into_iter()
            .find(|c| c.reply.id == canned)
            .ok_or_else(|| ClientError::InvalidInput(format!("canned reply {canned} not found")))?;
        if !choice.missing.is_empty() {
            return Err(ClientError::InvalidInput(format!(
                "no value for {}: fill them in by hand before sending",
                choice.missing.join(", ")
            )));
        }
        self.reply_text(conversation, choice.text)
    }

    /// Asks for an escalation to `target`, as severe as the person judges it (the request
    /// says which priority approval brings).
    pub fn request_escalation(
        &self,
        conversation: ConversationId,
        reason: String,
        severity: Severity,
        target: EscalationTarget,
    ) -> Result<u64, ClientError> {
        self.submit(Command::RequestEscalation {
            conversation,
            escalation: EscalationId::new(),
            reason,
            severity,
            target,
        })
    }

    /// Approves an escalation (supervisors of its target), with an optional note.
    pub fn approve_escalation(
        &self,
        escalation: EscalationId,
        note: Option<String>,
    ) -> Result<u64, ClientError> {
        self.submit(Command::ApproveEscalation { escalation, note })
    }

    /// Rejects an escalation, saying why.
    pub fn reject_escalation(
        &self,
        escalation: EscalationId,
        reason: String,
    ) -> Result<u64, ClientError> {
        self.submit(Command::RejectEscalation { escalation, reason })
    }

    /// Withdraws an escalation still waiting (its requester, the owner or a supervisor).
    pub fn cancel_escalation(&self, escalation: EscalationId) -> Result<u64, ClientError> {
        self.submit(Command::CancelEscalation { escalation })
    }
}
