//! The `relaydesk` binary: parses the command line and hands over to the library. A failure
//! is one line on stderr, `error: <what> : <why>` ending with a newline, and exit status 1 —
//! never a backtrace (those are for bugs, which panic).

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = relaydesk_server::config::Cli::parse();
    match relaydesk_server::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
