//! The label catalogue: an admin defines "Refund" once with a colour and what it is for;
//! "refund" cannot be defined beside it; agents read the catalogue and their phones' copy
//! carries it; a rename is logged and shows in the next copy. Bad shapes are refused with the
//! field named.

use serde_json::{Value, json};

use crate::api_stories;
use crate::client::Api;

async fn an_admin_defines_a_label_once_and_everyone_reads_it(api: Api) {
    let made = api
        .post(
            &api.admin,
            "/api/v1/admin/labels",
            json!({ "name": " Refund ", "colour": "#C0392B",
                    "description": "The customer asks for their money back" }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["name"], "Refund", "trimmed, its case kept");
    assert_eq!(made.body["colour"], "#c0392b");
    let id = made.body["id"].as_str().expect("id").to_owned();

    let again = api
        .post(
            &api.admin,
            "/api/v1/admin/labels",
            json!({ "name": "refund" }),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);

    let catalogue = api.get(&api.ana, "/api/v1/labels").await;
    assert_eq!(catalogue.status, 200, "{}", catalogue.body);
    let names: Vec<&Value> = catalogue
        .body
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| &l["name"])
        .collect();
    assert_eq!(names, [&json!("Refund")]);

    let client = uuid::Uuid::now_v7().to_string();
    let first = api
        .get(&api.ana, &format!("/api/v1/sync/pull?client_id={client}"))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["workspace"]["labels"][0]["name"], "Refund");
    let cursor = first.body["cursor"].as_i64().expect("cursor");

    let renamed = api
        .call(
            Some(&api.admin),
            "PATCH",
            &format!("/api/v1/admin/labels/{id}"),
            Some(json!({ "name": "Refund request" })),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["colour"], "#c0392b", "the rest kept");
    let next = api
        .get(
            &api.ana,
            &format!("/api/v1/sync/pull?client_id={client}&cursor={cursor}"),
        )
        .await;
    assert_eq!(
        next.body["workspace"]["labels"][0]["name"], "Refund request",
        "the phone's copy is renewed: {}",
        next.body
    );

    let log = api
        .get(&api.admin, "/api/v1/admin/config-log?kind=label")
        .await;
    let entries = log.body["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{}", log.body);
    assert_eq!(entries[0]["before"]["name"], "Refund");
    assert_eq!(entries[0]["after"]["name"], "Refund request");
    assert_eq!(entries[0]["door"], "rest");
}

async fn a_label_of_the_wrong_shape_is_refused_with_the_field_named(api: Api) {
    for (body, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "a/b" }), "name"),
        (json!({ "name": "x".repeat(51) }), "name"),
        (json!({ "name": "ok", "colour": "red" }), "colour"),
        (
            json!({ "name": "ok", "description": "d".repeat(201) }),
            "description",
        ),
    ] {
        let answer = api
            .post(&api.admin, "/api/v1/admin/labels", body.clone())
            .await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.body);
        assert_eq!(
            answer.body["error"]["field"], field,
            "{body}: {}",
            answer.body
        );
    }
    let unknown = api
        .call(
            Some(&api.admin),
            "PATCH",
            &format!("/api/v1/admin/labels/{}", uuid::Uuid::now_v7()),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}

api_stories!(
    an_admin_defines_a_label_once_and_everyone_reads_it,
    a_label_of_the_wrong_shape_is_refused_with_the_field_named,
);
