//! Reply discipline and the 24-hour window.

use chrono::Duration;
use relaydesk_core::domain::*;

use crate::world::*;

fn template(conversation: ConversationId, params: &[(&str, &str)]) -> Command {
    Command::Reply {
        conversation,
        message: MessageId::new(),
        body: ReplyBody::Template {
            name: "order_update".into(),
            language: "en_US".into(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        },
        in_reply_to: None,
    }
}

const ORDER_PARAMS: [(&str, &str); 3] = [
    ("body.1", "Marisol"),
    ("body.2", "A-20931"),
    ("button.0", "A-20931"),
];

#[test]
fn replying_to_an_unassigned_conversation_claims_it_in_the_same_step() {
    let mut w = World::new();
    let c = w.customer_writes("Is the shop open on Sunday?");
    let events = w.ok(w.bruno, reply(c, "Yes, 10:00 to 16:00."));
    assert_eq!(
        World::handovers(&events),
        vec![(None, Some(w.bruno), Handover::ClaimedByReply)]
    );
    assert!(
        matches!(&events[1].change, Change::ReplyQueued { message } if message.delivery == DeliveryStatus::Queued)
    );
    assert_eq!(w.conversation(c).assignee, Some(w.bruno));
}

#[test]
fn only_the_owner_replies_not_a_colleague_and_not_a_supervisor() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let expected = Err(Rejection::NotOwner {
        owner: w.ana,
        owner_name: "Ana".into(),
    });
    assert_eq!(w.run(w.bruno, reply(c, "I can help!")), expected);
    assert_eq!(w.run(w.sofia, reply(c, "Supervisor here")), expected);
    assert_eq!(w.run(w.ada, reply(c, "Admin here")), expected);
    assert_eq!(
        w.desk.messages_of(c).count(),
        1,
        "only the customer's message"
    );
}

#[test]
fn free_text_is_refused_once_24_hours_have_passed_since_the_customer_last_wrote() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let wrote_at = w.now;
    w.advance(Duration::hours(23) + Duration::minutes(59));
    w.ok(w.ana, reply(c, "Still within the window"));
    w.advance(Duration::minutes(1));
    assert_eq!(
        w.run(w.ana, reply(c, "Exactly 24 h later")),
        Err(Rejection::WindowClosed {
            closed_at: Some(wrote_at + WINDOW)
        })
    );
}

#[test]
fn our_own_messages_do_not_extend_the_window_but_the_customers_do() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let first = w.now;
    w.advance(Duration::hours(20));
    w.ok(w.ana, reply(c, "Any news?"));
    assert_eq!(w.conversation(c).window_closes_at(), Some(first + WINDOW));

    let contact = w.conversation(c).contact_id;
    w.advance(Duration::hours(2));
    w.customer_writes_to(w.main_inbox, contact, "Yes, it arrived");
    assert_eq!(w.conversation(c).window_closes_at(), Some(w.now + WINDOW));
}

#[test]
fn an_approved_template_may_be_sent_after_the_window_closed() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    w.advance(Duration::days(3));
    let events = w.ok(w.ana, template(c, &ORDER_PARAMS));
    match &events[0].change {
        Change::ReplyQueued { message } => match &message.content {
            Content::Template { preview, .. } => {
                assert_eq!(preview, "Hi Marisol, your order A-20931 is on its way.");
            }
            other => panic!("unexpected content {other:?}"),
        },
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_template_must_fill_every_slot_and_nothing_else() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let missing = w.run(w.ana, template(c, &ORDER_PARAMS[..2]));
    assert!(
        matches!(missing, Err(Rejection::Invalid { ref field, ref reason }) if field == "params" && reason.contains("button.0"))
    );
    let extra = w.run(
        w.ana,
        template(
            c,
            &[
                ORDER_PARAMS[0],
                ORDER_PARAMS[1],
                ORDER_PARAMS[2],
                ("body.3", "x"),
            ],
        ),
    );
    assert!(
        matches!(extra, Err(Rejection::Invalid { ref reason, .. }) if reason.contains("body.3"))
    );
    let newline = w.run(
        w.ana,
        template(
            c,
            &[("body.1", "Mari\nsol"), ORDER_PARAMS[1], ORDER_PARAMS[2]],
        ),
    );
    assert_eq!(outcome(&newline), "invalid");
}

#[test]
fn a_paused_or_unknown_template_is_refused_before_it_reaches_whatsapp() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let paused = Command::Reply {
        conversation: c,
        message: MessageId::new(),
        body: ReplyBody::Template {
            name: "spring_sale".into(),
            language: "en_US".into(),
            params: TemplateParams::new(),
        },
        in_reply_to: None,
    };
    assert!(
        matches!(w.run(w.ana, paused), Err(Rejection::Invalid { field, reason }) if field == "template" && reason.contains("not approved"))
    );
    let wrong_language = Command::Reply {
        conversation: c,
        message: MessageId::new(),
        body: ReplyBody::Template {
            name: "order_update".into(),
            language: "pt_BR".into(),
            params: TemplateParams::new(),
        },
        in_reply_to: None,
    };
    assert_eq!(outcome(&w.run(w.ana, wrong_language)), "invalid");
}

#[test]
fn a_retried_reply_with_the_same_id_is_sent_only_once() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let command = reply(c, "On its way!");
    w.ok(w.ana, command.clone());
    assert_eq!(w.run(w.ana, command), Ok(vec![]));
    assert_eq!(
        w.desk
            .messages_of(c)
            .filter(|m| m.direction == Direction::Outbound)
            .count(),
        1
    );
}

#[test]
fn empty_and_over_long_replies_are_refused_with_the_reason() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    assert_eq!(outcome(&w.run(w.ana, reply(c, "  \n "))), "invalid");
    let long = "x".repeat(4097);
    assert!(
        matches!(w.run(w.ana, reply(c, &long)), Err(Rejection::Invalid { reason, .. }) if reason.contains("4096"))
    );
    w.ok(w.ana, reply(c, &"é".repeat(4096)));
}

#[test]
fn a_reply_quoting_a_customer_message_carries_its_wamid() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let theirs = w
        .desk
        .messages_of(c)
        .next()
        .expect("customer message")
        .clone();
    let command = Command::Reply {
        conversation: c,
        message: MessageId::new(),
        body: ReplyBody::Text {
            text: "About this:".into(),
        },
        in_reply_to: Some(theirs.id),
    };
    let events = w.ok(w.ana, command);
    assert!(
        matches!(&events[0].change, Change::ReplyQueued { message } if message.context.reply_to == theirs.wamid)
    );
}

#[test]
fn the_window_function_counts_24_hours_from_the_last_inbound_message() {
    let at = t0();
    assert_eq!(window_closes_at(None), None);
    assert!(!window_is_open(None, at));
    assert_eq!(window_closes_at(Some(at)), Some(at + Duration::hours(24)));
    assert!(window_is_open(
        Some(at),
        at + Duration::hours(24) - Duration::seconds(1)
    ));
    assert!(!window_is_open(Some(at), at + Duration::hours(24)));
    assert_eq!(
        window_time_left(Some(at), at + Duration::hours(23)),
        Duration::hours(1)
    );
    assert_eq!(
        window_time_left(Some(at), at + Duration::hours(25)),
        Duration::zero()
    );
}

#[test]
fn a_reply_cannot_reuse_the_id_of_a_customer_message() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let theirs = w.desk.messages_of(c).next().expect("customer message").id;
    let reuse = Command::Reply {
        conversation: c,
        message: theirs,
        body: ReplyBody::Text { text: "hi".into() },
        in_reply_to: None,
    };
    assert!(
        matches!(w.run(w.ana, reuse), Err(Rejection::Invalid { field, .. }) if field == "message")
    );
}

fn media(conversation: ConversationId, kind: MediaKind, caption: Option<&str>) -> Command {
    Command::Reply {
        conversation,
        message: MessageId::new(),
        body: ReplyBody::Media {
            kind,
            whatsapp_media_id: "1013859600285441".into(),
            caption: caption.map(str::to_owned),
            filename: Some("Invoice_été.pdf".into()),
        },
        in_reply_to: None,
    }
}

#[test]
fn files_go_out_inside_the_window_with_captions_only_where_whatsapp_shows_them() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let events = w.ok(w.ana, media(c, MediaKind::Document, Some("Your invoice")));
    let Change::ReplyQueued { message } = &events[0].change else {
        panic!("queued")
    };
    let Content::Media(sent) = &message.content else {
        panic!("media")
    };
    assert_eq!(
        (sent.filename.as_deref(), sent.caption.as_deref()),
        (Some("Invoice_été.pdf"), Some("Your invoice"))
    );
    assert!(
        matches!(w.run(w.ana, media(c, MediaKind::Audio, Some("listen"))), Err(Rejection::Invalid { field, .. }) if field == "caption")
    );
    let long = "c".repeat(1025);
    assert_eq!(
        outcome(&w.run(w.ana, media(c, MediaKind::Image, Some(&long)))),
        "invalid"
    );
    let image = w.ok(w.ana, media(c, MediaKind::Image, None));
    assert!(
        matches!(&image[0].change, Change::ReplyQueued { message } if matches!(&message.content, Content::Media(m) if m.filename.is_none())),
        "only documents keep a file name"
    );
    w.advance(chrono::Duration::days(2));
    assert_eq!(
        outcome(&w.run(w.ana, media(c, MediaKind::Image, None))),
        "window_closed"
    );
}

#[test]
fn an_agent_reacts_to_the_customers_message_not_to_ours_and_only_inside_the_window() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let theirs = w
        .desk
        .messages_of(c)
        .next()
        .expect("customer message")
        .clone();
    let react = |to: MessageId, emoji: Option<&str>| Command::Reply {
        conversation: c,
        message: MessageId::new(),
        body: ReplyBody::Reaction {
            to,
            emoji: emoji.map(str::to_owned),
        },
        in_reply_to: None,
    };
    let events = w.ok(w.ana, react(theirs.id, Some("👍")));
    assert!(
        matches!(&events[0].change, Change::ReplyQueued { message } if message.content == Content::Reaction { target: theirs.wamid.clone().expect("wamid"), emoji: Some("👍".into()) })
    );
    let ours = w
        .desk
        .messages_of(c)
        .find(|m| m.direction == Direction::Outbound)
        .expect("our reaction")
        .id;
    assert_eq!(outcome(&w.run(w.ana, react(ours, Some("👍")))), "invalid");
    assert_eq!(
        outcome(&w.run(w.ana, react(MessageId::new(), Some("👍")))),
        "not_found"
    );
    w.advance(chrono::Duration::days(2));
    assert_eq!(
        outcome(&w.run(w.ana, react(theirs.id, None))),
        "window_closed"
    );
}

#[test]
fn only_the_owner_sends_a_read_receipt_and_only_once_per_message() {
    let mut w = World::new();
    let c = w.customer_writes("Hello?");
    let theirs = w.desk.messages_of(c).next().expect("customer message").id;
    let mark = || Command::MarkRead {
        conversation: c,
        message: theirs,
    };
    assert!(
        matches!(w.run(w.ana, mark()), Err(Rejection::Forbidden { reason }) if reason.contains("claim"))
    );
    w.ok(w.ana, claim(c));
    assert_eq!(
        outcome(&w.run(w.sofia, mark())),
        "not_owner",
        "a supervisor glancing does not send blue ticks"
    );
    let events = w.ok(w.ana, mark());
    assert!(matches!(events[0].change, Change::ReadReceiptQueued { message } if message == theirs));
    assert!(w.desk.message(theirs).expect("message").read_by_us);
    assert_eq!(w.run(w.ana, mark()), Ok(vec![]), "once per message");
    w.ok(w.ana, reply(c, "Hi!"));
    let ours = w
        .desk
        .messages_of(c)
        .find(|m| m.direction == Direction::Outbound)
        .expect("ours")
        .id;
    let ours_marked = Command::MarkRead {
        conversation: c,
        message: ours,
    };
    assert_eq!(outcome(&w.run(w.ana, ours_marked)), "invalid");
}

#[test]
fn the_customer_waits_from_their_first_unanswered_message_until_we_reply() {
    let mut w = World::new();
    let first_at = w.now;
    let c = w.customer_writes("Hello?");
    let (inbox, contact) = (w.conversation(c).inbox_id, w.conversation(c).contact_id);
    assert_eq!(w.conversation(c).awaiting_reply_since, Some(first_at));
    w.advance(Duration::minutes(10));
    w.customer_writes_to(inbox, contact, "Anyone there??");
    assert_eq!(
        w.conversation(c).awaiting_reply_since,
        Some(first_at),
        "a second message does not restart the wait"
    );
    w.ok(w.ana, reply(c, "Yes, sorry for the wait."));
    assert_eq!(w.conversation(c).awaiting_reply_since, None);
    w.advance(Duration::minutes(5));
    let again_at = w.now;
    w.customer_writes_to(inbox, contact, "Thanks, one more thing");
    assert_eq!(w.conversation(c).awaiting_reply_since, Some(again_at));
}

#[test]
fn a_message_that_arrives_late_but_was_sent_first_is_where_the_wait_starts() {
    let mut w = World::new();
    let c = w.customer_writes("Is my order on its way?");
    let (inbox, contact) = (w.conversation(c).inbox_id, w.conversation(c).contact_id);
    let arrived_first_at = w.now;
    // WhatsApp delivers, minutes late, a message the customer sent before the first one.
    let mut late = w.inbound_on(inbox, contact, text_content("Hello, order 1234 here"));
    late.sent_at = arrived_first_at - Duration::minutes(7);
    w.advance(Duration::minutes(3));
    w.receive(&late).expect("accepted");
    assert_eq!(
        w.conversation(c).awaiting_reply_since,
        Some(arrived_first_at - Duration::minutes(7)),
        "the customer has waited since the earliest unanswered message"
    );
    assert_eq!(
        w.conversation(c).last_inbound_at,
        Some(arrived_first_at),
        "the window still runs from the latest message sent"
    );
}

#[test]
fn a_reply_answers_what_had_arrived_and_a_late_earlier_message_still_waits() {
    let mut w = World::new();
    let c = w.customer_writes("Where is my parcel?");
    let (inbox, contact) = (w.conversation(c).inbox_id, w.conversation(c).contact_id);
    w.advance(Duration::minutes(2));
    let replied_at = w.now;
    w.ok(w.ana, reply(c, "It left the warehouse today."));
    assert_eq!(w.conversation(c).awaiting_reply_since, None);
    // A message sent before our reply reaches us only after it: nobody has answered it.
    let mut late = w.inbound_on(
        inbox,
        contact,
        text_content("Also, can I change the address?"),
    );
    late.sent_at = replied_at - Duration::minutes(1);
    w.advance(Duration::minutes(4));
    w.receive(&late).expect("accepted");
    assert_eq!(
        w.conversation(c).awaiting_reply_since,
        Some(replied_at - Duration::minutes(1)),
        "the late question waits, from the time it was sent"
    );
}

#[test]
fn a_notice_that_the_customer_changed_number_neither_opens_the_window_nor_makes_them_wait() {
    let mut w = World::new();
    let c = w.customer_writes("Hi");
    let (inbox, contact) = (w.conversation(c).inbox_id, w.conversation(c).contact_id);
    w.ok(w.ana, reply(c, "Hello! Done, anything else?"));
    w.ok(
        w.ana,
        Command::SetStatus {
            conversation: c,
            status: Status::Resolved,
        },
    );
    let window_before = w.conversation(c).last_inbound_at;
    w.advance(Duration::hours(30));
    let notice = w.inbound_on(
        inbox,
        contact,
        Content::System {
            kind: "user_changed_number".into(),
            body: "User A changed from +1 555 0100 to +1 555 0199".into(),
            new_phone: Some("15550199".into()),
            new_bsuid: None,
            old_phone: None,
        },
    );
    w.receive(&notice).expect("accepted");
    let after = w.conversation(c);
    assert_eq!(
        after.last_inbound_at, window_before,
        "the window stays closed"
    );
    assert_eq!(after.awaiting_reply_since, None, "nobody is waiting");
    assert_eq!(after.status, Status::Resolved, "it does not reopen");
}
