//! Routes for whoever runs the server: `/healthz` (the process answers), `/readyz` (the
//! database answers too), `/metrics` (Prometheus text).

use axum::extract::State;
use axum::http::StatusCode;
use relaydesk_core::protocol::errors::ErrorCode;

use super::ApiError;
use crate::state::AppState;
use relaydesk_core::protocol::errors::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()), responses((status = 200, description = "`ok`: the process serves HTTP", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers: a load balancer may send traffic.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()), responses((status = 200, description = "`ready`: the database answers", body = String), (status = 503, description = "The database does not answer", body = ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.store.ping().await.map_err(|error| {
        tracing::error!(%error, "readiness check failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::DatabaseUnavailable,
            "the database does not answer",
        )
    })?;
    Ok("ready")
}

/// Counts every answered request by method, route template and status (for `/metrics`).
pub(super) async fn count_request(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // Only the standard methods get their own series; any other token is one `OTHER`.
    let method = match request.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m.to_owned(),
        _ => "OTHER".to_owned(),
    };
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    state
        .metrics
        .answered(&method, &route, response.status().as_u16());
    response
}

#[utoipa::path(get, path = "/metrics", tag = "operations", security(()), responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> String {
    let mut text = state.metrics.render();
    // The queue's depth comes from the database, so every instance reports the shared truth.
    match state.store.send_queue_depth().await {
        Ok(depth) => {
            text.push_str(
                "# HELP relaydesk_send_queue_jobs Outbound WhatsApp messages by queue state.\n",
            );
            text.push_str("# TYPE relaydesk_send_queue_jobs gauge\n");
            for (queue_state, count) in depth {
                text.push_str(&format!(
                    "relaydesk_send_queue_jobs{{state=\"{queue_state}\"}} {count}\n"
                ));
            }
        }
        Err(error) => tracing::error!(%error, "cannot read the send queue for /metrics"),
    }
    match state.store.watermark_lag().await {
        Ok(lag) => text.push_str(&watermark_gauges(&lag)),
        Err(error) => tracing::error!(%error, "cannot read the commit watermark for /metrics"),
    }
    match followers_and_timers(&state.store).await {
        Ok(gauges) => text.push_str(&gauges),
        Err(error) => tracing::error!(%error, "cannot read the followers and timers for /metrics"),
    }
    text
}

/// How far each follower of the event log trails W (a lag that grows: it cannot keep up, or
/// no instance runs it), the timers by state, and how overdue the earliest armed one is (a
/// figure that grows: no instance fires them).
async fn followers_and_timers(
    store: &crate::store::Store,
) -> Result<String, crate::store::DbError> {
    let watermark = store.watermark();
    let mut text = String::from(
        "# HELP relaydesk_follower_lag_versions Versions below W a follower of the event log has not read yet.\n\
         # TYPE relaydesk_follower_lag_versions gauge\n",
    );
    for (name, at) in store.followers().await? {
        text.push_str(&format!(
            "relaydesk_follower_lag_versions{{follower=\"{name}\"}} {}\n",
            (watermark - at).max(0)
        ));
    }
    text.push_str(
        "# HELP relaydesk_timers Durable timers by state (armed: waiting to come due).\n\
         # TYPE relaydesk_timers gauge\n",
    );
    for (timer_state, count) in store.timer_counts().await? {
        text.push_str(&format!(
            "relaydesk_timers{{state=\"{timer_state}\"}} {count}\n"
        ));
    }
    let overdue = store.next_timer_due().await?.map_or(0.0, |due| {
        ((chrono::Utc::now() - due).num_milliseconds().max(0) as f64) / 1000.0
    });
    text.push_str(&format!(
        "# HELP relaydesk_timer_overdue_seconds How long the earliest armed timer has been due (0: none is).\n\
         # TYPE relaydesk_timer_overdue_seconds gauge\nrelaydesk_timer_overdue_seconds {overdue:.3}\n"
    ));
    Ok(text)
}

/// How far the commit watermark W trails what writers have taken, and the transaction that
/// holds it back: readers (pulls, live streams, pushes) see changes only up to W, so a lag
/// that grows means someone's transaction is stuck open (on PostgreSQL, any program's on the
/// same cluster; `state` says `idle in transaction` for a forgotten one).
fn watermark_gauges(lag: &crate::store::watermark::Lag) -> String {
    let mut text = format!(
        "# HELP relaydesk_watermark_version The commit watermark W: every version up to it has committed or rolled back.\n\
         # TYPE relaydesk_watermark_version gauge\nrelaydesk_watermark_version {}\n\
         # HELP relaydesk_watermark_lag_versions Versions taken above W (their changes are not yet visible to readers).\n\
         # TYPE relaydesk_watermark_lag_versions gauge\nrelaydesk_watermark_lag_versions {}\n\
         # HELP relaydesk_watermark_lag_seconds How long the oldest version above W has waited.\n\
         # TYPE relaydesk_watermark_lag_seconds gauge\nrelaydesk_watermark_lag_seconds {:.3}\n\
         # HELP relaydesk_watermark_oldest_transaction_seconds How long the oldest transaction holding W back has run (0 when none does).\n\
         # TYPE relaydesk_watermark_oldest_transaction_seconds gauge\n",
        lag.watermark,
        (lag.newest - lag.watermark).max(0),
        lag.waiting.as_secs_f64(),
    );
    match &lag.oldest_transaction {
        Some(oldest) => text.push_str(&format!(
            "relaydesk_watermark_oldest_transaction_seconds{{state=\"{}\"}} {:.3}\n",
            oldest.state.replace(['"', '\\', '\n'], " "),
            oldest.running.as_secs_f64()
        )),
        None => text.push_str("relaydesk_watermark_oldest_transaction_seconds 0\n"),
    }
    text
}
