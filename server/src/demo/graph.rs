//! A stand-in for the Graph API under `/demo/graph`: accepts sends (answering a wamid), then
//! reports each one sent, delivered and read through the signed webhook, a few seconds apart,
//! as a customer's phone would; accepts read receipts; lists the demo's templates.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::{Demo, webhook};

pub(super) fn router(demo: Demo) -> Router {
    Router::new()
        .route("/demo/graph/{version}/{number}/messages", post(send))
        .route(
            "/demo/graph/{version}/{waba}/message_templates",
            get(templates),
        )
        .with_state(demo)
}

/// Only the server's own sender (holding the demo's access token) may send: anyone else
/// could make the stand-in report statuses for arbitrary messages.
fn authorised(demo: &Demo, headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {}", demo.access_token.expose());
    headers
        .get(AUTHORIZATION)
        .is_some_and(|v| v.as_bytes().ct_eq(expected.as_bytes()).into())
}

async fn send(
    State(demo): State<Demo>,
    Path((_version, _number)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Json<Value>, StatusCode> {
    if !authorised(&demo, &headers) {
        return Err(StatusCode::UNAUTHORIZED);
    }
    if body["status"] == "read" {
        return Ok(Json(json!({ "success": true })));
    }
    let wamid = format!("wamid.DEMOOUT{}", uuid::Uuid::now_v7().simple());
    let to = body["to"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches('+')
        .to_owned();
    let ours = body["biz_opaque_callback_data"].as_str().map(str::to_owned);
    let reported = wamid.clone();
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        for (after, status) in [(1, "sent"), (2, "delivered"), (4, "read")] {
            tokio::time::sleep(Duration::from_secs(after)).await;
            let payload = webhook::status(&reported, status, &to, ours.as_deref());
            webhook::post(&client, &demo, &payload).await;
        }
    });
    Ok(Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": body["to"], "wa_id": body["to"] }],
        "messages": [{ "id": wamid }]
    })))
}

/// The demo's templates, as Meta lists them (the server reads them through its real sync).
async fn templates() -> Json<Value> {
    let template = |name: &str, category: &str, body: &str, button: Option<Value>| {
        let mut components = vec![json!({ "type": "BODY", "text": body })];
        if let Some(button) = button {
            components.push(json!({ "type": "BUTTONS", "buttons": [button] }));
        }
        json!({ "name": name, "language": "en_US", "status": "APPROVED", "category": category,
                "id": format!("demo-{name}"), "components": components })
    };
    Json(json!({
        "data": [
            template("order_update", "UTILITY",
                "Hi {{1}}, your order {{2}} is on its way.",
                Some(json!({ "type": "URL", "text": "Track", "url": "https://shop.example/track/{{1}}" }))),
            template("follow_up", "UTILITY",
                "Hi {{1}}, we are following up on your request. Reply to this message to continue.",
                None),
            template("return_label", "UTILITY",
                "Hi {{1}}, your return label for order {{2}} is ready.",
                None),
        ],
        "paging": {}
    }))
}
