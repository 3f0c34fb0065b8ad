//! How the desk reads on a page: domain values turned into the words and marks a person sees
//! (waiting times, window badges, delivery ticks, message bodies, file names). The timeline's
//! lines ("assigned Ana → Bo by Carla because …") are core's
//! [`relaydesk_core::domain::wording`], shared with the phone. Pure, so every page shows a
//! thing the same way and the wording is tested without a browser.
//!
//! Customer-supplied text is never trusted here or in templates: templates escape everything
//! (askama's HTML escaping), and the few strings that become attributes or links are built
//! from our own ids and numbers only. Bidirectional-override characters in file names are made
//! visible, so "invoice\u{202E}fdp.exe" cannot pass for a PDF.

use relaydesk_core::domain::{
    By, Contact, Content, DeliveryStatus, MediaKind, Member, Message, Timestamp, UserId, Workspace,
    reading,
};

use crate::http::media::{Availability, NOT_FETCHED};

/// "just now", "4 min", "2 h 5 min", "3 d 4 h": how long since `since`.
pub fn waited(now: Timestamp, since: Timestamp) -> String {
    let minutes = (now - since).num_minutes().max(0);
    match minutes {
        0 => "just now".to_owned(),
        1..=59 => format!("{minutes} min"),
        60..=1439 => match minutes % 60 {
            0 => format!("{} h", minutes / 60),
            m => format!("{} h {m} min", minutes / 60),
        },
        _ => match (minutes / 60) % 24 {
            0 => format!("{} d", minutes / 1440),
            h => format!("{} d {h} h", minutes / 1440),
        },
    }
}

/// "just now", "4 min ago": how long since `since`, as a sentence ends ("asked 4 min ago").
pub fn waited_ago(now: Timestamp, since: Timestamp) -> String {
    match waited(now, since) {
        just if just == "just now" => just,
        other => format!("{other} ago"),
    }
}

/// The badge a queue row or composer wears for the 24-hour window: closed, or closing within
/// the hour ("closes in 12 min"); nothing while more than an hour is left.
pub fn window_badge(closes_at: Option<Timestamp>, now: Timestamp) -> Option<Badge> {
    let closes_at = closes_at?;
    if closes_at <= now {
        return Some(Badge {
            class: "window-closed",
            text: "window closed".to_owned(),
        });
    }
    let left = closes_at - now;
    (left <= chrono::Duration::hours(1)).then(|| Badge {
        class: "window-closing",
        text: format!(
            "window closes in {}",
            waited(closes_at, now).replace("just now", "<1 min")
        ),
    })
}

/// A small labelled mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub class: &'static str,
    pub text: String,
}

/// A customer as a person reads them: their WhatsApp name, else their number, else their id.
pub fn customer_name(contact: Option<&Contact>) -> String {
    contact
        .and_then(|c| {
            c.profile_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .or_else(|| c.phone.as_ref().map(|p| format!("+{p}")))
                .or_else(|| c.bsuid.clone())
        })
        .unwrap_or_else(|| "Unknown customer".to_owned())
}

/// A member's name, or a plain word when they are unknown.
pub fn member_name(workspace: &Workspace, id: UserId) -> String {
    workspace.name_of(By::Member(id))
}

/// Statuses, severities and escalation targets in words: the timeline's own words, which
/// phones show too ([`relaydesk_core::domain::wording`]).
pub use relaydesk_core::domain::wording::{severity_word, status_words, target_words};

/// A file name as shown: bidirectional controls (which can make "exe" read as "pdf") replaced
/// by a visible mark.
pub fn visible_file_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
                '\u{FFFD}'
            }
            c => c,
        })
        .collect()
}

/// What WhatsApp has told us of one of our messages: the ticks and a word for screen readers.
pub fn ticks(delivery: &DeliveryStatus) -> (&'static str, &'static str) {
    match delivery {
        DeliveryStatus::Queued => ("🕓", "waiting to send"),
        DeliveryStatus::Accepted => ("✓", "accepted by WhatsApp"),
        DeliveryStatus::Sent => ("✓", "sent"),
        DeliveryStatus::Delivered => ("✓✓", "delivered"),
        DeliveryStatus::Read => ("✓✓", "read"),
        DeliveryStatus::Failed { .. } => ("⚠", "not delivered"),
        DeliveryStatus::Unknown => ("?", "in a state this server does not know"),
    }
}

/// A message body, piece by piece, for the template to lay out (every field is plain text
/// except `image`/`file_url`/`map_url`, which are built from our own routes and numbers).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    pub text: Option<String>,
    /// A label in front ("Location", "Contact card", "Template", "Order", "Form answers")
    pub tag: Option<String>,
    pub image: Option<String>,
    /// A voice note or audio file to play in the page (our own route).
    pub audio: Option<String>,
    pub file_url: Option<String>,
    pub file_name: Option<String>,
    pub map_url: Option<String>,
    pub lines: Vec<String>,
    /// Stands in for what cannot be shown here.
    pub placeholder: Option<String>,
    /// How it travelled or where the customer came from ("Forwarded", "Came from an ad: …").
    pub marks: Vec<String>,
    /// The message it replies to, in a few words (or that it is not on this thread).
    pub quote: Option<String>,
    /// Our voice note, listened to by the customer.
    pub played: bool,
}

/// A message as the timeline shows it: the shared reading ([`reading::read`]) plus this page's
/// links. `file` is where its file can be had and whether it is there yet (`None`: we keep no
/// file for it, as for a document we sent by WhatsApp's id); `quoted` finds the message a
/// reply quotes on this thread, by its WhatsApp id.
pub fn body(
    message: &Message,
    file: Option<(&str, Availability)>,
    quoted: impl Fn(&relaydesk_core::domain::Wamid) -> Option<String>,
) -> Body {
    let read = reading::read(message);
    let mut body = Body {
        quote: read.quote_line(quoted),
        text: read.text,
        tag: read.tag,
        lines: read.lines,
        placeholder: read.placeholder,
        marks: read.marks,
        played: read.played,
        ..Body::default()
    };
    match &message.content {
        Content::Media(media) => {
            match file {
                Some((url, Availability::Ready))
                    if media.kind == MediaKind::Image || media.kind == MediaKind::Sticker =>
                {
                    body.image = Some(url.to_owned());
                    body.file_url = Some(url.to_owned());
                }
                Some((url, Availability::Ready)) if media.kind == MediaKind::Audio => {
                    body.audio = Some(url.to_owned());
                    body.file_url = Some(url.to_owned());
                }
                Some((url, Availability::Ready)) => body.file_url = Some(url.to_owned()),
                Some((_, Availability::Coming)) => {
                    body.placeholder = Some("The file is still on its way.".to_owned());
                }
                Some((_, Availability::NotFetched)) => {
                    body.placeholder = Some(format!(
                        "File {NOT_FETCHED} (RELAYDESK_WHATSAPP_ACCESS_TOKEN): it is fetched once the server runs with one, within WhatsApp's 7 days."
                    ));
                }
                Some((_, Availability::Unavailable)) => {
                    body.placeholder = Some(
                        "WhatsApp could not give us this file (too large, expired or removed)."
                            .to_owned(),
                    );
                }
                None => {}
            }
            body.file_name = Some(visible_file_name(
                media
                    .filename
                    .as_deref()
                    .unwrap_or(reading::media_word(media.kind, media.voice)),
            ));
        }
        Content::Location {
            latitude,
            longitude,
            ..
        } => {
            // Built from two numbers only: the customer's own `url` is never made a link.
            body.map_url = Some(format!(
                "https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=16/{latitude}/{longitude}"
            ));
        }
        _ => {}
    }
    body
}

/// Whether a member is a supervisor or admin (they see the escalations page and reassign).
pub fn supervises(member: &Member) -> bool {
    member.role != relaydesk_core::domain::Role::Agent
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(h: u32, m: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, 26, h, m, 0)
            .single()
            .expect("a time")
    }

    #[test]
    fn waiting_times_read_like_a_person_would_say_them() {
        assert_eq!(waited(at(10, 0), at(10, 0)), "just now");
        assert_eq!(
            waited_ago(at(10, 0), at(10, 0)),
            "just now",
            "never 'just now ago'"
        );
        assert_eq!(waited_ago(at(10, 4), at(10, 0)), "4 min ago");
        assert_eq!(waited(at(10, 4), at(10, 0)), "4 min");
        assert_eq!(waited(at(12, 5), at(10, 0)), "2 h 5 min");
        assert_eq!(waited(at(12, 0), at(10, 0)), "2 h");
        assert_eq!(
            waited(at(10, 0) + chrono::Duration::hours(76), at(10, 0)),
            "3 d 4 h"
        );
    }

    #[test]
    fn the_window_badge_appears_in_the_last_hour_and_when_closed() {
        let now = at(10, 0);
        assert_eq!(window_badge(Some(at(13, 0)), now), None);
        assert_eq!(
            window_badge(Some(at(10, 12)), now).map(|b| b.text),
            Some("window closes in 12 min".to_owned())
        );
        assert_eq!(
            window_badge(Some(at(9, 0)), now).map(|b| b.class),
            Some("window-closed")
        );
        assert_eq!(window_badge(None, now), None);
    }

    #[test]
    fn a_right_to_left_override_in_a_file_name_is_made_visible() {
        assert_eq!(
            visible_file_name("invoice\u{202E}fdp.exe"),
            "invoice\u{FFFD}fdp.exe"
        );
        assert_eq!(visible_file_name("plain.pdf"), "plain.pdf");
    }
}
