//! Twenty agents claim one conversation at the same instant over HTTP: exactly one wins, every
//! other is told who did.

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

api_stories!(twenty_simultaneous_claims_leave_exactly_one_owner);
