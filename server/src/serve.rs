//! The server's lifecycle: bind, announce the address, serve until Ctrl-C or SIGTERM, then let
//! requests in flight finish and exit cleanly.

use anyhow::Context;
use tokio::net::TcpListener;

use crate::accounts;
use crate::config::ServeArgs;
use crate::demo::Demo;
use crate::http;
use crate::state::AppState;
use crate::workers::media_fetcher::MediaFetcher;
use crate::workers::whatsapp_sender::Sender;

/// Runs the server until asked to stop.
pub async fn serve(mut args: ServeArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.storage.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            args.storage.data_dir.display()
        )
    })?;
    // Bound first: the demo's stand-in for WhatsApp lives at this very address.
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let demo = match args.demo {
        true => Some(Demo::prepare(&mut args, address)?),
        false => None,
    };
    let state = AppState::from_args(&args)
        .await
        .with_context(|| format!("cannot open the database {:?}", args.database()))?;
    if let Some(demo) = &demo {
        demo.seed(&state.store)
            .await
            .context("cannot seed the demo workspace")?;
    }
    let first_admin = accounts::ensure_first_admin(&state.store, chrono::Utc::now())
        .await
        .context("cannot create the first admin")?;
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
            tokio::spawn(crate::workers::templates::keep_in_sync(
                state.store.clone(),
                graph.clone(),
            ));
            let fetcher = MediaFetcher::new(
                state.store.clone(),
                graph,
                args.storage.data_dir.join("media"),
            )
            .context("cannot set up the media fetcher")?;
            tokio::spawn(fetcher.run());
        }
        None => tracing::warn!(
            "RELAYDESK_WHATSAPP_ACCESS_TOKEN is not set: replies are queued but not sent, media not fetched"
        ),
    }
    match args.fcm().context("the FCM settings are not usable")? {
        Some(fcm) => {
            tracing::info!(project = %fcm.project_id, "push notifications through FCM are on");
            crate::workers::pushes::start(state.store.clone(), fcm);
        }
        None => tracing::warn!(
            "RELAYDESK_FCM_SERVICE_ACCOUNT_FILE is not set: phones get no push notifications (they still sync when opened)"
        ),
    }
    tokio::spawn(crate::workers::timers::run(state.store.clone(), None));
    // Printed on stdout (logs go to stderr) so scripts and tests can read the real port.
    announce(&format!("relaydesk listening on http://{address}"));
    if let Some(admin) = first_admin {
        // Shown once, on stdout, to whoever started the server; never logged.
        announce(&format!(
            "first start: sign in as {} with the one-time password {} (you will be asked to change it)",
            admin.user.email,
            admin.one_time_password.as_deref().unwrap_or("(none)")
        ));
    }
    tracing::info!(%address, data_dir = %args.storage.data_dir.display(), "relaydesk started");

    let mut app = http::router(state);
    if let Some(demo) = &demo {
        app = app.merge(demo.graph_router());
        demo.start_customers();
        announce(&demo.welcome());
    }
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    tracing::info!("relaydesk stopped");
    Ok(())
}

/// A line on stdout for whoever started the server. A closed stdout (the reader went away) is
/// not a reason to stop serving, so write errors are ignored (`println!` would panic).
pub(crate) fn announce(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
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
