//! Protocol v1, frozen: what `core/src/domain/` put on the wire at `fa32822` — people and teams
//! (`people.rs`), customers and numbers (`contact.rs`), the conversation (`conversation.rs`),
//! messages and notes (`message.rs`, `content.rs`, `delivery.rs`), escalations
//! (`escalation.rs`), timeline events (`event.rs`), templates and canned replies
//! (`template.rs`, `canned.rs`), refusals (`rejection.rs`) and the commands a phone pushes
//! (`command.rs`). Serde shape only; `Serialize` only where a push request needs it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{
    CannedReplyId, ContactId, ConversationId, EscalationId, InboxId, MessageId, NoteId, TeamId,
    TemplateId, UserId, Wamid,
};

/// An instant in UTC (`window.rs`).
pub type Timestamp = DateTime<Utc>;

// ---- people.rs ----

/// What a member may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

/// Whether a member is taking work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Online,
    Away,
    #[default]
    Offline,
}

/// A team sharing a queue.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
}

// ---- contact.rs ----

/// One WhatsApp business number and the teams whose queue it feeds.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Inbox {
    pub id: InboxId,
    pub name: String,
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub waba_id: String,
    pub teams: BTreeSet<TeamId>,
}

/// A customer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    pub profile_name: Option<String>,
    pub unreachable_on_whatsapp: bool,
}

// ---- conversation.rs ----

/// Where a conversation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Open,
    Pending,
    Snoozed { until: Timestamp },
    Resolved,
}

/// How urgent a conversation is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

/// A label on a conversation: v1 checked it as it decoded it (lowercase, trimmed, 1–50
/// characters of letters, digits, `-`, `_`, `:` and inner spaces), so this does too.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(pub String);

/// `MAX_LABEL_CHARS` of `limits.rs`.
const MAX_LABEL_CHARS: usize = 50;

impl TryFrom<String> for Label {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let label = raw.trim().to_lowercase();
        if label.is_empty() {
            return Err("a label cannot be empty".into());
        }
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(format!("a label has at most {MAX_LABEL_CHARS} characters"));
        }
        if !label
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | ' '))
        {
            return Err("a label may only hold letters, digits, spaces, '-', '_' and ':'".into());
        }
        Ok(Label(label))
    }
}

/// One support thread.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub status: Status,
    pub assignee: Option<UserId>,
    pub team: Option<TeamId>,
    pub priority: Priority,
    pub labels: BTreeSet<Label>,
    pub last_inbound_at: Option<Timestamp>,
    #[serde(default)]
    pub awaiting_reply_since: Option<Timestamp>,
    pub escalation: Option<Escalation>,
    pub opened_at: Timestamp,
}

// ---- message.rs ----

/// Which way a message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// A message on a thread.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub direction: Direction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wamid: Option<Wamid>,
    pub content: Content,
    #[serde(default, skip_serializing_if = "MessageContext::is_empty")]
    pub context: MessageContext,
    pub at: Timestamp,
    pub delivery: DeliveryStatus,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub played: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_by_us: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_category: Option<String>,
}

/// An internal note.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Note {
    pub id: NoteId,
    pub conversation_id: ConversationId,
    pub author: UserId,
    pub body: String,
    pub mentions: BTreeSet<UserId>,
    pub at: Timestamp,
}

// ---- content.rs ----

/// The body of a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    Text {
        body: String,
    },
    Media(Media),
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
        url: Option<String>,
    },
    Contacts {
        cards: Vec<SharedContact>,
    },
    InteractiveReply(InteractiveReply),
    TemplateButton {
        payload: String,
        text: String,
    },
    Reaction {
        target: Wamid,
        emoji: Option<String>,
    },
    Order {
        catalog_id: String,
        text: Option<String>,
        items: Vec<OrderItem>,
    },
    System {
        kind: String,
        body: String,
        new_phone: Option<String>,
        new_bsuid: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_phone: Option<String>,
    },
    RequestWelcome,
    Unsupported {
        whatsapp_type: String,
        error: Option<WhatsAppError>,
    },
    Template {
        name: String,
        language: String,
        params: TemplateParams,
        preview: String,
    },
}

/// Which kind of media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Audio,
    Video,
    Document,
    Sticker,
}

/// A media attachment as WhatsApp described it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub kind: MediaKind,
    pub whatsapp_media_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub voice: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub animated: bool,
}

/// One shared contact card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedContact {
    pub formatted_name: String,
    pub phones: Vec<SharedPhone>,
    pub emails: Vec<String>,
    pub organization: Option<String>,
}

/// A phone number on a shared card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedPhone {
    pub phone: String,
    pub wa_id: Option<String>,
    pub label: Option<String>,
}

/// A customer's choice in one of our interactive messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InteractiveReply {
    Button {
        id: String,
        title: String,
    },
    List {
        id: String,
        title: String,
        description: Option<String>,
    },
    Flow {
        name: Option<String>,
        body: Option<String>,
        response_json: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fields: Option<Vec<FlowField>>,
    },
}

/// One answer in a WhatsApp Flow's response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowField {
    pub name: String,
    pub value: String,
}

/// One line of a catalog order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub product_retailer_id: String,
    pub quantity: u32,
    pub item_price: f64,
    pub currency: String,
}

/// An error WhatsApp reported.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WhatsAppError {
    pub code: i64,
    pub title: String,
    pub details: Option<String>,
}

/// How an inbound message relates to others.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Wamid>,
    #[serde(default, skip_serializing_if = "Forwarded::is_no")]
    pub forwarded: Forwarded,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_product: Option<ReferredProduct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
}

impl Forwarded {
    /// Called by `MessageContext`'s `skip_serializing_if`.
    fn is_no(&self) -> bool {
        *self == Forwarded::No
    }
}

/// Whether the customer forwarded this message.
#[allow(clippy::enum_variant_names)] // the wire's words, as v1 had them
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Forwarded {
    #[default]
    No,
    Forwarded,
    FrequentlyForwarded,
}

/// A catalog product a message refers to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferredProduct {
    pub catalog_id: String,
    pub product_retailer_id: String,
}

/// Click-to-WhatsApp ad attribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub source_id: Option<String>,
    pub source_type: Option<String>,
    pub source_url: Option<String>,
    pub headline: Option<String>,
    pub body: Option<String>,
    pub ctwa_clid: Option<String>,
}

// ---- delivery.rs ----

/// Where an outbound message stands.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeliveryStatus {
    Queued,
    Accepted,
    Sent,
    Delivered,
    Read,
    Failed { error: WhatsAppError },
}

/// One report about an outbound message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum DeliveryReport {
    Status { status: DeliveryStatus },
    Played,
}

// ---- escalation.rs ----

/// How bad it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// Where the case should go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum EscalationTarget {
    Team(TeamId),
    Person(UserId),
}

/// Where an escalation stands.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EscalationState {
    Requested,
    Approved {
        by: UserId,
        at: Timestamp,
        note: Option<String>,
    },
    Rejected {
        by: UserId,
        at: Timestamp,
        reason: String,
    },
    Cancelled {
        by: UserId,
        at: Timestamp,
    },
}

/// One escalation of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Escalation {
    pub id: EscalationId,
    pub conversation_id: ConversationId,
    pub requested_by: UserId,
    pub requested_at: Timestamp,
    pub reason: String,
    pub severity: Severity,
    pub target: EscalationTarget,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raises_priority_to: Option<Priority>,
    pub state: EscalationState,
}

// ---- event.rs ----

/// Who caused an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum By {
    Member(UserId),
    Customer,
    WhatsApp,
}

/// How ownership changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handover {
    Claimed,
    ClaimedByReply,
    Assigned,
    HandedOff,
    Released,
    Escalated,
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Event {
    pub conversation: Option<ConversationId>,
    pub at: Timestamp,
    pub by: By,
    pub change: Change,
}

/// What changed.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Change {
    ConversationOpened {
        inbox: InboxId,
        contact: ContactId,
        team: Option<TeamId>,
        referral: Option<Referral>,
    },
    CustomerMessageReceived {
        message: Box<Message>,
    },
    ReactionChanged {
        message: MessageId,
        emoji: Option<String>,
    },
    ReplyQueued {
        message: Box<Message>,
    },
    DeliveryUpdated {
        message: MessageId,
        wamid: Option<Wamid>,
        status: DeliveryStatus,
    },
    Played {
        message: MessageId,
    },
    Priced {
        message: MessageId,
        category: String,
    },
    ReadReceiptQueued {
        message: MessageId,
    },
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
}

// ---- template.rs ----

/// Values for a template's slots, keyed `"<component>.<slot>"`.
pub type TemplateParams = BTreeMap<String, String>;

/// Meta's review state of a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateStatus {
    Approved,
    Pending,
    Rejected,
    Paused,
    Disabled,
}

/// Meta's pricing category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateCategory {
    Marketing,
    Utility,
    Authentication,
}

/// A button of a template.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemplateButton {
    QuickReply { text: String },
    Url { text: String, url: String },
    PhoneNumber { text: String, phone: String },
}

/// One template in one language.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Template {
    pub id: TemplateId,
    pub waba_id: String,
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub status: TemplateStatus,
    pub header: Option<String>,
    pub body: String,
    pub footer: Option<String>,
    pub buttons: Vec<TemplateButton>,
}

// ---- canned.rs ----

/// Who may use a canned reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum CannedScope {
    Team(TeamId),
    Personal(UserId),
}

/// A saved reply.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CannedReply {
    pub id: CannedReplyId,
    pub shortcut: String,
    pub title: String,
    pub body: String,
    pub scope: CannedScope,
}

// ---- rejection.rs ----

/// What kind of thing was not found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Conversation,
    Message,
    Escalation,
    Member,
    Team,
    Inbox,
    Contact,
    Template,
}

/// A refused command.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Rejection {
    NotFound {
        what: Entity,
        id: String,
    },
    Forbidden {
        reason: String,
    },
    AlreadyOwned {
        owner: UserId,
        owner_name: String,
    },
    NotOwner {
        owner: UserId,
        owner_name: String,
    },
    WindowClosed {
        closed_at: Option<Timestamp>,
    },
    Invalid {
        field: String,
        reason: String,
    },
    HandoffNoteRequired,
    ReasonRequired,
    EscalationPending {
        escalation: EscalationId,
    },
    EscalationClosed {
        escalation: EscalationId,
        state: String,
    },
}

// ---- command.rs ----

/// Where a conversation is being assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AssignTarget {
    Agent(UserId),
    Team(TeamId),
}

/// A note left for the next person when ownership changes hands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffNote {
    pub id: NoteId,
    pub body: String,
}

/// What an agent sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReplyBody {
    Text {
        text: String,
    },
    Template {
        name: String,
        language: String,
        params: TemplateParams,
    },
    Media {
        kind: MediaKind,
        whatsapp_media_id: String,
        caption: Option<String>,
        filename: Option<String>,
    },
    Reaction {
        to: MessageId,
        emoji: Option<String>,
    },
}

/// A customer's message as WhatsApp delivered it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub inbox: InboxId,
    pub contact: ContactId,
    pub new_conversation: ConversationId,
    pub message_id: MessageId,
    pub wamid: Wamid,
    pub sent_at: Timestamp,
    pub content: Content,
    pub context: MessageContext,
}

/// Which outbound message a delivery report is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRef {
    pub ours: Option<MessageId>,
    pub wamid: Option<Wamid>,
}

/// Every change of state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Claim {
        conversation: ConversationId,
    },
    Assign {
        conversation: ConversationId,
        to: AssignTarget,
        reason: Option<String>,
        note: Option<HandoffNote>,
    },
    Release {
        conversation: ConversationId,
        note: Option<HandoffNote>,
        reason: Option<String>,
    },
    Reply {
        conversation: ConversationId,
        message: MessageId,
        body: ReplyBody,
        in_reply_to: Option<MessageId>,
    },
    AddNote {
        conversation: ConversationId,
        note: NoteId,
        body: String,
    },
    AddLabel {
        conversation: ConversationId,
        label: String,
    },
    RemoveLabel {
        conversation: ConversationId,
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
        reason: String,
        severity: Severity,
        target: EscalationTarget,
    },
    ApproveEscalation {
        escalation: EscalationId,
        note: Option<String>,
    },
    RejectEscalation {
        escalation: EscalationId,
        reason: String,
    },
    CancelEscalation {
        escalation: EscalationId,
    },
    MarkRead {
        conversation: ConversationId,
        message: MessageId,
    },
    SetAvailability {
        availability: Availability,
    },
    ReceiveCustomerMessage(Box<InboundMessage>),
    RecordDelivery {
        message: MessageRef,
        wamid: Option<Wamid>,
        report: DeliveryReport,
        at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pricing_category: Option<String>,
    },
}
