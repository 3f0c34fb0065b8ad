//! What WhatsApp tells us: customer messages (idempotent, reopening, window-refreshing) and
//! delivery reports (forward only).

use chrono::Duration;
use relaydesk_core::domain::*;

use crate::world::*;

fn our_reply(w: &mut World, c: ConversationId) -> MessageId {
    let id = MessageId::new();
    w.ok(
        w.desk.conversations[&c].assignee.unwrap_or(w.ana),
        Command::Reply {
            conversation: c,
            message: id,
            body: ReplyBody::Text {
                text: "Hello!".into(),
            },
            in_reply_to: None,
        },
    );
    id
}

fn report(ours: Option<MessageId>, wamid: Option<&Wamid>, report: DeliveryReport) -> Command {
    Command::RecordDelivery {
        message: MessageRef {
            ours,
            wamid: wamid.cloned(),
        },
        wamid: None,
        report,
        at: t0(),
        pricing_category: None,
    }
}

fn status(s: DeliveryStatus) -> DeliveryReport {
    DeliveryReport::Status { status: s }
}

fn failed(code: i64) -> DeliveryStatus {
    DeliveryStatus::Failed {
        error: WhatsAppError {
            code,
            title: "failed".into(),
            details: None,
        },
    }
}

/// Our reply, accepted by WhatsApp with a wamid.
fn sent_reply(w: &mut World) -> (ConversationId, MessageId, Wamid) {
    let c = w.owned_by(w.ana);
    let id = our_reply(w, c);
    let wamid = w.next_wamid();
    let accepted = Command::RecordDelivery {
        message: MessageRef {
            ours: Some(id),
            wamid: None,
        },
        wamid: Some(wamid.clone()),
        report: status(DeliveryStatus::Accepted),
        at: w.now,
        pricing_category: None,
    };
    w.desk
        .execute(Actor::WhatsApp, w.now, &accepted)
        .expect("accepted");
    (c, id, wamid)
}

fn delivery_of(w: &World, id: MessageId) -> DeliveryStatus {
    w.desk.message(id).expect("message").delivery.clone()
}

#[test]
fn a_first_message_opens_a_conversation_in_the_queue_of_the_team_working_that_number() {
    let mut w = World::new();
    let c = w.customer_writes("Hi, I need help");
    let conversation = w.conversation(c);
    assert_eq!(
        (
            conversation.status,
            conversation.assignee,
            conversation.team
        ),
        (Status::Open, None, Some(w.north))
    );
    assert_eq!(conversation.last_inbound_at, Some(w.now));
    assert_eq!(w.desk.messages_of(c).count(), 1);
    assert_eq!(w.desk.messages().count(), 1);
}

#[test]
fn the_same_message_delivered_twice_is_stored_once() {
    let mut w = World::new();
    let inbound = w.inbound_on(w.main_inbox, ContactId::new(), text_content("Hello"));
    w.receive(&inbound).expect("first delivery");
    let before = w.desk.clone();
    assert_eq!(w.receive(&inbound), Ok(vec![]));
    let mut redelivered = inbound.clone();
    redelivered.message_id = MessageId::new(); // a second webhook mints a new id for the same wamid
    assert_eq!(w.receive(&redelivered), Ok(vec![]));
    assert_eq!(w.desk, before);
}

#[test]
fn a_late_older_message_does_not_move_the_window_backwards() {
    let mut w = World::new();
    let contact = ContactId::new();
    let c = w.customer_writes_to(w.main_inbox, contact, "second");
    let latest = w.now;
    let mut older = w.inbound_on(w.main_inbox, contact, text_content("first"));
    older.sent_at = latest - Duration::minutes(3);
    w.receive(&older).expect("accepted");
    assert_eq!(w.conversation(c).last_inbound_at, Some(latest));
    assert_eq!(w.desk.messages_of(c).count(), 2);
}

#[test]
fn unsupported_messages_are_kept_as_a_visible_placeholder_and_count_for_the_window() {
    let mut w = World::new();
    let contact = ContactId::new();
    let poll = Content::Unsupported {
        whatsapp_type: "poll_creation".into(),
        error: Some(WhatsAppError {
            code: 131051,
            title: "Message type unknown".into(),
            details: None,
        }),
    };
    let inbound = w.inbound_on(w.main_inbox, contact, poll);
    w.receive(&inbound).expect("accepted");
    let c = w
        .desk
        .conversation_of_contact(w.main_inbox, contact)
        .expect("conversation");
    let stored = w.desk.messages_of(c.id).next().expect("placeholder");
    assert!(stored.content.summary().contains("poll_creation"));
    assert_eq!(c.last_inbound_at, Some(w.now));
}

#[test]
fn system_notices_neither_refresh_the_window_nor_reopen_the_conversation() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    w.ok(
        w.ana,
        Command::SetStatus {
            conversation: c,
            status: Status::Resolved,
        },
    );
    let opened_window = w.conversation(c).last_inbound_at;
    w.advance(Duration::hours(1));
    let contact = w.conversation(c).contact_id;
    let notice = Content::System {
        kind: "user_changed_number".into(),
        body: "User A changed from 12025550147 to 12025550148".into(),
        new_phone: Some("12025550148".into()),
        new_bsuid: None,
        old_phone: None,
    };
    let inbound = w.inbound_on(w.main_inbox, contact, notice);
    w.receive(&inbound).expect("accepted");
    assert_eq!(w.conversation(c).last_inbound_at, opened_window);
    assert_eq!(w.conversation(c).status, Status::Resolved);
}

#[test]
fn a_reaction_decorates_our_message_without_a_new_turn_and_only_the_newest_counts() {
    let mut w = World::new();
    let (c, ours, wamid) = sent_reply(&mut w);
    let contact = w.conversation(c).contact_id;
    let turns_before = w.desk.messages_of(c).count();
    let window_before = w.conversation(c).last_inbound_at;

    w.advance(Duration::minutes(1));
    let heart = w.inbound_on(
        w.main_inbox,
        contact,
        Content::Reaction {
            target: wamid.clone(),
            emoji: Some("❤️".into()),
        },
    );
    w.advance(Duration::minutes(1));
    let removal = w.inbound_on(
        w.main_inbox,
        contact,
        Content::Reaction {
            target: wamid.clone(),
            emoji: None,
        },
    );
    w.receive(&heart).expect("reaction");
    assert_eq!(
        w.desk
            .message(ours)
            .and_then(|m| m.reaction.clone())
            .as_deref(),
        Some("❤️")
    );
    w.receive(&removal).expect("removal");
    w.receive(&heart)
        .expect("a late redelivery of the older reaction");
    assert_eq!(w.desk.message(ours).and_then(|m| m.reaction.clone()), None);
    assert_eq!(w.desk.messages_of(c).count(), turns_before, "no new turn");
    assert_eq!(
        w.conversation(c).last_inbound_at,
        window_before,
        "reactions do not reopen the window"
    );
}

#[test]
fn out_of_order_and_duplicate_statuses_end_at_read() {
    let mut w = World::new();
    let (_, ours, wamid) = sent_reply(&mut w);
    for s in [
        DeliveryStatus::Read,
        DeliveryStatus::Delivered,
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
    ] {
        w.desk
            .execute(
                Actor::WhatsApp,
                w.now,
                &report(None, Some(&wamid), status(s)),
            )
            .expect("known message");
    }
    assert_eq!(delivery_of(&w, ours), DeliveryStatus::Read);
    let again = report(None, Some(&wamid), status(DeliveryStatus::Read));
    assert_eq!(w.desk.execute(Actor::WhatsApp, w.now, &again), Ok(vec![]));
}

#[test]
fn a_status_that_overtakes_the_send_response_is_matched_by_our_id_and_teaches_the_wamid() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let ours = our_reply(&mut w, c);
    let wamid = w.next_wamid();
    let early = Command::RecordDelivery {
        message: MessageRef {
            ours: Some(ours),
            wamid: Some(wamid.clone()),
        },
        wamid: None,
        report: status(DeliveryStatus::Delivered),
        at: w.now,
        pricing_category: None,
    };
    w.desk
        .execute(Actor::WhatsApp, w.now, &early)
        .expect("matched by our id");
    assert_eq!(w.desk.message_by_wamid(&wamid).map(|m| m.id), Some(ours));
    assert_eq!(delivery_of(&w, ours), DeliveryStatus::Delivered);
    let late_accept = Command::RecordDelivery {
        message: MessageRef {
            ours: Some(ours),
            wamid: None,
        },
        wamid: Some(wamid),
        report: status(DeliveryStatus::Accepted),
        at: w.now,
        pricing_category: None,
    };
    assert_eq!(
        w.desk.execute(Actor::WhatsApp, w.now, &late_accept),
        Ok(vec![])
    );
    assert_eq!(delivery_of(&w, ours), DeliveryStatus::Delivered);
}

#[test]
fn a_failure_ends_an_undelivered_message_but_proof_of_arrival_still_wins() {
    let mut w = World::new();
    let (_, ours, wamid) = sent_reply(&mut w);
    let run = |w: &mut World, s| {
        w.desk.execute(
            Actor::WhatsApp,
            w.now,
            &report(None, Some(&wamid), status(s)),
        )
    };
    run(&mut w, failed(131047)).expect("failed");
    assert_eq!(delivery_of(&w, ours), failed(131047));
    assert_eq!(
        run(&mut w, DeliveryStatus::Sent),
        Ok(vec![]),
        "sent after failed changes nothing"
    );
    assert_eq!(
        run(&mut w, failed(131047)),
        Ok(vec![]),
        "a duplicate failure changes nothing"
    );
    run(&mut w, DeliveryStatus::Delivered).expect("delivered");
    assert_eq!(delivery_of(&w, ours), DeliveryStatus::Delivered);
    assert_eq!(
        run(&mut w, failed(131000)),
        Ok(vec![]),
        "no failure after arrival"
    );
}

#[test]
fn an_undeliverable_failure_flags_the_contact() {
    let mut w = World::new();
    let (c, _, wamid) = sent_reply(&mut w);
    let contact_id = w.conversation(c).contact_id;
    w.desk.contacts.insert(
        contact_id,
        Contact::from_identity(
            contact_id,
            &CustomerIdentity {
                phone: Some("12025550147".into()),
                ..Default::default()
            },
        ),
    );
    let events = w
        .desk
        .execute(
            Actor::WhatsApp,
            w.now,
            &report(None, Some(&wamid), status(failed(131026))),
        )
        .expect("failed");
    assert!(
        events
            .iter()
            .any(|e| matches!(e.change, Change::ContactUnreachable { .. }))
    );
    assert!(w.desk.contacts[&contact_id].unreachable_on_whatsapp);
}

#[test]
fn a_played_voice_note_is_noted_once() {
    let mut w = World::new();
    let (_, ours, wamid) = sent_reply(&mut w);
    w.desk
        .execute(
            Actor::WhatsApp,
            w.now,
            &report(None, Some(&wamid), DeliveryReport::Played),
        )
        .expect("played");
    assert!(w.desk.message(ours).expect("message").played);
    assert_eq!(
        w.desk.execute(
            Actor::WhatsApp,
            w.now,
            &report(None, Some(&wamid), DeliveryReport::Played)
        ),
        Ok(vec![])
    );
}

#[test]
fn a_report_about_an_unknown_message_is_not_found_and_changes_nothing() {
    let mut w = World::new();
    let before = w.desk.clone();
    let unknown = report(
        None,
        Some(&Wamid::new("wamid.UNKNOWN")),
        status(DeliveryStatus::Read),
    );
    assert_eq!(
        outcome(&w.desk.execute(Actor::WhatsApp, w.now, &unknown)),
        "not_found"
    );
    assert_eq!(w.desk, before);
}

#[test]
fn only_whatsapp_delivers_customer_messages_and_whatsapp_cannot_act_as_a_member() {
    let mut w = World::new();
    let c = w.customer_writes("Hi");
    let inbound = w.inbound_on(w.main_inbox, ContactId::new(), text_content("forged"));
    let forged = Command::ReceiveCustomerMessage(Box::new(inbound));
    assert_eq!(outcome(&w.run(w.ada, forged)), "forbidden");
    assert_eq!(
        outcome(&w.desk.execute(Actor::WhatsApp, w.now, &claim(c))),
        "forbidden"
    );
}

#[test]
fn a_customer_without_a_phone_number_is_still_a_contact_with_a_name_to_show() {
    let bsuid_only = CustomerIdentity {
        phone: None,
        bsuid: Some("US.13491208655302741918".into()),
        profile_name: None,
    };
    assert!(bsuid_only.is_identifiable());
    let contact = Contact::from_identity(ContactId::new(), &bsuid_only);
    assert_eq!(contact.display_name(), "US.13491208655302741918");
    let nothing = CustomerIdentity {
        phone: Some(" ".into()),
        ..Default::default()
    };
    assert!(!nothing.is_identifiable());
    let named = CustomerIdentity {
        phone: Some("12025550147".into()),
        bsuid: None,
        profile_name: Some("Marisol Quintero".into()),
    };
    assert_eq!(
        Contact::from_identity(ContactId::new(), &named).display_name(),
        "Marisol Quintero"
    );
}

#[test]
fn of_two_reactions_in_the_same_second_the_first_seen_stays() {
    let mut w = World::new();
    let (c, ours, wamid) = sent_reply(&mut w);
    let contact = w.conversation(c).contact_id;
    let heart = w.inbound_on(
        w.main_inbox,
        contact,
        Content::Reaction {
            target: wamid.clone(),
            emoji: Some("❤️".into()),
        },
    );
    let thumbs = w.inbound_on(
        w.main_inbox,
        contact,
        Content::Reaction {
            target: wamid,
            emoji: Some("👍".into()),
        },
    );
    w.receive(&heart).expect("reaction");
    assert_eq!(w.receive(&thumbs), Ok(vec![]));
    assert_eq!(
        w.desk
            .message(ours)
            .and_then(|m| m.reaction.clone())
            .as_deref(),
        Some("❤️")
    );
}

#[test]
fn a_repeated_status_that_carries_the_wamid_still_teaches_it() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let ours = our_reply(&mut w, c);
    w.desk
        .execute(
            Actor::WhatsApp,
            w.now,
            &report(Some(ours), None, status(DeliveryStatus::Delivered)),
        )
        .expect("matched by our id");
    let wamid = w.next_wamid();
    let accepted_late = Command::RecordDelivery {
        message: MessageRef {
            ours: Some(ours),
            wamid: None,
        },
        wamid: Some(wamid.clone()),
        report: status(DeliveryStatus::Accepted),
        at: w.now,
        pricing_category: None,
    };
    let events = w
        .desk
        .execute(Actor::WhatsApp, w.now, &accepted_late)
        .expect("known");
    assert_eq!(events.len(), 1);
    assert_eq!(w.desk.message_by_wamid(&wamid).map(|m| m.id), Some(ours));
    assert_eq!(delivery_of(&w, ours), DeliveryStatus::Delivered);
}

#[test]
fn the_price_category_whatsapp_reports_is_kept_on_our_message_once() {
    let mut w = World::new();
    let (_, id, wamid) = sent_reply(&mut w);
    let priced = |category: &str, s: DeliveryStatus| Command::RecordDelivery {
        message: MessageRef {
            ours: None,
            wamid: Some(wamid.clone()),
        },
        wamid: None,
        report: status(s),
        at: t0(),
        pricing_category: Some(category.into()),
    };
    let events = w
        .desk
        .execute(
            Actor::WhatsApp,
            w.now,
            &priced("service", DeliveryStatus::Sent),
        )
        .expect("accepted");
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.change, Change::Priced { category, .. } if category == "service"))
    );
    assert_eq!(
        w.desk
            .message(id)
            .expect("ours")
            .pricing_category
            .as_deref(),
        Some("service")
    );
    // Later reports repeat it: nothing new to say.
    let again = w
        .desk
        .execute(
            Actor::WhatsApp,
            w.now,
            &priced("service", DeliveryStatus::Delivered),
        )
        .expect("accepted");
    assert!(
        !again
            .iter()
            .any(|e| matches!(e.change, Change::Priced { .. }))
    );
}
