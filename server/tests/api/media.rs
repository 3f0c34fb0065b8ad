//! A customer's photo on a server that has no WhatsApp access token: nothing can fetch it, and
//! the file route says so ("not fetched: no access token configured", 410) every time it is
//! asked — never an endless "try again shortly". Once a server runs with a token the same
//! queued file is fetched (WhatsApp keeps media 7 days) and served.

use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use relaydesk_server::config::Secret;
use relaydesk_server::http::media::NOT_FETCHED;
use relaydesk_server::whatsapp::GraphApi;
use relaydesk_server::workers::media_fetcher::MediaFetcher;
use sha2::{Digest, Sha256};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::api_stories;
use crate::client::{Api, serve_with};

/// The photo of the `inbound-image.json` fixture.
const MEDIA_ID: &str = "3488878938564047";

/// WhatsApp's Graph API serving the fixture's photo.
async fn whatsapp_with_the_photo(photo: &[u8]) -> (MockServer, GraphApi) {
    let meta = MockServer::start().await;
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(photo));
    Mock::given(method("GET"))
        .and(path(format!("/v25.0/{MEDIA_ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "url": format!("{}/lookaside/{MEDIA_ID}", meta.uri()),
            "mime_type": "image/jpeg", "sha256": hash, "file_size": photo.len(), "id": MEDIA_ID,
        })))
        .mount(&meta)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/lookaside/{MEDIA_ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(photo.to_vec()))
        .mount(&meta)
        .await;
    let graph = GraphApi {
        base_url: meta.uri(),
        version: "v25.0".into(),
        access_token: Secret::new("a-token-configured-later"),
        timeout: Duration::from_secs(5),
    };
    (meta, graph)
}

async fn without_an_access_token_a_customers_photo_is_not_fetched_and_says_so_until_a_server_has_one(
    api: Api,
) {
    api.store
        .ingest_webhook(crate::harness::fixture("inbound-image.json"), Utc::now())
        .await
        .expect("ingest");
    let conversation = crate::harness::conversation_of(&api.store, "12025550147")
        .await
        .id;
    let image = api.last_inbound(conversation).await;
    let url = format!("/api/v1/media/{image}");

    // Asked twice, the same clear answer: not "try again shortly".
    for _ in 0..2 {
        let answer = api.get(&api.ana, &url).await;
        assert_eq!((answer.status, answer.code()), (410, "media_not_fetched"));
        assert_eq!(answer.body["error"]["message"], NOT_FETCHED);
    }
    let queued = api
        .store
        .media_state(image)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(
        queued.state, "pending",
        "kept queued for a server that can fetch it"
    );

    // The operator restarts with a token: that server knows the file is on its way …
    let photo = b"\xff\xd8\xff the dented box \xff\xd9".to_vec();
    let (_meta, graph) = whatsapp_with_the_photo(&photo).await;
    let with_token = serve_with(
        api.store.clone(),
        Some(graph.clone()),
        api.media_dir.path().to_owned(),
    )
    .await;
    let coming = api
        .http
        .get(format!("{with_token}{url}"))
        .bearer_auth(&api.ana.token)
        .send()
        .await
        .expect("answers");
    assert_eq!(coming.status(), 409);
    let coming: serde_json::Value = coming.json().await.expect("JSON");
    assert_eq!(coming["error"]["code"], "media_not_ready");

    // … and its fetcher brings it in; now every server serves it.
    let fetcher = MediaFetcher::new(api.store.clone(), graph, api.media_dir.path().to_owned())
        .expect("fetcher");
    assert_eq!(fetcher.fetch_due(Utc::now()).await.expect("db"), 1);
    let served = api
        .http
        .get(format!("{}{url}", api.base))
        .bearer_auth(&api.ana.token)
        .send()
        .await
        .expect("answers");
    assert_eq!(served.status(), 200);
    assert_eq!(
        served.bytes().await.expect("bytes").as_ref(),
        photo.as_slice()
    );
}

api_stories!(
    without_an_access_token_a_customers_photo_is_not_fetched_and_says_so_until_a_server_has_one,
);
