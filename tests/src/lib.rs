//! `relaydesk-e2e`: whole-system scenarios — a real server, several phone clients, a fake
//! WhatsApp Graph API and a fake FCM on loopback — and browser tests of the web view.
//!
//! The scenarios arrive with the parts they exercise (issues 3 to 8); this crate holds the
//! shared fixtures and helpers they use.

pub mod desk;
pub mod fcm;

use std::path::PathBuf;

/// The directory of the WhatsApp webhook fixtures shared by every scenario.
pub fn whatsapp_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/whatsapp")
}
