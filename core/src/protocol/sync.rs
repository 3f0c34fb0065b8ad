//! Phone sync (DESIGN.md §3): push numbered commands, each applied exactly once; pull every
//! visible change since a cursor, paged, with removals and the client's last applied mutation.

use serde::{Deserialize, Serialize};

use crate::domain::{
    Automation, CannedReply, Command, Contact, Conversation, ConversationId, Event, Inbox, Message,
    Note, Rejection, Team, Template,
};

use super::directory::Colleague;

/// `POST /api/v1/sync/push`: a client's pending commands, in order, numbered 1, 2, 3 … for the
/// life of the installed client (its `client_id` is a UUID minted once per installed client).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Minted once per installed client (a UUID).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::domain::limits::schema::client_id))]
    pub client_id: String,
    /// At most 500, numbered one after another.
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub mutations: Vec<Mutation>,
}

/// One command and its number.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// 1, 2, 3 … for the life of the installed client.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub id: u64,
    pub command: Command,
}

/// What happened to each pushed command.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The highest mutation id of this client the server has consumed.
    pub last_mutation_id: u64,
    pub results: Vec<MutationResult>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutationResult {
    pub id: u64,
    pub outcome: MutationOutcome,
}

/// A consumed command: applied, or refused with the domain's reason (not retried; the next
/// pull restores the server's truth). A command pushed again answers its first outcome — or,
/// when that was consumed so long ago that its outcome is no longer kept, `unknown_outcome`:
/// it is done either way, and the next pull shows what it left.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MutationOutcome {
    Applied,
    Rejected {
        rejection: Rejection,
        /// The refusal in words, as the web view shows it: a phone that does not know the
        /// code still tells the person why (empty from servers before it was sent).
        #[serde(default)]
        message: String,
    },
    /// Consumed long ago; whether it was applied or refused is no longer kept. An outcome a
    /// newer server names that this build does not know reads as this too: the command is
    /// done, and the next pull shows what it left.
    #[serde(other)]
    UnknownOutcome,
}

/// `GET /api/v1/sync/pull` answers one page of this.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Where the next pull starts once `has_more` is false (the version this pull read up to).
    pub cursor: i64,
    /// Pass as `page` to continue this pull; present while `has_more`.
    pub next_page: Option<String>,
    pub has_more: bool,
    /// The client's last consumed mutation, as of the state returned: pending commands up to it
    /// are done (their results came with the push).
    pub last_mutation_id: u64,
    /// What the person may see changed since the cursor was given (who they are, their teams,
    /// the inboxes): drop the local copy and pull again from cursor 0.
    pub reset: bool,
    /// Conversations changed since the cursor that the person may see, as they are now.
    pub conversations: Vec<Conversation>,
    /// The customers of those conversations.
    pub contacts: Vec<Contact>,
    /// Messages, notes and timeline events of those conversations changed since the cursor.
    pub messages: Vec<Message>,
    pub notes: Vec<Note>,
    pub events: Vec<SyncedEvent>,
    /// Conversations changed since the cursor that the person may no longer see: delete them.
    pub removed: Vec<ConversationId>,
    /// The workspace as the person sees it, when any of it changed since the cursor.
    pub workspace: Option<WorkspaceCopy>,
}

/// A timeline event with its place.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncedEvent {
    pub version: i64,
    pub seq: i64,
    pub event: Event,
}

/// Colleagues, teams, inboxes, the templates and canned replies the person may use.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceCopy {
    pub members: Vec<Colleague>,
    pub teams: Vec<Team>,
    pub inboxes: Vec<Inbox>,
    pub templates: Vec<Template>,
    pub canned_replies: Vec<CannedReply>,
    /// The rules and bots set up in the workspace, so acts of automation are named (protocol
    /// 2; version 1 phones get them as colleagues instead).
    #[serde(default)]
    pub automations: Vec<Automation>,
    /// The label catalogue, switched-off labels too (history names them).
    #[serde(default)]
    pub labels: Vec<crate::domain::LabelDefinition>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A newer server may answer a pushed command with an outcome this phone does not know:
    /// it reads as "done, outcome unknown" (the next pull shows what it left), never as a
    /// failure of the whole push; a refusal from an older server, without words, still reads.
    #[test]
    fn an_outcome_from_a_newer_server_reads_as_done_with_its_outcome_unknown() {
        let newer: MutationOutcome =
            serde_json::from_str(r#"{"outcome":"deferred_to_supervisor","until":"tomorrow"}"#)
                .expect("decodes");
        assert_eq!(newer, MutationOutcome::UnknownOutcome);
        let older: MutationOutcome =
            serde_json::from_str(r#"{"outcome":"rejected","rejection":{"code":"window_closed"}}"#)
                .expect("decodes");
        assert!(
            matches!(older, MutationOutcome::Rejected { ref message, .. } if message.is_empty()),
            "{older:?}"
        );
    }
}
