//! Every door has every command: for each command a person can issue (the OpenAPI document's
//! `Command`, which leaves out the ones only WhatsApp issues), a REST route, a web form and a
//! method of the phone library. This table is the map of the doors, kept next to `rbac.rs`
//! (which says who may use each route); the domain decides every command the same way
//! whichever door it came through, so the doors only translate.
//!
//! A command added to the domain without a row here fails the first check; a row whose door
//! is missing fails the others: the route must be in the document, the web form in a
//! template and accepted by the web view's form handler, and the bindings method exported on
//! the type named.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::api_stories;
use crate::client::Api;
use crate::web::Browser;

/// The three doors of one command.
struct Doors {
    /// The command's wire name (`"command": "claim"`).
    command: &'static str,
    /// REST: method and path, as in the OpenAPI document.
    rest: (&'static str, &'static str),
    /// Web: where the form posts and its `action` field (`None`: the route is the action).
    web: (&'static str, Option<&'static str>),
    /// Phone: `Type::method` in `bindings/src` (UniFFI exports it under the same names).
    phone: &'static str,
}

const DOORS: &[Doors] = &[
    Doors {
        command: "claim",
        rest: ("post", "/api/v1/conversations/{id}/claim"),
        web: ("/conversations/{id}", Some("claim")),
        phone: "ConversationHandle::claim",
    },
    Doors {
        command: "assign",
        rest: ("post", "/api/v1/conversations/{id}/assign"),
        web: ("/conversations/{id}", Some("assign")),
        phone: "ConversationHandle::assign",
    },
    Doors {
        command: "release",
        rest: ("post", "/api/v1/conversations/{id}/release"),
        web: ("/conversations/{id}", Some("release")),
        phone: "ConversationHandle::release",
    },
    Doors {
        command: "reply",
        rest: ("post", "/api/v1/conversations/{id}/messages"),
        web: ("/conversations/{id}", Some("reply")),
        phone: "ConversationHandle::reply",
    },
    Doors {
        command: "add_note",
        rest: ("post", "/api/v1/conversations/{id}/notes"),
        web: ("/conversations/{id}", Some("note")),
        phone: "ConversationHandle::add_note",
    },
    Doors {
        command: "add_label",
        rest: ("post", "/api/v1/conversations/{id}/labels"),
        web: ("/conversations/{id}", Some("label_add")),
        phone: "ConversationHandle::add_label",
    },
    Doors {
        command: "remove_label",
        rest: ("delete", "/api/v1/conversations/{id}/labels/{label}"),
        web: ("/conversations/{id}", Some("label_remove")),
        phone: "ConversationHandle::remove_label",
    },
    Doors {
        command: "set_status",
        rest: ("post", "/api/v1/conversations/{id}/status"),
        web: ("/conversations/{id}", Some("status")),
        phone: "ConversationHandle::resolve",
    },
    Doors {
        command: "set_priority",
        rest: ("post", "/api/v1/conversations/{id}/priority"),
        web: ("/conversations/{id}", Some("priority")),
        phone: "ConversationHandle::set_priority",
    },
    Doors {
        command: "request_escalation",
        rest: ("post", "/api/v1/conversations/{id}/escalations"),
        web: ("/conversations/{id}", Some("escalate")),
        phone: "ConversationHandle::request_escalation",
    },
    Doors {
        command: "approve_escalation",
        rest: ("post", "/api/v1/escalations/{id}/approve"),
        web: ("/conversations/{id}", Some("approve")),
        phone: "EscalationHandle::approve",
    },
    Doors {
        command: "reject_escalation",
        rest: ("post", "/api/v1/escalations/{id}/reject"),
        web: ("/conversations/{id}", Some("reject")),
        phone: "EscalationHandle::reject",
    },
    Doors {
        command: "cancel_escalation",
        rest: ("post", "/api/v1/escalations/{id}/cancel"),
        web: ("/conversations/{id}", Some("cancel_escalation")),
        phone: "EscalationHandle::cancel",
    },
    Doors {
        command: "mark_read",
        rest: ("post", "/api/v1/conversations/{id}/read/{message}"),
        web: ("/conversations/{id}", Some("mark_read")),
        phone: "ConversationHandle::mark_read",
    },
    Doors {
        command: "set_availability",
        rest: ("post", "/api/v1/me/availability"),
        web: ("/availability", None),
        phone: "RelaydeskClient::set_availability",
    },
];

/// The wire names of the `Command` schema's variants.
fn person_commands(document: &Value) -> BTreeSet<String> {
    document["components"]["schemas"]["Command"]["oneOf"]
        .as_array()
        .expect("Command is a oneOf")
        .iter()
        .flat_map(|variant| {
            // A variant is an object with `command: enum [name]`, possibly inside an allOf.
            let mut found = Vec::new();
            let mut stack = vec![variant];
            while let Some(v) = stack.pop() {
                if let Some(names) = v["properties"]["command"]["enum"].as_array() {
                    found.extend(names.iter().filter_map(Value::as_str).map(str::to_owned));
                }
                if let Some(parts) = v["allOf"].as_array() {
                    stack.extend(parts);
                }
            }
            found
        })
        .collect()
}

fn repo_file(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The bodies of `impl Type` blocks in the bindings' sources.
fn impl_blocks(type_name: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bindings/src");
    let mut blocks = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("bindings/src") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        let header = format!("impl {type_name} {{");
        let mut rest = text.as_str();
        while let Some(at) = rest.find(&header) {
            // Exported when the attribute on the line above says so.
            let exported = rest[..at]
                .trim_end()
                .rsplit('\n')
                .next()
                .is_some_and(|line| line.contains("uniffi::export"));
            let body = &rest[at..];
            let end = body.find("\n}\n").unwrap_or(body.len());
            if exported {
                blocks.push(body[..end].to_owned());
            }
            rest = &body[end.min(body.len())..];
        }
    }
    blocks
}

/// Every person's command has a row; no row names a command that does not exist.
async fn every_command_a_person_issues_has_a_row_of_doors(api: Api) {
    let document = api.call(None, "GET", "/api/openapi.json", None).await.body;
    let commands = person_commands(&document);
    assert!(
        commands.contains("claim") && commands.len() > 10,
        "{commands:?}"
    );
    let rows: BTreeSet<String> = DOORS.iter().map(|d| d.command.to_owned()).collect();
    assert_eq!(
        commands, rows,
        "the domain's person-issued commands and the table of doors differ"
    );
}

/// Each command's REST route is in the OpenAPI document (and so in the RBAC table's reach).
async fn every_command_has_a_rest_route(api: Api) {
    let document = api.call(None, "GET", "/api/openapi.json", None).await.body;
    for doors in DOORS {
        let (method, path) = doors.rest;
        assert!(
            document["paths"][path][method].is_object(),
            "{}: no {method} {path} in the OpenAPI document",
            doors.command
        );
    }
}

/// Each command has a form in the web view's templates, and the web view's form handler
/// accepts it (an empty form of that action is refused for a missing field or by the desk,
/// never as an unknown action).
async fn every_command_has_a_web_form(api: Api) {
    let templates: String = ["base.html", "side.html", "composer.html", "queue.html"]
        .iter()
        .map(|t| repo_file(&format!("server/templates/{t}")))
        .collect();
    let conversation = api.customer_writes("5511900000051", "hello").await;
    let mut browser = Browser::new(&api.base);
    let csrf = browser.sign_in("sara@example.test").await;
    for doors in DOORS {
        let (route, action) = doors.web;
        let in_template = match action {
            Some(action) => templates.contains(&format!(r#"name="action" value="{action}""#)),
            None => templates.contains(&format!(r#"action="{route}""#)),
        };
        assert!(in_template, "{}: no web form for it", doors.command);
        let path = route.replace("{id}", &conversation.to_string());
        let mut form = vec![("_csrf", csrf.as_str())];
        if let Some(action) = action {
            form.push(("action", action));
        }
        let page = browser.post(&path, &form).await;
        assert_ne!(page.status, 404, "{}: {path} not found", doors.command);
        assert_ne!(page.status, 405, "{}: {path} takes no form", doors.command);
        assert!(
            !page.html.contains("not an action of this page"),
            "{}: the web view does not know the action {action:?}",
            doors.command
        );
    }
}

/// Each command has a method of the phone library, exported to Kotlin and Swift.
async fn every_command_has_a_phone_method(_api: Api) {
    for doors in DOORS {
        let (type_name, method) = doors.phone.split_once("::").expect("Type::method");
        let blocks = impl_blocks(type_name);
        assert!(
            !blocks.is_empty(),
            "{}: no exported impl {type_name}",
            doors.command
        );
        let declared = blocks.iter().any(|b| {
            b.contains(&format!("pub async fn {method}("))
                || b.contains(&format!("pub fn {method}("))
        });
        assert!(
            declared,
            "{}: {type_name} exports no {method}",
            doors.command
        );
    }
}

api_stories!(
    every_command_a_person_issues_has_a_row_of_doors,
    every_command_has_a_rest_route,
    every_command_has_a_web_form,
    every_command_has_a_phone_method,
);
