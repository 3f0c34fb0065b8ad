//! What every request handler shares: the store, the WhatsApp settings and the counters.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::config::{Secret, ServeArgs};
use crate::http::live_streams::{LiveLimits, LiveStreams};
use crate::store::{DbError, Store};

/// Shared by all handlers; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub whatsapp: Arc<WhatsAppSettings>,
    pub metrics: Arc<Metrics>,
    /// Where fetched customer files are kept (`<data dir>/media`).
    pub media_dir: Arc<std::path::PathBuf>,
    /// Whether the client's address comes from `X-Forwarded-For` (behind a proxy).
    pub trust_forwarded_for: bool,
    /// Whether the web view's cookies are always `Secure`.
    pub secure_cookies: bool,
    /// The live streams open on this instance and their limits.
    pub live: Arc<LiveStreams>,
    /// The ephemeral channel: live signals (viewing, typing, presence), never stored.
    pub signals: Arc<crate::signals::Signals>,
}

/// How we talk to Meta.
#[derive(Debug, Clone, Default)]
pub struct WhatsAppSettings {
    /// Signs every webhook POST; without it webhooks are refused (503).
    pub app_secret: Option<Secret>,
    /// Answers Meta's subscription handshake; without it the handshake is refused.
    pub verify_token: Option<Secret>,
    /// Where and how to call the Graph API (template sync); `None` without an access token.
    pub graph: Option<crate::whatsapp::GraphApi>,
}

/// Counters exposed on `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub webhook_batches: AtomicU64,
    pub webhook_rejected_signatures: AtomicU64,
    pub webhook_quarantined: AtomicU64,
    pub webhook_failures: AtomicU64,
    /// Live-stream clients connected now.
    pub sse_clients: AtomicI64,
    /// Answered requests by (method, route template, status).
    pub requests: Mutex<BTreeMap<(String, String, u16), u64>>,
}

/// Counts a connected live-stream client for as long as it lives.
#[derive(Debug)]
pub struct SseClient(Arc<Metrics>);

impl SseClient {
    pub fn connected(metrics: &Arc<Metrics>) -> SseClient {
        metrics.sse_clients.fetch_add(1, Ordering::Relaxed);
        SseClient(metrics.clone())
    }
}

impl Drop for SseClient {
    fn drop(&mut self) {
        self.0.sse_clients.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an answered request; `route` is the matched template (`/api/v1/conversations/{id}`),
    /// never the raw path, so ids do not explode the series.
    pub fn answered(&self, method: &str, route: &str, status: u16) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests
                .entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        }
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let line = |name: &str, help: &str, value: &AtomicU64| {
            format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                value.load(Ordering::Relaxed)
            )
        };
        [
            line(
                "relaydesk_webhook_batches_total",
                "WhatsApp webhook deliveries stored.",
                &self.webhook_batches,
            ),
            line(
                "relaydesk_webhook_rejected_signatures_total",
                "WhatsApp webhook POSTs refused for a missing or wrong signature.",
                &self.webhook_rejected_signatures,
            ),
            line(
                "relaydesk_webhook_quarantined_total",
                "Deliveries kept as quarantined (unknown number or unreadable).",
                &self.webhook_quarantined,
            ),
            line(
                "relaydesk_webhook_failures_total",
                "Deliveries answered 500 because the database failed (Meta retries them).",
                &self.webhook_failures,
            ),
        ]
        .concat()
            + &self.render_http()
    }

    fn render_http(&self) -> String {
        let mut text = format!(
            "# HELP relaydesk_sse_clients Live-stream clients connected.\n\
             # TYPE relaydesk_sse_clients gauge\nrelaydesk_sse_clients {}\n\
             # HELP relaydesk_http_requests_total HTTP requests answered, by route and status.\n\
             # TYPE relaydesk_http_requests_total counter\n",
            self.sse_clients.load(Ordering::Relaxed)
        );
        if let Ok(requests) = self.requests.lock() {
            for ((method, route, status), count) in requests.iter() {
                let route = route.replace('\\', "\\\\").replace('"', "\\\"");
                text.push_str(&format!(
                    "relaydesk_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}\n"
                ));
            }
        }
        text
    }
}

impl AppState {
    /// Opens the store the settings name and gathers the rest.
    pub async fn from_args(args: &ServeArgs) -> Result<AppState, DbError> {
        let store = Store::open(&args.database()).await?;
        Ok(AppState::new(
            store,
            WhatsAppSettings {
                app_secret: args.whatsapp_app_secret.clone(),
                verify_token: args.whatsapp_verify_token.clone(),
                graph: args.graph_api(),
            },
        )
        .with_media_dir(args.storage.data_dir.join("media"))
        .trusting_forwarded_for(args.trust_forwarded_for)
        .with_secure_cookies(args.secure_cookies)
        .with_live_limits(args.live_limits()))
    }

    pub fn new(store: Store, whatsapp: WhatsAppSettings) -> AppState {
        AppState {
            signals: crate::signals::Signals::start(store.clone()),
            store,
            whatsapp: Arc::new(whatsapp),
            metrics: Arc::new(Metrics::default()),
            media_dir: Arc::new(std::path::PathBuf::from("data/media")),
            trust_forwarded_for: false,
            secure_cookies: false,
            live: Arc::new(LiveStreams::new(LiveLimits::default())),
        }
    }

    /// Limits live streams per session, per instance, and how far back one may resume.
    pub fn with_live_limits(mut self, limits: LiveLimits) -> AppState {
        self.live = Arc::new(LiveStreams::new(limits));
        self
    }

    /// Takes clients' addresses from `X-Forwarded-For` (set only behind a trusted proxy).
    pub fn trusting_forwarded_for(mut self, trust: bool) -> AppState {
        self.trust_forwarded_for = trust;
        self
    }

    /// Marks the web view's cookies `Secure` (served over HTTPS).
    pub fn with_secure_cookies(mut self, secure: bool) -> AppState {
        self.secure_cookies = secure;
        self
    }

    /// Serves customer files from `dir`.
    pub fn with_media_dir(mut self, dir: std::path::PathBuf) -> AppState {
        self.media_dir = Arc::new(dir);
        self
    }
}
