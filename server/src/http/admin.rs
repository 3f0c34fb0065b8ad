//! Managing the workspace (admins only): people, their passwords and sessions, teams and
//! inboxes — `/api/v1/admin/*` — plus the directory every signed-in person reads (colleagues
//! and teams, for assigning and @mentions).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use relaydesk_core::domain::{Inbox, Team, UserId};
use relaydesk_core::protocol::admin::{CreatedUser, NewInbox, NewTeam, NewUser, UserChange};
use relaydesk_core::protocol::auth::{SessionInfo, UserInfo};
use relaydesk_core::protocol::directory::Directory;

use super::ApiError;
use super::extract::{Admin, Body, Id, Signed};
use crate::accounts;
use crate::state::AppState;
use crate::store::Door;
use relaydesk_core::protocol::errors::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users, create_user))
        .routes(routes!(change_user))
        .routes(routes!(reset_password))
        .routes(routes!(sessions_of))
        .routes(routes!(teams, create_team))
        .routes(routes!(inboxes, create_inbox))
        .routes(routes!(directory))
}

#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", responses((status = 200, body = Vec<UserInfo>), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn users(
    State(state): State<AppState>,
    Admin(_admin): Admin,
) -> Result<Json<Vec<UserInfo>>, ApiError> {
    Ok(Json(accounts::users(&state.store).await?))
}

#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewUser, responses((status = 201, body = CreatedUser), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(new): Body<NewUser>,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    let created =
        accounts::create_user(&state.store, &admin.through(Door::Rest), new, Utc::now()).await?;
    tracing::info!(by = %admin.member.handle, user = %created.user.handle, role = %created.user.role, "user created");
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", params(("id" = UserId, Path)), request_body = UserChange, responses((status = 200, body = UserInfo), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn change_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Id(id): Id<UserId>,
    Body(change): Body<UserChange>,
) -> Result<Json<UserInfo>, ApiError> {
    let changed = accounts::change_user(
        &state.store,
        &admin.through(Door::Rest),
        id,
        change,
        Utc::now(),
    )
    .await?;
    tracing::info!(by = %admin.member.handle, user = %changed.handle, "user changed");
    Ok(Json(changed))
}

#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reset-password", tag = "admin", params(("id" = UserId, Path)), responses((status = 200, body = CreatedUser), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Id(id): Id<UserId>,
) -> Result<Json<CreatedUser>, ApiError> {
    let reset = accounts::reset_password(&state.store, id, Utc::now()).await?;
    tracing::info!(by = %admin.member.handle, user = %reset.user.handle, "password reset");
    Ok(Json(reset))
}

#[utoipa::path(get, path = "/api/v1/admin/users/{id}/sessions", tag = "admin", params(("id" = UserId, Path)), responses((status = 200, body = Vec<SessionInfo>), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn sessions_of(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Id(id): Id<UserId>,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    accounts::person(&state.store, id).await?;
    let sessions = state.store.sessions_of(id).await?;
    Ok(Json(
        sessions
            .iter()
            .map(|s| accounts::session_info(s, None))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/admin/teams", tag = "admin", responses((status = 200, body = Vec<Team>), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn teams(
    State(state): State<AppState>,
    Admin(_admin): Admin,
) -> Result<Json<Vec<Team>>, ApiError> {
    Ok(Json(
        state.store.workspace().await?.teams.into_values().collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/teams", tag = "admin", request_body = NewTeam, responses((status = 201, body = Team), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn create_team(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(new): Body<NewTeam>,
) -> Result<(StatusCode, Json<Team>), ApiError> {
    let team = accounts::create_team(&state.store, &admin.through(Door::Rest), new).await?;
    tracing::info!(by = %admin.member.handle, team = %team.name, "team created");
    Ok((StatusCode::CREATED, Json(team)))
}

#[utoipa::path(get, path = "/api/v1/admin/inboxes", tag = "admin", responses((status = 200, body = Vec<Inbox>), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn inboxes(
    State(state): State<AppState>,
    Admin(_admin): Admin,
) -> Result<Json<Vec<Inbox>>, ApiError> {
    Ok(Json(
        state
            .store
            .workspace()
            .await?
            .inboxes
            .into_values()
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/admin/inboxes", tag = "admin", request_body = NewInbox, responses((status = 201, body = Inbox), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn create_inbox(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(new): Body<NewInbox>,
) -> Result<(StatusCode, Json<Inbox>), ApiError> {
    let inbox = accounts::create_inbox(&state.store, &admin.through(Door::Rest), new).await?;
    tracing::info!(by = %admin.member.handle, inbox = %inbox.name, "inbox created");
    Ok((StatusCode::CREATED, Json(inbox)))
}

/// Colleagues and teams, for assigning and @mentions (no emails, no passwords).
#[utoipa::path(get, path = "/api/v1/directory", tag = "queue", responses((status = 200, body = Directory), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn directory(Signed(who): Signed) -> Json<Directory> {
    let workspace = who.workspace;
    Json(Directory {
        members: workspace
            .members
            .values()
            .filter(|m| m.active)
            .map(accounts::colleague)
            .collect(),
        teams: workspace.teams.into_values().collect(),
        inboxes: workspace
            .inboxes
            .into_values()
            .map(|i| (i.id, i.name))
            .collect(),
    })
}
