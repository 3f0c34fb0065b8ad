//! Routes for whoever runs the server: `GET /healthz` (the process answers). `/readyz` and
//! `/metrics` arrive with storage and the API (issues 3 and 4).

use axum::Router;
use axum::routing::get;

pub(super) fn router() -> Router {
    Router::new().route("/healthz", get(healthz))
}

/// The process is up and serving HTTP.
async fn healthz() -> &'static str {
    "ok"
}
