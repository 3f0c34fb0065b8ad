//! What every request handler shares: the store, the WhatsApp settings and the counters.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::{Secret, ServeArgs};
use crate::store::{DbError, Store};

/// Shared by all handlers; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub whatsapp: Arc<WhatsAppSettings>,
    pub metrics: Arc<Metrics>,
}

/// How we talk to Meta.
#[derive(Debug, Clone, Default)]
pub struct WhatsAppSettings {
    /// Signs every webhook POST; without it webhooks are refused (503).
    pub app_secret: Option<Secret>,
    /// Answers Meta's subscription handshake; without it the handshake is refused.
    pub verify_token: Option<Secret>,
}

/// Counters exposed on `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub webhook_batches: AtomicU64,
    pub webhook_rejected_signatures: AtomicU64,
    pub webhook_quarantined: AtomicU64,
    pub webhook_failures: AtomicU64,
}

impl Metrics {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
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
            },
        ))
    }

    pub fn new(store: Store, whatsapp: WhatsAppSettings) -> AppState {
        AppState {
            store,
            whatsapp: Arc::new(whatsapp),
            metrics: Arc::new(Metrics::default()),
        }
    }
}
