//! Where and how Relaydesk reaches Meta's Graph API (sends, media, template listings): one
//! set of settings, read from the configuration, shared by every task that calls it.

use std::time::Duration;

use crate::config::Secret;

/// Where and how to reach Meta's Graph API.
#[derive(Debug, Clone)]
pub struct GraphApi {
    /// `https://graph.facebook.com` in production; a loopback fake in tests and the demo.
    pub base_url: String,
    /// e.g. `v25.0`.
    pub version: String,
    pub access_token: Secret,
    /// How long one send may take before it counts as failed (and is retried).
    pub timeout: Duration,
}
