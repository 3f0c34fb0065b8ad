//! The commands a person issues from the phone, with the ids the phone mints for what they
//! create (a reply, a note, an escalation): each is written to the outbox and applied to the
//! copy at once, like [`Client::submit`]. The bindings call these and hold no logic of their
//! own; an app in Rust may call them too.

use crate::domain::{
    Command, ConversationId, EscalationId, EscalationTarget, MessageId, NoteId, ReplyBody,
    Severity, TemplateParams,
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
}
