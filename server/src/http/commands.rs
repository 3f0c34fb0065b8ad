//! The command routes: each request becomes one domain command, decided and applied by the
//! store's one write path. Nothing here judges: ownership, the 24-hour window, handoff notes,
//! escalation authority and visibility are the domain's, and its refusals become JSON errors
//! (`already_owned` naming the owner, `window_closed`, …).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{delete, post};
use chrono::Utc;
use relaydesk_core::domain::{
    Actor, Command, ConversationId, EscalationId, HandoffNote, MessageId, NoteId,
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

pub(super) fn router() -> Router<AppState> {
    let conversation = |action: &str| format!("/api/v1/conversations/{{id}}/{action}");
    Router::new()
        .route(&conversation("claim"), post(claim))
        .route(&conversation("assign"), post(assign))
        .route(&conversation("release"), post(release))
        .route(&conversation("messages"), post(reply))
        .route(&conversation("notes"), post(note))
        .route(&conversation("labels"), post(add_label))
        .route(&conversation("labels/{label}"), delete(remove_label))
        .route(&conversation("status"), post(status))
        .route(&conversation("priority"), post(priority))
        .route(&conversation("escalations"), post(escalate))
        .route(&conversation("read/{message}"), post(mark_read))
        .route("/api/v1/escalations/{id}/approve", post(approve))
        .route("/api/v1/escalations/{id}/reject", post(reject))
        .route("/api/v1/escalations/{id}/cancel", post(cancel))
}

/// Decides and applies `command` as `who`.
async fn run(
    state: &AppState,
    who: &accounts::Signed,
    command: Command,
) -> Result<Json<CommandOutcome>, ApiError> {
    let events = state
        .store
        .execute(Actor::Member(who.member.id), Utc::now(), command)
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

async fn claim(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(conversation): Id<ConversationId>,
) -> Result<Json<CommandOutcome>, ApiError> {
    run(&state, &who, Command::Claim { conversation }).await
}

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

async fn cancel(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(escalation): Id<EscalationId>,
) -> Result<Json<CommandOutcome>, ApiError> {
    run(&state, &who, Command::CancelEscalation { escalation }).await
}
