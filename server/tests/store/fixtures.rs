//! Every fixture of tests/fixtures/whatsapp, signed and posted through the real webhook
//! route, stored as its INDEX.md says a correct support server stores it — and the same
//! fixtures delivered three times each, shuffled, leave exactly the state of one delivery in
//! order.

use std::collections::BTreeMap;

use relaydesk_core::domain::*;
use relaydesk_server::store::Store;

use crate::contract;
use crate::harness::*;

const FIXTURES: [&str; 30] = [
    "inbound-text.json",
    "inbound-text-emoji-only.json",
    "inbound-text-very-long.json",
    "inbound-text-reply-context.json",
    "inbound-text-forwarded.json",
    "inbound-text-ctwa-referral.json",
    "inbound-text-no-profile-name.json",
    "inbound-image.json",
    "inbound-audio-voice.json",
    "inbound-video.json",
    "inbound-sticker.json",
    "inbound-location.json",
    "inbound-contacts.json",
    "inbound-interactive-button-reply.json",
    "inbound-interactive-list-reply.json",
    "inbound-button-template-quick-reply.json",
    "inbound-reaction.json",
    "inbound-reaction-removed.json",
    "inbound-unsupported.json",
    "inbound-duplicate-same-wamid.json",
    "status-sent.json",
    "status-delivered.json",
    "status-read-no-conversation.json",
    "status-failed-131047.json",
    "status-failed-131026.json",
    "status-out-of-order.json",
    "batch-two-messages-two-contacts.json",
    "batch-multiple-entries.json",
    "mixed-messages-and-statuses.json",
    "errors-value-level-130429.json",
];

/// Our earlier outbound messages that the fixtures' statuses and reactions refer to, as
/// (recipient, wamid WhatsApp gave our send).
const OUR_SENDS: [(&str, &str); 7] = [
    (
        "12025550111",
        "wamid.HBgLMTIwMjU1NTAxMTEVAgARGBIxQkU2NzZEMDI5NkNCMDY3RUYA",
    ),
    (
        "12025550147",
        "wamid.HBgLMTIwMjU1NTAxNDcVAgARGBI2QUQ4MUQ3NjUzREM3REYyOTEA",
    ),
    (
        "12025550147",
        "wamid.HBgLMTIwMjU1NTAxNDcVAgARGBJEQjMxN0JCREY2MTk4MTI3RjYA",
    ),
    (
        "12025550181",
        "wamid.HBgLMTIwMjU1NTAxODEVAgARGBI4QUE5MDhDNDgzODgwNDcxQTIA",
    ),
    (
        "13125550163",
        "wamid.HBgLMTMxMjU1NTAxNjMVAgARGBIzNDkzRjBDQzJDMTY4QkQ1QjAA",
    ),
    (
        "447700900461",
        "wamid.HBgMNDQ3NzAwOTAwNDYxFQIAERgSMTc2MEMzNjlBNjQyNzNDODYyAA==",
    ),
    (
        "447700900461",
        "wamid.HBgMNDQ3NzAwOTAwNDYxFQIAERgSMUJCMUFGMDFCMEVFRTA4OUZFAA==",
    ),
];

/// The workspace, plus the conversations and sent replies that existed before the fixtures.
async fn prepared(store: &Store) {
    let desk = workspace(store).await;
    for (i, (phone, wamid)) in OUR_SENDS.iter().enumerate() {
        let earlier = 1_789_400_000 + i as i64;
        store
            .ingest_webhook(
                text_from(phone, &format!("wamid.EARLIER.{i}"), earlier, "Hello"),
                at(earlier),
            )
            .await
            .expect("db");
        let conversation = conversation_of(store, phone).await;
        let message = MessageId::new();
        let reply = Command::Reply {
            conversation: conversation.id,
            message,
            body: ReplyBody::Text {
                text: "Let me check.".into(),
            },
            in_reply_to: None,
        };
        store
            .execute(Actor::Member(desk.ana), at(earlier + 1), reply)
            .await
            .expect("db")
            .expect("reply");
        let accepted = Command::RecordDelivery {
            message: MessageRef {
                ours: Some(message),
                wamid: None,
            },
            wamid: Some(Wamid::new(*wamid)),
            report: DeliveryReport::Status {
                status: DeliveryStatus::Accepted,
            },
            at: at(earlier + 2),
            pricing_category: None,
        };
        store
            .execute(Actor::WhatsApp, at(earlier + 2), accepted)
            .await
            .expect("db")
            .expect("accepted");
    }
}

/// Posts each fixture, signed with the app secret, through the real webhook route.
async fn deliver(store: &Store, names: &[&str]) {
    use tower::ServiceExt;
    const SECRET: &str = "fixture-app-secret";
    let state = relaydesk_server::state::AppState::new(
        store.clone(),
        relaydesk_server::state::WhatsAppSettings {
            app_secret: Some(relaydesk_server::config::Secret::new(SECRET)),
            verify_token: None,
            graph: None,
        },
    );
    let router = relaydesk_server::http::router(state);
    for name in names {
        let body = fixture(name);
        let signature = relaydesk_server::whatsapp::signature::sign(SECRET.as_bytes(), &body);
        let request = axum::http::Request::post("/webhooks/whatsapp")
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(axum::body::Body::from(body))
            .expect("request");
        let response = router
            .clone()
            .oneshot(request)
            .await
            .expect("the route answers");
        assert_eq!(response.status(), axum::http::StatusCode::OK, "{name}");
    }
}

async fn message(store: &Store, wamid: &str) -> Message {
    store
        .message_by_wamid(Wamid::new(wamid))
        .await
        .expect("db")
        .unwrap_or_else(|| panic!("{wamid} stored"))
}

async fn every_fixture_leaves_the_state_its_index_describes(store: Store) {
    prepared(&store).await;
    deliver(&store, &FIXTURES).await;

    let marisol = store
        .contact_by_phone("12025550147".into())
        .await
        .expect("db")
        .expect("contact");
    assert_eq!(marisol.profile_name.as_deref(), Some("Marisol Quintero"));
    let text = message(
        &store,
        "wamid.HBgLMTIwMjU1NTAxNDcVAgASGBQzQURFQjBCOTY5MUI1QTczM0I4RgA=",
    )
    .await;
    assert!(matches!(text.content, Content::Text { ref body } if body.contains("A-20931")));
    let conversation = store
        .conversation(text.conversation_id)
        .await
        .expect("db")
        .expect("conversation");
    assert_eq!(conversation.contact_id, marisol.id);
    assert!(
        conversation.last_inbound_at >= Some(text.at),
        "the window counts from the latest message"
    );

    let nameless = store
        .contact_by_phone("447700900999".into())
        .await
        .expect("db")
        .expect("contact without profile");
    assert_eq!(
        (nameless.profile_name.clone(), nameless.display_name()),
        (None, "+447700900999".to_owned())
    );

    // Media, location, cards, interactive replies, quick replies: stored with their details.
    let image = message(
        &store,
        "wamid.HBgLMTIwMjU1NTAxNDcVAgASGBQzQTQ2MkUyOTIxRENFQTI2QjlCQQA=",
    )
    .await;
    assert!(
        matches!(image.content, Content::Media(Media { kind: MediaKind::Image, ref caption, .. }) if caption.as_deref() == Some("The box arrived like this"))
    );
    let list = message(
        &store,
        "wamid.HBgLNjE0OTE1NzAxNTYVAgASGBQzQTAwNDk4RjFEQ0JGNDlERUI3QgA=",
    )
    .await;
    assert!(
        matches!(list.content, Content::InteractiveReply(InteractiveReply::List { ref id, .. }) if id == "ret_refund_card")
    );
    let forwarded = message(
        &store,
        "wamid.HBgLMTIwMjU1NTAxODEVAgASGBQzQTc4NjUwRUNBMDMyMDU2MjYzQgA=",
    )
    .await;
    assert_eq!(forwarded.context.forwarded, Forwarded::FrequentlyForwarded);
    let placeholder = message(
        &store,
        "wamid.HBgLMTIwMjU1NTAxNDcVAgASGBQzQTM2MDVFQzY0RTJDNkQxMjcxRAA=",
    )
    .await;
    assert!(placeholder.content.summary().contains("poll_creation"));

    // The duplicate is stored once.
    let duplicate = message(
        &store,
        "wamid.HBgLMTIwMjU1NTAxNDcVAgASGBQzQTYxMURCQTZERUFERkNERTA1MQA=",
    )
    .await;
    let same_wamid = store
        .messages_of(duplicate.conversation_id)
        .await
        .expect("db")
        .iter()
        .filter(|m| m.wamid == duplicate.wamid)
        .count();
    assert_eq!(same_wamid, 1);

    // The reaction was added, then removed, and made no new turn.
    let reacted = message(&store, OUR_SENDS[5].1).await;
    assert_eq!(reacted.reaction, None);
    assert!(reacted.reaction_at.is_some(), "the removal was recorded");

    // Delivery: forward only, failures kept with their code, an unreachable contact flagged.
    let status = |m: &Message| m.delivery.as_str();
    assert_eq!(status(&message(&store, OUR_SENDS[3].1).await), "sent");
    assert_eq!(
        status(&message(&store, OUR_SENDS[2].1).await),
        "read",
        "delivered then read"
    );
    assert_eq!(
        status(&message(&store, OUR_SENDS[6].1).await),
        "read",
        "read, delivered, sent, delivered"
    );
    assert_eq!(
        status(&message(&store, OUR_SENDS[1].1).await),
        "read",
        "the status beside a message"
    );
    let window_closed = message(&store, OUR_SENDS[4].1).await;
    assert!(
        matches!(window_closed.delivery, DeliveryStatus::Failed { ref error } if error.code == 131047)
    );
    let undeliverable = store
        .contact_by_phone("12025550111".into())
        .await
        .expect("db")
        .expect("contact");
    assert!(undeliverable.unreachable_on_whatsapp);

    // Batches: every message, matched to its own contact; both numbers served.
    let pin = message(
        &store,
        "wamid.HBgLMTMxMjU1NTAxNjMVAgASGBQzQUY1RUU1QkVFOERBQTIwMEI4RQA=",
    )
    .await;
    let dev = store
        .contact_by_phone("13125550163".into())
        .await
        .expect("db")
        .expect("contact");
    let pin_conversation = store
        .conversation(pin.conversation_id)
        .await
        .expect("db")
        .expect("conversation");
    assert_eq!(pin_conversation.contact_id, dev.id);
    assert!(matches!(pin.content, Content::Location { name: None, .. }));

    let payloads = store.payloads().await.expect("db");
    assert!(
        payloads.iter().all(|(state, _)| state == "processed"),
        "{payloads:?}"
    );
}

/// A comparable picture of everything customers and WhatsApp changed, free of our random ids.
async fn picture(store: &Store) -> BTreeMap<String, String> {
    let mut picture = BTreeMap::new();
    for conversation in store.conversations().await.expect("db") {
        let contact = store
            .contact(conversation.contact_id)
            .await
            .expect("db")
            .expect("contact");
        let key = format!("{:?}/{:?}", contact.phone, contact.bsuid);
        picture.insert(
            format!("{key} conversation"),
            format!(
                "{} {:?} {:?} unreachable={}",
                conversation.status.as_str(),
                conversation.last_inbound_at,
                contact.profile_name,
                contact.unreachable_on_whatsapp
            ),
        );
        for m in store.messages_of(conversation.id).await.expect("db") {
            let id = m
                .wamid
                .as_ref()
                .map_or_else(|| format!("{:?}", m.content), |w| w.to_string());
            picture.insert(
                format!("{key} {id}"),
                format!(
                    "{:?} {:?} {} {:?} {}",
                    m.content,
                    m.context,
                    m.delivery.as_str(),
                    m.reaction,
                    m.played
                ),
            );
        }
    }
    picture
}

async fn three_shuffled_deliveries_of_every_fixture_leave_the_state_of_one(store: Store) {
    prepared(&store).await;
    let mut thrice: Vec<&str> = FIXTURES
        .iter()
        .chain(&FIXTURES)
        .chain(&FIXTURES)
        .copied()
        .collect();
    // A fixed shuffle (the same on every run, so a failure can be replayed).
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for i in (1..thrice.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        thrice.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    deliver(&store, &thrice).await;
    let shuffled = picture(&store).await;

    let once = crate::harness::sqlite().await;
    prepared(&once.store).await;
    deliver(&once.store, &FIXTURES).await;
    let in_order = picture(&once.store).await;
    assert_eq!(shuffled.len(), in_order.len());
    for (key, value) in &in_order {
        assert_eq!(shuffled.get(key), Some(value), "{key}");
    }
}

contract!(
    every_fixture_leaves_the_state_its_index_describes,
    three_shuffled_deliveries_of_every_fixture_leave_the_state_of_one,
);
