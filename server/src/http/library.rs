//! The reply library over HTTP: canned replies (list, search, create, change, delete, fill for
//! a conversation), templates with their slots, and the admin's template sync from Meta.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use relaydesk_core::domain::{CannedReply, CannedReplyId};
use relaydesk_core::protocol::library::{
    CannedReplyChange, FillRequest, FilledReply, NewCannedReply, TemplateInfo, TemplateSyncReport,
};
use serde::Deserialize;

use super::ApiError;
use super::extract::{Admin, Body, Id, Params, Signed};
use crate::library;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/canned-replies", get(list).post(create))
        .route("/api/v1/canned-replies/{id}", patch(change).delete(delete))
        .route("/api/v1/canned-replies/{id}/fill", post(fill))
        .route("/api/v1/templates", get(templates))
        .route("/api/v1/admin/templates/sync", post(sync))
}

#[derive(Debug, Deserialize)]
pub(super) struct Search {
    q: Option<String>,
}

/// The replies one may use; `?q=` matches shortcut or title.
async fn list(
    State(state): State<AppState>,
    Signed(who): Signed,
    Params(search): Params<Search>,
) -> Result<Json<Vec<CannedReply>>, ApiError> {
    Ok(Json(
        library::usable(&state.store, &who, search.q.as_deref()).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    Signed(who): Signed,
    Body(new): Body<NewCannedReply>,
) -> Result<(StatusCode, Json<CannedReply>), ApiError> {
    let reply = library::create(&state.store, &who, new).await?;
    Ok((StatusCode::CREATED, Json(reply)))
}

async fn change(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(id): Id<CannedReplyId>,
    Body(change): Body<CannedReplyChange>,
) -> Result<Json<CannedReply>, ApiError> {
    Ok(Json(library::change(&state.store, &who, id, change).await?))
}

async fn delete(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(id): Id<CannedReplyId>,
) -> Result<StatusCode, ApiError> {
    library::delete(&state.store, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The reply's text with the conversation's values filled in (`422` naming what is missing).
async fn fill(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(id): Id<CannedReplyId>,
    Body(request): Body<FillRequest>,
) -> Result<Json<FilledReply>, ApiError> {
    let text = library::fill(&state.store, &who, id, request.conversation).await?;
    Ok(Json(FilledReply { text }))
}

async fn templates(Signed(who): Signed) -> Json<Vec<TemplateInfo>> {
    Json(library::templates_for(&who))
}

/// Reads every account's templates from Meta now.
async fn sync(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<TemplateSyncReport>, ApiError> {
    let Some(graph) = &state.whatsapp.graph else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "whatsapp_not_configured",
            "set RELAYDESK_WHATSAPP_ACCESS_TOKEN to read templates from Meta",
        ));
    };
    let report = library::sync_templates(&state.store, graph).await?;
    tracing::info!(by = %admin.member.handle, accounts = report.accounts.len(), "templates synced");
    Ok(Json(report))
}
