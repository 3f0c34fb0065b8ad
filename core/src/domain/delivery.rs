//! Delivery of our outbound messages, as WhatsApp reports it.
//!
//! Statuses arrive out of order, duplicated, with `delivered` skipped, and sometimes before our
//! send call has even returned the message's wamid. The rule that makes that harmless lives
//! here: a status only ever moves forward (queued < accepted < sent < delivered < read), and a
//! repeat is a no-op. `failed` ends a message that has not arrived; a later `delivered` or
//! `read` still wins, because multi-device customers do produce that sequence and the message
//! demonstrably arrived. `played` (a voice note was listened to) is an annotation, not a step.

use serde::{Deserialize, Serialize};

use super::content::WhatsAppError;

/// Where an outbound message stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// In our send queue, not yet accepted by WhatsApp.
    Queued,
    /// WhatsApp's send API accepted it and gave it a wamid.
    Accepted,
    /// One tick.
    Sent,
    /// Two ticks.
    Delivered,
    /// Blue ticks.
    Read,
    /// WhatsApp could not send it; the error says why.
    Failed { error: WhatsAppError },
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl DeliveryStatus {
    /// Position on the forward-only ladder. `Failed` sits beside `Sent`: it can replace
    /// queued, accepted or sent, and is itself replaced only by proof of arrival.
    fn rank(&self) -> u8 {
        match self {
            DeliveryStatus::Queued => 0,
            DeliveryStatus::Accepted => 1,
            DeliveryStatus::Sent | DeliveryStatus::Failed { .. } => 2,
            DeliveryStatus::Delivered => 3,
            DeliveryStatus::Read => 4,
            // A state a newer server knows: never replaced by what this build reads.
            DeliveryStatus::Unknown => 5,
        }
    }

    /// Whether the message reached the customer's phone.
    pub fn arrived(&self) -> bool {
        matches!(self, DeliveryStatus::Delivered | DeliveryStatus::Read)
    }

    /// The word used on the wire and in storage.
    pub fn as_str(&self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Unknown => "unknown",
            DeliveryStatus::Failed { .. } => "failed",
        }
    }
}

/// One report about an outbound message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum DeliveryReport {
    /// A new position on the ladder (or a failure).
    Status { status: DeliveryStatus },
    /// The customer played a voice note.
    Played,
}

/// What a report changes on a message whose current state is (`current`, `played`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryChange {
    /// Move to this status.
    Advance(DeliveryStatus),
    /// Mark as played.
    Played,
    /// Nothing: a duplicate, a step backwards, or news that no longer matters.
    Nothing,
}

/// The forward-only rule.
pub fn delivery_change(
    current: &DeliveryStatus,
    played: bool,
    report: &DeliveryReport,
) -> DeliveryChange {
    match report {
        DeliveryReport::Played if played => DeliveryChange::Nothing,
        DeliveryReport::Played => DeliveryChange::Played,
        DeliveryReport::Status { status: new } => {
            let moves_forward = match (current, new) {
                // A failure only replaces a message that has not yet arrived, and only once.
                (DeliveryStatus::Failed { .. }, DeliveryStatus::Failed { .. }) => false,
                (_, DeliveryStatus::Failed { .. }) => !current.arrived(),
                // After a failure only proof of arrival counts.
                (DeliveryStatus::Failed { .. }, new) => new.arrived(),
                (current, new) => new.rank() > current.rank(),
            };
            if moves_forward {
                DeliveryChange::Advance(new.clone())
            } else {
                DeliveryChange::Nothing
            }
        }
    }
}
