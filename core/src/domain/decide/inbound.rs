//! What WhatsApp tells us: customer messages and delivery reports.
//!
//! Both are idempotent and order-proof, because WhatsApp redelivers for days and never
//! promises order: a message whose wamid we know changes nothing; a reaction older than the
//! one we have changes nothing; a delivery report only moves a message forward.

use super::super::command::{InboundMessage, MessageRef};
use super::super::content::Content;
use super::super::conversation::Status;
use super::super::delivery::{DeliveryChange, DeliveryReport, DeliveryStatus, delivery_change};
use super::super::desk::Desk;
use super::super::event::{By, Change, Event};
use super::super::ids::Wamid;
use super::super::message::{Direction, Message};
use super::super::rejection::{Entity, Rejection};
use super::super::window::Timestamp;

/// WhatsApp error code: the customer cannot be reached on WhatsApp.
const UNDELIVERABLE: i64 = 131026;

pub(super) fn receive(
    desk: &Desk,
    now: Timestamp,
    inbound: &InboundMessage,
) -> Result<Vec<Event>, Rejection> {
    let inbox = desk
        .workspace
        .inboxes
        .get(&inbound.inbox)
        .ok_or_else(|| Rejection::not_found(Entity::Inbox, inbound.inbox))?;
    // WhatsApp redelivers: a wamid we know is a message we have.
    if desk.message_by_wamid(&inbound.wamid).is_some() {
        return Ok(vec![]);
    }
    if let Content::Reaction { target, emoji } = &inbound.content {
        return react(desk, inbound, target, emoji.as_ref());
    }

    let mut events = Vec::new();
    let existing = desk.conversation_of_contact(inbound.inbox, inbound.contact);
    let conversation = existing.map_or(inbound.new_conversation, |c| c.id);
    let event = |at: Timestamp, change: Change| Event {
        conversation: Some(conversation),
        at,
        by: By::Customer,
        change,
    };
    match existing {
        None => events.push(event(
            now,
            Change::ConversationOpened {
                inbox: inbox.id,
                contact: inbound.contact,
                // An inbox worked by exactly one team lands in that team's queue; with several,
                // routing (or a supervisor) picks.
                team: (inbox.teams.len() == 1)
                    .then(|| inbox.teams.first().copied())
                    .flatten(),
                referral: inbound.context.referral.clone(),
            },
        )),
        // The customer wrote again: waiting, snoozed and resolved conversations need us again.
        Some(c) if c.status != Status::Open && inbound.content.refreshes_window() => {
            events.push(event(
                now,
                Change::StatusChanged {
                    from: c.status,
                    to: Status::Open,
                },
            ))
        }
        Some(_) => {}
    }
    let message = Message {
        id: inbound.message_id,
        conversation_id: conversation,
        direction: Direction::Inbound,
        author: None,
        wamid: Some(inbound.wamid.clone()),
        content: inbound.content.clone(),
        context: inbound.context.clone(),
        at: inbound.sent_at,
        delivery: DeliveryStatus::Delivered,
        played: false,
        reaction: None,
        reaction_at: None,
        read_by_us: false,
        pricing_category: None,
    };
    events.push(event(
        now,
        Change::CustomerMessageReceived {
            message: Box::new(message),
        },
    ));
    Ok(events)
}

/// A reaction decorates the message it targets; only the newest reaction counts.
fn react(
    desk: &Desk,
    inbound: &InboundMessage,
    target: &Wamid,
    emoji: Option<&String>,
) -> Result<Vec<Event>, Rejection> {
    let message = desk
        .message_by_wamid(target)
        .ok_or_else(|| Rejection::not_found(Entity::Message, target))?;
    let emoji = emoji.filter(|e| !e.is_empty()).cloned();
    let newer = message.reaction_at.is_none_or(|at| inbound.sent_at > at);
    if !newer || message.reaction == emoji {
        return Ok(vec![]);
    }
    Ok(vec![Event {
        conversation: Some(message.conversation_id),
        at: inbound.sent_at,
        by: By::Customer,
        change: Change::ReactionChanged {
            message: message.id,
            emoji,
        },
    }])
}

pub(super) fn record_delivery(
    desk: &Desk,
    target: &MessageRef,
    wamid: Option<&Wamid>,
    report: &DeliveryReport,
    at: Timestamp,
    pricing_category: Option<&str>,
) -> Result<Vec<Event>, Rejection> {
    let message = target
        .ours
        .and_then(|id| desk.message(id))
        .or_else(|| target.wamid.as_ref().and_then(|w| desk.message_by_wamid(w)))
        .or_else(|| wamid.and_then(|w| desk.message_by_wamid(w)))
        .ok_or_else(|| {
            let id = target.ours.map(|id| id.to_string());
            let wamid = target.wamid.as_ref().or(wamid).map(Wamid::to_string);
            Rejection::not_found(Entity::Message, id.or(wamid).unwrap_or_default())
        })?;
    if message.direction != Direction::Outbound {
        return Err(Rejection::invalid(
            "message",
            "delivery reports are about our own messages",
        ));
    }
    let learned = match message.wamid {
        Some(_) => None,
        None => wamid.or(target.wamid.as_ref()).cloned(),
    };
    let event = |change: Change| Event {
        conversation: Some(message.conversation_id),
        at,
        by: By::WhatsApp,
        change,
    };
    let mut events = Vec::new();
    match delivery_change(&message.delivery, message.played, report) {
        DeliveryChange::Advance(status) => {
            let undeliverable =
                matches!(&status, DeliveryStatus::Failed { error } if error.code == UNDELIVERABLE);
            events.push(event(Change::DeliveryUpdated {
                message: message.id,
                wamid: learned,
                status,
            }));
            if undeliverable
                && let Some(conversation) = desk.conversations.get(&message.conversation_id)
            {
                events.push(event(Change::ContactUnreachable {
                    contact: conversation.contact_id,
                }));
            }
        }
        DeliveryChange::Played => {
            if learned.is_some() {
                events.push(event(Change::DeliveryUpdated {
                    message: message.id,
                    wamid: learned,
                    status: message.delivery.clone(),
                }));
            }
            events.push(event(Change::Played {
                message: message.id,
            }));
        }
        DeliveryChange::Nothing if learned.is_some() => {
            events.push(event(Change::DeliveryUpdated {
                message: message.id,
                wamid: learned,
                status: message.delivery.clone(),
            }))
        }
        DeliveryChange::Nothing => {}
    }
    // The price category comes with a report (sent, delivered); it is learned once.
    if let Some(category) = pricing_category.filter(|c| !c.trim().is_empty())
        && message.pricing_category.is_none()
    {
        events.push(event(Change::Priced {
            message: message.id,
            category: category.to_owned(),
        }));
    }
    Ok(events)
}
