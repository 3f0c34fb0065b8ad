//! Inbound media fetched into the blob store from a fake Graph API: with the token on both
//! calls, hash-checked, size-limited, retried when waiting can help.

use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use relaydesk_core::domain::*;
use relaydesk_server::config::Secret;
use relaydesk_server::store::Store;
use relaydesk_server::whatsapp::GraphApi;
use relaydesk_server::whatsapp::media::path_of;
use relaydesk_server::workers::media_fetcher::MediaFetcher;
use sha2::{Digest, Sha256};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::contract;
use crate::harness::*;

const TOKEN: &str = "graph-test-token";

/// A customer sends a `kind` with WhatsApp media id `media_id`; returns our message id.
async fn customer_sends(store: &Store, kind: &str, media_id: &str) -> MessageId {
    customer_sends_at(store, kind, media_id, Utc::now()).await
}

/// The same, reaching us at `received`.
async fn customer_sends_at(
    store: &Store,
    kind: &str,
    media_id: &str,
    received: Timestamp,
) -> MessageId {
    let wamid = format!("wamid.MEDIA.{media_id}");
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"metadata":{{"display_phone_number":"12125550142","phone_number_id":"{BUSINESS_A}"}},"contacts":[{{"profile":{{"name":"Marisol"}},"wa_id":"12025550147"}}],"messages":[{{"from":"12025550147","id":"{wamid}","timestamp":"1789413000","type":"{kind}","{kind}":{{"id":"{media_id}","mime_type":"image/jpeg","sha256":"not-checked-when-the-lookup-gives-one"}}}}]}}}}]}}]}}"#
    );
    store
        .ingest_webhook(body.into_bytes(), received)
        .await
        .expect("db");
    store
        .message_by_wamid(Wamid::new(wamid))
        .await
        .expect("db")
        .expect("stored")
        .id
}

fn sha256_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// The Graph API's two calls for `media_id`: lookup (with `size` and `hash`) and download.
async fn serve_media(server: &MockServer, media_id: &str, bytes: &[u8], size: u64, hash: &str) {
    Mock::given(method("GET"))
        .and(path(format!("/v25.0/{media_id}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "messaging_product": "whatsapp",
            "url": format!("{}/lookaside/{media_id}", server.uri()),
            "mime_type": "image/jpeg",
            "sha256": hash,
            "file_size": size,
            "id": media_id,
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/lookaside/{media_id}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes.to_vec()))
        .mount(server)
        .await;
}

fn fetcher(store: &Store, server: &MockServer, dir: &std::path::Path) -> MediaFetcher {
    let graph = GraphApi {
        base_url: server.uri(),
        version: "v25.0".into(),
        access_token: Secret::new(TOKEN),
        timeout: Duration::from_secs(5),
    };
    MediaFetcher::new(store.clone(), graph, dir.to_path_buf()).expect("fetcher")
}

async fn state(store: &Store, message: MessageId) -> String {
    store
        .media_state(message)
        .await
        .expect("db")
        .expect("queued")
        .state
}

async fn a_photo_is_fetched_with_the_token_into_the_blob_store(store: Store) {
    workspace(&store).await;
    let server = MockServer::start().await;
    let photo = b"\xff\xd8\xff\xe0 a cracked box \xff\xd9".to_vec();
    serve_media(
        &server,
        "3488878938564047",
        &photo,
        photo.len() as u64,
        &sha256_b64(&photo),
    )
    .await;
    let message = customer_sends(&store, "image", "3488878938564047").await;
    assert_eq!(
        state(&store, message).await,
        "pending",
        "queued with the message"
    );

    let blobs = tempfile::tempdir().expect("temp dir");
    let fetcher = fetcher(&store, &server, blobs.path());
    assert_eq!(fetcher.fetch_due(Utc::now()).await.expect("db"), 1);
    let stored = store.media_state(message).await.expect("db").expect("row");
    assert_eq!(
        (
            stored.state.as_str(),
            stored.mime_type.as_deref(),
            stored.size
        ),
        ("fetched", Some("image/jpeg"), Some(photo.len() as i64))
    );
    assert_eq!(
        std::fs::read(path_of(blobs.path(), message)).expect("file"),
        photo
    );
    assert_eq!(
        fetcher.fetch_due(Utc::now()).await.expect("db"),
        0,
        "fetched once"
    );
}

async fn an_expired_download_link_is_asked_for_again(store: Store) {
    workspace(&store).await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/lookaside/5933786067970493"))
        .respond_with(ResponseTemplate::new(404))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let voice = b"OggS voice note".to_vec();
    serve_media(
        &server,
        "5933786067970493",
        &voice,
        voice.len() as u64,
        &sha256_b64(&voice),
    )
    .await;
    let message = customer_sends(&store, "audio", "5933786067970493").await;
    let blobs = tempfile::tempdir().expect("temp dir");
    let fetcher = fetcher(&store, &server, blobs.path());
    fetcher.fetch_due(Utc::now()).await.expect("db");
    assert_eq!(state(&store, message).await, "pending");
    fetcher
        .fetch_due(Utc::now() + chrono::Duration::hours(1))
        .await
        .expect("db");
    assert_eq!(state(&store, message).await, "fetched");
}

async fn a_file_over_its_kinds_limit_is_refused_and_nothing_is_kept(store: Store) {
    workspace(&store).await;
    let server = MockServer::start().await;
    let sticker = vec![0u8; 2 * 1024 * 1024];
    serve_media(
        &server,
        "1610511767427974",
        &sticker,
        sticker.len() as u64,
        &sha256_b64(&sticker),
    )
    .await;
    let message = customer_sends(&store, "sticker", "1610511767427974").await;
    let blobs = tempfile::tempdir().expect("temp dir");
    fetcher(&store, &server, blobs.path())
        .fetch_due(Utc::now())
        .await
        .expect("db");
    let stored = store.media_state(message).await.expect("db").expect("row");
    assert_eq!(stored.state, "failed");
    assert!(stored.last_error.is_some_and(|e| e.contains("larger than")));
    assert!(!path_of(blobs.path(), message).exists());
}

async fn a_download_that_does_not_match_whatsapps_hash_is_not_kept(store: Store) {
    workspace(&store).await;
    let server = MockServer::start().await;
    let video = b"mp4 bytes".to_vec();
    serve_media(
        &server,
        "5422171668334005",
        &video,
        video.len() as u64,
        &sha256_b64(b"other bytes"),
    )
    .await;
    let message = customer_sends(&store, "video", "5422171668334005").await;
    let blobs = tempfile::tempdir().expect("temp dir");
    fetcher(&store, &server, blobs.path())
        .fetch_due(Utc::now())
        .await
        .expect("db");
    assert_eq!(state(&store, message).await, "pending", "retried later");
    assert!(!path_of(blobs.path(), message).exists());
}

async fn media_whatsapp_no_longer_has_fails_visibly(store: Store) {
    workspace(&store).await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v25.0/999"))
        .respond_with(ResponseTemplate::new(400).set_body_string(r#"{"error":{"code":100}}"#))
        .mount(&server)
        .await;
    let message = customer_sends(&store, "document", "999").await;
    let blobs = tempfile::tempdir().expect("temp dir");
    fetcher(&store, &server, blobs.path())
        .fetch_due(Utc::now())
        .await
        .expect("db");
    assert_eq!(state(&store, message).await, "failed");
}

/// A server ran without an access token for a while: nothing fetched the customers' files
/// (they stayed queued). Started with a token, it fetches those WhatsApp still keeps and marks
/// the ones older than WhatsApp's 7 days expired without asking for them.
async fn media_queued_without_a_token_is_fetched_later_while_whatsapp_still_keeps_it(store: Store) {
    workspace(&store).await;
    let server = MockServer::start().await;
    let photo = b"\xff\xd8 two days old \xff\xd9".to_vec();
    serve_media(
        &server,
        "4410000000000002",
        &photo,
        photo.len() as u64,
        &sha256_b64(&photo),
    )
    .await;
    let now = Utc::now();
    let old = customer_sends_at(
        &store,
        "image",
        "4410000000000008",
        now - chrono::Duration::days(8),
    )
    .await;
    let recent = customer_sends_at(
        &store,
        "image",
        "4410000000000002",
        now - chrono::Duration::days(2),
    )
    .await;
    assert_eq!(state(&store, old).await, "pending", "still queued");

    let blobs = tempfile::tempdir().expect("temp dir");
    fetcher(&store, &server, blobs.path())
        .fetch_due(now)
        .await
        .expect("db");
    assert_eq!(state(&store, recent).await, "fetched");
    assert_eq!(
        std::fs::read(path_of(blobs.path(), recent)).expect("file"),
        photo
    );
    let expired = store.media_state(old).await.expect("db").expect("row");
    assert_eq!(expired.state, "failed");
    assert!(
        expired
            .last_error
            .is_some_and(|e| e.starts_with("expired: WhatsApp keeps media 7 days")),
    );
    let asked: Vec<String> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(
        asked.iter().all(|p| !p.contains("4410000000000008")),
        "the expired one was not asked for: {asked:?}"
    );
}

/// A fetcher stalls past its lease; another takes the photo over and fetches it. When the
/// first wakes up and reports a failure, nothing of it is recorded over the second's fetch.
async fn a_fetcher_that_outlived_its_lease_records_nothing_over_the_one_that_took_over(
    store: Store,
) {
    use relaydesk_server::store::{LEASE_LOST, MediaOutcome};
    workspace(&store).await;
    let message = customer_sends(&store, "image", "4410000000000099").await;
    let now = Utc::now();
    let stalled = store
        .claim_media(now, Duration::from_secs(30), 10)
        .await
        .expect("db");
    assert_eq!(stalled.len(), 1);
    let later = now + chrono::Duration::minutes(1);
    let fresh = store
        .claim_media(later, Duration::from_secs(30), 10)
        .await
        .expect("db");
    assert_eq!(fresh.len(), 1, "an expired lease frees the item");
    let fetched = store
        .finish_media(
            fresh.into_iter().next().expect("one"),
            MediaOutcome::Fetched {
                mime_type: "image/jpeg".into(),
                size: 1234,
            },
            later,
        )
        .await
        .expect("db");
    assert_eq!(fetched, "fetched");
    let late = store
        .finish_media(
            stalled.into_iter().next().expect("one"),
            MediaOutcome::Failed {
                reason: "timed out".into(),
            },
            later,
        )
        .await
        .expect("db");
    assert_eq!(late, LEASE_LOST);
    assert_eq!(
        state(&store, message).await,
        "fetched",
        "the second fetch stands"
    );
}

contract!(
    a_fetcher_that_outlived_its_lease_records_nothing_over_the_one_that_took_over,
    media_queued_without_a_token_is_fetched_later_while_whatsapp_still_keeps_it,
    a_photo_is_fetched_with_the_token_into_the_blob_store,
    an_expired_download_link_is_asked_for_again,
    a_file_over_its_kinds_limit_is_refused_and_nothing_is_kept,
    a_download_that_does_not_match_whatsapps_hash_is_not_kept,
    media_whatsapp_no_longer_has_fails_visibly,
);
