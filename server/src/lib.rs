//! `relaydesk-server`: the server side of Relaydesk.
//!
//! The command line ([`config`]), storage on SQLite or PostgreSQL ([`store`]), the WhatsApp
//! webhook and send queue ([`whatsapp`]), the REST + SSE API ([`http`]), phone sync
//! ([`sync`]), the web view ([`web`]), push notifications through FCM ([`push`]) and the
//! process lifecycle ([`serve`]). Every state
//! change goes through `relaydesk_core::domain`, whichever door it came in by.

pub mod accounts;
pub mod admin_cli;
pub mod config;
pub mod demo;
pub mod http;
pub mod library;
pub mod push;
pub mod serve;
pub mod state;
pub mod store;
pub mod sync;
pub mod web;
pub mod whatsapp;

use config::{Cli, Command};

/// Runs what the command line asks for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    config::init_tracing(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Admin(args) => admin_cli::run(args).await,
        Command::Openapi => {
            println!("{}", http::openapi_document().to_pretty_json()?);
            Ok(())
        }
    }
}
