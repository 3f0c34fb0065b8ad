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
    state.store.version().await.map_err(|error| {
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
    text
}
