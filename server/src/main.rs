//! The `relaydesk` binary: parses the command line and hands over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = relaydesk_server::config::Cli::parse();
    relaydesk_server::run(cli).await
}
