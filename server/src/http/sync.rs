//! `POST /api/v1/sync/push` and `GET /api/v1/sync/pull`: the phone's doors into the one write
//! path and its view of the queue (rules in `crate::sync`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use relaydesk_core::protocol::errors::ErrorBody;
use relaydesk_core::protocol::errors::ErrorCode;
use relaydesk_core::protocol::sync::{PullResponse, PushRequest, PushResponse};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiError;
use super::extract::{Body, Params, Signed};
use super::protocol::Protocol;
use crate::state::AppState;
use crate::sync::{self, PushError};
use relaydesk_core::protocol::older;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push))
        .routes(routes!(pull))
}

/// Pending commands of one installed client, in order; each applied exactly once.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, description = "Each mutation's outcome (a repeat answers its first outcome)", body = PushResponse),
        (status = 409, description = "`mutation_gap`: earlier mutations are missing; `expected` names the next one", body = ErrorBody),
        (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn push(
    State(state): State<AppState>,
    Signed(who): Signed,
    Protocol(protocol): Protocol,
    Body(request): Body<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    match sync::push(&state.store, &who, request, Utc::now()).await {
        Ok(mut response) => {
            if protocol == 1 {
                response
                    .results
                    .iter_mut()
                    .for_each(|r| older::outcome_for_v1(&mut r.outcome));
            }
            Ok(Json(response))
        }
        Err(PushError::Gap { expected, got }) => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::MutationGap,
            format!("mutation {got} arrived but {expected} was expected"),
        )
        .with("expected", expected)),
        Err(PushError::Account(error)) => Err(error.into()),
    }
}

/// `?client_id=&cursor=&page=&limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PullParams {
    /// The installed client's id (as in its pushes).
    #[param(value_type = uuid::Uuid)]
    client_id: String,
    /// The `cursor` of the previous pull (0 or absent: everything).
    #[param(minimum = 0)]
    cursor: Option<i64>,
    /// The `next_page` of the previous answer, to continue a paged pull.
    page: Option<String>,
    /// Conversations per page, 1–1000 (default 200).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

// The limits as the OpenAPI document states them (`#[param]` takes only literals).
const _: () = assert!(sync::MAX_PAGE == 1000);

/// Every change the person may see since `cursor`, one page at a time.
#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync", params(PullParams),
    responses((status = 200, body = PullResponse),
        (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn pull(
    State(state): State<AppState>,
    Signed(who): Signed,
    Protocol(protocol): Protocol,
    Params(params): Params<PullParams>,
) -> Result<Json<PullResponse>, ApiError> {
    let mut page = sync::pull(
        &state.store,
        &who,
        &params.client_id,
        params.cursor.unwrap_or(0),
        params.page.as_deref(),
        params.limit,
    )
    .await?;
    if protocol == 1 {
        older::pull_for_v1(&mut page, &who.workspace);
    }
    Ok(Json(page))
}
