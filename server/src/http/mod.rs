//! The HTTP surface: one `router()` assembling every route, with the middleware every request
//! passes through (request id, tracing, panic → 500 JSON, sensitive headers hidden from logs).
//! Whatever goes wrong before a handler answers in the API's JSON error shape too: no route
//! (404 `not_found`), a method the route does not answer (405, with `Allow`), a body over
//! [`MAX_BODY_BYTES`] (413).

mod admin;
mod auth;
mod commands;
mod config_log;
pub(crate) mod conversations;
mod devices;
mod error;
pub(crate) mod events;
pub(crate) mod extract;
mod labels;
mod library;
pub mod live_streams;
pub mod media;
mod openapi;
mod operations;
pub mod protocol;
mod sync;
mod webhooks;

pub use error::ApiError;
pub use webhooks::MAX_WEBHOOK_BYTES;

use crate::state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{AUTHORIZATION, COOKIE};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

/// The largest request body the API reads (the webhook route takes more:
/// [`MAX_WEBHOOK_BYTES`]); a sync push of 500 commands fits.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Every route of the API, each with its OpenAPI description (one list: a route cannot exist
/// undocumented).
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(operations::router())
        .merge(webhooks::router())
        .merge(auth::router())
        .merge(admin::router())
        .merge(config_log::router())
        .merge(conversations::router())
        .merge(commands::router())
        .merge(events::router())
        .merge(labels::router())
        .merge(library::router())
        .merge(media::router())
        .merge(sync::router())
        .merge(devices::router())
        .routes(utoipa_axum::routes!(openapi::document))
}

/// The OpenAPI document of every route (also served at `/api/openapi.json`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    openapi::finish(api().split_for_parts().1)
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let (routes, document) = api().split_for_parts();
    openapi::publish(openapi::finish(document));
    routes
        .merge(crate::web::router())
        // After every route is in: each one's "wrong method" answer.
        .method_not_allowed_fallback(error::wrong_method)
        .fallback(error::no_such_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(protocol::negotiate))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            operations::count_request,
        ))
        .layer(CatchPanicLayer::custom(error::panicked))
        .layer(TraceLayer::new_for_http())
        .layer(SetSensitiveRequestHeadersLayer::new([
            AUTHORIZATION,
            COOKIE,
        ]))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
