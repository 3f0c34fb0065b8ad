//! Commands over REST: the domain's rules hold at this door — idempotent replies, the 24-hour
//! window, templates filled exactly, handoff notes, escalations decided by supervisors.

use chrono::{Duration, Utc};
use relaydesk_core::domain::*;
use relaydesk_server::store::Setup;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::Api;

async fn a_retried_reply_is_queued_once(api: Api) {
    let id = api.customer_writes("5511900000051", "hello?").await;
    let reply =
        json!({ "id": MessageId::new(), "body": { "type": "text", "text": "Hi! Looking." } });
    let path = format!("/api/v1/conversations/{id}/messages");
    let first = api.post(&api.ana, &path, reply.clone()).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let kinds: Vec<&str> = first.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["change"]["event"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        ["assignment_changed", "reply_queued"],
        "a reply claims first"
    );
    let retried = api.post(&api.ana, &path, reply).await;
    assert_eq!(retried.status, 200);
    assert_eq!(
        retried.body["events"],
        json!([]),
        "nothing new the second time"
    );

    let outbound = api
        .store
        .messages_of(id)
        .await
        .expect("db")
        .into_iter()
        .filter(|m| m.direction == Direction::Outbound)
        .count();
    assert_eq!(outbound, 1);
    let depth: Vec<_> = api
        .store
        .send_queue_depth()
        .await
        .expect("db")
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(depth, [("pending".to_owned(), 1)], "one send queued");

    // Bruno cannot reply in Ana's conversation; he is told who owns it.
    let other = json!({ "id": MessageId::new(), "body": { "type": "text", "text": "me too" } });
    let refused = api.post(&api.bruno, &path, other).await;
    assert_eq!((refused.status, refused.code()), (409, "not_owner"));
    assert_eq!(refused.body["error"]["owner_name"], "Ana");
}

async fn after_the_window_only_an_approved_template_filled_exactly_goes(api: Api) {
    let waba = api.store.workspace().await.expect("db").inboxes[&api.main_inbox]
        .waba_id
        .clone();
    api.store
        .setup(Setup::Template(Template {
            id: TemplateId::new(),
            waba_id: waba,
            name: "order_update".into(),
            language: "en_US".into(),
            category: TemplateCategory::Utility,
            status: TemplateStatus::Approved,
            header: None,
            body: "Hi {{1}}, your order {{2}} is on its way.".into(),
            footer: None,
            buttons: vec![],
        }))
        .await
        .expect("template");
    let id = api
        .customer_writes_at(
            "5511900000052",
            "where is it",
            Utc::now() - Duration::hours(26),
        )
        .await;
    let path = format!("/api/v1/conversations/{id}/messages");
    let text = json!({ "id": MessageId::new(), "body": { "type": "text", "text": "Sorry!" } });
    let closed = api.post(&api.ana, &path, text).await;
    assert_eq!((closed.status, closed.code()), (409, "window_closed"));
    assert!(closed.body["error"]["closed_at"].is_string());

    let template = |params: Value| {
        json!({ "id": MessageId::new(), "body": { "type": "template", "name": "order_update",
                "language": "en_US", "params": params } })
    };
    let missing = api
        .post(&api.ana, &path, template(json!({ "body.1": "Rui" })))
        .await;
    assert_eq!((missing.status, missing.code()), (422, "invalid"));
    assert!(
        missing.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("body.2"),
        "{:?}",
        missing.body
    );
    let sent = api
        .post(
            &api.ana,
            &path,
            template(json!({ "body.1": "Rui", "body.2": "#4471" })),
        )
        .await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
}

async fn handing_off_needs_a_note_and_taking_over_needs_a_reason(api: Api) {
    let id = api.customer_writes("5511900000053", "hello").await;
    let path = format!("/api/v1/conversations/{id}");
    assert_eq!(
        api.post(&api.ana, &format!("{path}/claim"), Value::Null)
            .await
            .status,
        200
    );

    let to_bruno = json!({ "kind": "agent", "id": api.bruno.id });
    let bare = api
        .post(
            &api.ana,
            &format!("{path}/assign"),
            json!({ "to": to_bruno }),
        )
        .await;
    assert_eq!((bare.status, bare.code()), (422, "handoff_note_required"));
    let agent_takes = api
        .post(
            &api.bruno,
            &format!("{path}/assign"),
            json!({ "to": { "kind": "agent", "id": api.bruno.id }, "reason": "mine now" }),
        )
        .await;
    assert_eq!(
        (agent_takes.status, agent_takes.code()),
        (409, "not_owner"),
        "agents do not take others' work: {:?}",
        agent_takes.body
    );
    let no_reason = api
        .post(
            &api.sara,
            &format!("{path}/assign"),
            json!({ "to": to_bruno }),
        )
        .await;
    assert_eq!(
        (no_reason.status, no_reason.code()),
        (422, "reason_required")
    );
    let handed = api
        .post(
            &api.ana,
            &format!("{path}/assign"),
            json!({ "to": to_bruno, "note": "Customer wants a call back after 5pm" }),
        )
        .await;
    assert_eq!(handed.status, 200, "{:?}", handed.body);
    let detail = api.get(&api.sara, &path).await;
    assert_eq!(detail.body["owner_name"], "Bruno");
}

async fn a_supervisor_decides_an_escalation_and_the_thread_stays(api: Api) {
    let id = api
        .customer_writes("5511900000054", "I will go to the press")
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
            json!({ "id": escalation, "reason": "threatens press", "severity": "critical",
                    "target": { "kind": "person", "id": api.sara.id } }),
        )
        .await;
    assert_eq!(asked.status, 200, "{:?}", asked.body);
    let again = api
        .post(
            &api.ana,
            &format!("{path}/escalations"),
            json!({ "reason": "again", "severity": "low",
                    "target": { "kind": "team", "id": api.north } }),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "escalation_pending"));

    let by_agent = api
        .post(
            &api.bruno,
            &format!("/api/v1/escalations/{escalation}/approve"),
            Value::Null,
        )
        .await;
    assert_eq!(by_agent.status, 403, "{:?}", by_agent.body);
    let no_reason = api
        .post(
            &api.sara,
            &format!("/api/v1/escalations/{escalation}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(no_reason.status, 422, "{:?}", no_reason.body);
    let approved = api
        .post(
            &api.sara,
            &format!("/api/v1/escalations/{escalation}/approve"),
            json!({ "note": "I'll call them" }),
        )
        .await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    let detail = api.get(&api.sara, &path).await;
    assert_eq!(detail.body["owner_name"], "Sara");
    assert_eq!(
        detail.body["conversation"]["id"],
        id.to_string(),
        "the same thread"
    );
    assert_eq!(detail.body["conversation"]["priority"], "urgent");
    let twice = api
        .post(
            &api.sara,
            &format!("/api/v1/escalations/{escalation}/approve"),
            Value::Null,
        )
        .await;
    assert_eq!((twice.status, twice.code()), (409, "escalation_closed"));
}

async fn context_commands_change_what_everyone_sees(api: Api) {
    let id = api.customer_writes("5511900000055", "hello").await;
    let path = format!("/api/v1/conversations/{id}");
    let message = api.last_inbound(id).await;
    assert_eq!(
        api.post(&api.ana, &format!("{path}/claim"), Value::Null)
            .await
            .status,
        200
    );
    for (action, body) in [
        ("labels", json!({ "label": "refund" })),
        ("labels", json!({ "label": "vip" })),
        ("priority", json!({ "priority": "high" })),
        ("notes", json!({ "body": "called them, no answer" })),
        ("status", json!({ "status": "pending" })),
    ] {
        let answer = api.post(&api.ana, &format!("{path}/{action}"), body).await;
        assert_eq!(answer.status, 200, "{action}: {:?}", answer.body);
    }
    let removed = api
        .call(
            Some(&api.ana),
            "DELETE",
            &format!("{path}/labels/vip"),
            None,
        )
        .await;
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    let read = api
        .post(&api.ana, &format!("{path}/read/{message}"), Value::Null)
        .await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    let bad = api
        .post(
            &api.ana,
            &format!("{path}/labels"),
            json!({ "label": "no|pipes" }),
        )
        .await;
    assert_eq!((bad.status, bad.code()), (422, "invalid"));

    let detail = api.get(&api.bruno, &path).await.body;
    assert_eq!(detail["conversation"]["labels"], json!(["refund"]));
    assert_eq!(detail["conversation"]["priority"], "high");
    assert_eq!(detail["conversation"]["status"]["status"], "pending");
    let availability = api
        .post(
            &api.ana,
            "/api/v1/me/availability",
            json!({ "availability": "away" }),
        )
        .await;
    assert_eq!(availability.status, 204, "{:?}", availability.body);
    assert_eq!(
        api.get(&api.ana, "/api/v1/me").await.body["availability"],
        "away"
    );
}

api_stories!(
    a_retried_reply_is_queued_once,
    after_the_window_only_an_approved_template_filled_exactly_goes,
    handing_off_needs_a_note_and_taking_over_needs_a_reason,
    a_supervisor_decides_an_escalation_and_the_thread_stays,
    context_commands_change_what_everyone_sees,
);
