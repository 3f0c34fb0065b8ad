//! Signing in and out, one's own password and sessions, and who one is:
//! `/api/v1/auth/*` and `/api/v1/me`.

use crate::store::Door;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use relaydesk_core::domain::Command;
use relaydesk_core::protocol::auth::{
    AvailabilityRequest, ChangePasswordRequest, LoginRequest, LoginResponse, SessionInfo, UserInfo,
};

use super::ApiError;
use super::extract::{Body, ClientAddress, Id, Signed, Signing};
use crate::accounts;
use crate::state::AppState;
use relaydesk_core::protocol::errors::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(change_password))
        .routes(routes!(sessions))
        .routes(routes!(revoke))
        .routes(routes!(me))
        .routes(routes!(availability))
}

/// Email + password → a bearer token for this device.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()), request_body = LoginRequest, responses((status = 200, body = LoginResponse), (status = 401, description = "Wrong email or password", body = ErrorBody), (status = 429, description = "Too many failed sign-ins; `Retry-After` says when to try again", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Body(request): Body<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    Ok(Json(
        accounts::login(&state.store, request, &address, Utc::now()).await?,
    ))
}

/// Ends the session the request was made with.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204, description = "Signed out"), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    Signing(who): Signing,
) -> Result<StatusCode, ApiError> {
    state.store.delete_session(who.session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes one's own password (first thing after a one-time password); other sessions end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePasswordRequest, responses((status = 204, description = "Changed; other sessions ended"), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    Signing(who): Signing,
    ClientAddress(address): ClientAddress,
    Body(request): Body<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    accounts::change_password(
        &state.store,
        &who,
        request.current_password,
        request.new_password,
        &address,
        Utc::now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One's own sessions (devices), the current one marked.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", responses((status = 200, body = Vec<SessionInfo>), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn sessions(
    State(state): State<AppState>,
    Signing(who): Signing,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    let sessions = state.store.sessions_of(who.member.id).await?;
    Ok(Json(
        sessions
            .iter()
            .map(|s| accounts::session_info(s, Some(&who.session.id)))
            .collect(),
    ))
}

/// Ends one of one's own sessions (admins: anyone's).
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", params(("id" = String, Path, description = "A session id")), responses((status = 204, description = "Ended"), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn revoke(
    State(state): State<AppState>,
    Signing(who): Signing,
    Id(id): Id<String>,
) -> Result<StatusCode, ApiError> {
    accounts::revoke_session(&state.store, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = UserInfo), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn me(Signing(who): Signing) -> Json<UserInfo> {
    Json(who.user_info())
}

/// Sets one's own availability (online, away, offline) through the domain.
#[utoipa::path(post, path = "/api/v1/me/availability", tag = "auth", request_body = AvailabilityRequest, responses((status = 204, description = "Set"), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn availability(
    State(state): State<AppState>,
    Signed(who): Signed,
    Body(request): Body<AvailabilityRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .execute(
            who.through(Door::Rest),
            Utc::now(),
            Command::SetAvailability {
                availability: request.availability,
            },
        )
        .await??;
    Ok(StatusCode::NO_CONTENT)
}
