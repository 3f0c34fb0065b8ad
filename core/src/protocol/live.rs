//! The live stream (`GET /api/v1/events`, Server-Sent Events): one message per committed
//! change the user may see, its SSE id the change's version. A client that reconnects with
//! `Last-Event-ID: <version>` receives every later change once, none twice.

use serde::{Deserialize, Serialize};

use crate::domain::Event;

/// The SSE event name of a change.
pub const CHANGE_EVENT: &str = "change";

/// The data of one SSE message: the events one committed change produced that this user may
/// see (messages as they stand now).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveChange {
    pub version: i64,
    pub events: Vec<Event>,
}
