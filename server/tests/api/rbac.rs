//! Who may do what: every route of the team API × {anonymous, agent of the conversation's
//! team, agent of another team, supervisor of the team, admin}, with the status each gets.
//! This table is the documentation of access; the rules behind it live in the domain
//! (`access.rs`, `decide/`) and in `accounts` (admin routes, sessions).
//!
//! Each cell runs on its own fresh conversation, so one person's change never decides
//! another's cell. The webhook routes are not here: Meta signs them (tests in
//! `webhooks_http.rs`). `/healthz`, `/readyz` and `/metrics` are open to anyone who can reach
//! the port, by design (operations); they show no customer data.

use relaydesk_core::domain::*;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::{Api, PASSWORD, Person};

/// The five kinds of caller, in the table's column order.
const WHO: [&str; 5] = [
    "anonymous",
    "agent (team)",
    "agent (other)",
    "supervisor",
    "admin",
];

/// The state a cell starts from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Given {
    /// Nothing in particular.
    Nothing,
    /// A North customer waits, unassigned.
    Unassigned,
    /// Ana (agent of North) owns it; it carries the label `vip`.
    OwnedByAna,
    /// Ana owns it and asked for an escalation to Sara.
    EscalatedBySara,
    /// A North customer waits, and North has a canned reply (by Sara).
    CannedNorth,
    /// The catalogue has a label.
    Label,
}

/// Ids a cell's path and body may name.
struct Cell {
    conversation: ConversationId,
    message: MessageId,
    escalation: EscalationId,
    session: String,
    canned: String,
    label: String,
    unique: String,
}

struct Row {
    method: &'static str,
    path: &'static str,
    given: Given,
    body: fn(&Api, &Cell) -> Option<Value>,
    /// Sign in afresh for this cell (routes that end or change sessions).
    fresh_session: bool,
    /// A stream that never ends: only its status is read.
    stream: bool,
    expect: [u16; 5],
}

const fn row(
    method: &'static str,
    path: &'static str,
    given: Given,
    body: fn(&Api, &Cell) -> Option<Value>,
    expect: [u16; 5],
) -> Row {
    Row {
        method,
        path,
        given,
        body,
        fresh_session: false,
        stream: false,
        expect,
    }
}

fn none(_: &Api, _: &Cell) -> Option<Value> {
    None
}

fn table() -> Vec<Row> {
    use Given::*;
    let mut rows = vec![
        // Operations.
        row("GET", "/healthz", Nothing, none, [200, 200, 200, 200, 200]),
        row("GET", "/readyz", Nothing, none, [200, 200, 200, 200, 200]),
        row("GET", "/metrics", Nothing, none, [200, 200, 200, 200, 200]),
        // Oneself.
        row(
            "POST",
            "/api/v1/auth/login",
            Nothing,
            |_, _| Some(json!({ "email": "bruno@example.test", "password": PASSWORD })),
            [200, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/api/v1/me",
            Nothing,
            none,
            [401, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/me/availability",
            Nothing,
            |_, _| Some(json!({ "availability": "online" })),
            [401, 204, 204, 204, 204],
        ),
        row(
            "GET",
            "/api/v1/me/notifications",
            Nothing,
            none,
            [401, 200, 200, 200, 200],
        ),
        row(
            "PUT",
            "/api/v1/me/notifications",
            Nothing,
            |_, _| Some(json!({ "previews": false })),
            [401, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/api/v1/auth/sessions",
            Nothing,
            none,
            [401, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/api/v1/directory",
            Nothing,
            none,
            [401, 200, 200, 200, 200],
        ),
        // The queue.
        row(
            "GET",
            "/api/v1/conversations?view=all",
            Unassigned,
            none,
            [401, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/api/v1/conversations/{c}",
            Unassigned,
            none,
            [401, 200, 404, 200, 200],
        ),
        row(
            "GET",
            "/api/v1/conversations/{c}/timeline",
            Unassigned,
            none,
            [401, 200, 404, 200, 200],
        ),
        // Ownership.
        row(
            "POST",
            "/api/v1/conversations/{c}/claim",
            Unassigned,
            none,
            [401, 200, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/claim",
            OwnedByAna,
            none,
            [401, 200, 404, 409, 409],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/assign",
            OwnedByAna,
            |api, _| {
                Some(json!({ "to": { "kind": "agent", "id": api.bruno.id },
                                  "reason": "balancing load", "note": "over to you" }))
            },
            [401, 200, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/assign",
            Unassigned,
            |api, _| {
                Some(json!({ "to": { "kind": "agent", "id": api.bruno.id },
                                  "reason": "balancing load" }))
            },
            [401, 403, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/release",
            OwnedByAna,
            |_, _| Some(json!({ "note": "back to the queue", "reason": "shift over" })),
            [401, 200, 404, 200, 200],
        ),
        // Replying.
        row(
            "POST",
            "/api/v1/conversations/{c}/messages",
            Unassigned,
            |_, _| {
                Some(json!({ "id": MessageId::new(), "body": { "type": "text", "text": "Hi" } }))
            },
            [401, 200, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/messages",
            OwnedByAna,
            |_, _| {
                Some(json!({ "id": MessageId::new(), "body": { "type": "text", "text": "Hi" } }))
            },
            [401, 200, 404, 409, 409],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/read/{m}",
            OwnedByAna,
            none,
            [401, 200, 404, 409, 409],
        ),
        // Context.
        row(
            "POST",
            "/api/v1/conversations/{c}/notes",
            OwnedByAna,
            |_, _| Some(json!({ "body": "seen this before" })),
            [401, 200, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/labels",
            OwnedByAna,
            |_, _| Some(json!({ "label": "refund" })),
            [401, 200, 404, 200, 200],
        ),
        row(
            "DELETE",
            "/api/v1/conversations/{c}/labels/vip",
            OwnedByAna,
            none,
            [401, 200, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/status",
            OwnedByAna,
            |_, _| Some(json!({ "status": "resolved" })),
            [401, 200, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/status",
            Unassigned,
            |_, _| Some(json!({ "status": "resolved" })),
            [401, 403, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/conversations/{c}/priority",
            OwnedByAna,
            |_, _| Some(json!({ "priority": "high" })),
            [401, 200, 404, 200, 200],
        ),
        // Escalations.
        row(
            "POST",
            "/api/v1/conversations/{c}/escalations",
            OwnedByAna,
            |api, _| {
                Some(
                    json!({ "reason": "refund above limit", "severity": "medium",
                                  "target": { "kind": "team", "id": api.north } }),
                )
            },
            [401, 200, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/escalations/{e}/approve",
            EscalatedBySara,
            |_, _| Some(json!({ "note": "go ahead" })),
            [401, 403, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/escalations/{e}/reject",
            EscalatedBySara,
            |_, _| Some(json!({ "reason": "handle it yourself" })),
            [401, 403, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/escalations/{e}/cancel",
            EscalatedBySara,
            none,
            [401, 200, 404, 200, 200],
        ),
        // Phone sync (what a push may do is the commands' own rows above).
        row(
            "POST",
            "/api/v1/sync/push",
            Nothing,
            |_, _| Some(json!({ "client_id": uuid::Uuid::now_v7(), "mutations": [] })),
            [401, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/api/v1/sync/pull?client_id=01a215ef-3b91-7284-89b9-e18b08a3b671",
            Nothing,
            none,
            [401, 200, 200, 200, 200],
        ),
        // The reply library.
        row(
            "GET",
            "/api/v1/canned-replies",
            CannedNorth,
            none,
            [401, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/canned-replies",
            Nothing,
            |api, cell| {
                Some(
                    json!({ "shortcut": cell.unique.clone(), "title": "T", "body": "B",
                                     "scope": { "kind": "team", "id": api.north } }),
                )
            },
            [401, 403, 403, 201, 201],
        ),
        row(
            "PATCH",
            "/api/v1/canned-replies/{r}",
            CannedNorth,
            |_, _| Some(json!({ "title": "Renamed" })),
            [401, 403, 404, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/canned-replies/{r}/fill",
            CannedNorth,
            |_, cell| Some(json!({ "conversation": cell.conversation })),
            [401, 200, 404, 200, 200],
        ),
        row(
            "DELETE",
            "/api/v1/canned-replies/{r}",
            CannedNorth,
            none,
            [401, 403, 404, 204, 204],
        ),
        row(
            "GET",
            "/api/v1/templates",
            Nothing,
            none,
            [401, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/admin/templates/sync",
            Nothing,
            none,
            [401, 403, 403, 403, 503],
        ),
        // The workspace (admins).
        row(
            "GET",
            "/api/v1/admin/users",
            Nothing,
            none,
            [401, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/api/v1/admin/users",
            Nothing,
            |_, cell| {
                Some(json!({ "email": format!("{}@example.test", cell.unique),
                                   "name": format!("New {}", cell.unique), "role": "agent" }))
            },
            [401, 403, 403, 403, 201],
        ),
        row(
            "PATCH",
            "/api/v1/admin/users/{bruno}",
            Nothing,
            |_, _| Some(json!({ "capacity": 12 })),
            [401, 403, 403, 403, 200],
        ),
        row(
            "GET",
            "/api/v1/admin/users/{bruno}/sessions",
            Nothing,
            none,
            [401, 403, 403, 403, 200],
        ),
        row(
            "GET",
            "/api/v1/admin/teams",
            Nothing,
            none,
            [401, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/api/v1/admin/teams",
            Nothing,
            |_, cell| Some(json!({ "name": format!("Team {}", cell.unique) })),
            [401, 403, 403, 403, 201],
        ),
        row(
            "GET",
            "/api/v1/admin/inboxes",
            Nothing,
            none,
            [401, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/api/v1/admin/inboxes",
            Nothing,
            |api, cell| {
                Some(
                    json!({ "name": "Extra", "phone_number_id": cell.unique.clone(),
                                     "display_phone_number": "12125550199",
                                     "waba_id": "310984726155302", "teams": [api.north] }),
                )
            },
            [401, 403, 403, 403, 201],
        ),
        // The label catalogue: read by everyone, defined by admins.
        row(
            "GET",
            "/api/v1/labels",
            Nothing,
            none,
            [401, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/api/v1/admin/labels",
            Nothing,
            |_, cell| Some(json!({ "name": format!("new {}", cell.unique), "colour": "#225588" })),
            [401, 403, 403, 403, 201],
        ),
        row(
            "PATCH",
            "/api/v1/admin/labels/{l}",
            Label,
            |_, _| Some(json!({ "description": "Customers asking for their money back" })),
            [401, 403, 403, 403, 200],
        ),
        // The configuration's history (admins).
        row(
            "GET",
            "/api/v1/admin/config-log",
            Nothing,
            none,
            [401, 403, 403, 403, 200],
        ),
        row(
            "GET",
            "/api/v1/admin/config",
            Nothing,
            none,
            [401, 403, 403, 403, 200],
        ),
    ];
    // Routes that end or change sessions run on a session signed in for the cell; changing
    // the password ends the person's other sessions, so these come last.
    for (method, path, body, expect) in [
        (
            "DELETE",
            "/api/v1/auth/sessions/{s}",
            none as fn(&Api, &Cell) -> Option<Value>,
            [401, 204, 204, 204, 204],
        ),
        (
            "POST",
            "/api/v1/auth/logout",
            none,
            [401, 204, 204, 204, 204],
        ),
        (
            "POST",
            "/api/v1/admin/users/{bruno}/reset-password",
            none,
            [401, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/api/v1/auth/password",
            |_, _| Some(json!({ "current_password": PASSWORD, "new_password": PASSWORD })),
            [401, 204, 204, 204, 204],
        ),
    ] {
        rows.push(Row {
            method,
            path,
            given: Nothing,
            body,
            fresh_session: true,
            stream: false,
            expect,
        });
    }
    rows
}

/// Every (method, path template) of the table.
pub fn routes() -> Vec<(&'static str, &'static str)> {
    table().iter().map(|r| (r.method, r.path)).collect()
}

/// Puts a new conversation in the state the row needs.
async fn given(api: &Api, given: Given, phone: &str) -> Cell {
    let conversation = api.customer_writes(phone, "hello").await;
    let message = api.last_inbound(conversation).await;
    let escalation = EscalationId::new();
    let path = format!("/api/v1/conversations/{conversation}");
    if matches!(given, Given::OwnedByAna | Given::EscalatedBySara) {
        assert_eq!(
            api.post(&api.ana, &format!("{path}/claim"), Value::Null)
                .await
                .status,
            200
        );
        let label = api
            .post(
                &api.ana,
                &format!("{path}/labels"),
                json!({ "label": "vip" }),
            )
            .await;
        assert_eq!(label.status, 200);
    }
    let mut canned = "none".to_owned();
    if given == Given::CannedNorth {
        let made = api
            .post(
                &api.sara,
                "/api/v1/canned-replies",
                json!({ "shortcut": format!("r{phone}"), "title": "Hello", "body": "Hi!",
                        "scope": { "kind": "team", "id": api.north } }),
            )
            .await;
        assert_eq!(made.status, 201, "{:?}", made.body);
        canned = made.body["id"].as_str().expect("id").to_owned();
    }
    let mut label = "none".to_owned();
    if given == Given::Label {
        let defined = relaydesk_core::domain::LabelDefinition {
            id: relaydesk_core::domain::LabelId::new(),
            name: format!("label {phone}"),
            colour: "#aa3300".into(),
            description: String::new(),
            active: true,
        };
        label = defined.id.to_string();
        api.store
            .setup(relaydesk_server::store::Setup::Label(defined))
            .await
            .expect("a label");
    }
    if given == Given::EscalatedBySara {
        let asked = api
            .post(
                &api.ana,
                &format!("{path}/escalations"),
                json!({ "id": escalation, "reason": "needs a supervisor", "severity": "high",
                        "target": { "kind": "person", "id": api.sara.id } }),
            )
            .await;
        assert_eq!(asked.status, 200, "{:?}", asked.body);
    }
    Cell {
        conversation,
        message,
        escalation,
        session: "no-such-session".to_owned(),
        canned,
        label,
        unique: phone.to_owned(),
    }
}

async fn every_route_checks_role_and_visibility(api: Api) {
    let people: [Option<&Person>; 5] = [
        None,
        Some(&api.ana),
        Some(&api.sol),
        Some(&api.sara),
        Some(&api.admin),
    ];
    let mut report = Vec::new();
    let mut wrong = 0;
    let mut n = 0u32;
    for row in table() {
        let mut got = [0u16; 5];
        for (i, who) in people.iter().enumerate() {
            n += 1;
            let mut cell = given(&api, row.given, &format!("55119{n:06}")).await;
            let mut caller = who.cloned();
            if row.fresh_session
                && let Some(person) = &caller
            {
                let signed: Value = api
                    .http
                    .post(format!("{}/api/v1/auth/login", api.base))
                    .json(&json!({ "email": person.email, "password": PASSWORD }))
                    .send()
                    .await
                    .expect("answers")
                    .json()
                    .await
                    .expect("JSON");
                cell.session = signed["session"]["id"]
                    .as_str()
                    .expect("session")
                    .to_owned();
                caller = Some(Person {
                    token: signed["token"].as_str().expect("token").to_owned(),
                    ..person.clone()
                });
            }
            let path = row
                .path
                .replace("{c}", &cell.conversation.to_string())
                .replace("{m}", &cell.message.to_string())
                .replace("{e}", &cell.escalation.to_string())
                .replace("{s}", &cell.session)
                .replace("{r}", &cell.canned)
                .replace("{l}", &cell.label)
                .replace("{bruno}", &api.bruno.id.to_string());
            let answer = if row.stream {
                api.status_only(caller.as_ref(), &path).await
            } else {
                api.call(caller.as_ref(), row.method, &path, (row.body)(&api, &cell))
                    .await
            };
            got[i] = answer.status;
            // Never a server error; 503 only to say WhatsApp is not configured on this server.
            assert!(
                answer.status < 500 || answer.code() == "whatsapp_not_configured",
                "{} {} as {}: {:?}",
                row.method,
                row.path,
                WHO[i],
                answer.body
            );
            if answer.status >= 400 {
                assert!(
                    answer.body["error"]["code"].is_string(),
                    "errors have the JSON shape: {} {} as {}: {:?}",
                    row.method,
                    row.path,
                    WHO[i],
                    answer.body
                );
            }
        }
        let mark = if got == row.expect { "  " } else { "✗ " };
        if got != row.expect {
            wrong += 1;
        }
        report.push(format!(
            "{mark}{:6} {:48} {:14?} expected {:?} got {:?}",
            row.method, row.path, row.given, row.expect, got
        ));
    }
    println!("columns: {WHO:?}\n{}", report.join("\n"));
    assert_eq!(
        wrong,
        0,
        "routes answering otherwise than the table:\n{}",
        report.join("\n")
    );
}

api_stories!(every_route_checks_role_and_visibility);
