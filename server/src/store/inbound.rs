//! What a channel delivered, in domain terms: the plain data webhook ingest stores
//! (`super::ingest`). The WhatsApp channel reads Meta's JSON into it
//! (`crate::whatsapp::notification`); nothing here knows that JSON.

use relaydesk_core::domain::{
    Content, CustomerIdentity, DeliveryReport, MessageContext, MessageId, Timestamp, Wamid,
    WhatsAppError,
};

/// Everything one delivery said, grouped by the business number it concerns.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Notification {
    pub numbers: Vec<NumberUpdates>,
    /// Changes of fields we do not act on (template status, quality, account updates …).
    pub ignored_fields: Vec<String>,
    /// Items that could not be read at all, with why (logged; the raw payload is kept).
    pub skipped: Vec<String>,
}

/// What happened on one business number (`metadata.phone_number_id`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct NumberUpdates {
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub messages: Vec<InboundItem>,
    pub statuses: Vec<StatusItem>,
    /// Account-level errors (`value.errors`, e.g. 130429 throughput reached).
    pub errors: Vec<WhatsAppError>,
}

/// One customer message.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundItem {
    pub wamid: Wamid,
    pub from: CustomerIdentity,
    pub sent_at: Timestamp,
    pub content: Content,
    pub context: MessageContext,
}

/// One delivery report about our message.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusItem {
    pub wamid: Wamid,
    /// Our message id, echoed back from `biz_opaque_callback_data` when we set it.
    pub ours: Option<MessageId>,
    pub report: DeliveryReport,
    pub at: Timestamp,
    pub recipient: CustomerIdentity,
    /// Meta's pricing category (`utility`, `service` …), when given.
    pub pricing_category: Option<String>,
}
