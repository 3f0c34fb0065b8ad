//! A conversation's own state from the phone — status (resolve, reopen, waiting on the
//! customer, snooze for a while or until a time), labels, priority, the customer's read
//! receipt — and the person's availability. Who may is the domain's rule
//! (`domain::decide::context`, `replying`).

use crate::domain::{
    Availability, Command, ConversationId, Direction, MessageId, Priority, Status, Timestamp,
};

use super::super::{Client, ClientError};

impl Client {
    /// Sets the status (the owner, or a supervisor of its queue).
    pub fn set_status(
        &self,
        conversation: ConversationId,
        status: Status,
    ) -> Result<u64, ClientError> {
        self.submit(Command::SetStatus {
            conversation,
            status,
        })
    }

    /// Resolves it (refused while an escalation waits for a decision).
    pub fn resolve(&self, conversation: ConversationId) -> Result<u64, ClientError> {
        self.set_status(conversation, Status::Resolved)
    }

    /// Opens it again.
    pub fn reopen(&self, conversation: ConversationId) -> Result<u64, ClientError> {
        self.set_status(conversation, Status::Open)
    }

    /// Waiting on the customer (`pending`): the customer's next message opens it again.
    pub fn wait_on_customer(&self, conversation: ConversationId) -> Result<u64, ClientError> {
        self.set_status(conversation, Status::Pending)
    }

    /// Snoozes it until `until` (which must be in the future).
    pub fn snooze_until(
        &self,
        conversation: ConversationId,
        until: Timestamp,
    ) -> Result<u64, ClientError> {
        self.set_status(conversation, Status::Snoozed { until })
    }

    /// Snoozes it for `duration` from now.
    pub fn snooze_for(
        &self,
        conversation: ConversationId,
        duration: std::time::Duration,
    ) -> Result<u64, ClientError> {
        let until = chrono::Duration::from_std(duration)
            .ok()
            .and_then(|d| chrono::Utc::now().checked_add_signed(d))
            .ok_or_else(|| ClientError::InvalidInput("a snooze that long cannot be".into()))?;
        self.snooze_until(conversation, until)
    }

    /// Adds a label (anyone who sees the conversation).
    pub fn add_label(
        &self,
        conversation: ConversationId,
        label: String,
    ) -> Result<u64, ClientError> {
        self.submit(Command::AddLabel {
            conversation,
            label,
        })
    }

    /// Removes a label.
    pub fn remove_label(
        &self,
        conversation: ConversationId,
        label: String,
    ) -> Result<u64, ClientError> {
        self.submit(Command::RemoveLabel {
            conversation,
            label,
        })
    }

    /// Sets the priority (the owner, or a supervisor of its queue).
    pub fn set_priority(
        &self,
        conversation: ConversationId,
        priority: Priority,
    ) -> Result<u64, ClientError> {
        self.submit(Command::SetPriority {
            conversation,
            priority,
        })
    }

    /// Tells the customer their messages were read (blue ticks), up to `message`, or up to
    /// their latest one when `None` (refused as invalid input if they never wrote).
    pub fn mark_read(
        &self,
        conversation: ConversationId,
        message: Option<MessageId>,
    ) -> Result<u64, ClientError> {
        let message = match message {
            Some(message) => message,
            None => self
                .thread(conversation)?
                .and_then(|t| {
                    t.messages
                        .iter()
                        .rev()
                        .find(|m| m.direction == Direction::Inbound)
                        .map(|m| m.id)
                })
                .ok_or_else(|| {
                    ClientError::InvalidInput(format!(
                        "conversation {conversation}: no message from the customer to mark read"
                    ))
                })?,
        };
        self.submit(Command::MarkRead {
            conversation,
            message,
        })
    }

    /// Sets one's own availability (online, away, offline).
    pub fn set_availability(&self, availability: Availability) -> Result<u64, ClientError> {
        self.submit(Command::SetAvailability { availability })
    }
}
