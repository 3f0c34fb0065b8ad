//! Protocol v1, frozen: identifiers as `core/src/domain/ids.rs` put them on the wire at
//! `fa32822` — each a UUID (a `String` for WhatsApp's `wamid`), `#[serde(transparent)]`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
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
    /// A customer.
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

/// WhatsApp's own id of a message (`wamid.…`), opaque.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Wamid(pub String);
