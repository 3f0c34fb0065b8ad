//! The label catalogue over REST: `GET /api/v1/labels` for everyone signed in (pickers, the
//! queue's filter); `POST /api/v1/admin/labels` and `PATCH /api/v1/admin/labels/{id}` for
//! admins, each change logged in the configuration log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use relaydesk_core::domain::{LabelDefinition, LabelId};
use relaydesk_core::protocol::admin::{LabelChange, NewLabel};
use relaydesk_core::protocol::errors::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiError;
use super::extract::{Admin, Body, Id, Signed};
use crate::labels;
use crate::state::AppState;
use crate::store::Door;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(labels))
        .routes(routes!(define_label))
        .routes(routes!(change_label))
}

/// The label catalogue, by name (switched-off labels too: history names them).
#[utoipa::path(get, path = "/api/v1/labels", tag = "library", responses((status = 200, body = Vec<LabelDefinition>), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn labels(
    State(state): State<AppState>,
    Signed(_who): Signed,
) -> Result<Json<Vec<LabelDefinition>>, ApiError> {
    Ok(Json(labels::catalogue(&state.store).await?))
}

/// Defines a label (its name unique whatever its case).
#[utoipa::path(post, path = "/api/v1/admin/labels", tag = "admin", request_body = NewLabel, responses((status = 201, body = LabelDefinition), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn define_label(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Body(new): Body<NewLabel>,
) -> Result<(StatusCode, Json<LabelDefinition>), ApiError> {
    let defined = labels::create(&state.store, &admin.through(Door::Rest), new).await?;
    tracing::info!(by = %admin.member.handle, label = %defined.name, "label defined");
    Ok((StatusCode::CREATED, Json(defined)))
}

/// Renames a label, recolours it, says what it is for, or switches it off.
#[utoipa::path(patch, path = "/api/v1/admin/labels/{id}", tag = "admin", params(("id" = LabelId, Path)), request_body = LabelChange, responses((status = 200, body = LabelDefinition), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn change_label(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Id(id): Id<LabelId>,
    Body(change): Body<LabelChange>,
) -> Result<Json<LabelDefinition>, ApiError> {
    Ok(Json(
        labels::change(&state.store, &admin.through(Door::Rest), id, change).await?,
    ))
}
