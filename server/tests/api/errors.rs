//! What goes wrong before any rule is asked answers in the one JSON error shape too: a body
//! over the limit (413), a method a route does not answer (405, with `Allow`), and "not
//! found" — the same shape and words for an unknown route, an unknown id, an id that is not
//! one, and a conversation one may not see, whether asked with GET or POST.

use relaydesk_server::http::{MAX_BODY_BYTES, MAX_WEBHOOK_BYTES};
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::Api;

/// Status, headers and JSON body of a raw request.
async fn raw(
    api: &Api,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Vec<u8>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = api
        .http
        .request(method, format!("{}{path}", api.base))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{status} answered something that is not JSON: {text:?}"));
    (status, headers, body)
}

async fn a_body_over_the_limit_is_refused_with_413_in_the_json_shape(api: Api) {
    let c = api.customer_writes("5511900000901", "hello").await;
    let huge = |bytes: usize| {
        let mut body = br#"{"body":""#.to_vec();
        body.resize(bytes, b'a');
        body.extend_from_slice(br#""}"#);
        body
    };
    let token = Some(api.ana.token.as_str());
    let timeline = format!("/api/v1/conversations/{c}/timeline");
    let before = api.get(&api.ana, &timeline).await.body["entries"].clone();
    for path in [
        format!("/api/v1/conversations/{c}/notes"),
        format!("/api/v1/conversations/{c}/release"), // a body that may be left out
        "/api/v1/sync/push".to_owned(),
    ] {
        let (status, _, body) = raw(&api, token, "POST", &path, huge(MAX_BODY_BYTES + 1)).await;
        assert_eq!(status, 413, "{path}: {body}");
        assert_eq!(body["error"]["code"], "payload_too_large", "{path}");
        assert_eq!(body["error"]["limit_bytes"], MAX_BODY_BYTES, "{path}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("at most 2 MiB")),
            "{body}"
        );
    }
    let after = api.get(&api.ana, &timeline).await.body["entries"].clone();
    assert_eq!(before, after, "nothing was noted or released");

    // The webhook takes more (Meta's batches), and says so when that is exceeded too.
    let (status, _, body) = raw(
        &api,
        None,
        "POST",
        "/webhooks/whatsapp",
        huge(MAX_WEBHOOK_BYTES + 1),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    assert_eq!(body["error"]["limit_bytes"], MAX_WEBHOOK_BYTES);
}

async fn a_wrong_method_answers_405_in_the_json_shape_and_says_which_are_allowed(api: Api) {
    let c = api.customer_writes("5511900000902", "hello").await;
    let token = Some(api.ana.token.as_str());
    for (method, path, allowed) in [
        ("PUT", "/api/v1/conversations".to_owned(), "GET,HEAD"),
        ("DELETE", format!("/api/v1/conversations/{c}/claim"), "POST"),
        ("GET", "/api/v1/auth/login".to_owned(), "POST"),
        ("PATCH", "/healthz".to_owned(), "GET,HEAD"),
    ] {
        let (status, headers, body) = raw(&api, token, method, &path, Vec::new()).await;
        assert_eq!(status, 405, "{method} {path}: {body}");
        assert_eq!(
            body["error"]["code"], "method_not_allowed",
            "{method} {path}"
        );
        assert_eq!(body["error"]["method"], method);
        assert_eq!(
            body["error"]["message"],
            format!("{path} does not answer {method}")
        );
        assert_eq!(headers["allow"], allowed, "{method} {path}");
    }
}

async fn not_found_reads_the_same_for_a_route_an_id_a_malformed_id_and_a_conversation_out_of_sight(
    api: Api,
) {
    let theirs = api.customer_writes("5511900000903", "hello").await;
    let unknown = "0193aaaa-aaaa-7aaa-8aaa-aaaaaaaaaaaa";
    let not_found = |what: &str, id: &str| {
        json!({"error": {
            "code": "not_found",
            "message": format!("{what} {id} not found"),
            "what": what,
            "id": id,
        }})
    };
    // Sol works South: North's conversation does not exist for him, by GET or by POST,
    // exactly as an id nobody ever used.
    let sol = Some(api.sol.token.as_str());
    for id in [theirs.to_string(), unknown.to_owned()] {
        for (method, path) in [
            ("GET", format!("/api/v1/conversations/{id}")),
            ("GET", format!("/api/v1/conversations/{id}/timeline")),
            ("POST", format!("/api/v1/conversations/{id}/claim")),
            ("POST", format!("/api/v1/conversations/{id}/priority")),
        ] {
            let body = br#"{"priority":"high"}"#.to_vec();
            let (status, _, answer) = raw(&api, sol, method, &path, body).await;
            assert_eq!(status, 404, "{method} {path}");
            assert_eq!(answer, not_found("conversation", &id), "{method} {path}");
        }
    }
    // Not even an id: the same shape, named by what the route calls it.
    for (method, path, what) in [
        ("GET", "/api/v1/conversations/nope", "conversation"),
        ("POST", "/api/v1/conversations/nope/claim", "conversation"),
        ("POST", "/api/v1/escalations/nope/cancel", "escalation"),
        ("GET", "/api/v1/media/nope", "message"),
    ] {
        let (status, _, answer) = raw(&api, sol, method, path, Vec::new()).await;
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(answer, not_found(what, "nope"), "{method} {path}");
    }
    // An escalation nobody requested, a file no message has, a route nobody wrote.
    let (_, _, answer) = raw(
        &api,
        sol,
        "POST",
        &format!("/api/v1/escalations/{unknown}/cancel"),
        Vec::new(),
    )
    .await;
    assert_eq!(answer, not_found("escalation", unknown));
    let (_, _, answer) = raw(
        &api,
        sol,
        "GET",
        &format!("/api/v1/media/{unknown}"),
        Vec::new(),
    )
    .await;
    assert_eq!(answer, not_found("file", unknown));
    // The library's items read the same, unknown or malformed.
    for id in [unknown, "nope"] {
        let path = format!("/api/v1/canned-replies/{id}");
        let (status, _, answer) = raw(&api, sol, "PATCH", &path, b"{}".to_vec()).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(answer, not_found("canned reply", id), "{path}");
    }
    for method in ["GET", "POST"] {
        let (status, _, answer) = raw(&api, sol, method, "/api/v1/nope", Vec::new()).await;
        assert_eq!(status, 404);
        assert_eq!(answer, not_found("route", "/api/v1/nope"), "{method}");
    }
}

api_stories!(
    a_body_over_the_limit_is_refused_with_413_in_the_json_shape,
    a_wrong_method_answers_405_in_the_json_shape_and_says_which_are_allowed,
    not_found_reads_the_same_for_a_route_an_id_a_malformed_id_and_a_conversation_out_of_sight,
);
