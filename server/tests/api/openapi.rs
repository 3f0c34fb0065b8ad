//! The OpenAPI document: served as generated, and naming every route the access table
//! exercises (so the table and the document cannot drift apart). Its validity against the
//! OpenAPI 3.1 schema is checked by `openapi-spec-validator` in `scripts/test`.

use serde_json::Value;

use crate::api_stories;
use crate::client::Api;

async fn the_served_document_describes_every_route(api: Api) {
    let served = api.call(None, "GET", "/api/openapi.json", None).await;
    assert_eq!(served.status, 200);
    let generated = serde_json::to_value(relaydesk_server::http::openapi_document()).expect("JSON");
    assert_eq!(served.body, generated);
    assert!(
        generated["openapi"]
            .as_str()
            .expect("version")
            .starts_with("3.1")
    );
    let paths = generated["paths"].as_object().expect("paths");
    for (method, path) in crate::rbac::routes() {
        let documented = path
            .split('?')
            .next()
            .expect("a path")
            .replace("{c}", "{id}")
            .replace("{e}", "{id}")
            .replace("{r}", "{id}")
            .replace("{l}", "{id}")
            .replace("{s}", "{id}")
            .replace("{bruno}", "{id}")
            .replace("{m}", "{message}")
            .replace("/read/{id}", "/read/{message}")
            .replace("/labels/vip", "/labels/{label}");
        let item = paths
            .get(&documented)
            .unwrap_or_else(|| panic!("{documented} is not documented"));
        let operation = &item[method.to_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {documented} is not documented"
        );
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses.values().all(|r| r["description"].is_string()),
            "{method} {documented}"
        );
    }
    let schemas = generated["components"]["schemas"]
        .as_object()
        .expect("schemas");
    let error = &schemas["ErrorDetail"];
    assert_eq!(error["required"], serde_json::json!(["code", "message"]));
    assert!(schemas.contains_key("Rejection"), "refusals are described");
    assert_eq!(
        generated["components"]["securitySchemes"]["bearer"]["scheme"],
        Value::from("bearer")
    );
}

api_stories!(the_served_document_describes_every_route);

/// Every operation has an id of its own (generated clients name their methods after them; the
/// validator refuses a document that repeats one).
#[test]
fn every_operation_has_an_id_of_its_own() {
    let generated = serde_json::to_value(relaydesk_server::http::openapi_document()).expect("JSON");
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in generated["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            if let Some(first) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("the operation id {id} names both {first} and {method} {path}");
            }
        }
    }
    assert!(
        seen.len() > 50,
        "the document lists its operations: {}",
        seen.len()
    );
}
