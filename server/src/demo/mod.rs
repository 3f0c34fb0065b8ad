//! `relaydesk serve --demo`: the whole loop on one machine with no Meta account. A seeded
//! workspace (people in two teams, one WhatsApp number, canned replies, an "Out of hours" rule
//! and what it did overnight; templates come through the real sync), a stand-in for the Graph
//! API mounted under `/demo/graph` that accepts sends and reports them delivered and read back
//! through the real webhook route, and simulated customers writing in through that same
//! signed route at a gentle pace.
//!
//! Nothing here bypasses the product: webhooks are signed and posted over HTTP (the one
//! message seeded before the server serves goes through the store's webhook ingest, which the
//! route calls), the rule acts through the write path, replies leave through the send queue,
//! templates arrive through the sync. Demo passwords are printed and well known, so the server
//! warns when `--demo` listens beyond loopback.

mod customers;
mod graph;
mod seed;
mod webhook;

use std::net::SocketAddr;

use crate::config::{Secret, ServeArgs};
use crate::store::Store;

pub use seed::{LOGINS, NIGHT_CUSTOMER, PHOTO_CUSTOMER};

/// The demo's WhatsApp number, as Meta would name it.
pub const PHONE_NUMBER_ID: &str = "109876543210001";
pub const DISPLAY_PHONE_NUMBER: &str = "15550100200";
pub const WABA_ID: &str = "209876543210001";

/// A running demo's settings.
#[derive(Debug, Clone)]
pub struct Demo {
    /// Where this server listens (the simulator and the stand-in post webhooks here).
    pub base: String,
    pub app_secret: Secret,
    /// What the server's sender presents to the stand-in.
    pub access_token: Secret,
}

impl Demo {
    /// Points the settings at the stand-in: a fresh app secret (unless one was given), an
    /// access token, and the Graph API base under this server's own address.
    pub fn prepare(args: &mut ServeArgs, address: SocketAddr) -> anyhow::Result<Demo> {
        let base = format!("http://{address}");
        let app_secret = match &args.whatsapp_app_secret {
            Some(secret) => secret.clone(),
            None => {
                let secret = Secret::new(crate::accounts::password::one_time()?);
                args.whatsapp_app_secret = Some(secret.clone());
                secret
            }
        };
        let access_token = args
            .whatsapp_access_token
            .get_or_insert_with(|| {
                Secret::new(crate::accounts::password::one_time().unwrap_or_default())
            })
            .clone();
        args.graph_api_base = format!("{base}/demo/graph");
        if !address.ip().is_loopback() {
            tracing::warn!(
                %address,
                "--demo listens beyond loopback: its logins are public knowledge, do not expose it"
            );
        }
        Ok(Demo {
            base,
            app_secret,
            access_token,
        })
    }

    /// Seeds the workspace on first run (a restart keeps what was there).
    pub async fn seed(&self, store: &Store) -> anyhow::Result<()> {
        seed::seed(store).await
    }

    /// The stand-in Graph API's routes.
    pub fn graph_router(&self) -> axum::Router {
        graph::router(self.clone())
    }

    /// Starts the simulated customers.
    pub fn start_customers(&self) {
        tokio::spawn(customers::run(self.clone()));
    }

    /// What to print for the person who started the demo.
    pub fn welcome(&self) -> String {
        let mut text = format!(
            "demo workspace: simulated customers write in every few seconds; replies are \
             \"delivered\" and \"read\" by a stand-in for WhatsApp.\nWeb view: open {}/ in a browser and sign in as one of these people (two browsers: watch one claim and the other see it live)\nAPI: {}/api/openapi.json — sign in with POST {}/api/v1/auth/login\n",
            self.base, self.base, self.base
        );
        for (email, password, who) in LOGINS {
            text.push_str(&format!("  {who:<28} {email:<28} password: {password}\n"));
        }
        text.push_str(&format!(
            "On the demo's first start Carla snoozes {} for {} minutes (sign in as Carla or Sara): the conversation comes back by itself.\n",
            seed::PHOTO_CUSTOMER.0,
            seed::PUT_ASIDE_FOR.num_minutes()
        ));
        text
    }
}
