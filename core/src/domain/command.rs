//! Commands: every change anyone (or WhatsApp) can ask for. REST handlers, web-view forms and
//! phone sync pushes all build one of these and hand it to [`super::decide`]; nothing changes
//! state any other way.
//!
//! Commands that create something carry the id of what they create, minted by the caller
//! (a phone mints it offline): the id doubles as the idempotency key, so a retried command
//! never creates twice.

use serde::{Deserialize, Serialize};

use super::content::{Content, MediaKind, MessageContext};
use super::conversation::{Priority, Status};
use super::delivery::DeliveryReport;
use super::escalation::{EscalationTarget, Severity};
use super::ids::{
    ContactId, ConversationId, EscalationId, InboxId, MessageId, NoteId, TeamId, UserId, Wamid,
};
use super::people::Availability;
use super::template::TemplateParams;
use super::window::Timestamp;

/// Who issues a command.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A signed-in member; their role and teams are read from the workspace at decision time.
    Member(UserId),
    /// WhatsApp, through the signed webhook or the send queue: customer messages and delivery
    /// reports, nothing else.
    WhatsApp,
    /// A rule, a bot or Relaydesk on a timer, within what automation may do
    /// ([`super::automation_may`]).
    Automation(super::automation::Automaton),
}

/// Where a conversation is being assigned.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AssignTarget {
    /// To this person as owner (the team stays).
    Agent(UserId),
    /// Into this team's queue, unassigned.
    Team(TeamId),
}

/// A note left for the next person when ownership changes hands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffNote {
    pub id: NoteId,
    #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::note))]
    pub body: String,
}

/// What an agent sends.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReplyBody {
    /// Free text: only inside the 24-hour window.
    Text {
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::reply_text))]
        text: String,
    },
    /// An approved template: allowed at any time.
    Template {
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::template_name))]
        name: String,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::language))]
        language: String,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::template_params))]
        params: TemplateParams,
    },
    /// A file already uploaded to WhatsApp (its media id): only inside the window. Audio and
    /// stickers take no caption; a document keeps its file name.
    Media {
        kind: MediaKind,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::media_id))]
        whatsapp_media_id: String,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::caption))]
        caption: Option<String>,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::file_name))]
        filename: Option<String>,
    },
    /// A reaction to one of the customer's messages (`None` removes ours): only inside the
    /// window.
    Reaction {
        to: MessageId,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::emoji))]
        emoji: Option<String>,
    },
}

/// A customer's message as WhatsApp delivered it, with the contact already recognised.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub inbox: InboxId,
    pub contact: ContactId,
    /// Used only if the contact has no conversation on this inbox yet.
    pub new_conversation: ConversationId,
    pub message_id: MessageId,
    pub wamid: Wamid,
    /// WhatsApp's timestamp of the message.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub sent_at: Timestamp,
    pub content: Content,
    pub context: MessageContext,
}

/// Which outbound message a delivery report is about: WhatsApp names it by wamid; our send
/// also carries our own id (`biz_opaque_callback_data`), which identifies it even when the
/// report overtakes the send call that returns the wamid.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRef {
    pub ours: Option<MessageId>,
    pub wamid: Option<Wamid>,
}

/// Every change of state.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Take an unassigned conversation.
    Claim {
        conversation: ConversationId,
    },
    /// Give a conversation to someone or to a team. A `reason` is required when taking it
    /// away from its owner, a `note` when the owner hands it on.
    Assign {
        conversation: ConversationId,
        to: AssignTarget,
        /// Required when taking it away from its owner.
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::optional_reason))]
        reason: Option<String>,
        /// Required when the owner hands it on.
        note: Option<HandoffNote>,
    },
    /// Put a conversation back in its team's queue. The owner leaves a `note`; a supervisor
    /// releasing someone else's gives a `reason`.
    Release {
        conversation: ConversationId,
        /// Required from the owner (it is a handoff to whoever takes it next).
        note: Option<HandoffNote>,
        /// Required when a supervisor releases someone else's conversation.
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::optional_reason))]
        reason: Option<String>,
    },
    /// Send something to the customer.
    Reply {
        conversation: ConversationId,
        message: MessageId,
        body: ReplyBody,
        /// A message of the thread this one answers (quoted on WhatsApp).
        in_reply_to: Option<MessageId>,
    },
    /// Leave an internal note; `@handle` mentions are found in the body.
    AddNote {
        conversation: ConversationId,
        note: NoteId,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::note))]
        body: String,
    },
    AddLabel {
        conversation: ConversationId,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::label))]
        label: String,
    },
    RemoveLabel {
        conversation: ConversationId,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::label))]
        label: String,
    },
    SetStatus {
        conversation: ConversationId,
        status: Status,
    },
    SetPriority {
        conversation: ConversationId,
        priority: Priority,
    },
    RequestEscalation {
        conversation: ConversationId,
        escalation: EscalationId,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::reason))]
        reason: String,
        severity: Severity,
        target: EscalationTarget,
    },
    ApproveEscalation {
        escalation: EscalationId,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::optional_reason))]
        note: Option<String>,
    },
    RejectEscalation {
        escalation: EscalationId,
        #[cfg_attr(feature = "openapi", schema(schema_with = super::limits::schema::reason))]
        reason: String,
    },
    CancelEscalation {
        escalation: EscalationId,
    },
    /// Tell the customer their message was read (blue ticks; earlier messages too).
    MarkRead {
        conversation: ConversationId,
        message: MessageId,
    },
    /// Set one's own availability.
    SetAvailability {
        availability: Availability,
    },
    /// A snooze ran out: the conversation snoozed until `until` comes back to the queue. Only
    /// Relaydesk issues it, on its timer ([`super::Timer`]); a person ends a snooze early by
    /// setting the status.
    EndSnooze {
        conversation: ConversationId,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        until: Timestamp,
    },
    /// A customer wrote (from the webhook).
    ReceiveCustomerMessage(Box<InboundMessage>),
    /// WhatsApp reported on one of our messages (from the webhook or the send queue).
    RecordDelivery {
        message: MessageRef,
        /// The wamid, when this report teaches it (the send call's answer).
        wamid: Option<Wamid>,
        report: DeliveryReport,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        at: Timestamp,
        /// Meta's pricing category for the message (`service`, `utility`, `marketing` …), when
        /// the report carries one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pricing_category: Option<String>,
    },
}

/// What part of the desk a command reads, so a store knows what to load before deciding:
/// the workspace, plus each item named here that exists, plus the conversation of every
/// conversation-scoped item loaded (a message's, a note's, an escalation's), plus — when
/// `contacts` says so — the contact of every conversation loaded. A desk loaded this way decides exactly as the whole desk would (a property
/// test holds every command to that).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    pub conversation: Option<ConversationId>,
    pub escalation: Option<EscalationId>,
    /// Messages by our id (an idempotency key, a reply target, a delivery report's target).
    pub messages: Vec<MessageId>,
    /// Messages by WhatsApp id (inbound duplicates, reaction targets, delivery reports).
    pub wamids: Vec<Wamid>,
    pub note: Option<NoteId>,
    /// The contact's latest conversation on that inbox (inbound messages).
    pub contact_conversation: Option<(InboxId, ContactId)>,
    /// Whether the contacts of the loaded conversations are needed too (a reply is addressed
    /// to one; a delivery report may flag one as unreachable).
    pub contacts: bool,
}

impl Command {
    /// The field naming a value this build does not know (an `Unknown` read from the wire),
    /// if any: such a command is refused, never decided. Reading is tolerant so a phone
    /// survives a newer server; deciding is not.
    pub fn unknown_value(&self) -> Option<&'static str> {
        use Command::*;
        match self {
            SetStatus { status, .. } if *status == Status::Unknown => Some("status"),
            SetPriority { priority, .. } if *priority == Priority::Unknown => Some("priority"),
            RequestEscalation { severity, .. } if *severity == Severity::Unknown => {
                Some("severity")
            }
            RequestEscalation { target, .. } if *target == EscalationTarget::Unknown => {
                Some("target")
            }
            SetAvailability { availability } if *availability == Availability::Unknown => {
                Some("availability")
            }
            Reply {
                body: ReplyBody::Media { kind, .. },
                ..
            } if *kind == MediaKind::Unknown => Some("body.kind"),
            ReceiveCustomerMessage(inbound) if inbound.content == Content::Unknown => {
                Some("content")
            }
            RecordDelivery {
                report: DeliveryReport::Status { status },
                ..
            } if *status == super::delivery::DeliveryStatus::Unknown => Some("report.status"),
            _ => None,
        }
    }

    /// What must be loaded into a [`super::Desk`] for [`super::decide`] to see the truth.
    pub fn needs(&self) -> Needs {
        use Command::*;
        let mut needs = Needs::default();
        match self {
            Claim { conversation }
            | AddLabel { conversation, .. }
            | RemoveLabel { conversation, .. }
            | SetStatus { conversation, .. }
            | EndSnooze { conversation, .. }
            | SetPriority { conversation, .. } => needs.conversation = Some(*conversation),
            RequestEscalation {
                conversation,
                escalation,
                ..
            } => {
                // The escalation's id too: it must not already name another conversation's.
                needs.conversation = Some(*conversation);
                needs.escalation = Some(*escalation);
            }
            Assign {
                conversation, note, ..
            }
            | Release {
                conversation, note, ..
            } => {
                needs.conversation = Some(*conversation);
                needs.note = note.as_ref().map(|n| n.id);
            }
            Reply {
                conversation,
                message,
                in_reply_to,
                body,
            } => {
                // The customer's contact: the send queue addresses the reply to it.
                needs.contacts = true;
                needs.conversation = Some(*conversation);
                needs.messages.push(*message);
                needs.messages.extend(*in_reply_to);
                if let ReplyBody::Reaction { to, .. } = body {
                    needs.messages.push(*to);
                }
            }
            AddNote {
                conversation, note, ..
            } => {
                needs.conversation = Some(*conversation);
                needs.note = Some(*note);
            }
            MarkRead {
                conversation,
                message,
            } => {
                needs.conversation = Some(*conversation);
                needs.messages.push(*message);
            }
            ApproveEscalation { escalation, .. }
            | RejectEscalation { escalation, .. }
            | CancelEscalation { escalation } => needs.escalation = Some(*escalation),
            SetAvailability { .. } => {}
            ReceiveCustomerMessage(inbound) => {
                // Only the wamid can repeat: our id for an inbound message is minted when it
                // arrives.
                needs.contact_conversation = Some((inbound.inbox, inbound.contact));
                needs.wamids.push(inbound.wamid.clone());
                if let Content::Reaction { target, .. } = &inbound.content {
                    needs.wamids.push(target.clone());
                }
            }
            RecordDelivery { message, wamid, .. } => {
                needs.contacts = true;
                needs.messages.extend(message.ours);
                needs
                    .wamids
                    .extend(message.wamid.iter().chain(wamid).cloned());
            }
        }
        needs
    }
}
