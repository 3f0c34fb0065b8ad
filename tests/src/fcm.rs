//! A stand-in for Google on loopback: the OAuth token endpoint (any well-formed assertion buys
//! a token) and FCM's send endpoint, which records every message with the moment it arrived.
//! The assertion's signature itself is checked in the server's own `push::fcm` tests; here
//! what matters is which messages reach which devices, and when.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use relaydesk_server::push::fcm::{FcmSettings, ServiceAccount};
use serde_json::{Value, json};

/// One message FCM received.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    /// The `message` object (token, notification, data, android, apns).
    pub message: Value,
}

impl Received {
    pub fn token(&self) -> &str {
        self.message["token"].as_str().unwrap_or_default()
    }

    /// The `data` map as the app hands it to `handle_push` (JSON text).
    pub fn data(&self) -> String {
        self.message["data"].to_string()
    }

    pub fn kind(&self) -> &str {
        self.message["data"]["kind"].as_str().unwrap_or_default()
    }

    pub fn title(&self) -> &str {
        self.message["notification"]["title"]
            .as_str()
            .unwrap_or_default()
    }
}

#[derive(Debug, Default)]
struct Seen {
    messages: Mutex<Vec<Received>>,
    changed: tokio::sync::Notify,
}

/// The fake; dropped, it stops.
#[derive(Debug)]
pub struct FakeFcm {
    pub address: SocketAddr,
    seen: Arc<Seen>,
    _serving: tokio::task::JoinHandle<()>,
}

/// A throwaway RSA key (PKCS#8 PEM), made by the machine's `openssl`.
pub fn throwaway_key() -> String {
    let made = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .output()
        .expect("openssl makes a key (Debian's openssl package)");
    String::from_utf8(made.stdout).expect("PEM")
}

impl FakeFcm {
    pub async fn start() -> FakeFcm {
        let seen = Arc::new(Seen::default());
        let app = axum::Router::new()
            .route(
                "/token",
                post(|| async { Json(json!({ "access_token": "fake-access", "expires_in": 3600, "token_type": "Bearer" })) }),
            )
            .route("/v1/projects/{project}/messages:send", post(send))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = listener.local_addr().expect("bound");
        let serving = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeFcm {
            address,
            seen,
            _serving: serving,
        }
    }

    /// Settings that point a server's pushes here.
    pub fn settings(&self) -> FcmSettings {
        let base = format!("http://{}", self.address);
        let account = ServiceAccount::from_json(
            &json!({
                "type": "service_account",
                "client_email": "pusher@relaydesk-test.iam.gserviceaccount.com",
                "private_key": throwaway_key(),
                "project_id": "relaydesk-test",
                "token_uri": format!("{base}/token"),
            })
            .to_string(),
        )
        .expect("a key file");
        FcmSettings {
            project_id: "relaydesk-test".into(),
            account,
            token_url: format!("{base}/token"),
            base_url: base,
            timeout: Duration::from_secs(5),
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.seen
            .messages
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Waits (up to `within`) for a message matching `wanted`.
    pub async fn wait_for(
        &self,
        within: Duration,
        wanted: impl Fn(&Received) -> bool,
    ) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.seen.changed.notified();
            if let Some(found) = self.received().into_iter().find(|r| wanted(r)) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }
}

async fn send(State(seen): State<Arc<Seen>>, Json(body): Json<Value>) -> Json<Value> {
    let received = Received {
        at: Instant::now(),
        message: body["message"].clone(),
    };
    if let Ok(mut messages) = seen.messages.lock() {
        messages.push(received);
    }
    seen.changed.notify_waiters();
    Json(json!({ "name": "projects/relaydesk-test/messages/1" }))
}
