//! `POST /api/v1/devices`: a signed-in phone registers (or refreshes) its push token.
//! `GET/PUT /api/v1/me/notifications`: whether one's notifications preview customers' words.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use relaydesk_core::protocol::devices::{DeviceRequest, NotificationSettings};
use relaydesk_core::protocol::errors::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiError;
use super::extract::{Body, Signed};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(notifications, set_notifications))
}

/// Longest push token accepted.
const MAX_TOKEN_CHARS: usize = relaydesk_core::domain::limits::MAX_PUSH_TOKEN_CHARS;

/// Registers this device's push token for the session making the request; signing out of the
/// session forgets it. The same session registering it again refreshes it. A token held by
/// another session means the phone was signed into afresh: that session is ended (signed
/// out), so its owner's pushes never go on arriving on a phone someone else now uses and the
/// change is never silent (the rule and why: `store::accounts::register_device`).
#[utoipa::path(post, path = "/api/v1/devices", tag = "auth", request_body = DeviceRequest,
    responses((status = 204, description = "Registered. If another session held this token, that session has been ended: a token names one app on one phone, which holds one session"),
        (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn register(
    State(state): State<AppState>,
    Signed(who): Signed,
    Body(request): Body<DeviceRequest>,
) -> Result<StatusCode, ApiError> {
    let token = request.token.trim();
    if token.is_empty()
        || token.chars().count() > MAX_TOKEN_CHARS
        || token.contains(char::is_whitespace)
    {
        return Err(ApiError::invalid(
            "token",
            "the push service's token, as given",
        ));
    }
    let ended = state
        .store
        .register_device(
            token.to_owned(),
            who.member.id,
            who.session.id.clone(),
            request.platform.as_str().to_owned(),
            Utc::now(),
        )
        .await?;
    if let Some(session) = ended {
        tracing::info!(
            %session,
            by = %who.session.id,
            "a phone was signed into afresh: the session that held its push token ended"
        );
    }
    Ok(StatusCode::NO_CONTENT)
}

/// How one's notifications read (previews on unless turned off).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "auth", responses((status = 200, body = NotificationSettings), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn notifications(
    State(state): State<AppState>,
    Signed(who): Signed,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(NotificationSettings {
        previews: state.store.push_previews(who.member.id).await?,
    }))
}

/// Turns previews of customers' words in one's notifications on or off.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "auth", request_body = NotificationSettings, responses((status = 200, body = NotificationSettings), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn set_notifications(
    State(state): State<AppState>,
    Signed(who): Signed,
    Body(request): Body<NotificationSettings>,
) -> Result<Json<NotificationSettings>, ApiError> {
    state
        .store
        .set_push_previews(who.member.id, request.previews)
        .await?;
    Ok(Json(request))
}
