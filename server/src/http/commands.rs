//! The command routes: each request becomes one domain command, decided and applied by the
//! store's one write path. Nothing here judges: ownership, the 24-hour window, handoff notes,
//! escalation authority and visibility are the domain's, and its refusals become JSON errors
//! (`already_owned` naming the owner, `window_closed`, …).

use crate::store::Door;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use relaydesk_core::domain::{
    Command, ConversationId, EscalationId, HandoffNote, MessageId, NoteId,
};
use relaydesk_core::protocol::requests::{
    ApproveRequest, AssignRequest, EscalationRequest, LabelRequest, NoteRequest, PriorityRequest,
    RejectRequest, ReleaseRequest, ReplyRequest, StatusRequest,
};
use relaydesk_core::protocol::thread::CommandOutcome;

use super::ApiError;
use super::extract::{Body, Id, MaybeBody, Signed};
use crate::accounts;
use crate::state::AppState;
use relaydesk_core::protocol::errors::ErrorBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(claim))
        .routes(routes!(assign))
        .routes(routes!(release))
        .routes(routes!(reply))
        .routes(routes!(note))
        .routes(routes!(add_label))
        .routes(routes!(remove_label))
        .routes(routes!(status))
        .routes(routes!(priority))
        .routes(routes!(escalate))
        .routes(routes!(mark_read))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(cancel))
}

/// Decides and applies `command` as `who`.
async fn run(
    state: &AppState,
    who: &accounts::Signed,
    command: Command,
) -> Result<Json<CommandOutcome>, ApiError> {
    let events = state
        .store
        .execute(who.through(Door::Rest), Utc::now(), command)
        .await??;
    Ok(Json(CommandOutcome { events }))
}

fn handoff(note: Option<String>) -> Option<HandoffNote> {
    note.filter(|n| !n.trim().is_empty())
        .map(|body| HandoffNote {
            id: NoteId::new(),
            body,
        })
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/claim", tag = "commands", params(("id" = ConversationId, Path)), responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn claim(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
) -> Result<Json<CommandOutcome>, ApiError> {
    run(&state, &who, Command::Claim { conversation }).await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/assign", tag = "commands", params(("id" = ConversationId, Path)), request_body = AssignRequest, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn assign(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
    Body(request): Body<AssignRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::Assign {
        conversation,
        to: request.to,
        reason: request.reason,
        note: handoff(request.note),
    };
    run(&state, &who, command).await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/release", tag = "commands", params(("id" = ConversationId, Path)), request_body = Option<ReleaseRequest>, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn release(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
    MaybeBody(request): MaybeBody<ReleaseRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::Release {
        conversation,
        note: handoff(request.note),
        reason: request.reason,
    };
    run(&state, &who, command).await
}

/// A reply; its `id` is the idempotency key (a retried POST sends nothing twice).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "commands", params(("id" = ConversationId, Path)), request_body = ReplyRequest, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn reply(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
    Body(request): Body<ReplyRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::Reply {
        conversation,
        message: request.id,
        body: request.body,
        in_reply_to: request.in_reply_to,
    };
    run(&state, &who, command).await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/notes", tag = "commands", params(("id" = ConversationId, Path)), request_body = NoteRequest, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn note(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
    Body(request): Body<NoteRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::AddNote {
        conversation,
        note: request.id.unwrap_or_default(),
        body: request.body,
    };
    run(&state, &who, command).await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/labels", tag = "commands", params(("id" = ConversationId, Path)), request_body = LabelRequest, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn add_label(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
    Body(request): Body<LabelRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::AddLabel {
        conversation,
        label: request.label,
    };
    run(&state, &who, command).await
}

#[utoipa::path(delete, path = "/api/v1/conversations/{id}/labels/{label}", tag = "commands", params(("id" = ConversationId, Path), ("label" = String, Path)), responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn remove_label(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id((conversation, label)): Id<(ConversationId, String)>,
) -> Result<Json<CommandOutcome>, ApiError> {
    run(
        &state,
        &who,
        Command::RemoveLabel {
            conversation,
            label,
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/status", tag = "commands", params(("id" = ConversationId, Path)), request_body = StatusRequest, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn status(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
    Body(request): Body<StatusRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::SetStatus {
        conversation,
        status: request.status,
    };
    run(&state, &who, command).await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/priority", tag = "commands", params(("id" = ConversationId, Path)), request_body = PriorityRequest, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn priority(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
    Body(request): Body<PriorityRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::SetPriority {
        conversation,
        priority: request.priority,
    };
    run(&state, &who, command).await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/escalations", tag = "commands", params(("id" = ConversationId, Path)), request_body = EscalationRequest, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn escalate(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
    Body(request): Body<EscalationRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::RequestEscalation {
        conversation,
        escalation: request.id.unwrap_or_default(),
        reason: request.reason,
        severity: request.severity,
        target: request.target,
    };
    run(&state, &who, command).await
}

/// Tells the customer their message (and earlier ones) was read.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read/{message}", tag = "commands", params(("id" = ConversationId, Path), ("message" = MessageId, Path)), responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn mark_read(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id((conversation, message)): Id<(ConversationId, MessageId)>,
) -> Result<Json<CommandOutcome>, ApiError> {
    run(
        &state,
        &who,
        Command::MarkRead {
            conversation,
            message,
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/escalations/{id}/approve", tag = "commands", params(("id" = EscalationId, Path)), request_body = Option<ApproveRequest>, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn approve(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(escalation): Id<EscalationId>,
    MaybeBody(request): MaybeBody<ApproveRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::ApproveEscalation {
        escalation,
        note: request.note,
    };
    run(&state, &who, command).await
}

#[utoipa::path(post, path = "/api/v1/escalations/{id}/reject", tag = "commands", params(("id" = EscalationId, Path)), request_body = RejectRequest, responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn reject(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(escalation): Id<EscalationId>,
    Body(request): Body<RejectRequest>,
) -> Result<Json<CommandOutcome>, ApiError> {
    let command = Command::RejectEscalation {
        escalation,
        reason: request.reason,
    };
    run(&state, &who, command).await
}

#[utoipa::path(post, path = "/api/v1/escalations/{id}/cancel", tag = "commands", params(("id" = EscalationId, Path)), responses((status = 200, description = "Applied: the events it produced (none for a repeat)", body = CommandOutcome), (status = 409, description = "Refused by a rule of the desk (`already_owned`, `not_owner`, `window_closed`, …)", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(escalation): Id<EscalationId>,
) -> Result<Json<CommandOutcome>, ApiError> {
    run(&state, &who, Command::CancelEscalation { escalation }).await
}
