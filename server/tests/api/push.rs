//! Who gets which push: every change wakes the phones of those who may see it (one pending
//! wake-up per device however many changes), and a visible alert goes only to the person a
//! change needs — never to an agent of another team, never for what one did oneself. A dead
//! token is forgotten. FCM itself is not called here: the pushes are read from the queue the
//! sender works from (the sender and FCM's answers are tested in `push::fcm`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use relaydesk_core::domain::*;
use relaydesk_server::push::dispatcher::Pushes;
use relaydesk_server::push::fcm::Delivery;
use relaydesk_server::store::followers::Followed;
use relaydesk_server::store::{PushJob, PushKind};
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::{Api, Person};

async fn phone(api: &Api, who: &Person, token: &str) {
    let answer = api
        .post(
            who,
            "/api/v1/devices",
            json!({ "token": token, "platform": "android" }),
        )
        .await;
    assert_eq!(answer.status, 204, "{:?}", answer.body);
}

/// Turns every change so far into pushes: the dispatcher's rounds until it is up to date (its
/// first round, on a fresh database, only sets where it starts).
async fn dispatch_all(api: &Api) {
    let pushes = Arc::new(Pushes);
    loop {
        match api
            .store
            .follow(&pushes, Utc::now())
            .await
            .expect("dispatched")
        {
            Followed::Started { .. } | Followed::Advanced { behind: true, .. } => {}
            Followed::Advanced { behind: false, .. } | Followed::UpToDate { .. } => break,
            Followed::Busy => panic!("no other instance runs the dispatcher here"),
        }
    }
}

/// Everything the change since the last call asks for, as FCM would receive it (marked sent).
async fn pushed(api: &Api) -> Vec<PushJob> {
    dispatch_all(api).await;
    let claimed = api
        .store
        .claim_pushes(Utc::now(), Duration::from_secs(60), 1000)
        .await
        .expect("claimed");
    let mut jobs = Vec::new();
    for claim in claimed {
        jobs.push(claim.job.clone());
        api.store
            .finish_push(claim, Delivery::Sent, Utc::now())
            .await
            .expect("finished");
    }
    jobs
}

/// [`pushed`], also kept in `all`.
async fn seen(api: &Api, all: &mut Vec<PushJob>) -> Vec<PushJob> {
    let jobs = pushed(api).await;
    all.extend(jobs.iter().cloned());
    jobs
}

/// Alerts by device token: (kind in the data, title, body).
fn alerts(jobs: &[PushJob]) -> BTreeMap<String, (String, String, String)> {
    jobs.iter()
        .filter(|j| j.kind == PushKind::Alert)
        .map(|j| {
            let m = &j.message;
            (
                j.token.clone(),
                (
                    m["data"]["kind"].as_str().unwrap_or_default().to_owned(),
                    m["notification"]["title"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    m["notification"]["body"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                ),
            )
        })
        .collect()
}

fn woken(jobs: &[PushJob]) -> Vec<String> {
    let mut tokens: Vec<String> = jobs
        .iter()
        .filter(|j| j.kind == PushKind::Wake)
        .map(|j| j.token.clone())
        .collect();
    tokens.sort();
    tokens
}

async fn ok(api: &Api, who: &Person, path: &str, body: Value) {
    let answer = api.post(who, path, body).await;
    assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
}

async fn each_trigger_reaches_the_right_phones_and_no_one_else(api: Api) {
    let mut all = Vec::new();
    phone(&api, &api.ana, "ana-phone").await;
    phone(&api, &api.bruno, "bruno-phone").await;
    phone(&api, &api.sara, "sara-phone").await;
    phone(&api, &api.sol, "sol-phone").await;
    seen(&api, &mut all).await; // the dispatcher starts from now

    // A new customer: everyone of North syncs; nobody is needed yet; South hears nothing.
    let id = api
        .customer_writes("5511900000801", "Hi, my parcel never came")
        .await;
    let jobs = seen(&api, &mut all).await;
    assert_eq!(woken(&jobs), ["ana-phone", "bruno-phone", "sara-phone"]);
    assert!(alerts(&jobs).is_empty());
    let path = format!("/api/v1/conversations/{id}");

    // Ana claims it herself: no alert for her own act.
    ok(&api, &api.ana, &format!("{path}/claim"), Value::Null).await;
    assert!(alerts(&seen(&api, &mut all).await).is_empty());

    // The customer writes again: Ana, the owner, is alerted with a short preview.
    api.customer_writes("5511900000801", "Hello?? It has been two weeks and nobody answers my messages at all, this is not acceptable").await;
    let jobs = seen(&api, &mut all).await;
    let (kind, title, body) = &alerts(&jobs)["ana-phone"];
    assert_eq!(kind, "customer_wrote");
    assert!(!title.is_empty());
    assert!(
        body.starts_with("Hello?? It has been two weeks")
            && body.ends_with('…')
            && body.chars().count() <= 80,
        "{body}"
    );
    assert_eq!(alerts(&jobs).len(), 1);
    let alert = jobs
        .iter()
        .find(|j| j.kind == PushKind::Alert)
        .expect("an alert");
    assert_eq!(alert.message["data"]["conversation"], id.to_string());
    assert_eq!(alert.message["android"]["priority"], "HIGH");
    assert_eq!(alert.message["apns"]["headers"]["apns-priority"], "10");
    assert_eq!(
        woken(&jobs),
        ["bruno-phone", "sara-phone"],
        "the alerted phone syncs on its alert"
    );

    // Sara gives it to Bruno: Bruno is alerted.
    ok(
        &api,
        &api.sara,
        &format!("{path}/assign"),
        json!({ "to": { "kind": "agent", "id": api.bruno.id }, "reason": "Ana is at lunch" }),
    )
    .await;
    let jobs = seen(&api, &mut all).await;
    assert_eq!(alerts(&jobs)["bruno-phone"].0, "assigned");
    assert_eq!(alerts(&jobs).len(), 1);

    // Bruno mentions Sara in a note: Sara is alerted with the note's words.
    ok(
        &api,
        &api.bruno,
        &format!("{path}/notes"),
        json!({ "body": "@sara can we refund?" }),
    )
    .await;
    let jobs = seen(&api, &mut all).await;
    let (kind, title, body) = &alerts(&jobs)["sara-phone"];
    assert_eq!(
        (kind.as_str(), title.as_str(), body.as_str()),
        ("mentioned", "Bruno mentioned you", "@sara can we refund?")
    );

    // Bruno asks for an escalation to North: Sara, who may decide, is alerted.
    let escalation = EscalationId::new();
    ok(&api, &api.bruno, &format!("{path}/escalations"), json!({ "id": escalation, "reason": "Refund above my limit", "severity": "high", "target": { "kind": "team", "id": api.north } })).await;
    let jobs = seen(&api, &mut all).await;
    let (kind, title, body) = &alerts(&jobs)["sara-phone"];
    assert_eq!(kind, "escalation_awaits");
    assert_eq!(title, "Escalation awaits your approval");
    assert_eq!(body, "Bruno: Refund above my limit");
    assert!(!alerts(&jobs).contains_key("sol-phone"));

    // Sara approves: Bruno hears the decision.
    ok(
        &api,
        &api.sara,
        &format!("/api/v1/escalations/{escalation}/approve"),
        json!({ "note": "Go ahead" }),
    )
    .await;
    let jobs = seen(&api, &mut all).await;
    let (kind, title, body) = &alerts(&jobs)["bruno-phone"];
    assert_eq!(
        (kind.as_str(), title.as_str(), body.as_str()),
        (
            "escalation_decided",
            "Your escalation was approved",
            "Sara: Go ahead"
        )
    );

    // WhatsApp could not deliver Bruno's reply: Bruno, the owner, is told why.
    let reply = MessageId::new();
    ok(
        &api,
        &api.bruno,
        &format!("{path}/messages"),
        json!({ "id": reply, "body": { "type": "text", "text": "Refund done" } }),
    )
    .await;
    seen(&api, &mut all).await;
    api.store
        .execute(
            Actor::WhatsApp,
            Utc::now(),
            Command::RecordDelivery {
                message: MessageRef {
                    ours: Some(reply),
                    wamid: None,
                },
                wamid: None,
                report: DeliveryReport::Status {
                    status: DeliveryStatus::Failed {
                        error: WhatsAppError {
                            code: 131026,
                            title: "Message undeliverable".into(),
                            details: None,
                        },
                    },
                },
                at: Utc::now(),
                pricing_category: None,
            },
        )
        .await
        .expect("db")
        .expect("recorded");
    let jobs = seen(&api, &mut all).await;
    let (kind, title, body) = &alerts(&jobs)["bruno-phone"];
    assert_eq!(kind, "send_failed");
    assert!(
        title.starts_with("A message to ") && title.ends_with("was not delivered"),
        "{title}"
    );
    assert_eq!(
        body,
        "WhatsApp cannot deliver to this customer: reach them another way."
    );

    // Through all of it, the agent of the other team got nothing.
    assert!(!all.is_empty() && all.iter().all(|j| j.token != "sol-phone"));
}

async fn previews_can_be_turned_off_and_wake_ups_are_coalesced(api: Api) {
    phone(&api, &api.ana, "ana-phone").await;
    phone(&api, &api.bruno, "bruno-phone").await;
    pushed(&api).await;
    let answer = api
        .call(
            Some(&api.ana),
            "PUT",
            "/api/v1/me/notifications",
            Some(json!({ "previews": false })),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        api.get(&api.ana, "/api/v1/me/notifications").await.body,
        json!({ "previews": false })
    );

    let id = api
        .customer_writes("5511900000802", "Secret order details")
        .await;
    ok(
        &api,
        &api.ana,
        &format!("/api/v1/conversations/{id}/claim"),
        Value::Null,
    )
    .await;
    pushed(&api).await;
    api.customer_writes("5511900000802", "My card number is in this message")
        .await;
    let jobs = pushed(&api).await;
    let (kind, title, body) = &alerts(&jobs)["ana-phone"];
    assert_eq!(kind, "customer_wrote");
    assert_eq!(
        (title.as_str(), body.as_str()),
        ("A customer wrote", "Open Relaydesk to read it.")
    );
    assert!(!format!("{:?}", jobs).contains("card number"));

    // Three changes before the sender runs: Bruno's phone gets one wake-up, not three.
    for n in 0..3 {
        api.customer_writes(&format!("55119000009{n:02}"), "hello")
            .await;
    }
    let jobs = pushed(&api).await;
    assert_eq!(
        woken(&jobs).iter().filter(|t| *t == "bruno-phone").count(),
        1
    );
}

async fn a_token_fcm_calls_unregistered_is_forgotten(api: Api) {
    phone(&api, &api.bruno, "bruno-phone").await;
    pushed(&api).await;
    api.customer_writes("5511900000803", "hello").await;
    dispatch_all(&api).await;
    let claimed = api
        .store
        .claim_pushes(Utc::now(), Duration::from_secs(60), 10)
        .await
        .expect("claimed");
    assert_eq!(claimed.len(), 1);
    let claim = claimed.into_iter().next().expect("one");
    let state = api
        .store
        .finish_push(
            claim,
            Delivery::TokenGone {
                reason: "UNREGISTERED".into(),
            },
            Utc::now(),
        )
        .await
        .expect("finished");
    assert_eq!(state, "dropped");
    assert!(
        api.store
            .devices_of(api.bruno.id)
            .await
            .expect("db")
            .is_empty()
    );
    api.customer_writes("5511900000804", "hello again").await;
    assert!(
        pushed(&api).await.is_empty(),
        "nothing more for a forgotten phone"
    );

    // A retry keeps the push, with FCM's Retry-After honoured.
    phone(&api, &api.bruno, "bruno-new-phone").await;
    api.customer_writes("5511900000805", "third").await;
    dispatch_all(&api).await;
    let now = Utc::now();
    let claim = api
        .store
        .claim_pushes(now, Duration::from_secs(60), 10)
        .await
        .expect("claimed")
        .remove(0);
    let state = api
        .store
        .finish_push(
            claim,
            Delivery::Retry {
                reason: "429".into(),
                after: Some(Duration::from_secs(30)),
            },
            now,
        )
        .await
        .expect("finished");
    assert_eq!(state, "pending");
    assert!(
        api.store
            .claim_pushes(
                now + chrono::Duration::seconds(29),
                Duration::from_secs(60),
                10
            )
            .await
            .expect("db")
            .is_empty()
    );
    assert_eq!(
        api.store
            .claim_pushes(
                now + chrono::Duration::seconds(31),
                Duration::from_secs(60),
                10
            )
            .await
            .expect("db")
            .len(),
        1
    );
}

async fn a_phone_whose_session_ran_out_is_not_pushed_to(api: Api) {
    // Ana signed out of an old phone while it was offline: its session simply runs out.
    let login: Value = api
        .http
        .post(format!("{}/api/v1/auth/login", api.base))
        .json(&json!({ "email": api.ana.email, "password": crate::client::PASSWORD, "device": "old phone" }))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    let old = Person {
        id: api.ana.id,
        email: api.ana.email.clone(),
        token: login["token"].as_str().expect("token").to_owned(),
    };
    phone(&api, &old, "old-phone").await;
    phone(&api, &api.bruno, "bruno-phone").await;
    pushed(&api).await;
    let session = login["session"]["id"].as_str().expect("session").to_owned();
    api.store
        .touch_session(
            session,
            Utc::now() - chrono::Duration::days(31),
            Utc::now() - chrono::Duration::days(1),
        )
        .await
        .expect("expired");
    api.customer_writes("5511900000806", "anyone?").await;
    assert_eq!(woken(&pushed(&api).await), ["bruno-phone"]);
}

async fn a_person_keeps_at_most_ten_phones(api: Api) {
    for n in 0..12 {
        phone(&api, &api.ana, &format!("ana-phone-{n:02}")).await;
    }
    assert_eq!(
        api.store.devices_of(api.ana.id).await.expect("db").len(),
        10
    );
}

/// Signs in afresh (a phone of its own).
async fn on_a_phone(api: &Api, who: &Person) -> Person {
    Person {
        token: crate::client::login(&api.http, &api.base, &who.email, crate::client::PASSWORD)
            .await,
        ..who.clone()
    }
}

async fn a_phone_handed_from_ana_to_bruno_stops_carrying_ana_s_session(api: Api) {
    let anas_phone = on_a_phone(&api, &api.ana).await;
    phone(&api, &anas_phone, "shared-phone").await;
    // The push service refreshes nothing, the app registers again: nothing changes.
    phone(&api, &anas_phone, "shared-phone").await;
    assert_eq!(api.get(&anas_phone, "/api/v1/me").await.status, 200);
    pushed(&api).await;

    // The phone goes to Bruno, who signs in on it (Ana never signed out there).
    let brunos_phone = on_a_phone(&api, &api.bruno).await;
    phone(&api, &brunos_phone, "shared-phone").await;

    // Ana's view: that phone's session is over — visibly, not by a silent loss of pushes —
    // and she is no longer pushed there; her desk's session goes on.
    let gone = api.get(&anas_phone, "/api/v1/me").await;
    assert_eq!((gone.status, gone.code()), (401, "unauthenticated"));
    assert_eq!(api.get(&api.ana, "/api/v1/me").await.status, 200);
    let anas_tokens = api.store.devices_of(api.ana.id).await.expect("db");
    assert!(anas_tokens.is_empty(), "{anas_tokens:?}");

    // Bruno's view: the phone is his, and it carries his pushes only.
    let brunos_tokens = api.store.devices_of(api.bruno.id).await.expect("db");
    assert_eq!(
        brunos_tokens,
        [("shared-phone".to_owned(), "android".to_owned())]
    );
    assert_eq!(api.get(&brunos_phone, "/api/v1/me").await.status, 200);
    api.customer_writes("5511900000807", "is anyone there?")
        .await;
    let jobs = pushed(&api).await;
    let on_the_phone: Vec<UserId> = jobs
        .iter()
        .filter(|j| j.token == "shared-phone")
        .map(|j| j.user)
        .collect();
    assert_eq!(on_the_phone, [api.bruno.id], "one wake-up, Bruno's");

    // Bruno registering it again keeps his session.
    phone(&api, &brunos_phone, "shared-phone").await;
    assert_eq!(api.get(&brunos_phone, "/api/v1/me").await.status, 200);
}

api_stories!(
    a_phone_handed_from_ana_to_bruno_stops_carrying_ana_s_session,
    a_phone_whose_session_ran_out_is_not_pushed_to,
    a_person_keeps_at_most_ten_phones,
    each_trigger_reaches_the_right_phones_and_no_one_else,
    previews_can_be_turned_off_and_wake_ups_are_coalesced,
    a_token_fcm_calls_unregistered_is_forgotten,
);
