//! The live stream (`GET /api/v1/events`, Server-Sent Events): one message per committed
//! change the user may see, its SSE id the change's version. A client that reconnects with
//! `Last-Event-ID: <version>` receives every later change once, none twice — unless it is too
//! far behind (or names a version the server never sent): then it gets one [`RESET_EVENT`]
//! instead of the replay, reloads what it shows (the web view its live regions, a phone
//! pulls), and the stream goes on live after the reset's version.

use serde::{Deserialize, Serialize};

use crate::domain::Event;

/// The SSE event name of a change.
pub const CHANGE_EVENT: &str = "change";

/// The SSE event name of a reset: what was missed is not replayed; reload, then follow.
pub const RESET_EVENT: &str = "reset";

/// The data of one SSE message: the events one committed change produced that this user may
/// see (messages as they stand now).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveChange {
    pub version: i64,
    pub events: Vec<Event>,
}

/// The data of a reset message (its SSE id is `version` too): the stream skipped to `version`
/// without replaying what came before; anything shown from before it may be out of date.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveReset {
    /// The version the stream goes on after.
    pub version: i64,
}
