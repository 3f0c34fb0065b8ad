//! Events: what happened, in the words of the timeline ("assigned Ana → Bruno by Carla
//! because …", "label added", "escalation approved"). A decision produces them; applying them
//! changes state; stored in order they are the conversation's history and the sync feed.

use serde::{Deserialize, Serialize};

use super::automation::Automaton;
use super::content::Referral;
use super::conversation::{Label, Priority, Status};
use super::delivery::DeliveryStatus;
use super::escalation::Escalation;
use super::ids::{
    ContactId, ConversationId, EscalationId, InboxId, MessageId, TeamId, UserId, Wamid,
};
use super::message::{Message, Note};
use super::people::Availability;
use super::tolerant::adjacently_tagged;
use super::window::Timestamp;

/// Who caused an event, wrote a note or a message, asked for or decided an escalation: a
/// member, the customer, WhatsApp, or automation ([`Automaton`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    tag = "kind",
    content = "id",
    rename_all = "snake_case"
)]
pub enum By {
    Member(UserId),
    Customer,
    WhatsApp,
    /// A rule, a bot, or Relaydesk on a timer.
    Automation(Automaton),
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    Unknown,
}

adjacently_tagged!(By, ["member", "customer", "whats_app", "automation"]);

impl From<super::command::Actor> for By {
    /// How the events of a command name who issued it.
    fn from(actor: super::command::Actor) -> By {
        use super::command::Actor;
        match actor {
            Actor::Member(id) => By::Member(id),
            Actor::WhatsApp => By::WhatsApp,
            Actor::Automation(automaton) => By::Automation(automaton),
        }
    }
}

impl By {
    /// The member, when a member did it.
    pub fn member(self) -> Option<UserId> {
        match self {
            By::Member(id) => Some(id),
            _ => None,
        }
    }
}

/// How a field naming who wrote something (a note's, a message's, an escalation's) reads on
/// the wire: a member as their id, as before actors grew (so a phone from then reads every
/// member-written item unchanged), anyone else as a [`By`] object. `#[serde(with)]`.
pub mod author {
    use std::fmt;

    use serde::de::{self, MapAccess, Visitor, value::MapAccessDeserializer};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::By;

    pub fn serialize<S: Serializer>(by: &By, serializer: S) -> Result<S::Ok, S::Error> {
        match by {
            By::Member(id) => id.serialize(serializer),
            other => other.serialize(serializer),
        }
    }

    /// A text is a member's id; an object is a [`By`] (read tolerantly). Read without
    /// buffering: authors are on every stored message and note.
    struct Author;

    impl<'de> Visitor<'de> for Author {
        type Value = By;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a member's id or an actor object")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<By, E> {
            text.parse()
                .map(By::Member)
                .map_err(|_| E::invalid_value(de::Unexpected::Str(text), &self))
        }

        fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<By, M::Error> {
            <By as Deserialize>::deserialize(MapAccessDeserializer::new(map))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<By, D::Error> {
        deserializer.deserialize_any(Author)
    }

    /// The same for an optional field.
    pub mod optional {
        use serde::{Deserialize, Deserializer, Serializer};

        use super::By;

        pub fn serialize<S: Serializer>(by: &Option<By>, serializer: S) -> Result<S::Ok, S::Error> {
            match by {
                Some(by) => super::serialize(by, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<By>, D::Error> {
            #[derive(Deserialize)]
            struct Field(#[serde(with = "super")] By);
            Ok(Option::<Field>::deserialize(deserializer)?.map(|Field(by)| by))
        }
    }

    /// Its OpenAPI shape: a member's id, or a [`By`] object.
    #[cfg(feature = "openapi")]
    pub fn schema() -> utoipa::openapi::Schema {
        use utoipa::openapi::schema::{
            KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
        };
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .description(Some("a member's id")),
            )
            .item(utoipa::openapi::Ref::from_schema_name("By"))
            .build()
            .into()
    }
}

/// How ownership changed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handover {
    /// Someone took an unassigned conversation.
    Claimed,
    /// Someone replied to an unassigned conversation, which claims it.
    ClaimedByReply,
    /// A supervisor or admin gave it to someone (or took it from someone).
    Assigned,
    /// The owner handed it on, with a note.
    HandedOff,
    /// It went back to the queue.
    Released,
    /// An approved escalation moved it.
    Escalated,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    #[serde(other)]
    Unknown,
}

/// One thing that happened.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The conversation whose timeline this belongs to (`None` for a member's availability).
    pub conversation: Option<ConversationId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    pub by: By,
    pub change: Change,
}

/// What changed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Change {
    ConversationOpened {
        inbox: InboxId,
        contact: ContactId,
        team: Option<TeamId>,
        referral: Option<Referral>,
    },
    /// A customer message arrived (the window restarts if its kind counts).
    CustomerMessageReceived {
        message: Box<Message>,
    },
    /// The customer reacted to one of our messages (`None` removes the reaction).
    ReactionChanged {
        message: MessageId,
        emoji: Option<String>,
    },
    /// An agent's reply entered the send queue.
    ReplyQueued {
        message: Box<Message>,
    },
    /// WhatsApp moved one of our messages forward (or failed it).
    DeliveryUpdated {
        message: MessageId,
        /// Set when this report taught us the message's wamid.
        wamid: Option<Wamid>,
        status: DeliveryStatus,
    },
    /// The customer played our voice note.
    Played {
        message: MessageId,
    },
    /// WhatsApp told us how it prices this message of ours (`service`, `utility` …): what a
    /// conversation costs is counted from these.
    Priced {
        message: MessageId,
        category: String,
    },
    /// A read receipt for this customer message entered the send queue.
    ReadReceiptQueued {
        message: MessageId,
    },
    /// WhatsApp cannot reach this customer (131026).
    ContactUnreachable {
        contact: ContactId,
    },
    AssignmentChanged {
        from: Option<UserId>,
        to: Option<UserId>,
        how: Handover,
        reason: Option<String>,
    },
    TeamChanged {
        from: Option<TeamId>,
        to: Option<TeamId>,
        reason: Option<String>,
    },
    NoteAdded {
        note: Note,
    },
    LabelAdded {
        label: Label,
    },
    LabelRemoved {
        label: Label,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    /// A snooze ran out and the conversation is open again (Relaydesk, on its timer).
    SnoozeEnded {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        until: Timestamp,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    EscalationRequested {
        escalation: Escalation,
    },
    EscalationApproved {
        escalation: EscalationId,
        note: Option<String>,
    },
    EscalationRejected {
        escalation: EscalationId,
        reason: String,
    },
    EscalationCancelled {
        escalation: EscalationId,
    },
    AvailabilityChanged {
        member: UserId,
        from: Availability,
        to: Availability,
    },
    /// A kind of change this build does not know, from a newer server: it changes nothing
    /// here and reads as a neutral line. This server never records it.
    #[serde(other)]
    Unknown,
}

/// The stored entities an event changes, so a store writes exactly those (and a phone knows
/// which rows of its copy to refresh).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    pub conversation: Option<ConversationId>,
    pub message: Option<MessageId>,
    pub note: Option<super::ids::NoteId>,
    pub contact: Option<ContactId>,
    pub member: Option<UserId>,
}

impl Event {
    /// What this event changes.
    pub fn touches(&self) -> Touched {
        let on_conversation = Touched {
            conversation: self.conversation,
            ..Touched::default()
        };
        match &self.change {
            Change::ConversationOpened { .. }
            | Change::AssignmentChanged { .. }
            | Change::TeamChanged { .. }
            | Change::LabelAdded { .. }
            | Change::LabelRemoved { .. }
            | Change::StatusChanged { .. }
            | Change::SnoozeEnded { .. }
            | Change::PriorityChanged { .. }
            | Change::EscalationRequested { .. }
            | Change::EscalationApproved { .. }
            | Change::EscalationRejected { .. }
            | Change::EscalationCancelled { .. } => on_conversation,
            // A customer message also moves the conversation's window.
            Change::CustomerMessageReceived { message } => Touched {
                message: Some(message.id),
                ..on_conversation
            },
            // A reply also ends the customer's wait for an answer.
            Change::ReplyQueued { message } => Touched {
                message: Some(message.id),
                ..on_conversation
            },
            Change::ReactionChanged { message, .. }
            | Change::DeliveryUpdated { message, .. }
            | Change::Played { message }
            | Change::Priced { message, .. }
            | Change::ReadReceiptQueued { message } => Touched {
                message: Some(*message),
                ..Touched::default()
            },
            Change::NoteAdded { note } => Touched {
                note: Some(note.id),
                ..Touched::default()
            },
            Change::ContactUnreachable { contact } => Touched {
                contact: Some(*contact),
                ..Touched::default()
            },
            Change::AvailabilityChanged { member, .. } => Touched {
                member: Some(*member),
                ..Touched::default()
            },
            // Unknown to this build: it touches nothing it can name.
            Change::Unknown => Touched::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A newer server records kinds of change this phone does not know (a rule fired, a timer
    /// ran out): the timeline still decodes, the unknown one reads as `Unknown` and changes
    /// nothing it could name, and the ones it knows decode as before.
    #[test]
    fn a_kind_of_change_from_a_newer_server_decodes_as_unknown() {
        let conversation = ConversationId::new();
        let from_newer = format!(
            r#"{{"conversation":"{conversation}","at":"2026-12-01T10:00:00Z","by":{{"kind":"customer"}},"change":{{"event":"rule_fired","rule":"Out of hours","actions":[1,2]}}}}"#
        );
        let event: Event = serde_json::from_str(&from_newer).expect("decodes");
        assert_eq!(event.change, Change::Unknown);
        assert_eq!(event.conversation, Some(conversation));
        assert_eq!(event.touches(), Touched::default());
        let known: Change =
            serde_json::from_str(r#"{"event":"label_added","label":"vip"}"#).expect("decodes");
        assert!(matches!(known, Change::LabelAdded { .. }));
    }
}
