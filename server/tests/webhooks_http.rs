//! The WhatsApp webhook through the real HTTP route: Meta's handshake, signed deliveries of
//! every fixture, and every bad input we could think of — none gives a 500 for bad input or
//! loses a valid message.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use relaydesk_server::config::Secret;
use relaydesk_server::state::{AppState, WhatsAppSettings};
use relaydesk_server::store::{Database, Store};
use relaydesk_server::whatsapp::signature::sign;
use tower::ServiceExt;

const SECRET: &str = "test-app-secret";

struct App {
    state: AppState,
    dir: tempfile::TempDir,
}

async fn app() -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&Database::Sqlite(dir.path().join("relaydesk.db")))
        .await
        .expect("store");
    let inbox = relaydesk_core::domain::Inbox {
        id: relaydesk_core::domain::InboxId::new(),
        name: "Main".into(),
        phone_number_id: "410593826617204".into(),
        display_phone_number: "12125550142".into(),
        waba_id: "310984726155302".into(),
        teams: Default::default(),
    };
    store
        .setup(relaydesk_server::store::Setup::Inbox(inbox))
        .await
        .expect("inbox");
    let settings = WhatsAppSettings {
        app_secret: Some(Secret::new(SECRET)),
        verify_token: Some(Secret::new("verify-me")),
        graph: None,
    };
    App {
        state: AppState::new(store, settings),
        dir,
    }
}

impl App {
    async fn call(&self, request: Request<Body>) -> (StatusCode, String) {
        let response = relaydesk_server::http::router(self.state.clone())
            .oneshot(request)
            .await
            .expect("answers");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    async fn post(&self, body: Vec<u8>, signature: Option<String>) -> (StatusCode, String) {
        let mut request =
            Request::post("/webhooks/whatsapp").header("content-type", "application/json");
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        self.call(request.body(Body::from(body)).expect("request"))
            .await
    }

    async fn post_signed(&self, body: Vec<u8>) -> (StatusCode, String) {
        let signature = sign(SECRET.as_bytes(), &body);
        self.post(body, Some(signature)).await
    }

    async fn stored_payloads(&self) -> Vec<(String, Option<String>)> {
        self.state.store.payloads().await.expect("db")
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/whatsapp")
            .join(name),
    )
    .expect("fixture")
}

#[tokio::test]
async fn meta_subscribing_with_the_right_token_gets_the_bare_challenge_back() {
    let app = app().await;
    let ok = app
        .call(Request::get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444").body(Body::empty()).expect("request"))
        .await;
    assert_eq!(ok, (StatusCode::OK, "1158201444".to_owned()));
    for query in [
        "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
        "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1",
        "hub.mode=subscribe&hub.challenge=1",
        "",
    ] {
        let (status, _) = app
            .call(
                Request::get(format!("/webhooks/whatsapp?{query}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{query}");
    }
}

#[tokio::test]
async fn every_fixture_signed_with_the_app_secret_is_accepted_and_stored() {
    let app = app().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/whatsapp");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 30);
    for name in &names {
        assert_eq!(
            app.post_signed(fixture(name)).await.0,
            StatusCode::OK,
            "{name}"
        );
    }
    assert_eq!(
        app.stored_payloads().await.len(),
        30,
        "every payload is kept"
    );
    // Business B is not served by this app: that delivery is partly quarantined, not refused.
    assert!(
        app.stored_payloads()
            .await
            .iter()
            .any(|(state, _)| state == "partly_quarantined")
    );
    let accented = app
        .state
        .store
        .contact_by_phone("12025550181".into())
        .await
        .expect("db")
        .expect("contact");
    assert_eq!(
        accented.profile_name.as_deref(),
        Some("Ольга Смирнова"),
        "signature held over non-ASCII bytes"
    );
}

#[tokio::test]
async fn a_missing_or_wrong_signature_is_refused_with_401_and_nothing_is_stored() {
    let app = app().await;
    let body = fixture("inbound-text.json");
    assert_eq!(
        app.post(body.clone(), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post(body.clone(), Some(sign(b"another-secret", &body)))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post(body.clone(), Some("sha256=zz".into())).await.0,
        StatusCode::UNAUTHORIZED
    );
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let (status, error) = app
        .post(tampered, Some(sign(SECRET.as_bytes(), &body)))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error.contains("bad_signature"));
    assert!(app.stored_payloads().await.is_empty());
    assert!(
        app.state
            .metrics
            .render()
            .contains("relaydesk_webhook_rejected_signatures_total 4")
    );
}

#[tokio::test]
async fn signed_garbage_is_kept_as_quarantined_and_answered_200_so_meta_stops_retrying() {
    let app = app().await;
    let truncated = fixture("inbound-text.json")[..200].to_vec();
    let wrong_types = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"410593826617204"},"messages":[{"id":7,"type":"text"}]}}]}]}"#.to_vec();
    let unknown_object = br#"{"object":"instagram","entry":[]}"#.to_vec();
    for body in [
        truncated,
        Vec::new(),
        unknown_object,
        b"null".to_vec(),
        wrong_types,
    ] {
        assert_eq!(app.post_signed(body).await.0, StatusCode::OK);
    }
    let payloads = app.stored_payloads().await;
    assert_eq!(payloads.len(), 5);
    assert_eq!(
        payloads
            .iter()
            .filter(|(state, _)| state == "quarantined")
            .count(),
        4
    );
}

#[tokio::test]
async fn an_unknown_message_type_is_stored_as_a_placeholder_beside_a_good_message() {
    let app = app().await;
    let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"display_phone_number":"12125550142","phone_number_id":"410593826617204"},"contacts":[{"wa_id":"15550001"}],"messages":[{"from":"15550001","id":"wamid.A","timestamp":"1789413900","type":"hologram"},{"from":"15550001","id":"wamid.B","timestamp":"1789413901","type":"text","text":{"body":"hello"}}]}}]}]}"#;
    assert_eq!(app.post_signed(body.to_vec()).await.0, StatusCode::OK);
    let placeholder = app
        .state
        .store
        .message_by_wamid(relaydesk_core::domain::Wamid::new("wamid.A"))
        .await
        .expect("db")
        .expect("stored");
    assert!(placeholder.content.summary().contains("hologram"));
    assert!(
        app.state
            .store
            .message_by_wamid(relaydesk_core::domain::Wamid::new("wamid.B"))
            .await
            .expect("db")
            .is_some()
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = app().await;
    let huge = vec![b' '; relaydesk_server::http::MAX_WEBHOOK_BYTES + 1];
    assert_eq!(app.post_signed(huge).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    // A real 3 MB batch fits.
    let mut big = fixture("inbound-text-very-long.json");
    big.extend(std::iter::repeat_n(b' ', 3 * 1024 * 1024 - big.len()));
    assert_eq!(app.post_signed(big).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_database_failure_answers_500_so_meta_retries_and_nothing_half_done_remains() {
    let app = app().await;
    let side_door = rusqlite::Connection::open(app.dir.path().join("relaydesk.db")).expect("open");
    side_door
        .execute_batch("DROP TABLE webhook_payloads")
        .expect("break the database");
    let (status, body) = app.post_signed(fixture("inbound-text.json")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body.contains("storage_failed") && !body.contains("webhook_payloads"),
        "no internals leak: {body}"
    );
    assert!(
        app.state
            .store
            .conversations()
            .await
            .expect("db")
            .is_empty(),
        "the transaction was rolled back"
    );
}

#[tokio::test]
async fn without_an_app_secret_webhooks_are_refused_as_not_configured() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&Database::Sqlite(dir.path().join("relaydesk.db")))
        .await
        .expect("store");
    let router = relaydesk_server::http::router(AppState::new(store, WhatsAppSettings::default()));
    let response = router
        .oneshot(
            Request::post("/webhooks/whatsapp")
                .body(Body::from("{}"))
                .expect("request"),
        )
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}
