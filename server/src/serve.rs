//! The server's lifecycle: bind, announce the address, serve until Ctrl-C or SIGTERM, then let
//! requests in flight finish and exit cleanly.

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::ServeArgs;
use crate::http;
use crate::state::AppState;
use crate::whatsapp::media::MediaFetcher;
use crate::whatsapp::sender::Sender;

/// Runs the server until asked to stop.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            args.data_dir.display()
        )
    })?;
    let state = AppState::from_args(&args)
        .await
        .with_context(|| format!("cannot open the database {:?}", args.database()))?;
    if state.whatsapp.app_secret.is_none() {
        tracing::warn!(
            "RELAYDESK_WHATSAPP_APP_SECRET is not set: WhatsApp webhooks will be refused"
        );
    }
    match args.graph_api() {
        Some(graph) => {
            let sender = Sender::new(state.store.clone(), graph.clone(), args.whatsapp_send_rate)
                .context("cannot set up the WhatsApp sender")?;
            tokio::spawn(sender.run());
            let fetcher =
                MediaFetcher::new(state.store.clone(), graph, args.data_dir.join("media"))
                    .context("cannot set up the media fetcher")?;
            tokio::spawn(fetcher.run());
        }
        None => tracing::warn!(
            "RELAYDESK_WHATSAPP_ACCESS_TOKEN is not set: replies are queued but not sent, media not fetched"
        ),
    }
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    // Printed on stdout (logs go to stderr) so scripts and tests can read the real port.
    println!("relaydesk listening on http://{address}");
    tracing::info!(%address, data_dir = %args.data_dir.display(), "relaydesk started");

    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    tracing::info!("relaydesk stopped");
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM (what service managers send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
