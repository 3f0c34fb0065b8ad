//! Who did what on a conversation's timeline, in words: "Ana claimed it", "Assigned Ana → Bo
//! by Sara because: …", "rule 'Out of hours' added label “after-hours”". Pure and shared: the
//! web view's timeline and the phone's records say each change the same way, naming every
//! actor through [`Workspace::name_of`].
//!
//! Messages and notes are not lines (each screen lays them out as itself, with their author's
//! name); nor are delivery ticks, which sit on their message. What an approved escalation
//! carries out is said as part of the escalation ([`Narrator`]), not as the approver's acts.

use chrono::{DateTime, Utc};

use super::conversation::Status;
use super::escalation::{EscalationTarget, Severity};
use super::event::{By, Change, Event, Handover};
use super::ids::{TeamId, UserId};
use super::window::Timestamp;
use super::workspace::Workspace;

/// One line of a timeline: when it happened ([`Event::happened_at`]) and what, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub at: Timestamp,
    pub words: String,
}

/// Says a timeline's changes one after another, in its order, remembering the escalation
/// approved last: the moves recorded with an approval are said as the escalation's.
#[derive(Clone, Debug, Default)]
pub struct Narrator {
    /// The version that recorded the latest approval.
    approval: Option<i64>,
}

impl Narrator {
    /// The line for `event`, recorded at `version` (`None` for a change the timeline shows
    /// elsewhere). Give it every event of the timeline in order, messages and notes included.
    pub fn line(&mut self, workspace: &Workspace, version: i64, event: &Event) -> Option<String> {
        let of_approval = self.approval == Some(version);
        if matches!(event.change, Change::EscalationApproved { .. }) {
            self.approval = Some(version);
        }
        event_line(workspace, &event.by, &event.change, of_approval)
    }

    /// The lines of a whole timeline, given in its order with each event's version.
    pub fn lines<'a>(
        workspace: &Workspace,
        timeline: impl IntoIterator<Item = (i64, &'a Event)>,
    ) -> Vec<Line> {
        let mut narrator = Narrator::default();
        timeline
            .into_iter()
            .filter_map(|(version, event)| {
                narrator.line(workspace, version, event).map(|words| Line {
                    at: event.happened_at(),
                    words,
                })
            })
            .collect()
    }
}

/// A member's name, or "nobody".
pub fn nobody_or(workspace: &Workspace, id: Option<UserId>) -> String {
    id.map_or_else(
        || "nobody".to_owned(),
        |id| workspace.name_of(By::Member(id)),
    )
}

/// A team's name, or "no team".
pub fn team_name(workspace: &Workspace, id: Option<TeamId>) -> String {
    id.and_then(|t| workspace.teams.get(&t))
        .map_or_else(|| "no team".to_owned(), |t| t.name.clone())
}

/// "low", "medium", "high", "critical".
pub fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
        Severity::Unknown => "unknown",
    }
}

/// "open", "pending", "snoozed until 26 Nov 14:00 UTC", "resolved".
pub fn status_words(status: Status, now: Timestamp) -> String {
    match status.at(now) {
        Status::Snoozed { until } => format!("snoozed until {}", until.format("%d %b %H:%M UTC")),
        other => other.as_str().to_owned(),
    }
}

/// Where an escalation should go: "team Returns", a person's name.
pub fn target_words(workspace: &Workspace, target: &EscalationTarget) -> String {
    match target {
        EscalationTarget::Team(team) => format!("team {}", team_name(workspace, Some(*team))),
        EscalationTarget::Person(person) => workspace.name_of(By::Member(*person)),
        EscalationTarget::Unknown => "somewhere this server does not know".to_owned(),
    }
}

/// " because: …" when a reason was given.
fn because(reason: &Option<String>) -> String {
    reason
        .as_ref()
        .filter(|r| !r.trim().is_empty())
        .map(|r| format!(" because: {r}"))
        .unwrap_or_default()
}

/// One line of the timeline for a change that is not a message or note ("Bo Chen claimed it").
/// `None` for changes the timeline shows elsewhere (delivery ticks sit on their message).
/// `of_approval`: the change carries out an escalation just approved — it is said as part of
/// the escalation, not as a separate act of the approver, and without the reason again.
pub fn event_line(
    workspace: &Workspace,
    actor: &By,
    change: &Change,
    of_approval: bool,
) -> Option<String> {
    if of_approval && let Some(line) = escalation_step(workspace, change) {
        return Some(line);
    }
    let who = workspace.name_of(*actor);
    Some(match change {
        Change::ConversationOpened { .. } => "Conversation opened".to_owned(),
        Change::AssignmentChanged {
            from,
            to,
            how,
            reason,
        } => match how {
            Handover::Claimed => format!("{who} claimed it"),
            Handover::ClaimedByReply => format!("{who} claimed it by replying"),
            Handover::Released => format!(
                "{who} released it ({} → nobody){}",
                nobody_or(workspace, *from),
                because(reason)
            ),
            Handover::HandedOff => format!(
                "{who} handed it off: {} → {}",
                nobody_or(workspace, *from),
                nobody_or(workspace, *to)
            ),
            Handover::Assigned | Handover::Escalated => format!(
                "{} {} → {} by {who}{}",
                if *how == Handover::Escalated {
                    "Escalated:"
                } else {
                    "Assigned"
                },
                nobody_or(workspace, *from),
                nobody_or(workspace, *to),
                because(reason)
            ),
            Handover::Unknown => format!(
                "Owner changed: {} → {} by {who}{}",
                nobody_or(workspace, *from),
                nobody_or(workspace, *to),
                because(reason)
            ),
        },
        Change::TeamChanged { from, to, reason } => format!(
            "Moved from {} to {} by {who}{}",
            team_name(workspace, *from),
            team_name(workspace, *to),
            because(reason)
        ),
        Change::LabelAdded { label } => format!("{who} added label “{}”", label.as_str()),
        Change::LabelRemoved { label } => format!("{who} removed label “{}”", label.as_str()),
        Change::StatusChanged { from, to } => format!(
            "{who} changed the status: {} → {}",
            status_words(*from, DateTime::<Utc>::MIN_UTC),
            status_words(*to, DateTime::<Utc>::MIN_UTC)
        ),
        Change::SnoozeEnded { until } => format!(
            "The snooze until {} ended: back in the queue",
            until.format("%d %b %H:%M UTC")
        ),
        Change::PriorityChanged { from, to } => format!(
            "{who} changed the priority: {} → {}",
            from.as_str(),
            to.as_str()
        ),
        Change::EscalationRequested { escalation } => format!(
            "{who} asked to escalate to {} ({} severity{}) because: {}",
            target_words(workspace, &escalation.target),
            severity_word(escalation.severity),
            escalation
                .raises_priority_to
                .map(|p| format!("; approval makes it {} priority", p.as_str()))
                .unwrap_or_default(),
            escalation.reason
        ),
        Change::EscalationApproved { note, .. } => format!(
            "{who} approved the escalation{}",
            note.as_ref()
                .filter(|n| !n.trim().is_empty())
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ),
        Change::EscalationRejected { reason, .. } => {
            format!("{who} rejected the escalation: {reason}")
        }
        Change::EscalationCancelled { .. } => format!("{who} withdrew the escalation"),
        Change::ContactUnreachable { .. } => {
            "WhatsApp cannot reach this customer: contact them another way".to_owned()
        }
        Change::AvailabilityChanged { .. }
        | Change::CustomerMessageReceived { .. }
        | Change::ReplyQueued { .. }
        | Change::NoteAdded { .. }
        | Change::DeliveryUpdated { .. }
        | Change::Played { .. }
        | Change::Priced { .. }
        | Change::ReadReceiptQueued { .. }
        | Change::ReactionChanged { .. }
        | Change::Unknown => return None,
    })
}

/// A move an approved escalation made, as part of it ("Escalation: moved from North to South").
fn escalation_step(workspace: &Workspace, change: &Change) -> Option<String> {
    Some(match change {
        Change::TeamChanged { from, to, .. } => format!(
            "Escalation: moved from {} to {}",
            team_name(workspace, *from),
            team_name(workspace, *to)
        ),
        Change::AssignmentChanged { from, to, .. } => format!(
            "Escalation: {} → {}",
            nobody_or(workspace, *from),
            nobody_or(workspace, *to)
        ),
        Change::PriorityChanged { from, to } => {
            format!("Escalation: priority {} → {}", from.as_str(), to.as_str())
        }
        _ => return None,
    })
}
