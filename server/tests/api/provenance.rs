//! Where each change came from: every door hands the write path who asked, through which
//! door, in which session, and every event keeps its door and session beside its `by` — a
//! customer's message came through the webhook, Ana's claim through the REST API, her note
//! through the web view, her label from her phone's sync, and Relaydesk's own call (the demo,
//! tools) as internal.

use chrono::Utc;
use relaydesk_core::domain::*;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::Api;
use crate::web::{Browser, csrf};

async fn every_change_records_the_door_it_came_through_and_the_session(api: Api) {
    let c = api
        .customer_writes("5511900000811", "Where is my parcel?")
        .await;
    let path = format!("/api/v1/conversations/{c}");
    let claimed = api
        .post(&api.ana, &format!("{path}/claim"), Value::Null)
        .await;
    assert_eq!(claimed.status, 200, "{}", claimed.body);

    let mut browser = Browser::new(&api.base);
    browser.sign_in(&api.ana.email).await;
    let page = browser.get(&format!("/conversations/{c}")).await;
    let noted = browser
        .post(
            &format!("/conversations/{c}"),
            &[
                ("_csrf", &csrf(&page.html)),
                ("action", "note"),
                ("note_id", &NoteId::new().to_string()),
                ("note_text", "Courier says Friday"),
            ],
        )
        .await;
    assert_eq!(noted.status, 303, "{}", noted.html);

    let pushed = api
        .post(
            &api.ana,
            "/api/v1/sync/push",
            json!({ "client_id": uuid::Uuid::now_v7(), "mutations": [
                { "id": 1, "command": { "command": "add_label", "conversation": c, "label": "late" } }
            ]}),
        )
        .await;
    assert_eq!(pushed.status, 200, "{}", pushed.body);

    api.store
        .execute(
            Actor::Member(api.ana.id),
            Utc::now(),
            Command::SetPriority {
                conversation: c,
                priority: Priority::High,
            },
        )
        .await
        .expect("db")
        .expect("applied");

    let sources = api.store.sources_of(c).await.expect("db");
    let door_of = |wanted: fn(&Change) -> bool| {
        sources
            .iter()
            .find(|(event, _, _)| wanted(&event.change))
            .map(|(event, door, session)| (event.by, door.clone(), session.clone()))
            .expect("the event is there")
    };
    let (by, door, session) = door_of(|c| matches!(c, Change::CustomerMessageReceived { .. }));
    assert_eq!(
        (by, door.as_str(), session),
        (By::Customer, "webhook", None)
    );
    let (by, door, rest_session) = door_of(|c| matches!(c, Change::AssignmentChanged { .. }));
    assert_eq!((by, door.as_str()), (By::Member(api.ana.id), "rest"));
    let (_, door, web_session) = door_of(|c| matches!(c, Change::NoteAdded { .. }));
    assert_eq!(door, "web");
    let (_, door, sync_session) = door_of(|c| matches!(c, Change::LabelAdded { .. }));
    assert_eq!(door, "sync");
    assert_eq!(
        sync_session, rest_session,
        "her phone's push and her API call use the same signed-in session"
    );
    assert!(rest_session.is_some());
    assert!(
        web_session.is_some() && web_session != rest_session,
        "the web view is its own sign-in"
    );
    let (_, door, session) = door_of(|c| matches!(c, Change::PriorityChanged { .. }));
    assert_eq!((door.as_str(), session), ("internal", None));
}

api_stories!(every_change_records_the_door_it_came_through_and_the_session);
