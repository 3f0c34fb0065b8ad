//! Ownership from the phone: claim, hand off (the owner, with a note for the next person),
//! assign (a supervisor, with a reason when taking it from its owner) and release. The rules
//! of who may and what each needs are the domain's (`domain::decide::ownership`); these only
//! build the command and mint the handoff note's id.

use crate::domain::{AssignTarget, Command, ConversationId, HandoffNote, NoteId};

use super::super::{Client, ClientError};

/// A handoff note with a fresh id, if there is a body (a blank one is the domain's to refuse).
fn handoff_note(body: Option<String>) -> Option<HandoffNote> {
    body.map(|body| HandoffNote {
        id: NoteId::new(),
        body,
    })
}

impl Client {
    /// Takes an unassigned conversation (offline too; a colleague's earlier claim wins at the
    /// server).
    pub fn claim(&self, conversation: ConversationId) -> Result<u64, ClientError> {
        self.submit(Command::Claim { conversation })
    }

    /// The owner hands the conversation to a colleague or into a team's queue, leaving `note`
    /// for whoever takes it (a blank note is refused: `handoff_note_required`).
    pub fn hand_off(
        &self,
        conversation: ConversationId,
        to: AssignTarget,
        note: String,
    ) -> Result<u64, ClientError> {
        self.submit(Command::Assign {
            conversation,
            to,
            reason: None,
            note: handoff_note(Some(note)),
        })
    }

    /// A supervisor assigns the conversation to a colleague or a team; taking it from its
    /// owner needs a `reason` (`reason_required` without one).
    pub fn assign(
        &self,
        conversation: ConversationId,
        to: AssignTarget,
        reason: Option<String>,
    ) -> Result<u64, ClientError> {
        self.submit(Command::Assign {
            conversation,
            to,
            reason,
            note: None,
        })
    }

    /// Puts the conversation back in its team's queue: the owner leaves a `note`, a
    /// supervisor releasing someone else's gives a `reason`.
    pub fn release(
        &self,
        conversation: ConversationId,
        note: Option<String>,
        reason: Option<String>,
    ) -> Result<u64, ClientError> {
        self.submit(Command::Release {
            conversation,
            note: handoff_note(note),
            reason,
        })
    }
}
