//! A page of a queue view, with how many conversations each view holds.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::{
    ConversationId, InboxId, Label, Order, Priority, Status, TeamId, Timestamp, UserId, View,
};

/// `GET /api/v1/conversations` answers this.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuePage {
    pub view: View,
    pub sort: Order,
    /// Conversations in each view for this user (filters applied), keyed by view name.
    pub counts: BTreeMap<View, u64>,
    pub items: Vec<ConversationSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One row of the queue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub inbox: InboxId,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub status: Status,
    pub assignee: Option<UserId>,
    pub assignee_name: Option<String>,
    pub team: Option<TeamId>,
    pub priority: Priority,
    pub labels: BTreeSet<Label>,
    /// Since when the customer waits for an answer (`None`: nobody waits on us).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub awaiting_reply_since: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_inbound_at: Option<Timestamp>,
    /// When free-form replies stop being possible (`None`: the customer never wrote).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub window_closes_at: Option<Timestamp>,
    pub window_open: bool,
    pub escalation_pending: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub opened_at: Timestamp,
}
