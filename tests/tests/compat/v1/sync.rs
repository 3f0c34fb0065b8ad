//! Protocol v1, frozen: phone sync as `core/src/protocol/sync.rs` put it on the wire at
//! `fa32822` — the push a phone sends and its answer, a pull page — and the colleague of
//! `core/src/protocol/directory.rs` that a pull's workspace copy lists.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::domain::{
    Availability, CannedReply, Command, Contact, Conversation, Event, Inbox, Message, Note,
    Rejection, Role, Team, Template,
};
use super::ids::{ConversationId, TeamId, UserId};

/// `POST /api/v1/sync/push`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub client_id: String,
    pub mutations: Vec<Mutation>,
}

/// One command and its number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    pub id: u64,
    pub command: Command,
}

/// What happened to each pushed command.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PushResponse {
    pub last_mutation_id: u64,
    pub results: Vec<MutationResult>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct MutationResult {
    pub id: u64,
    pub outcome: MutationOutcome,
}

/// A consumed command: applied, refused, or consumed so long ago its outcome is not kept.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MutationOutcome {
    Applied,
    Rejected { rejection: Rejection },
    UnknownOutcome,
}

/// `GET /api/v1/sync/pull` answers one page of this.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PullResponse {
    pub cursor: i64,
    pub next_page: Option<String>,
    pub has_more: bool,
    pub last_mutation_id: u64,
    pub reset: bool,
    pub conversations: Vec<Conversation>,
    pub contacts: Vec<Contact>,
    pub messages: Vec<Message>,
    pub notes: Vec<Note>,
    pub events: Vec<SyncedEvent>,
    pub removed: Vec<ConversationId>,
    pub workspace: Option<WorkspaceCopy>,
}

/// A timeline event with its place.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SyncedEvent {
    pub version: i64,
    pub seq: i64,
    pub event: Event,
}

/// Colleagues, teams, inboxes, the templates and canned replies the person may use.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct WorkspaceCopy {
    pub members: Vec<Colleague>,
    pub teams: Vec<Team>,
    pub inboxes: Vec<Inbox>,
    pub templates: Vec<Template>,
    pub canned_replies: Vec<CannedReply>,
}

/// A colleague as others see them (`directory.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Colleague {
    pub id: UserId,
    pub name: String,
    pub handle: String,
    pub role: Role,
    pub teams: BTreeSet<TeamId>,
    pub availability: Availability,
}
