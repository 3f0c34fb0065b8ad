//! `relaydesk-server`: the server side of Relaydesk.
//!
//! By role, from the top: the doors people and Meta come in by — the REST + SSE API
//! ([`http`]), phone sync ([`sync`]), the web view ([`web`]), the command line ([`config`],
//! [`admin_cli`]); the channels, as their services speak — WhatsApp ([`whatsapp`]) and push
//! notifications through FCM ([`push`]); the long-running [`workers`] (senders, fetcher,
//! followers of the event log, the timer wheel); the rules above storage ([`accounts`],
//! [`library`]); storage on SQLite or PostgreSQL ([`store`], which knows no channel); and the
//! process lifecycle ([`serve`]). Every state change goes through `relaydesk_core::domain`,
//! whichever door it came in by.

pub mod accounts;
pub mod admin_cli;
pub mod config;
pub mod demo;
pub mod http;
pub mod labels;
pub mod library;
pub mod push;
pub mod serve;
pub mod signals;
pub mod state;
pub mod store;
pub mod sync;
pub mod web;
pub mod whatsapp;
pub mod workers;

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
