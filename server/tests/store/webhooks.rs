//! Webhook deliveries stored whole: raw payload with its effects, quarantine for what we do
//! not serve or cannot read, nothing lost in a batch.

use relaydesk_server::store::{DeliveryState, Store};

use crate::contract;
use crate::harness::*;

async fn a_number_we_do_not_serve_is_kept_as_quarantined(store: Store) {
    workspace(&store).await;
    let body = String::from_utf8(text_from("12025550147", "wamid.X1", 1_789_412_411, "hi"))
        .expect("utf-8")
        .replace(BUSINESS_A, "999999999");
    let report = store
        .ingest_webhook(body.into_bytes(), at(1_789_412_412))
        .await
        .expect("db");
    assert_eq!(
        (report.state, report.messages_stored),
        (DeliveryState::Quarantined, 0)
    );
    let payloads = store.payloads().await.expect("db");
    assert_eq!(payloads.len(), 1);
    assert_eq!(payloads[0].0, "quarantined");
    assert!(
        payloads[0]
            .1
            .as_deref()
            .is_some_and(|r| r.contains("999999999"))
    );
    assert!(store.conversations().await.expect("db").is_empty());
}

async fn a_signed_but_unreadable_payload_is_kept_as_quarantined(store: Store) {
    workspace(&store).await;
    for body in [
        &b"{\"object\":\"whatsapp_business_account\",\"entry\":[{"[..],
        b"",
        b"{\"object\":\"page\",\"entry\":[]}",
    ] {
        let report = store
            .ingest_webhook(body.to_vec(), at(1_789_412_412))
            .await
            .expect("db");
        assert_eq!(report.state, DeliveryState::Quarantined);
    }
    assert_eq!(
        store.payloads().await.expect("db").len(),
        3,
        "every payload is kept for replay"
    );
}

async fn a_batch_for_two_numbers_lands_on_both_inboxes(store: Store) {
    workspace(&store).await;
    let report = store
        .ingest_webhook(fixture("batch-multiple-entries.json"), at(1_789_414_500))
        .await
        .expect("db");
    assert_eq!(
        (report.state, report.messages_stored),
        (DeliveryState::Processed, 2),
        "{report:?}"
    );
    let workspace = store.workspace().await.expect("db");
    let mut numbers: Vec<String> = store
        .conversations()
        .await
        .expect("db")
        .iter()
        .map(|c| workspace.inboxes[&c.inbox_id].phone_number_id.clone())
        .collect();
    numbers.sort();
    assert_eq!(numbers, [BUSINESS_A, BUSINESS_B]);
}

async fn a_customer_without_a_phone_number_is_recognised_by_user_id_next_time(store: Store) {
    workspace(&store).await;
    let body = |wamid: &str, text: &str| {
        format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"metadata":{{"display_phone_number":"12125550142","phone_number_id":"{BUSINESS_A}"}},"contacts":[{{"profile":{{"name":"jo.uses.a.username"}},"user_id":"US.13491208655302741918"}}],"messages":[{{"from_user_id":"US.13491208655302741918","id":"{wamid}","timestamp":"1789412411","type":"text","text":{{"body":"{text}"}}}}]}}}}]}}]}}"#
        )
        .into_bytes()
    };
    store
        .ingest_webhook(body("wamid.U1", "first"), at(1_789_412_412))
        .await
        .expect("db");
    store
        .ingest_webhook(body("wamid.U2", "second"), at(1_789_412_413))
        .await
        .expect("db");
    let conversations = store.conversations().await.expect("db");
    assert_eq!(conversations.len(), 1, "one customer, one thread");
    assert_eq!(
        store
            .messages_of(conversations[0].id)
            .await
            .expect("db")
            .len(),
        2
    );
}

async fn the_payload_and_its_effects_commit_together(store: Store) {
    workspace(&store).await;
    store
        .ingest_webhook(fixture("inbound-text.json"), at(1_789_412_412))
        .await
        .expect("db");
    let payloads = store.payloads().await.expect("db");
    assert_eq!(payloads, [("processed".to_owned(), None)]);
    let conversations = store.conversations().await.expect("db");
    let messages = store.messages_of(conversations[0].id).await.expect("db");
    assert_eq!(messages.len(), 1);
    assert_eq!(conversations[0].last_inbound_at, Some(messages[0].at));
    let contact = store
        .contact_by_phone("12025550147".into())
        .await
        .expect("db")
        .expect("contact");
    assert_eq!(contact.profile_name.as_deref(), Some("Marisol Quintero"));
}

/// A batch with one message from each customer, in the given order.
fn batch_from(customers: &[&str], round: usize) -> Vec<u8> {
    let contacts: Vec<String> = customers
        .iter()
        .map(|p| format!(r#"{{"wa_id":"{p}"}}"#))
        .collect();
    let messages: Vec<String> = customers
        .iter()
        .map(|p| format!(r#"{{"from":"{p}","id":"wamid.R{round}.{p}","timestamp":"1789412411","type":"text","text":{{"body":"round {round}"}}}}"#))
        .collect();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"metadata":{{"display_phone_number":"12125550142","phone_number_id":"{BUSINESS_A}"}},"contacts":[{}],"messages":[{}]}}}}]}}]}}"#,
        contacts.join(","),
        messages.join(",")
    )
    .into_bytes()
}

async fn concurrent_batches_from_the_same_customers_in_any_order_all_commit(store: Store) {
    workspace(&store).await;
    // Every customer has written before, so each batch only locks existing rows — in its own
    // order. Without a common lock order, two batches wait for each other for ever.
    let customers: Vec<String> = (0..24).map(|i| format!("1555000{i:04}")).collect();
    let all: Vec<&str> = customers.iter().map(String::as_str).collect();
    store
        .ingest_webhook(batch_from(&all, 0), at(1_789_412_400))
        .await
        .expect("first contact");
    let rounds = 16;
    let deliveries: Vec<_> = (1..=rounds)
        .map(|round| {
            let mut order = all.clone();
            order.rotate_left((round * 5) % all.len());
            if round % 2 == 1 {
                order.reverse();
            }
            let body = batch_from(&order, round);
            let store = store.clone();
            tokio::spawn(async move { store.ingest_webhook(body, at(1_789_412_412)).await })
        })
        .collect();
    for delivery in deliveries {
        let report = delivery
            .await
            .expect("task")
            .expect("no deadlock, no storage failure");
        assert_eq!(report.messages_stored, all.len());
    }
    let conversations = store.conversations().await.expect("db");
    assert_eq!(conversations.len(), all.len(), "one thread per customer");
    for conversation in conversations {
        assert_eq!(
            store.messages_of(conversation.id).await.expect("db").len(),
            rounds + 1
        );
    }
}

async fn a_customer_who_changed_number_keeps_their_thread_under_the_new_one(store: Store) {
    workspace(&store).await;
    store
        .ingest_webhook(
            text_from("12025550147", "wamid.OLD.1", 1_789_412_411, "Hello"),
            at(1_789_412_412),
        )
        .await
        .expect("db");
    let before = conversation_of(&store, "12025550147").await;
    let notice = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"metadata":{{"display_phone_number":"12125550142","phone_number_id":"{BUSINESS_A}"}},"messages":[{{"from":"12025550147","id":"wamid.SYS.1","timestamp":"1789412500","type":"system","system":{{"body":"User A changed from 12025550147 to 12025550148","wa_id":"12025550148","type":"user_changed_number"}}}}]}}}}]}}]}}"#
    );
    store
        .ingest_webhook(notice.into_bytes(), at(1_789_412_501))
        .await
        .expect("db");
    assert!(
        store
            .contact_by_phone("12025550147".into())
            .await
            .expect("db")
            .is_none()
    );
    store
        .ingest_webhook(
            text_from(
                "12025550148",
                "wamid.NEW.1",
                1_789_412_600,
                "It's me, new number",
            ),
            at(1_789_412_601),
        )
        .await
        .expect("db");
    let after = conversation_of(&store, "12025550148").await;
    assert_eq!(
        after.id, before.id,
        "the same thread continues under the new number"
    );
    assert_eq!(store.messages_of(after.id).await.expect("db").len(), 3);
}

contract!(
    a_customer_who_changed_number_keeps_their_thread_under_the_new_one,
    concurrent_batches_from_the_same_customers_in_any_order_all_commit,
    a_number_we_do_not_serve_is_kept_as_quarantined,
    a_signed_but_unreadable_payload_is_kept_as_quarantined,
    a_batch_for_two_numbers_lands_on_both_inboxes,
    a_customer_without_a_phone_number_is_recognised_by_user_id_next_time,
    the_payload_and_its_effects_commit_together,
);
