//! `relaydesk-server`: the server side of Relaydesk.
//!
//! Today: the command line ([`config`]), the HTTP surface ([`http`]: `/healthz` and JSON
//! errors) and the process lifecycle ([`serve`]: listen, shut down cleanly on Ctrl-C or
//! SIGTERM). Later issues add storage (SQLite via rusqlite, PostgreSQL via sqlx), the WhatsApp
//! webhook and send queue, the REST + SSE API, sync, the web view and FCM pushes; every state
//! change goes through `relaydesk_core::domain`.

pub mod accounts;
pub mod admin_cli;
pub mod config;
pub mod demo;
pub mod http;
pub mod library;
pub mod serve;
pub mod state;
pub mod store;
pub mod sync;
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
