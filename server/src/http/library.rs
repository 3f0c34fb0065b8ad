//! The reply library over HTTP: canned replies (list, search, create, change, delete, fill for
//! a conversation), templates with their slots, and the admin's template sync from Meta.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use relaydesk_core::domain::{CannedReply, CannedReplyId};
use relaydesk_core::protocol::errors::ErrorCode;
use relaydesk_core::protocol::library::{
    CannedReplyChange, FillRequest, FilledReply, NewCannedReply, TemplateInfo, TemplateSyncReport,
};
use serde::Deserialize;

use super::ApiError;
use super::extract::{Admin, Body, Id, Params, Signed};
use crate::library;
use crate::state::AppState;
use crate::store::Door;
use relaydesk_core::protocol::errors::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(change, delete))
        .routes(routes!(fill))
        .routes(routes!(templates))
        .routes(routes!(sync))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Search {
    /// Part of a shortcut or title.
    q: Option<String>,
}

/// The replies one may use; `?q=` matches shortcut or title.
#[utoipa::path(get, path = "/api/v1/canned-replies", tag = "library", params(Search), responses((status = 200, body = Vec<CannedReply>), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Signed(who): Signed,
    Params(search): Params<Search>,
) -> Result<Json<Vec<CannedReply>>, ApiError> {
    Ok(Json(
        library::usable(&state.store, &who, search.q.as_deref()).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/canned-replies", tag = "library", request_body = NewCannedReply, responses((status = 201, body = CannedReply), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Signed(who): Signed,
    Body(new): Body<NewCannedReply>,
) -> Result<(StatusCode, Json<CannedReply>), ApiError> {
    let reply = library::create(&state.store, &who, Door::Rest, new).await?;
    Ok((StatusCode::CREATED, Json(reply)))
}

#[utoipa::path(patch, path = "/api/v1/canned-replies/{id}", tag = "library", params(("id" = CannedReplyId, Path)), request_body = CannedReplyChange, responses((status = 200, body = CannedReply), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn change(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(id): Id<CannedReplyId>,
    Body(change): Body<CannedReplyChange>,
) -> Result<Json<CannedReply>, ApiError> {
    Ok(Json(
        library::change(&state.store, &who, Door::Rest, id, change).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/canned-replies/{id}", tag = "library", params(("id" = CannedReplyId, Path)), responses((status = 204, description = "Deleted"), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(id): Id<CannedReplyId>,
) -> Result<StatusCode, ApiError> {
    library::delete(&state.store, &who, Door::Rest, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The reply's text with the conversation's values filled in (`422` naming what is missing).
#[utoipa::path(post, path = "/api/v1/canned-replies/{id}/fill", tag = "library", params(("id" = CannedReplyId, Path)), request_body = FillRequest, responses((status = 200, body = FilledReply), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn fill(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(id): Id<CannedReplyId>,
    Body(request): Body<FillRequest>,
) -> Result<Json<FilledReply>, ApiError> {
    let text = library::fill(&state.store, &who, id, request.conversation).await?;
    Ok(Json(FilledReply { text }))
}

#[utoipa::path(get, path = "/api/v1/templates", tag = "library", responses((status = 200, body = Vec<TemplateInfo>), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn templates(Signed(who): Signed) -> Json<Vec<TemplateInfo>> {
    Json(library::templates_for(&who))
}

/// Reads every account's templates from Meta now.
#[utoipa::path(post, path = "/api/v1/admin/templates/sync", tag = "admin", responses((status = 200, body = TemplateSyncReport), (status = 503, description = "No WhatsApp access token configured", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn sync(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<TemplateSyncReport>, ApiError> {
    let Some(graph) = &state.whatsapp.graph else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::WhatsappNotConfigured,
            "set RELAYDESK_WHATSAPP_ACCESS_TOKEN to read templates from Meta",
        ));
    };
    let report = library::sync_templates(&state.store, &admin.through(Door::Rest), graph).await?;
    tracing::info!(by = %admin.member.handle, accounts = report.accounts.len(), "templates synced");
    Ok(Json(report))
}
