//! Who is who, for every signed-in person: colleagues (to assign and @mention), teams and
//! inboxes by name. No emails, no credentials.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::domain::{Availability, InboxId, Role, Team, TeamId, UserId};

/// `GET /api/v1/directory`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub members: Vec<Colleague>,
    pub teams: Vec<Team>,
    /// Inbox names by id.
    pub inboxes: BTreeMap<InboxId, String>,
}

/// A colleague as others see them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleague {
    pub id: UserId,
    pub name: String,
    pub handle: String,
    pub role: Role,
    pub teams: BTreeSet<TeamId>,
    pub availability: Availability,
}
