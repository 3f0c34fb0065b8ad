//! What the app's screens show, as plain records and enums (Kotlin data classes, Swift structs).
//! Ids and times travel as text (UUIDs, RFC 3339). Messages read as every screen reads them
//! (`core::domain::reading`); who wrote a message or note and who did what on the timeline are
//! said in the web view's words (`core::domain::wording`, `Workspace::name_of`).

use relaydesk_core::client::{CannedChoice, OutboxState, Pending, SideFacts, Thread, ViewPage};
use relaydesk_core::domain::wording::Line;
use relaydesk_core::domain::{
    Availability, By, Conversation, DeliveryStatus, Direction, Escalation, EscalationTarget,
    Message, Order, Priority, Role, Severity, Status, Team, View, Wamid, reading,
};
use relaydesk_core::protocol::auth::UserInfo;
use relaydesk_core::protocol::directory::Colleague;

/// A slice of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QueueView {
    Unassigned,
    Mine,
    Team,
    Escalations,
    Waiting,
    Snoozed,
    Resolved,
    All,
}

impl From<QueueView> for View {
    fn from(view: QueueView) -> View {
        match view {
            QueueView::Unassigned => View::Unassigned,
            QueueView::Mine => View::Mine,
            QueueView::Team => View::Team,
            QueueView::Escalations => View::Escalations,
            QueueView::Waiting => View::Waiting,
            QueueView::Snoozed => View::Snoozed,
            QueueView::Resolved => View::Resolved,
            QueueView::All => View::All,
        }
    }
}

/// How a view is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QueueOrder {
    LongestWaiting,
    WindowClosingSoonest,
}

impl From<QueueOrder> for Order {
    fn from(order: QueueOrder) -> Order {
        match order {
            QueueOrder::LongestWaiting => Order::LongestWaiting,
            QueueOrder::WindowClosingSoonest => Order::WindowClosingSoonest,
        }
    }
}

/// A person's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MemberRole {
    Agent,
    Supervisor,
    Admin,
    /// A value from a newer server this app does not know: show a neutral word; never offer
    /// it as a choice (a command naming it is refused).
    Unknown,
}

impl From<Role> for MemberRole {
    fn from(role: Role) -> MemberRole {
        match role {
            Role::Agent => MemberRole::Agent,
            Role::Supervisor => MemberRole::Supervisor,
            Role::Admin => MemberRole::Admin,
            Role::Unknown => MemberRole::Unknown,
        }
    }
}

/// Where a conversation stands (a snooze's end is on the row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConversationStatus {
    Open,
    /// Waiting on the customer.
    Pending,
    Snoozed,
    Resolved,
    /// A value from a newer server this app does not know: show a neutral word; never offer
    /// it as a choice (a command naming it is refused).
    Unknown,
}

/// How urgent a conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConversationPriority {
    Low,
    Normal,
    High,
    Urgent,
    /// A value from a newer server this app does not know: show a neutral word; never offer
    /// it as a choice (a command naming it is refused).
    Unknown,
}

impl From<Priority> for ConversationPriority {
    fn from(priority: Priority) -> ConversationPriority {
        match priority {
            Priority::Low => ConversationPriority::Low,
            Priority::Normal => ConversationPriority::Normal,
            Priority::High => ConversationPriority::High,
            Priority::Urgent => ConversationPriority::Urgent,
            Priority::Unknown => ConversationPriority::Unknown,
        }
    }
}

impl From<ConversationPriority> for Priority {
    fn from(priority: ConversationPriority) -> Priority {
        match priority {
            ConversationPriority::Low => Priority::Low,
            ConversationPriority::Normal => Priority::Normal,
            ConversationPriority::High => Priority::High,
            ConversationPriority::Urgent => Priority::Urgent,
            ConversationPriority::Unknown => Priority::Unknown,
        }
    }
}

fn conversation_status(status: Status) -> ConversationStatus {
    match status {
        Status::Open => ConversationStatus::Open,
        Status::Pending => ConversationStatus::Pending,
        Status::Snoozed { .. } => ConversationStatus::Snoozed,
        Status::Resolved => ConversationStatus::Resolved,
        Status::Unknown => ConversationStatus::Unknown,
    }
}

fn snoozed_until(status: Status) -> Option<String> {
    match status {
        Status::Snoozed { until } => Some(until.to_rfc3339()),
        _ => None,
    }
}

/// Whether a person is taking work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MemberAvailability {
    /// At work and taking new conversations.
    Online,
    /// At work, not taking new ones for now.
    Away,
    /// Off shift.
    Offline,
    /// A value from a newer server this app does not know: show a neutral word; never offer
    /// it as a choice (a command naming it is refused).
    Unknown,
}

impl From<MemberAvailability> for Availability {
    fn from(availability: MemberAvailability) -> Availability {
        match availability {
            MemberAvailability::Online => Availability::Online,
            MemberAvailability::Away => Availability::Away,
            MemberAvailability::Offline => Availability::Offline,
            MemberAvailability::Unknown => Availability::Unknown,
        }
    }
}

impl From<Availability> for MemberAvailability {
    fn from(availability: Availability) -> MemberAvailability {
        match availability {
            Availability::Online => MemberAvailability::Online,
            Availability::Away => MemberAvailability::Away,
            Availability::Offline => MemberAvailability::Offline,
            Availability::Unknown => MemberAvailability::Unknown,
        }
    }
}

/// Where a conversation is handed or assigned: a colleague (as owner) or a team's queue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AssignTo {
    Person {
        person_id: String,
    },
    Team {
        team_id: String,
    },
    /// A value from a newer server this app does not know: show a neutral word; never offer
    /// it as a choice (a command naming it is refused).
    Unknown,
}

/// A colleague, to hand a conversation to or @mention.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ColleagueRow {
    pub id: String,
    pub name: String,
    pub handle: String,
    pub role: MemberRole,
    pub team_ids: Vec<String>,
    pub availability: MemberAvailability,
}

impl From<&Colleague> for ColleagueRow {
    fn from(c: &Colleague) -> ColleagueRow {
        ColleagueRow {
            id: c.id.to_string(),
            name: c.name.clone(),
            handle: c.handle.clone(),
            role: c.role.into(),
            team_ids: c.teams.iter().map(ToString::to_string).collect(),
            availability: c.availability.into(),
        }
    }
}

/// A team, to hand a conversation into its queue.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
}

impl From<&Team> for TeamRow {
    fn from(t: &Team) -> TeamRow {
        TeamRow {
            id: t.id.to_string(),
            name: t.name.clone(),
        }
    }
}

/// A canned reply offered in one conversation, filled with its values.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CannedReplyChoice {
    pub id: String,
    /// What is typed after `/` to find it.
    pub shortcut: String,
    pub title: String,
    /// Ready to send when `missing` is empty; else the body with its `{{variables}}` in.
    pub text: String,
    /// Variables this conversation has no value for (`contact.name` …): fill them in by hand.
    pub missing: Vec<String>,
}

impl From<CannedChoice> for CannedReplyChoice {
    fn from(c: CannedChoice) -> CannedReplyChoice {
        CannedReplyChoice {
            id: c.reply.id.to_string(),
            shortcut: c.reply.shortcut,
            title: c.reply.title,
            text: c.text,
            missing: c.missing,
        }
    }
}

/// An escalation waiting for a decision.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EscalationView {
    pub id: String,
    pub reason: String,
    pub severity: EscalationSeverity,
    pub requested_by_id: String,
    /// When it was asked for (RFC 3339).
    pub requested_at: String,
    /// Where it should go: a team's queue, or a person.
    pub target: AssignTo,
}

impl From<&Escalation> for EscalationView {
    fn from(e: &Escalation) -> EscalationView {
        EscalationView {
            id: e.id.to_string(),
            reason: e.reason.clone(),
            severity: e.severity.into(),
            requested_by_id: match e.requested_by {
                By::Member(id) => id.to_string(),
                By::Automation(automaton) => automaton.colleague_id().to_string(),
                _ => String::new(),
            },
            requested_at: e.requested_at.to_rfc3339(),
            target: match e.target {
                EscalationTarget::Team(team) => AssignTo::Team {
                    team_id: team.to_string(),
                },
                EscalationTarget::Person(person) => AssignTo::Person {
                    person_id: person.to_string(),
                },
                EscalationTarget::Unknown => AssignTo::Unknown,
            },
        }
    }
}

/// One of the customer's other conversations (on another of the workspace's numbers).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OtherConversation {
    pub conversation: ConversationRow,
    pub inbox_name: Option<String>,
}

/// What the conversation screen shows beside the thread.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SideFactsView {
    pub customer_name: Option<String>,
    /// The customer's WhatsApp number (digits), when known.
    pub customer_phone: Option<String>,
    pub inbox_name: Option<String>,
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub status: ConversationStatus,
    /// When a snooze ends (RFC 3339), while snoozed.
    pub snoozed_until: Option<String>,
    pub labels: Vec<String>,
    pub priority: ConversationPriority,
    pub escalation: Option<EscalationView>,
    pub other_conversations: Vec<OtherConversation>,
}

impl SideFactsView {
    /// `facts` as a record; `inbox_name` names an inbox of the workspace copy.
    pub(crate) fn read(
        facts: SideFacts,
        inbox_name: impl Fn(&Conversation) -> Option<String>,
    ) -> SideFactsView {
        SideFactsView {
            customer_name: facts.customer.as_ref().and_then(|c| c.profile_name.clone()),
            customer_phone: facts.customer.as_ref().and_then(|c| c.phone.clone()),
            inbox_name: facts.inbox.map(|i| i.name),
            team_id: facts.team.as_ref().map(|t| t.id.to_string()),
            team_name: facts.team.map(|t| t.name),
            owner_id: facts.owner.as_ref().map(|m| m.id.to_string()),
            owner_name: facts.owner.map(|m| m.name),
            status: conversation_status(facts.status),
            snoozed_until: snoozed_until(facts.status),
            labels: facts.labels.iter().map(|l| l.as_str().to_owned()).collect(),
            priority: facts.priority.into(),
            escalation: facts.escalation.as_ref().map(EscalationView::from),
            other_conversations: facts
                .other_conversations
                .iter()
                .map(|c| OtherConversation {
                    conversation: ConversationRow::from(c),
                    inbox_name: inbox_name(c),
                })
                .collect(),
        }
    }
}

/// How bad an escalated case is; the app lets the person choose (approval raises the
/// priority to match, as the request says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EscalationSeverity {
    Low,
    Medium,
    High,
    Critical,
    /// A value from a newer server this app does not know: show a neutral word; never offer
    /// it as a choice (a command naming it is refused).
    Unknown,
}

impl From<Severity> for EscalationSeverity {
    fn from(severity: Severity) -> EscalationSeverity {
        match severity {
            Severity::Low => EscalationSeverity::Low,
            Severity::Medium => EscalationSeverity::Medium,
            Severity::High => EscalationSeverity::High,
            Severity::Critical => EscalationSeverity::Critical,
            Severity::Unknown => EscalationSeverity::Unknown,
        }
    }
}

impl From<EscalationSeverity> for Severity {
    fn from(severity: EscalationSeverity) -> Severity {
        match severity {
            EscalationSeverity::Low => Severity::Low,
            EscalationSeverity::Medium => Severity::Medium,
            EscalationSeverity::High => Severity::High,
            EscalationSeverity::Critical => Severity::Critical,
            EscalationSeverity::Unknown => Severity::Unknown,
        }
    }
}

/// What WhatsApp has told us of one of our messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Delivery {
    Queued,
    Accepted,
    Sent,
    Delivered,
    Read,
    Failed,
    /// A state from a newer server this app does not know: show no ticks.
    Unknown,
}

impl From<&DeliveryStatus> for Delivery {
    fn from(status: &DeliveryStatus) -> Delivery {
        match status {
            DeliveryStatus::Queued => Delivery::Queued,
            DeliveryStatus::Accepted => Delivery::Accepted,
            DeliveryStatus::Sent => Delivery::Sent,
            DeliveryStatus::Delivered => Delivery::Delivered,
            DeliveryStatus::Read => Delivery::Read,
            DeliveryStatus::Failed { .. } => Delivery::Failed,
            DeliveryStatus::Unknown => Delivery::Unknown,
        }
    }
}

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: MemberRole,
    pub must_change_password: bool,
}

impl From<UserInfo> for Me {
    fn from(user: UserInfo) -> Me {
        Me {
            id: user.id.to_string(),
            name: user.name,
            email: user.email,
            role: user.role.into(),
            must_change_password: user.must_change_password,
        }
    }
}

/// One row of a view.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ConversationRow {
    pub id: String,
    pub status: ConversationStatus,
    /// When a snooze ends (RFC 3339), while snoozed.
    pub snoozed_until: Option<String>,
    pub assignee_id: Option<String>,
    pub priority: ConversationPriority,
    pub labels: Vec<String>,
    /// When the 24-hour window closes (RFC 3339), if the customer ever wrote.
    pub window_closes_at: Option<String>,
    pub escalation_pending: bool,
}

impl From<&Conversation> for ConversationRow {
    fn from(c: &Conversation) -> ConversationRow {
        ConversationRow {
            id: c.id.to_string(),
            status: conversation_status(c.status),
            snoozed_until: snoozed_until(c.status),
            assignee_id: c.assignee.map(|a| a.to_string()),
            priority: c.priority.into(),
            labels: c.labels.iter().map(|l| l.as_str().to_owned()).collect(),
            window_closes_at: c.window_closes_at().map(|t| t.to_rfc3339()),
            escalation_pending: c.pending_escalation().is_some(),
        }
    }
}

/// How many conversations a view holds.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ViewCount {
    pub view: QueueView,
    pub count: u64,
}

/// A page of a view, with the count of every view.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct QueuePage {
    pub counts: Vec<ViewCount>,
    pub conversations: Vec<ConversationRow>,
}

fn queue_view(view: View) -> QueueView {
    match view {
        View::Unassigned => QueueView::Unassigned,
        View::Mine => QueueView::Mine,
        View::Team => QueueView::Team,
        View::Escalations => QueueView::Escalations,
        View::Waiting => QueueView::Waiting,
        View::Snoozed => QueueView::Snoozed,
        View::Resolved => QueueView::Resolved,
        View::All => QueueView::All,
    }
}

impl From<ViewPage> for QueuePage {
    fn from(page: ViewPage) -> QueuePage {
        QueuePage {
            counts: page
                .counts
                .into_iter()
                .map(|(view, count)| ViewCount {
                    view: queue_view(view),
                    count,
                })
                .collect(),
            conversations: page
                .conversations
                .iter()
                .map(ConversationRow::from)
                .collect(),
        }
    }
}

/// One message of a thread, read the way every screen reads it (`core::domain::reading`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MessageRow {
    pub id: String,
    pub from_customer: bool,
    /// The words: text, caption, the option chosen, a template's preview; or a one-line
    /// summary ("[image]") when there are none.
    pub text: String,
    /// A label in front ("Photo", "Order", "Form answers", "Location" …).
    pub tag: Option<String>,
    /// Further lines: order items and total, a form's answers, a location, contact cards.
    pub lines: Vec<String>,
    /// Stands in for what cannot be shown ("The customer sent an unsupported message …").
    pub placeholder: Option<String>,
    /// How it travelled or where the customer came from ("Forwarded", "Came from an ad: …").
    pub marks: Vec<String>,
    /// The message it replies to, in a few words (or that it is not on this thread).
    pub quote: Option<String>,
    /// Our voice note was listened to.
    pub played: bool,
    /// A notice from WhatsApp (the customer changed number): show as a line, not a bubble.
    pub notice: Option<String>,
    /// When it was sent (a customer's message: when WhatsApp says the customer sent it).
    pub at: String,
    pub delivery: Delivery,
    /// Who sent one of ours: a colleague's name, or automation's ("rule 'Out of hours'");
    /// `None` for the customer's.
    pub author_name: Option<String>,
}

impl MessageRow {
    /// `m` as a row; `quoted` finds a quoted message on the same thread by WhatsApp id,
    /// `name` names its author.
    fn read(
        m: &Message,
        quoted: impl Fn(&Wamid) -> Option<String>,
        name: impl Fn(By) -> String,
    ) -> MessageRow {
        let read = reading::read(m);
        MessageRow {
            quote: read.quote_line(quoted),
            id: m.id.to_string(),
            from_customer: m.direction == Direction::Inbound,
            text: read.text.clone().unwrap_or_else(|| m.content.summary()),
            tag: read.tag,
            lines: read.lines,
            placeholder: read.placeholder,
            marks: read.marks,
            played: read.played,
            notice: reading::notice_line(&m.content),
            at: m.at.to_rfc3339(),
            delivery: Delivery::from(&m.delivery),
            author_name: m.author.map(name),
        }
    }
}

/// An internal note on a thread, with who wrote it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NoteRow {
    pub id: String,
    /// A colleague's name, or automation's ("rule 'Out of hours'").
    pub author_name: String,
    pub body: String,
    /// When it was written (RFC 3339).
    pub at: String,
}

/// One line of the thread's timeline: who did what, in the web view's words ("Ana claimed
/// it", "rule 'Out of hours' added label “after-hours”").
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TimelineLine {
    /// When it happened (RFC 3339).
    pub at: String,
    pub words: String,
}

impl From<Line> for TimelineLine {
    fn from(line: Line) -> TimelineLine {
        TimelineLine {
            at: line.at.to_rfc3339(),
            words: line.words,
        }
    }
}

/// One conversation on screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ThreadView {
    pub conversation: ConversationRow,
    pub customer_name: Option<String>,
    pub messages: Vec<MessageRow>,
    /// The notes, oldest first.
    pub notes: Vec<NoteRow>,
    /// Who did what (claims, handoffs, labels, status, escalations …), in the timeline's
    /// order; messages and notes are not lines.
    pub timeline: Vec<TimelineLine>,
    /// Seconds left for free-form replies (0: templates only).
    pub window_seconds_left: i64,
    /// The escalation waiting for a decision, if any (its id).
    pub pending_escalation_id: Option<String>,
}

impl From<Thread> for ThreadView {
    fn from(t: Thread) -> ThreadView {
        let name = |by: By| {
            t.authors
                .get(&by)
                .cloned()
                .unwrap_or_else(|| "someone".to_owned())
        };
        ThreadView {
            pending_escalation_id: t
                .conversation
                .pending_escalation()
                .map(|e| e.id.to_string()),
            conversation: ConversationRow::from(&t.conversation),
            customer_name: t.contact.and_then(|c| c.profile_name),
            messages: t
                .messages
                .iter()
                .map(|m| {
                    MessageRow::read(
                        m,
                        |wamid| {
                            t.messages
                                .iter()
                                .find(|other| other.wamid.as_ref() == Some(wamid))
                                .map(|other| reading::quote_words(&other.content))
                        },
                        name,
                    )
                })
                .collect(),
            notes: t
                .notes
                .iter()
                .map(|n| NoteRow {
                    id: n.id.to_string(),
                    author_name: name(n.author),
                    body: n.body.clone(),
                    at: n.at.to_rfc3339(),
                })
                .collect(),
            timeline: t.lines.into_iter().map(TimelineLine::from).collect(),
            window_seconds_left: t.window_seconds_left,
        }
    }
}

/// Where a command in the outbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CommandState {
    Queued,
    Sending,
    Applied,
    Rejected,
    /// Done long ago; the server no longer knows whether it was applied (the thread shows).
    Unknown,
}

/// A command in the outbox.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxItem {
    pub mutation_id: u64,
    /// What kind of command (`claim`, `reply`, `add_note` …).
    pub kind: String,
    pub state: CommandState,
    /// Why it was refused (`already_owned`, `window_closed` …).
    pub rejection_code: Option<String>,
    /// For a person: "already taken by Bruno".
    pub rejection_message: Option<String>,
}

impl From<Pending> for OutboxItem {
    fn from(p: Pending) -> OutboxItem {
        OutboxItem {
            mutation_id: p.mutation_id,
            kind: serde_json::to_value(&p.command)
                .ok()
                .and_then(|v| v["command"].as_str().map(str::to_owned))
                .unwrap_or_default(),
            state: match p.state {
                OutboxState::Queued => CommandState::Queued,
                OutboxState::Sending => CommandState::Sending,
                OutboxState::Applied => CommandState::Applied,
                OutboxState::Rejected => CommandState::Rejected,
                OutboxState::Unknown => CommandState::Unknown,
            },
            rejection_code: p.rejection.as_ref().map(|r| r.code().to_owned()),
            rejection_message: p.rejection.as_ref().map(ToString::to_string),
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncSummary {
    pub pushed: u64,
    pub applied: u64,
    pub rejected: u64,
}

/// Whether the live connection is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LiveState {
    Offline,
    Connecting,
    Live,
}
