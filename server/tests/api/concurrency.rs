//! Things people do at the same instant, over HTTP: twenty agents claim one conversation
//! (exactly one wins, every other is told who did); a phone's first push races its own retry;
//! two admins demote each other; two supervisors take one shortcut; two webhook deliveries
//! name the same customers in opposite orders. On PostgreSQL nothing serialises all writers
//! any more: each of these has its own guard (issue 16).

use std::collections::BTreeSet;

use chrono::Utc;
use relaydesk_core::domain::*;
use relaydesk_core::protocol::admin::NewUser;
use relaydesk_server::accounts;

use crate::api_stories;
use crate::client::{Api, PASSWORD, Person, login};

async fn twenty_simultaneous_claims_leave_exactly_one_owner(api: Api) {
    let mut agents = Vec::new();
    for i in 0..20 {
        let email = format!("agent{i}@example.test");
        let created = accounts::create_user(
            &api.store,
            &relaydesk_server::store::Provenance::relaydesk(),
            relaydesk_core::protocol::admin::NewUser {
                email: email.clone(),
                name: format!("Agent {i}"),
                handle: None,
                role: Role::Agent,
                teams: BTreeSet::from([api.north]),
                capacity: None,
                password: Some(PASSWORD.into()),
            } as NewUser,
            Utc::now(),
        )
        .await
        .expect("agent");
        let token = login(&api.http, &api.base, &email, PASSWORD).await;
        agents.push(Person {
            id: created.user.id,
            email,
            token,
        });
    }
    let id = api.customer_writes("5511900000061", "anyone?").await;
    let path = format!("/api/v1/conversations/{id}/claim");
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(agents.len()));
    let mut tasks = Vec::new();
    for agent in agents.clone() {
        let (http, base, path, barrier) = (
            api.http.clone(),
            api.base.clone(),
            path.clone(),
            barrier.clone(),
        );
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let response = http
                .post(format!("{base}{path}"))
                .bearer_auth(&agent.token)
                .send()
                .await
                .expect("answers");
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.expect("JSON");
            (agent.id, status, body)
        }));
    }
    let mut winners = Vec::new();
    let mut losers = Vec::new();
    for task in tasks {
        let (agent, status, body) = task.await.expect("task");
        match status {
            200 => winners.push(agent),
            409 => losers.push(body),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one claim wins");
    assert_eq!(losers.len(), 19);
    let owner = api
        .store
        .conversation(id)
        .await
        .expect("db")
        .expect("exists");
    assert_eq!(owner.assignee, Some(winners[0]));
    let owner_name = api.store.workspace().await.expect("db").members[&winners[0]]
        .name
        .clone();
    for body in losers {
        assert_eq!(body["error"]["code"], "already_owned");
        assert_eq!(body["error"]["owner"], winners[0].to_string());
        assert_eq!(body["error"]["owner_name"], owner_name.as_str());
    }
}

/// Sends the same request from several tasks released at one instant; answers (status, body)
/// in the order the requests were listed.
async fn at_once(
    api: &Api,
    requests: Vec<(&Person, &'static str, String, serde_json::Value)>,
) -> Vec<(u16, serde_json::Value)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(requests.len()));
    let mut tasks = Vec::new();
    for (who, method, path, body) in requests {
        let (http, url, token, barrier) = (
            api.http.clone(),
            format!("{}{path}", api.base),
            who.token.clone(),
            barrier.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
            barrier.wait().await;
            let response = http
                .request(method, url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("answers");
            let status = response.status().as_u16();
            (
                status,
                response.json().await.unwrap_or(serde_json::Value::Null),
            )
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    answers
}

/// A phone on a bad network sends its first push, times out and sends it again — several
/// times — while the first is still being decided: the note is added once, and every answer
/// says applied.
async fn a_new_phones_first_push_racing_its_own_retry_is_applied_once(api: Api) {
    let c = api.customer_writes("5511900000062", "are you there?").await;
    let client = uuid::Uuid::now_v7().to_string();
    let push = serde_json::json!({ "client_id": client, "mutations": [
        { "id": 1, "command": { "command": "add_note", "conversation": c,
          "note": NoteId::new(), "body": "Called her back, no answer" } } ] });
    let answers = at_once(
        &api,
        (0..8)
            .map(|_| {
                (
                    &api.ana,
                    "POST",
                    "/api/v1/sync/push".to_owned(),
                    push.clone(),
                )
            })
            .collect(),
    )
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["last_mutation_id"], 1);
        assert_eq!(
            body["results"][0]["outcome"]["outcome"], "applied",
            "{body}"
        );
    }
    let notes = api
        .store
        .events_of(c)
        .await
        .expect("db")
        .into_iter()
        .filter(|e| matches!(e.change, Change::NoteAdded { .. }))
        .count();
    assert_eq!(notes, 1, "the mutation was applied exactly once");
}

/// The only two admins demote each other at the same moment: one demotion goes through; the
/// other is refused — because it would leave the workspace without an admin, or, if the first
/// had already landed when it was checked, because its sender is no longer an admin.
async fn two_admins_demoting_each_other_at_once_leave_one_admin(api: Api) {
    let email = "second.admin@example.test".to_owned();
    let second = accounts::create_user(
        &api.store,
        &relaydesk_server::store::Provenance::relaydesk(),
        NewUser {
            email: email.clone(),
            name: "Second Admin".into(),
            handle: None,
            role: Role::Admin,
            teams: BTreeSet::new(),
            capacity: None,
            password: Some(PASSWORD.into()),
        },
        Utc::now(),
    )
    .await
    .expect("second admin");
    let second = Person {
        id: second.user.id,
        token: login(&api.http, &api.base, &email, PASSWORD).await,
        email,
    };
    let demote = serde_json::json!({ "role": "agent" });
    let answers = at_once(
        &api,
        vec![
            (
                &second,
                "PATCH",
                format!("/api/v1/admin/users/{}", api.admin.id),
                demote.clone(),
            ),
            (
                &api.admin,
                "PATCH",
                format!("/api/v1/admin/users/{}", second.id),
                demote,
            ),
        ],
    )
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    statuses.sort_unstable();
    assert!(
        statuses == [200, 403] || statuses == [200, 409],
        "{answers:?}"
    );
    let refused = answers
        .iter()
        .find(|(status, _)| *status != 200)
        .expect("one refused");
    let code = refused.1["error"]["code"].as_str();
    assert!(
        code == Some("conflict") || code == Some("forbidden"),
        "{refused:?}"
    );
    let admins = api
        .store
        .workspace()
        .await
        .expect("db")
        .members
        .values()
        .filter(|m| m.active && m.role == Role::Admin)
        .count();
    assert_eq!(admins, 1, "the workspace keeps exactly one admin");
}

/// Two supervisors save a reply under the same team shortcut at the same moment, while an
/// agent saves several personal replies under one shortcut from two tabs: in each scope one
/// reply is saved and the others are told the shortcut is taken.
async fn replies_taking_one_shortcut_at_once_keep_one_per_scope(api: Api) {
    let team = |title: &str| {
        serde_json::json!({ "shortcut": "/refund", "title": title,
            "body": "Your refund is on its way.", "scope": { "kind": "team", "id": api.north } })
    };
    let personal = |title: &str| {
        serde_json::json!({ "shortcut": "/late", "title": title,
            "body": "Sorry for the wait.", "scope": { "kind": "personal", "id": api.ana.id } })
    };
    let mut requests = vec![
        (
            &api.sara,
            "POST",
            "/api/v1/canned-replies".to_owned(),
            team("Refund (Sara)"),
        ),
        (
            &api.admin,
            "POST",
            "/api/v1/canned-replies".to_owned(),
            team("Refund (admin)"),
        ),
    ];
    for tab in 0..6 {
        requests.push((
            &api.ana,
            "POST",
            "/api/v1/canned-replies".to_owned(),
            personal(&format!("Late (tab {tab})")),
        ));
    }
    let answers = at_once(&api, requests).await;
    for (status, body) in &answers {
        assert!(
            *status == 201 || (*status == 409 && body["error"]["code"] == "conflict"),
            "saved, or told the shortcut is taken: {status} {body}"
        );
    }
    let saved = |range: std::ops::Range<usize>| {
        answers[range]
            .iter()
            .filter(|(status, _)| *status == 201)
            .count()
    };
    assert_eq!(saved(0..2), 1, "one team /refund saved: {answers:?}");
    assert_eq!(saved(2..8), 1, "one personal /late saved: {answers:?}");
    let stored = api.store.canned_replies().await.expect("db");
    for shortcut in ["refund", "late"] {
        assert_eq!(stored.iter().filter(|r| r.shortcut == shortcut).count(), 1);
    }
}

/// A webhook delivery naming customers one way round, and one naming them the other way
/// round, arriving together (Meta retries, batches): both are stored whole, nothing is lost
/// and nothing is stored twice — on PostgreSQL their conversations are locked in one order.
async fn deliveries_naming_the_same_customers_in_opposite_orders_are_both_stored(api: Api) {
    let phones: Vec<String> = (0..6).map(|i| format!("55119000007{i:02}")).collect();
    for phone in &phones {
        api.customer_writes(phone, "first message").await;
    }
    let delivery = |order: &[&String], tag: &str| {
        let messages: Vec<String> = order
            .iter()
            .enumerate()
            .map(|(i, phone)| {
                format!(
                    r#"{{"from":"{phone}","id":"wamid.race.{tag}.{i}","timestamp":"{}","type":"text","text":{{"body":"again {tag}"}}}}"#,
                    Utc::now().timestamp()
                )
            })
            .collect();
        let contacts: Vec<String> = order
            .iter()
            .map(|phone| {
                format!(r#"{{"profile":{{"name":"Customer {phone}"}},"wa_id":"{phone}"}}"#)
            })
            .collect();
        format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"310984726155302","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"{}"}},"contacts":[{}],"messages":[{}]}}}}]}}]}}"#,
            crate::harness::BUSINESS_A,
            contacts.join(","),
            messages.join(",")
        )
        .into_bytes()
    };
    let forward: Vec<&String> = phones.iter().collect();
    let backward: Vec<&String> = phones.iter().rev().collect();
    let mut tasks = Vec::new();
    for round in 0..4 {
        for (order, tag) in [(&forward, "f"), (&backward, "b")] {
            let store = api.store.clone();
            let body = delivery(order, &format!("{tag}{round}"));
            tasks.push(tokio::spawn(async move {
                store.ingest_webhook(body, Utc::now()).await
            }));
        }
    }
    for task in tasks {
        let report = task.await.expect("task").expect("stored, not failed");
        assert_eq!(report.messages_stored, 6, "{report:?}");
    }
    for phone in &phones {
        let contact = api
            .store
            .contact_by_phone(phone.clone())
            .await
            .expect("db")
            .expect("known");
        let conversation = api
            .store
            .conversations()
            .await
            .expect("db")
            .into_iter()
            .find(|c| c.contact_id == contact.id)
            .expect("one conversation");
        let messages = api.store.messages_of(conversation.id).await.expect("db");
        assert_eq!(
            messages.len(),
            1 + 8,
            "{phone}: the first message and eight more"
        );
    }
}

api_stories!(
    twenty_simultaneous_claims_leave_exactly_one_owner,
    a_new_phones_first_push_racing_its_own_retry_is_applied_once,
    two_admins_demoting_each_other_at_once_leave_one_admin,
    replies_taking_one_shortcut_at_once_keep_one_per_scope,
    deliveries_naming_the_same_customers_in_opposite_orders_are_both_stored,
);
