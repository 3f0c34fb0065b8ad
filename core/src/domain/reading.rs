//! What a message says, for people: the parts every screen shows — the web view's timeline and
//! the phone's thread read them from here, so a photo, an order, a Flow's answers, a quote, a
//! forward or an ad the customer came from read the same everywhere. Pure wording; each screen
//! adds only its own links (file downloads, maps).
//!
//! A WhatsApp notice (the customer changed number) is not a message anyone wrote: it reads as a
//! timeline line ([`notice_line`]), never as a customer's bubble.

use super::content::{
    Content, Forwarded, InteractiveReply, MediaKind, order_total, unsupported_words,
};
use super::ids::Wamid;
use super::message::Message;

/// A message's parts, as a screen lays them out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    /// A label in front ("Photo", "Order", "Form answers", "Location", "Chose" …).
    pub tag: Option<String>,
    /// The words themselves (text, caption, the chosen option, a template's preview).
    pub text: Option<String>,
    /// Further lines: order items and total, a Flow's answers, a location's lines, cards.
    pub lines: Vec<String>,
    /// Stands in for what cannot be shown ("an unsupported message …").
    pub placeholder: Option<String>,
    /// Where the message came from or how it travelled: "Forwarded", "Came from an ad: …",
    /// "Asked about product …".
    pub marks: Vec<String>,
    /// The message this one replies to, by WhatsApp id (the screen finds it on the thread, or
    /// says it is not there).
    pub quotes: Option<Wamid>,
    /// A voice note of ours the customer listened to.
    pub played: bool,
}

/// How a quoted message reads when it is not on this thread (older, or never ours).
pub const UNRESOLVED_QUOTE: &str = "a message that is not in this conversation";

/// Longest quote shown, in characters.
const QUOTE_CHARS: usize = 80;

impl Reading {
    /// The quote line of a reply: the quoted message's words, found by `quoted` (its
    /// [`quote_words`], on the screen's thread), or that it is not in this conversation.
    pub fn quote_line(&self, quoted: impl Fn(&Wamid) -> Option<String>) -> Option<String> {
        self.quotes
            .as_ref()
            .map(|w| quoted(w).unwrap_or_else(|| UNRESOLVED_QUOTE.to_owned()))
    }
}

/// A quoted message in a few words (at most 80 characters), as every screen shows it.
pub fn quote_words(content: &Content) -> String {
    let summary = content.summary();
    match summary.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &summary[..cut]),
        None => summary,
    }
}

/// The parts of `message`.
pub fn read(message: &Message) -> Reading {
    let mut reading = Reading {
        quotes: message.context.reply_to.clone(),
        played: message.played,
        ..Reading::default()
    };
    match &message.content {
        Content::Text { body } => reading.text = Some(body.clone()),
        Content::Media(media) => {
            reading.tag = Some(media_word(media.kind, media.voice).to_owned());
            reading.text = media.caption.clone().filter(|c| !c.trim().is_empty());
        }
        Content::Location {
            latitude,
            longitude,
            name,
            address,
            ..
        } => {
            reading.tag = Some("Location".to_owned());
            reading.lines = [name.clone(), address.clone()]
                .into_iter()
                .flatten()
                .collect();
            reading.lines.push(format!("{latitude:.5}, {longitude:.5}"));
        }
        Content::Contacts { cards } => {
            reading.tag = Some(
                if cards.len() == 1 {
                    "Contact card"
                } else {
                    "Contact cards"
                }
                .to_owned(),
            );
            reading.lines = cards
                .iter()
                .map(|card| {
                    let phones: Vec<&str> = card.phones.iter().map(|p| p.phone.as_str()).collect();
                    if phones.is_empty() {
                        card.formatted_name.clone()
                    } else {
                        format!("{} — {}", card.formatted_name, phones.join(", "))
                    }
                })
                .collect();
        }
        Content::InteractiveReply(InteractiveReply::Flow {
            name,
            body,
            response_json,
            fields,
        }) => {
            reading.tag = Some("Form answers".to_owned());
            reading.text = body.clone().or_else(|| name.clone());
            reading.lines = match fields {
                Some(fields) => fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, f.value))
                    .collect(),
                None => vec![response_json.clone()],
            };
        }
        Content::InteractiveReply(reply) => {
            reading.tag = Some("Chose".to_owned());
            reading.text = Some(reply.title().to_owned());
        }
        Content::TemplateButton { text, .. } => {
            reading.tag = Some("Tapped".to_owned());
            reading.text = Some(text.clone());
        }
        Content::Template { name, preview, .. } => {
            reading.tag = Some(format!("Template {name}"));
            reading.text = Some(preview.clone());
        }
        Content::Order { text, items, .. } => {
            reading.tag = Some("Order".to_owned());
            reading.text = text.clone().filter(|t| !t.trim().is_empty());
            reading.lines = items
                .iter()
                .map(|i| {
                    format!(
                        "{} × {} — {} {}",
                        i.quantity,
                        i.product_retailer_id,
                        money(i.item_price),
                        i.currency
                    )
                })
                .collect();
            match order_total(items) {
                Some((total, currency)) => reading
                    .lines
                    .push(format!("Total: {} {currency}", money(total))),
                None if !items.is_empty() => reading
                    .lines
                    .push("Total: lines in different currencies".to_owned()),
                None => {}
            }
        }
        Content::Unsupported {
            whatsapp_type,
            error,
        } => {
            reading.placeholder = Some(format!(
                "The customer sent {} that cannot be shown here{}; ask them to send it another way.",
                unsupported_words(whatsapp_type),
                error
                    .as_ref()
                    .map(|e| format!(" (WhatsApp: {})", e.title))
                    .unwrap_or_default()
            ));
        }
        Content::Reaction { .. }
        | Content::RequestWelcome
        | Content::System { .. }
        | Content::Unknown => {
            reading.text = Some(message.content.summary());
        }
    }
    match message.context.forwarded {
        Forwarded::No | Forwarded::Unknown => {}
        Forwarded::Forwarded => reading.marks.push("Forwarded".to_owned()),
        Forwarded::FrequentlyForwarded => reading.marks.push("Forwarded many times".to_owned()),
    }
    if let Some(referral) = &message.context.referral {
        let headline = referral
            .headline
            .clone()
            .or_else(|| referral.body.clone())
            .unwrap_or_else(|| "an ad".to_owned());
        let source = referral.source_type.as_deref().unwrap_or("ad");
        let article = if source.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        reading
            .marks
            .push(format!("Came from {article} {source}: {headline}"));
    }
    if let Some(product) = &message.context.referred_product {
        reading.marks.push(format!(
            "Asked about product {} (catalog {})",
            product.product_retailer_id, product.catalog_id
        ));
    }
    reading
}

/// A WhatsApp notice as the timeline line it is ("The customer's number changed from +1… to
/// +1…"); `None` for anything the customer wrote.
pub fn notice_line(content: &Content) -> Option<String> {
    let Content::System {
        kind,
        body,
        new_phone,
        old_phone,
        ..
    } = content
    else {
        return None;
    };
    let plus = |p: &String| format!("+{}", p.trim_start_matches('+'));
    Some(match (kind.as_str(), old_phone, new_phone) {
        ("user_changed_number", Some(old), Some(new)) => {
            format!(
                "The customer's number changed from {} to {}",
                plus(old),
                plus(new)
            )
        }
        ("user_changed_number", None, Some(new)) => {
            format!("The customer's number changed to {}", plus(new))
        }
        ("customer_identity_changed", ..) => {
            "WhatsApp says the customer's identity changed (a new phone or a reinstall)".to_owned()
        }
        ("user_changed_user_id", ..) => "The customer's WhatsApp user id changed".to_owned(),
        _ if body.trim().is_empty() => "A notice from WhatsApp".to_owned(),
        _ => format!("WhatsApp: {body}"),
    })
}

/// What a kind of file is called.
pub fn media_word(kind: MediaKind, voice: bool) -> &'static str {
    match kind {
        MediaKind::Image => "Photo",
        MediaKind::Audio if voice => "Voice message",
        MediaKind::Audio => "Audio",
        MediaKind::Video => "Video",
        MediaKind::Document => "Document",
        MediaKind::Sticker => "Sticker",
        MediaKind::Unknown => "File",
    }
}

/// A price as people write it: two decimals.
fn money(amount: f64) -> String {
    format!("{amount:.2}")
}
