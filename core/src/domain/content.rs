//! What a message says: every kind of WhatsApp message a customer can send, and the two kinds
//! an agent sends (free text and approved templates).
//!
//! Anything WhatsApp sends that we do not understand becomes `Unsupported`, a visible
//! placeholder, so an agent always sees that the customer wrote *something*.

use serde::{Deserialize, Serialize};

use super::ids::Wamid;
use super::template::TemplateParams;

pub use super::limits::{MAX_CAPTION_CHARS, MAX_OUTBOUND_TEXT_CHARS};

/// The body of a message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Plain text (emoji-only and very long bodies included; stored untouched).
    Text { body: String },
    /// Image, audio/voice note, video, document or sticker.
    Media(Media),
    /// A shared location; a dropped pin has only coordinates.
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
        url: Option<String>,
    },
    /// Shared contact cards. Never merged into our contacts automatically.
    Contacts { cards: Vec<SharedContact> },
    /// The customer's answer to one of our interactive messages.
    InteractiveReply(InteractiveReply),
    /// A tap on a template's quick-reply button: act on `payload`, show `text`.
    TemplateButton { payload: String, text: String },
    /// A reaction on one of our messages; `emoji: None` removes it. Not a conversation turn.
    Reaction {
        target: Wamid,
        emoji: Option<String>,
    },
    /// A catalog order.
    Order {
        catalog_id: String,
        text: Option<String>,
        items: Vec<OrderItem>,
    },
    /// A notice from WhatsApp itself (the customer changed number, identity or user id): a
    /// line on the timeline, never something the customer wrote.
    System {
        kind: String,
        body: String,
        new_phone: Option<String>,
        new_bsuid: Option<String>,
        /// The number the customer wrote from before (`from` of a number change).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_phone: Option<String>,
    },
    /// The customer opened the chat for the first time and has not written yet.
    RequestWelcome,
    /// Something WhatsApp could not or we do not render (polls, edits, unknown types): shown
    /// as "the customer sent a message that cannot be displayed here".
    Unsupported {
        whatsapp_type: String,
        error: Option<WhatsAppError>,
    },
    /// An outbound approved template with its parameters; `preview` is the text as the
    /// customer will read it.
    Template {
        name: String,
        language: String,
        #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, String>))]
        params: TemplateParams,
        preview: String,
    },
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl Content {
    /// Whether an inbound message of this kind opens or restarts the 24-hour window.
    ///
    /// Reactions and system notices are not messages the customer wrote to us; WhatsApp's
    /// documentation is unclear on them, so we stay conservative and do not count them.
    /// An unsupported message *is* something the customer wrote, so it counts.
    pub fn refreshes_window(&self) -> bool {
        !matches!(self, Content::Reaction { .. } | Content::System { .. })
    }

    /// One line for queue lists and notifications.
    pub fn summary(&self) -> String {
        match self {
            Content::Text { body } => body.clone(),
            Content::Media(media) => match &media.caption {
                Some(caption) if !caption.trim().is_empty() => {
                    format!("[{}] {caption}", media.kind.as_str())
                }
                _ => format!("[{}]", media.kind.as_str()),
            },
            Content::Location { name, .. } => match name {
                Some(name) => format!("[location] {name}"),
                None => "[location]".to_owned(),
            },
            Content::Contacts { cards } => format!("[{} contact card(s)]", cards.len()),
            Content::InteractiveReply(reply) => reply.title().to_owned(),
            Content::TemplateButton { text, .. } => text.clone(),
            Content::Reaction { emoji, .. } => match emoji {
                Some(emoji) => format!("reacted {emoji}"),
                None => "removed a reaction".to_owned(),
            },
            Content::Order { items, .. } => format!("[order of {} item(s)]", items.len()),
            Content::System { body, .. } => body.clone(),
            Content::RequestWelcome => "[opened the chat]".to_owned(),
            Content::Unsupported { whatsapp_type, .. } => {
                format!(
                    "[the customer sent {} that cannot be shown here]",
                    unsupported_words(whatsapp_type)
                )
            }
            Content::Template { preview, .. } => preview.clone(),
            Content::Unknown => "[a kind of message this app does not show yet]".to_owned(),
        }
    }
}

/// "an unsupported message", "a poll message", "an edit message": what WhatsApp's type names,
/// with the right article ("unknown" and "unsupported" read as an unsupported message).
pub fn unsupported_words(whatsapp_type: &str) -> String {
    let kind = match whatsapp_type.trim() {
        "" | "unknown" | "unsupported" => "unsupported",
        other => other,
    };
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind} message")
}

/// Which kind of media.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Audio,
    Video,
    Document,
    Sticker,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl MediaKind {
    /// WhatsApp's name for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
            MediaKind::Unknown => "unknown",
        }
    }
}

/// A media attachment as WhatsApp described it. The bytes are fetched by the server into its
/// blob store; WhatsApp's short-lived URL is never shown to agents.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub kind: MediaKind,
    /// WhatsApp's media id (downloadable for 7 days).
    pub whatsapp_media_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Documents keep their file name byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// A push-to-talk voice note.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub voice: bool,
    /// An animated sticker.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub animated: bool,
}

/// One shared contact card.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedContact {
    pub formatted_name: String,
    pub phones: Vec<SharedPhone>,
    pub emails: Vec<String>,
    pub organization: Option<String>,
}

/// A phone number on a shared card; `wa_id` only when that number is on WhatsApp.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedPhone {
    pub phone: String,
    pub wa_id: Option<String>,
    pub label: Option<String>,
}

/// A customer's choice in one of our interactive messages. Route on the id, never the title.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InteractiveReply {
    Button {
        id: String,
        title: String,
    },
    List {
        id: String,
        title: String,
        description: Option<String>,
    },
    /// A WhatsApp Flow's answer; `response_json` is the JSON text WhatsApp sent, `fields`
    /// what it says (`None` when it was not a JSON object: the raw text is all there is).
    Flow {
        name: Option<String>,
        body: Option<String>,
        response_json: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fields: Option<Vec<FlowField>>,
    },
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

impl InteractiveReply {
    /// What the customer saw and picked.
    pub fn title(&self) -> &str {
        match self {
            InteractiveReply::Button { title, .. } | InteractiveReply::List { title, .. } => title,
            InteractiveReply::Flow { body, .. } => body.as_deref().unwrap_or("[form submitted]"),
            InteractiveReply::Unknown => "[an answer this app does not show yet]",
        }
    }
}

/// One answer in a WhatsApp Flow's response: the field's name and its value as text.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowField {
    pub name: String,
    pub value: String,
}

/// One line of a catalog order. WhatsApp documents prices as integers but sends decimals.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub product_retailer_id: String,
    pub quantity: u32,
    pub item_price: f64,
    pub currency: String,
}

impl OrderItem {
    /// Quantity × price.
    pub fn line_total(&self) -> f64 {
        f64::from(self.quantity) * self.item_price
    }
}

/// What an order comes to, when all its lines are in one currency.
pub fn order_total(items: &[OrderItem]) -> Option<(f64, &str)> {
    let currency = items.first()?.currency.as_str();
    items
        .iter()
        .all(|i| i.currency == currency)
        .then(|| (items.iter().map(OrderItem::line_total).sum(), currency))
}

/// An error WhatsApp reported, on a message or a delivery status. Branch on `code`, show
/// `details`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WhatsAppError {
    pub code: i64,
    pub title: String,
    pub details: Option<String>,
}

impl WhatsAppError {
    /// What an agent should be told, in their words.
    pub fn explanation(&self) -> String {
        match self.code {
            131047 => "The 24-hour window is closed: send an approved template instead.".into(),
            131026 => "WhatsApp cannot deliver to this customer: reach them another way.".into(),
            131051 => "This message type is not supported.".into(),
            132000..=132999 => format!("The template was refused by WhatsApp: {}", self.title),
            _ => match &self.details {
                Some(details) if !details.is_empty() => format!("{} ({details})", self.title),
                _ => self.title.clone(),
            },
        }
    }
}

/// How an inbound message relates to others.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageContext {
    /// The message the customer replied to (our outbound wamid); left unresolved if unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Wamid>,
    #[serde(default, skip_serializing_if = "Forwarded::is_no")]
    pub forwarded: Forwarded,
    /// A product the customer asked about from a catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_product: Option<ReferredProduct>,
    /// The Click-to-WhatsApp ad the customer came from (attribution, not customer text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
}

impl MessageContext {
    /// Nothing to say (most messages): stored and sent without it.
    pub fn is_empty(&self) -> bool {
        *self == MessageContext::default()
    }
}

impl Forwarded {
    fn is_no(&self) -> bool {
        *self == Forwarded::No
    }
}

/// Whether the customer forwarded this message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Forwarded {
    #[default]
    No,
    /// Forwarded up to five times.
    Forwarded,
    /// Forwarded more than five times.
    FrequentlyForwarded,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

/// A catalog product a message refers to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferredProduct {
    pub catalog_id: String,
    pub product_retailer_id: String,
}

/// Click-to-WhatsApp ad attribution: where the customer came from. Not customer text.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub source_id: Option<String>,
    pub source_type: Option<String>,
    pub source_url: Option<String>,
    pub headline: Option<String>,
    pub body: Option<String>,
    pub ctwa_clid: Option<String>,
}
