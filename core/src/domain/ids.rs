//! Identifiers of everything Relaydesk tracks.
//!
//! Every id is a UUIDv7: time-ordered (good for B-tree indexes and for "newest first" without a
//! second column) and mintable offline, so a phone can create a note or a reply while out of
//! coverage and the same id later serves as its idempotency key on the server. Each kind of id
//! is its own type so a `UserId` can never be passed where a `ConversationId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Mints a new, time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an id read from storage or from the wire.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID, for storage and the wire.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A person who works in Relaydesk: agent, supervisor or admin.
    UserId
);
id_type!(
    /// A team of people sharing a queue.
    TeamId
);
id_type!(
    /// One WhatsApp business number and its queue.
    InboxId
);
id_type!(
    /// A customer, known by our own id whatever WhatsApp identifiers they arrive with.
    ContactId
);
id_type!(
    /// One support thread with one customer on one inbox.
    ConversationId
);
id_type!(
    /// A message on a thread, inbound or outbound.
    MessageId
);
id_type!(
    /// An internal note on a thread.
    NoteId
);
id_type!(
    /// A request to move a thread to someone with more authority or skill.
    EscalationId
);
id_type!(
    /// A saved reply agents can insert.
    CannedReplyId
);
id_type!(
    /// A WhatsApp message template known to an inbox.
    TemplateId
);
id_type!(
    /// A label of the workspace's catalogue (`refund`, `vip`): conversations refer to it.
    LabelId
);
id_type!(
    /// An automation rule ("Out of hours": when …, do …).
    RuleId
);
id_type!(
    /// A bot account acting on the desk through the API (never a member).
    BotId
);

/// WhatsApp's own id of a message (`wamid.…`): opaque, unique, the key that makes inbound
/// webhooks and delivery statuses idempotent.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Wamid(String);

impl Wamid {
    /// Wraps WhatsApp's message id exactly as received (it is never parsed).
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The id as WhatsApp sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Wamid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Wamid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Wamid({})", self.0)
    }
}
