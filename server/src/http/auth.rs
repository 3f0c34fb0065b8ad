//! Signing in and out, one's own password and sessions, and who one is:
//! `/api/v1/auth/*` and `/api/v1/me`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use chrono::Utc;
use relaydesk_core::domain::{Actor, Command};
use relaydesk_core::protocol::auth::{
    AvailabilityRequest, ChangePasswordRequest, LoginRequest, LoginResponse, SessionInfo, UserInfo,
};

use super::ApiError;
use super::extract::{Body, ClientAddress, Id, Signed, Signing};
use crate::accounts;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/password", post(change_password))
        .route("/api/v1/auth/sessions", get(sessions))
        .route("/api/v1/auth/sessions/{id}", delete(revoke))
        .route("/api/v1/me", get(me))
        .route("/api/v1/me/availability", post(availability))
}

/// Email + password → a bearer token for this device.
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
async fn logout(
    State(state): State<AppState>,
    Signing(who): Signing,
) -> Result<StatusCode, ApiError> {
    state.store.delete_session(who.session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes one's own password (first thing after a one-time password); other sessions end.
async fn change_password(
    State(state): State<AppState>,
    Signing(who): Signing,
    Body(request): Body<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    accounts::change_password(
        &state.store,
        &who,
        request.current_password,
        request.new_password,
        Utc::now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One's own sessions (devices), the current one marked.
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
async fn revoke(
    State(state): State<AppState>,
    Signing(who): Signing,
    Id(id): Id<String>,
) -> Result<StatusCode, ApiError> {
    accounts::revoke_session(&state.store, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(Signing(who): Signing) -> Json<UserInfo> {
    Json(who.user_info())
}

/// Sets one's own availability (online, away, offline) through the domain.
async fn availability(
    State(state): State<AppState>,
    Signed(who): Signed,
    Body(request): Body<AvailabilityRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .execute(
            Actor::Member(who.member.id),
            Utc::now(),
            Command::SetAvailability {
                availability: request.availability,
            },
        )
        .await??;
    Ok(StatusCode::NO_CONTENT)
}
