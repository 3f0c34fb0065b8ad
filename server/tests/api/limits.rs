//! Free text has one limit per field whichever door it comes in by: the REST route and a
//! phone's sync push get the same refusal (the decision makes it), and the OpenAPI document
//! states the same numbers, so generated clients and fuzzers know them before asking.

use relaydesk_core::domain::limits::*;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::Api;

async fn an_escalation_reason_over_its_limit_is_refused_alike_by_rest_and_sync_push(api: Api) {
    let c = api
        .customer_writes("5511900000951", "my order never came")
        .await;
    assert_eq!(
        api.post(
            &api.ana,
            &format!("/api/v1/conversations/{c}/claim"),
            Value::Null
        )
        .await
        .status,
        200
    );
    let escalation = |reason: String| {
        json!({ "reason": reason, "severity": "high",
                "target": { "kind": "team", "id": api.south } })
    };
    // 1,001 characters of "ã" (2,002 bytes): refused for its characters.
    let long = "ã".repeat(MAX_REASON_CHARS + 1);
    let by_rest = api
        .post(
            &api.ana,
            &format!("/api/v1/conversations/{c}/escalations"),
            escalation(long.clone()),
        )
        .await;
    assert_eq!((by_rest.status, by_rest.code()), (422, "invalid"));
    assert_eq!(by_rest.body["error"]["field"], "reason");
    assert_eq!(
        by_rest.body["error"]["reason"],
        format!("too long (at most {MAX_REASON_CHARS} characters)")
    );

    let pushed = api
        .post(
            &api.ana,
            "/api/v1/sync/push",
            json!({ "client_id": uuid::Uuid::now_v7().to_string(), "mutations": [{
                "id": 1,
                "command": { "command": "request_escalation", "conversation": c,
                    "escalation": uuid::Uuid::now_v7(), "reason": long, "severity": "high",
                    "target": { "kind": "team", "id": api.south } },
            }] }),
        )
        .await;
    assert_eq!(pushed.status, 200, "{}", pushed.body);
    let rejection = &pushed.body["results"][0]["outcome"]["rejection"];
    assert_eq!(rejection["code"], "invalid");
    assert_eq!(rejection["field"], by_rest.body["error"]["field"]);
    assert_eq!(rejection["reason"], by_rest.body["error"]["reason"]);

    let detail = api
        .get(&api.ana, &format!("/api/v1/conversations/{c}"))
        .await;
    assert!(
        detail.body["conversation"]["escalation"].is_null(),
        "nothing was requested: {}",
        detail.body
    );
    let accepted = api
        .post(
            &api.ana,
            &format!("/api/v1/conversations/{c}/escalations"),
            escalation("ã".repeat(MAX_REASON_CHARS)),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
}

/// The schema of `property` of the component `schema` in the served document.
fn property<'a>(document: &'a Value, schema: &str, property: &str) -> &'a Value {
    &document["components"]["schemas"][schema]["properties"][property]
}

async fn the_document_states_each_fields_limit_from_the_same_constants(api: Api) {
    let document = api.call(None, "GET", "/api/openapi.json", None).await.body;
    let expected = [
        ("EscalationRequest", "reason", MAX_REASON_CHARS),
        ("RejectRequest", "reason", MAX_REASON_CHARS),
        ("ApproveRequest", "note", MAX_REASON_CHARS),
        ("AssignRequest", "reason", MAX_REASON_CHARS),
        ("AssignRequest", "note", MAX_NOTE_CHARS),
        ("ReleaseRequest", "reason", MAX_REASON_CHARS),
        ("NoteRequest", "body", MAX_NOTE_CHARS),
        ("HandoffNote", "body", MAX_NOTE_CHARS),
        ("LabelRequest", "label", MAX_LABEL_CHARS),
        ("NewTeam", "name", MAX_NAME_CHARS),
        ("NewUser", "handle", MAX_HANDLE_CHARS),
        ("NewUser", "email", MAX_EMAIL_CHARS),
        ("NewInbox", "waba_id", MAX_NUMBER_ID_CHARS),
        ("NewCannedReply", "shortcut", MAX_SHORTCUT_CHARS),
        ("NewCannedReply", "body", MAX_CANNED_BODY_CHARS),
        ("DeviceRequest", "token", MAX_PUSH_TOKEN_CHARS),
        ("LoginRequest", "password", MAX_PASSWORD_CHARS),
    ];
    for (schema, field, max) in expected {
        assert_eq!(
            property(&document, schema, field)["maxLength"],
            max,
            "{schema}.{field}"
        );
    }
    // Inside the commands a phone pushes and the reply bodies, too.
    let commands = document["components"]["schemas"]["Command"]["oneOf"]
        .as_array()
        .expect("commands");
    let request_escalation = commands
        .iter()
        .find(|c| c["properties"]["command"]["enum"][0] == "request_escalation")
        .expect("request_escalation");
    assert_eq!(
        request_escalation["properties"]["reason"]["maxLength"],
        MAX_REASON_CHARS
    );
    // What only WhatsApp issues is never pushed, so the document does not offer it.
    assert!(
        commands.iter().all(|c| {
            let name = &c["properties"]["command"]["enum"][0];
            name != "record_delivery" && name != "receive_customer_message"
        }),
        "{commands:?}"
    );
    let media = document["components"]["schemas"]["ReplyBody"]["oneOf"]
        .as_array()
        .expect("reply bodies")
        .iter()
        .find(|b| b["properties"]["type"]["enum"][0] == "media")
        .expect("media");
    assert_eq!(
        media["properties"]["filename"]["maxLength"],
        MAX_FILE_NAME_CHARS
    );
    assert_eq!(
        media["properties"]["whatsapp_media_id"]["maxLength"],
        MAX_MEDIA_ID_CHARS
    );
    // Required text must hold more than spaces; ranges and formats are stated too.
    assert_eq!(
        property(&document, "EscalationRequest", "reason")["minLength"],
        1
    );
    assert_eq!(
        property(&document, "PushRequest", "client_id")["format"],
        "uuid"
    );
    assert_eq!(
        property(&document, "PushRequest", "mutations")["maxItems"],
        500
    );
    let limit = document["paths"]["/api/v1/conversations"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit")
        .clone();
    assert_eq!(
        (&limit["schema"]["minimum"], &limit["schema"]["maximum"]),
        (&json!(1), &json!(200))
    );
}

api_stories!(
    an_escalation_reason_over_its_limit_is_refused_alike_by_rest_and_sync_push,
    the_document_states_each_fields_limit_from_the_same_constants,
);
