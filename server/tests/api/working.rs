//! Seeing is wider than working: once an escalation moves a conversation to South, North's
//! agents still read it but neither find it under Unassigned nor claim it; South's agents do,
//! and a supervisor may move it back.

use relaydesk_core::domain::EscalationId;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::Api;

async fn unassigned_ids(api: &Api, who: &crate::client::Person) -> Vec<String> {
    let page = api.get(who, "/api/v1/conversations?view=unassigned").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn an_escalated_conversation_is_south_s_to_take_and_north_s_to_read(api: Api) {
    let id = api
        .customer_writes("5511900000091", "My refund is a week late")
        .await;
    let path = format!("/api/v1/conversations/{id}");
    assert_eq!(
        api.post(&api.ana, &format!("{path}/claim"), Value::Null)
            .await
            .status,
        200
    );
    let escalation = EscalationId::new();
    let asked = api
        .post(
            &api.ana,
            &format!("{path}/escalations"),
            json!({ "id": escalation, "reason": "Refunds are South's", "severity": "medium",
                    "target": { "kind": "team", "id": api.south } }),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert_eq!(
        asked.body["events"][0]["change"]["escalation"]["raises_priority_to"], "high",
        "the request says what approval will do to the priority"
    );
    let approved = api
        .post(
            &api.admin,
            &format!("/api/v1/escalations/{escalation}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);

    // Bruno (North) reads the history…
    assert_eq!(api.get(&api.bruno, &path).await.status, 200);
    // …but it is not in his Unassigned, and his claim is refused with the team named.
    assert!(
        !unassigned_ids(&api, &api.bruno)
            .await
            .contains(&id.to_string())
    );
    let refused = api
        .post(&api.bruno, &format!("{path}/claim"), Value::Null)
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "forbidden"),
        "{}",
        refused.body
    );
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("South"),
        "{}",
        refused.body
    );
    // Sol (South) finds it and takes it.
    assert!(
        unassigned_ids(&api, &api.sol)
            .await
            .contains(&id.to_string())
    );
    // A supervisor of North may move it back, and then Bruno takes it.
    let back = api
        .post(
            &api.admin,
            &format!("{path}/assign"),
            json!({ "to": { "kind": "team", "id": api.north }, "reason": "An ordinary order after all" }),
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(
        unassigned_ids(&api, &api.bruno)
            .await
            .contains(&id.to_string())
    );
    assert!(
        !unassigned_ids(&api, &api.sol)
            .await
            .contains(&id.to_string())
    );
    assert_eq!(
        api.post(&api.bruno, &format!("{path}/claim"), Value::Null)
            .await
            .status,
        200
    );
}

api_stories!(an_escalated_conversation_is_south_s_to_take_and_north_s_to_read);
