//! Protocol v1, frozen: the live stream's messages (`GET /api/v1/events`) as
//! `core/src/protocol/live.rs` put them on the wire at `fa32822`.

use serde::Deserialize;

use super::domain::Event;

/// The SSE event name of a change.
pub const CHANGE_EVENT: &str = "change";

/// The SSE event name of a reset.
pub const RESET_EVENT: &str = "reset";

/// The data of one `change` message.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct LiveChange {
    pub version: i64,
    pub events: Vec<Event>,
}

/// The data of a `reset` message.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LiveReset {
    pub version: i64,
}
