//! How the desk reads on a page: domain values turned into the words and marks a person sees
//! (waiting times, delivery ticks, "assigned Ana → Bo by Carla because …", message bodies).
//! Pure, so every page shows a thing the same way and the wording is tested without a browser.
//!
//! Customer-supplied text is never trusted here or in templates: templates escape everything
//! (askama's HTML escaping), and the few strings that become attributes or links are built
//! from our own ids and numbers only. Bidirectional-override characters in file names are made
//! visible, so "invoice\u{202E}fdp.exe" cannot pass for a PDF.

use chrono::{DateTime, Utc};
use relaydesk_core::domain::{
    By, Change, Contact, Content, DeliveryStatus, EscalationTarget, Handover, MediaKind, Member,
    Message, Severity, Status, Timestamp, UserId, Workspace, reading,
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

fn by(workspace: &Workspace, by: &By) -> String {
    workspace.name_of(*by)
}

fn nobody_or(workspace: &Workspace, id: Option<UserId>) -> String {
    id.map_or_else(|| "nobody".to_owned(), |id| member_name(workspace, id))
}

fn team_name(workspace: &Workspace, id: Option<relaydesk_core::domain::TeamId>) -> String {
    id.and_then(|t| workspace.teams.get(&t))
        .map_or_else(|| "no team".to_owned(), |t| t.name.clone())
}

pub fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
        Severity::Unknown => "unknown",
    }
}

/// "open", "pending", "snoozed until 26 Nov 14:00 UTC", "resolved".
pub fn status_words(status: Status, now: Timestamp) -> String {
    match status.at(now) {
        Status::Snoozed { until } => format!("snoozed until {}", until.format("%d %b %H:%M UTC")),
        other => other.as_str().to_owned(),
    }
}

pub fn target_words(workspace: &Workspace, target: &EscalationTarget) -> String {
    match target {
        EscalationTarget::Team(team) => format!("team {}", team_name(workspace, Some(*team))),
        EscalationTarget::Person(person) => member_name(workspace, *person),
        EscalationTarget::Unknown => "somewhere this server does not know".to_owned(),
    }
}

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

/// One line of the timeline for a change that is not a message or note ("Bo Chen claimed it").
/// `None` for changes the timeline shows elsewhere (delivery ticks sit on their message).
/// `of_approval`: the change carries out an escalation just approved — it is said as part of
/// the escalation, not as a separate act of the approver, and without the reason again.
pub fn event_line(
    workspace: &Workspace,
    actor: &By,
    change: &Change,
    of_approval: bool,
) -> Option<String> {
    if of_approval && let Some(line) = escalation_step(workspace, change) {
        return Some(line);
    }
    let who = by(workspace, actor);
    let because = |reason: &Option<String>| {
        reason
            .as_ref()
            .filter(|r| !r.trim().is_empty())
            .map(|r| format!(" because: {r}"))
            .unwrap_or_default()
    };
    Some(match change {
        Change::ConversationOpened { .. } => "Conversation opened".to_owned(),
        Change::AssignmentChanged {
            from,
            to,
            how,
            reason,
        } => match how {
            Handover::Claimed => format!("{who} claimed it"),
            Handover::ClaimedByReply => format!("{who} claimed it by replying"),
            Handover::Released => format!(
                "{who} released it ({} → nobody){}",
                nobody_or(workspace, *from),
                because(reason)
            ),
            Handover::HandedOff => format!(
                "{who} handed it off: {} → {}",
                nobody_or(workspace, *from),
                nobody_or(workspace, *to)
            ),
            Handover::Assigned | Handover::Escalated => format!(
                "{} {} → {} by {who}{}",
                if *how == Handover::Escalated {
                    "Escalated:"
                } else {
                    "Assigned"
                },
                nobody_or(workspace, *from),
                nobody_or(workspace, *to),
                because(reason)
            ),
            Handover::Unknown => format!(
                "Owner changed: {} → {} by {who}{}",
                nobody_or(workspace, *from),
                nobody_or(workspace, *to),
                because(reason)
            ),
        },
        Change::TeamChanged { from, to, reason } => format!(
            "Moved from {} to {} by {who}{}",
            team_name(workspace, *from),
            team_name(workspace, *to),
            because(reason)
        ),
        Change::LabelAdded { label } => format!("{who} added label “{}”", label.as_str()),
        Change::LabelRemoved { label } => format!("{who} removed label “{}”", label.as_str()),
        Change::StatusChanged { from, to } => format!(
            "{who} changed the status: {} → {}",
            status_words(*from, DateTime::<Utc>::MIN_UTC),
            status_words(*to, DateTime::<Utc>::MIN_UTC)
        ),
        Change::PriorityChanged { from, to } => format!(
            "{who} changed the priority: {} → {}",
            from.as_str(),
            to.as_str()
        ),
        Change::EscalationRequested { escalation } => format!(
            "{who} asked to escalate to {} ({} severity{}) because: {}",
            target_words(workspace, &escalation.target),
            severity_word(escalation.severity),
            escalation
                .raises_priority_to
                .map(|p| format!("; approval makes it {} priority", p.as_str()))
                .unwrap_or_default(),
            escalation.reason
        ),
        Change::EscalationApproved { note, .. } => format!(
            "{who} approved the escalation{}",
            note.as_ref()
                .filter(|n| !n.trim().is_empty())
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ),
        Change::EscalationRejected { reason, .. } => {
            format!("{who} rejected the escalation: {reason}")
        }
        Change::EscalationCancelled { .. } => format!("{who} withdrew the escalation"),
        Change::ContactUnreachable { .. } => {
            "WhatsApp cannot reach this customer: contact them another way".to_owned()
        }
        Change::AvailabilityChanged { .. }
        | Change::CustomerMessageReceived { .. }
        | Change::ReplyQueued { .. }
        | Change::NoteAdded { .. }
        | Change::DeliveryUpdated { .. }
        | Change::Played { .. }
        | Change::Priced { .. }
        | Change::ReadReceiptQueued { .. }
        | Change::ReactionChanged { .. }
        | Change::Unknown => return None,
    })
}

/// A move an approved escalation made, as part of it ("Escalation: moved from North to South").
fn escalation_step(workspace: &Workspace, change: &Change) -> Option<String> {
    Some(match change {
        Change::TeamChanged { from, to, .. } => format!(
            "Escalation: moved from {} to {}",
            team_name(workspace, *from),
            team_name(workspace, *to)
        ),
        Change::AssignmentChanged { from, to, .. } => format!(
            "Escalation: {} → {}",
            nobody_or(workspace, *from),
            nobody_or(workspace, *to)
        ),
        Change::PriorityChanged { from, to } => {
            format!("Escalation: priority {} → {}", from.as_str(), to.as_str())
        }
        _ => return None,
    })
}

/// Whether a member is a supervisor or admin (they see the escalations page and reassign).
pub fn supervises(member: &Member) -> bool {
    member.role != relaydesk_core::domain::Role::Agent
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

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
