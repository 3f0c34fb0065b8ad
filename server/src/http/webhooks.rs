//! `GET/POST /webhooks/whatsapp`: Meta's subscription handshake and its signed deliveries.
//!
//! The signature is checked on the raw bytes before anything is parsed. A verified delivery
//! is stored whole (raw payload and effects, one transaction) and only then answered 200; an
//! unreadable one is kept as quarantined and answered 200 too (Meta would otherwise retry it
//! for a week); a database failure is answered 500 so that Meta retries.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use relaydesk_core::protocol::errors::ErrorCode;
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::state::{AppState, Metrics};
use crate::store::DeliveryState;
use crate::whatsapp::signature;
use relaydesk_core::protocol::errors::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Meta sends batches of up to 3 MB; anything over 4 MiB is refused with 413.
pub const MAX_WEBHOOK_BYTES: usize = 4 * 1024 * 1024;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handshake, delivery))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
}

/// `?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` → 200 with the bare challenge.
#[utoipa::path(get, path = "/webhooks/whatsapp", tag = "whatsapp", security(()), params(("hub.mode" = String, Query), ("hub.verify_token" = String, Query), ("hub.challenge" = String, Query)), responses((status = 200, description = "The bare challenge", body = String), (status = 403, description = "Refused", body = ErrorBody)))]
async fn handshake(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<String, ApiError> {
    let refused = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "verification refused",
        )
    };
    let expected = state.whatsapp.verify_token.as_ref().ok_or_else(refused)?;
    let token = query.get("hub.verify_token").ok_or_else(refused)?;
    let matches: bool = token.as_bytes().ct_eq(expected.expose().as_bytes()).into();
    if query.get("hub.mode").map(String::as_str) != Some("subscribe") || !matches {
        tracing::warn!("a WhatsApp webhook handshake was refused");
        return Err(refused());
    }
    query.get("hub.challenge").cloned().ok_or_else(refused)
}

#[utoipa::path(post, path = "/webhooks/whatsapp", tag = "whatsapp", security(()), params(("X-Hub-Signature-256" = String, Header, description = "`sha256=<hex HMAC of the raw body with the app secret>`")), request_body(content = String, content_type = "application/json", description = "Meta's webhook delivery, byte for byte"), responses((status = 200, description = "Stored (or kept as quarantined)"), (status = 401, description = "Missing or wrong signature", body = ErrorBody), (status = 413, description = "Over 4 MiB", body = ErrorBody), (status = 500, description = "The database failed: Meta will retry", body = ErrorBody), (status = 503, description = "No app secret configured", body = ErrorBody)))]
async fn delivery(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(MAX_WEBHOOK_BYTES),
        _ => rejection.into(),
    })?;
    let Some(secret) = &state.whatsapp.app_secret else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::WhatsappNotConfigured,
            "set RELAYDESK_WHATSAPP_APP_SECRET to receive WhatsApp webhooks",
        ));
    };
    let header = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
    if let Err(why) = signature::verify(secret.expose().as_bytes(), header, &body) {
        Metrics::bump(&state.metrics.webhook_rejected_signatures);
        tracing::warn!(%why, bytes = body.len(), "a WhatsApp webhook was refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::BadSignature,
            "the signature does not match",
        ));
    }
    let report = state
        .store
        .ingest_webhook(body.to_vec(), chrono::Utc::now())
        .await
        .map_err(|error| {
            Metrics::bump(&state.metrics.webhook_failures);
            tracing::error!(%error, "a WhatsApp webhook could not be stored; Meta will retry it");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::StorageFailed,
                "could not store the delivery, retry later",
            )
        })?;
    Metrics::bump(&state.metrics.webhook_batches);
    if report.state != DeliveryState::Processed {
        Metrics::bump(&state.metrics.webhook_quarantined);
    }
    for skipped in &report.skipped {
        tracing::warn!(payload = %report.payload, %skipped, "part of a WhatsApp webhook was not applied");
    }
    tracing::info!(
        payload = %report.payload,
        state = report.state.as_str(),
        stored = report.messages_stored,
        statuses = report.statuses_applied,
        duplicates = report.duplicates,
        "WhatsApp webhook stored"
    );
    Ok(StatusCode::OK)
}
