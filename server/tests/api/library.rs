//! The reply library: canned replies managed by the right people and filled per conversation,
//! templates synced from Meta (a fake Graph API on loopback) with their slots, and customer
//! files served only to those who may see them.

use std::time::Duration;

use chrono::Utc;
use relaydesk_core::domain::*;
use relaydesk_server::config::Secret;
use relaydesk_server::store::MediaOutcome;
use relaydesk_server::whatsapp::GraphApi;
use relaydesk_server::whatsapp::media::path_of;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::api_stories;
use crate::client::{Api, serve_with};

async fn canned_replies_belong_to_a_team_or_a_person_and_fill_per_conversation(api: Api) {
    let team_reply = json!({ "shortcut": "/Hello", "title": "Greeting",
        "body": "Hi {{contact.name}}, {{agent.first_name}} from {{team.name}} here.",
        "scope": { "kind": "team", "id": api.north } });
    let by_agent = api
        .post(&api.ana, "/api/v1/canned-replies", team_reply.clone())
        .await;
    assert_eq!((by_agent.status, by_agent.code()), (403, "forbidden"));
    let created = api
        .post(&api.sara, "/api/v1/canned-replies", team_reply.clone())
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["shortcut"], "hello");
    let hello = created.body["id"].as_str().expect("id").to_owned();
    let again = api
        .post(&api.sara, "/api/v1/canned-replies", team_reply)
        .await;
    assert_eq!((again.status, again.code()), (409, "conflict"));

    let personal = api
        .post(&api.ana, "/api/v1/canned-replies",
            json!({ "shortcut": "order", "title": "Order number", "body": "Your order is {{order.id}}",
                    "scope": { "kind": "personal", "id": api.ana.id } }))
        .await;
    assert_eq!(personal.status, 201, "{:?}", personal.body);
    let order = personal.body["id"].as_str().expect("id").to_owned();

    let shortcuts = |answer: &crate::client::Answer| -> Vec<String> {
        answer
            .body
            .as_array()
            .expect("a list")
            .iter()
            .map(|r| r["shortcut"].as_str().expect("shortcut").to_owned())
            .collect()
    };
    assert_eq!(
        shortcuts(&api.get(&api.ana, "/api/v1/canned-replies").await),
        ["hello", "order"]
    );
    assert_eq!(
        shortcuts(&api.get(&api.bruno, "/api/v1/canned-replies").await),
        ["hello"]
    );
    assert!(shortcuts(&api.get(&api.sol, "/api/v1/canned-replies").await).is_empty());
    assert_eq!(
        shortcuts(&api.get(&api.ana, "/api/v1/canned-replies?q=ord").await),
        ["order"]
    );

    let conversation = api.customer_writes("5511900000081", "hi").await;
    let filled = api
        .post(
            &api.bruno,
            &format!("/api/v1/canned-replies/{hello}/fill"),
            json!({ "conversation": conversation }),
        )
        .await;
    assert_eq!(filled.status, 200, "{:?}", filled.body);
    assert_eq!(
        filled.body["text"],
        "Hi Customer 5511900000081, Bruno from North here."
    );
    let missing = api
        .post(
            &api.ana,
            &format!("/api/v1/canned-replies/{order}/fill"),
            json!({ "conversation": conversation }),
        )
        .await;
    assert_eq!((missing.status, missing.code()), (422, "invalid"));
    assert!(
        missing.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("order.id")
    );
    let foreign = api
        .post(
            &api.sol,
            &format!("/api/v1/canned-replies/{hello}/fill"),
            json!({ "conversation": conversation }),
        )
        .await;
    assert_eq!(foreign.status, 404, "Sol cannot use North's reply");

    let agent_deletes = api
        .call(
            Some(&api.bruno),
            "DELETE",
            &format!("/api/v1/canned-replies/{hello}"),
            None,
        )
        .await;
    assert_eq!(agent_deletes.status, 403);
    let changed = api
        .call(
            Some(&api.sara),
            "PATCH",
            &format!("/api/v1/canned-replies/{hello}"),
            Some(json!({ "title": "Warm greeting" })),
        )
        .await;
    assert_eq!(changed.body["title"], "Warm greeting");
    let deleted = api
        .call(
            Some(&api.sara),
            "DELETE",
            &format!("/api/v1/canned-replies/{hello}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert!(shortcuts(&api.get(&api.bruno, "/api/v1/canned-replies").await).is_empty());
}

fn listed(name: &str, status: &str, body: &str) -> Value {
    json!({ "name": name, "language": "en_US", "status": status, "category": "UTILITY",
            "id": format!("id-{name}"), "components": [{ "type": "BODY", "text": body }] })
}

async fn templates_sync_from_meta_page_by_page_and_list_with_their_slots(api: Api) {
    let meta = MockServer::start().await;
    let waba = "310984726155302";
    let templates = format!("/v25.0/{waba}/message_templates");
    Mock::given(method("GET"))
        .and(path(templates.clone()))
        .and(query_param("after", "page2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [listed("payment_due", "PAUSED", "Pay {{1}} by {{2}}")],
            "paging": {}
        })))
        .mount(&meta)
        .await;
    Mock::given(method("GET"))
        .and(path(templates.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [listed("order_update", "APPROVED", "Hi {{1}}, order {{2}} ships today."),
                     { "name": "promo_video", "language": "en_US", "status": "APPROVED", "category": "MARKETING",
                       "components": [{ "type": "HEADER", "format": "VIDEO" }, { "type": "BODY", "text": "Look!" }] }],
            "paging": { "next": format!("{}{templates}?after=page2", meta.uri()) }
        })))
        .mount(&meta)
        .await;
    Mock::given(method("GET"))
        .and(path("/v25.0/310984726155419/message_templates"))
        .respond_with(
            ResponseTemplate::new(500).set_body_string("{\"error\":{\"message\":\"oops\"}}"),
        )
        .mount(&meta)
        .await;
    let graph = GraphApi {
        base_url: meta.uri(),
        version: "v25.0".into(),
        access_token: Secret::new("test-token"),
        timeout: Duration::from_secs(5),
    };
    let with_meta = serve_with(
        api.store.clone(),
        Some(graph),
        api.media_dir.path().to_owned(),
    )
    .await;
    let sync = |who: &crate::client::Person| {
        let (http, url, token) = (
            api.http.clone(),
            format!("{with_meta}/api/v1/admin/templates/sync"),
            who.token.clone(),
        );
        async move {
            let response = http
                .post(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("answers");
            (
                response.status().as_u16(),
                response.json::<Value>().await.expect("JSON"),
            )
        }
    };
    assert_eq!(sync(&api.sara).await.0, 403, "only admins sync");
    let (status, report) = sync(&api.admin).await;
    assert_eq!(status, 200, "{report}");
    let accounts = report["accounts"].as_array().expect("accounts");
    let main = accounts
        .iter()
        .find(|a| a["waba_id"] == waba)
        .expect("main account");
    assert_eq!(main["synced"], 2);
    assert_eq!(
        main["skipped"],
        json!(["promo_video (en_US): a VIDEO header is not supported yet"])
    );
    let south = accounts
        .iter()
        .find(|a| a["waba_id"] == "310984726155419")
        .expect("south");
    assert!(
        south["error"].as_str().expect("an error").contains("500"),
        "{south}"
    );

    let offered = api.get(&api.ana, "/api/v1/templates").await;
    let mut rows: Vec<(String, Value, bool)> = offered
        .body
        .as_array()
        .expect("list")
        .iter()
        .map(|t| {
            (
                t["template"]["name"].as_str().expect("name").to_owned(),
                t["slots"].clone(),
                t["usable"].as_bool().expect("usable"),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        rows,
        [
            ("order_update".to_owned(), json!(["body.1", "body.2"]), true),
            ("payment_due".to_owned(), json!(["body.1", "body.2"]), false),
        ]
    );
    assert!(
        api.get(&api.sol, "/api/v1/templates")
            .await
            .body
            .as_array()
            .expect("list")
            .is_empty(),
        "Sol's number has no templates synced"
    );

    // Meta stops listing one: it is disabled, not deleted; the other keeps its id.
    let before = api.store.workspace().await.expect("db").templates;
    meta.reset().await;
    Mock::given(method("GET"))
        .and(path(templates))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [listed("order_update", "APPROVED", "Hi {{1}}, order {{2}} ships today.")] })))
        .mount(&meta)
        .await;
    let (_, report) = sync(&api.admin).await;
    let main = report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["waba_id"] == waba)
        .expect("main")
        .clone();
    assert_eq!(
        (main["synced"].clone(), main["disabled"].clone()),
        (json!(1), json!(1))
    );
    let after = api.store.workspace().await.expect("db").templates;
    let id_of = |map: &std::collections::BTreeMap<TemplateId, Template>, name: &str| {
        map.values()
            .find(|t| t.name == name)
            .map(|t| (t.id, t.status))
    };
    assert_eq!(
        id_of(&after, "order_update").map(|t| t.0),
        id_of(&before, "order_update").map(|t| t.0)
    );
    assert_eq!(
        id_of(&after, "payment_due").map(|t| t.1),
        Some(TemplateStatus::Disabled)
    );

    let unconfigured = api
        .post(&api.admin, "/api/v1/admin/templates/sync", Value::Null)
        .await;
    assert_eq!(
        (unconfigured.status, unconfigured.code()),
        (503, "whatsapp_not_configured")
    );
}

async fn a_customers_file_is_served_only_to_those_who_may_see_it(api: Api) {
    let body = crate::harness::fixture("inbound-image.json");
    api.store
        .ingest_webhook(body, Utc::now())
        .await
        .expect("ingest");
    let conversation = crate::harness::conversation_of(&api.store, "12025550147")
        .await
        .id;
    let image = api.last_inbound(conversation).await;
    let url = format!("/api/v1/media/{image}");

    // This server has no access token: the file is not fetched (tests/api/media.rs).
    let pending = api.get(&api.ana, &url).await;
    assert_eq!((pending.status, pending.code()), (410, "media_not_fetched"));

    let claims = api
        .store
        .claim_media(Utc::now(), Duration::from_secs(60), 10)
        .await
        .expect("db");
    let claim = claims
        .into_iter()
        .find(|c| c.job.message_id == image)
        .expect("queued");
    std::fs::create_dir_all(api.media_dir.path()).expect("folder");
    std::fs::write(
        path_of(api.media_dir.path(), image),
        b"\xff\xd8\xff fake jpeg",
    )
    .expect("file");
    api.store
        .finish_media(
            claim,
            MediaOutcome::Fetched {
                mime_type: "image/jpeg".into(),
                size: 14,
            },
            Utc::now(),
        )
        .await
        .expect("db");

    let response = api
        .http
        .get(format!("{}{url}", api.base))
        .bearer_auth(&api.ana.token)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("text")
            .starts_with("attachment")
    );
    assert_eq!(
        response.bytes().await.expect("bytes").as_ref(),
        b"\xff\xd8\xff fake jpeg"
    );

    assert_eq!(
        api.get(&api.sol, &url).await.status,
        404,
        "Sol may not see it"
    );
    assert_eq!(api.call(None, "GET", &url, None).await.status, 401);
    let timeline = api
        .get(
            &api.ana,
            &format!("/api/v1/conversations/{conversation}/timeline"),
        )
        .await;
    let linked = timeline.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .any(|e| e["media_url"] == url.as_str());
    assert!(linked, "the timeline links the file: {}", timeline.body);
}

api_stories!(
    canned_replies_belong_to_a_team_or_a_person_and_fill_per_conversation,
    templates_sync_from_meta_page_by_page_and_list_with_their_slots,
    a_customers_file_is_served_only_to_those_who_may_see_it,
);
