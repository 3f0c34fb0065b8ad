//! Automation: actors that are not people — a rule ("Out of hours"), a bot account ("the
//! Shop bot"), or Relaydesk itself acting on a timer. They issue the same [`Command`]s as
//! members and are judged by the same decisions, within one table ([`automation_may`]): they
//! reply (to a conversation someone owns only when their setup allows, and a reply never
//! claims), note, label, set priority and status, assign, release and ask for an escalation;
//! they never claim, approve or reject an escalation, withdraw one, mark read or have an
//! availability. They have no role and no password, and are not members.
//!
//! The workspace knows the automations set up in it ([`Automation`], by [`Automaton`]); the
//! system is always there. An older phone, which knows only members, is shown each as a
//! synthetic colleague ([`Automaton::colleague_id`]).

use serde::{Deserialize, Serialize};

use super::command::Command;
use super::ids::{BotId, RuleId, UserId};
use super::tolerant::adjacently_tagged;

/// Which automaton acts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    tag = "kind",
    content = "id",
    rename_all = "snake_case"
)]
pub enum Automaton {
    /// An automation rule.
    Rule(RuleId),
    /// A bot account.
    Bot(BotId),
    /// Relaydesk itself, acting on a timer (a snooze running out, an absent owner's work
    /// taken back).
    System,
    /// One a newer server names that this build does not know (read from the wire, never
    /// produced here): see [`crate::domain::tolerant`].
    Unknown,
}

adjacently_tagged!(Automaton, ["rule", "bot", "system"]);

/// The id older phones know the system by, as a colleague.
const SYSTEM_COLLEAGUE: uuid::Uuid =
    uuid::Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);

impl Automaton {
    /// The id an older phone (which knows only members) knows this automaton by, as a
    /// synthetic colleague: a rule's or bot's own id, a fixed one for the system.
    pub fn colleague_id(self) -> UserId {
        match self {
            Automaton::Rule(rule) => UserId::from_uuid(rule.as_uuid()),
            Automaton::Bot(bot) => UserId::from_uuid(bot.as_uuid()),
            Automaton::System | Automaton::Unknown => UserId::from_uuid(SYSTEM_COLLEAGUE),
        }
    }
}

/// An automaton set up in the workspace: its name and what its setup allows.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Automation {
    pub automaton: Automaton,
    /// "Out of hours", "Shop".
    pub name: String,
    /// Whether it may reply to a conversation someone owns (otherwise only to unowned ones).
    #[serde(default)]
    pub replies_when_owned: bool,
    /// A switched-off automation decides nothing.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl Automation {
    /// The system, always set up.
    pub fn system() -> Automation {
        Automation {
            automaton: Automaton::System,
            name: "Relaydesk".to_owned(),
            replies_when_owned: false,
            active: true,
        }
    }

    /// How the timeline names it: "rule 'Out of hours'", "the Shop bot", "Relaydesk".
    pub fn words(&self) -> String {
        match self.automaton {
            Automaton::Rule(_) => format!("rule '{}'", self.name),
            Automaton::Bot(_) => format!("the {} bot", self.name),
            Automaton::System => "Relaydesk".to_owned(),
            Automaton::Unknown => "an automation".to_owned(),
        }
    }
}

/// Whether automation may ask for `command` at all (what the conversation allows is decided
/// after): `Err` says why not. The one table of what automation may do.
pub fn automation_may(command: &Command) -> Result<(), &'static str> {
    use Command::*;
    match command {
        Reply { .. }
        | AddNote { .. }
        | AddLabel { .. }
        | RemoveLabel { .. }
        | SetPriority { .. }
        | SetStatus { .. }
        | Assign { .. }
        | Release { .. }
        | RequestEscalation { .. } => Ok(()),
        Claim { .. } => Err("automation never claims: it assigns, with a reason"),
        ApproveEscalation { .. } | RejectEscalation { .. } => {
            Err("only a supervisor decides an escalation, never automation")
        }
        CancelEscalation { .. } => Err("only a person withdraws an escalation"),
        MarkRead { .. } => Err("only a person who read the message marks it read"),
        SetAvailability { .. } => Err("automation has no availability"),
        // Which automaton: the decision (only the system, on its timer).
        EndSnooze { .. } => Ok(()),
        ReceiveCustomerMessage(_) | RecordDelivery { .. } => {
            Err("only WhatsApp delivers customer messages and delivery reports")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Availability, ConversationId, EscalationId, EscalationTarget, MessageId, NoteId, Priority,
        ReplyBody, Severity, Status, TeamId,
    };

    /// What automation may ask for, command by command: the table a reader checks against the
    /// product's promise (it answers, notes, labels, sets priority and status, routes and
    /// asks for escalations; people claim, decide escalations, withdraw them and mark read).
    #[test]
    fn automation_does_what_the_table_says_and_nothing_a_person_must_do() {
        let c = ConversationId::new();
        let e = EscalationId::new();
        let table: Vec<(Command, bool)> = vec![
            (
                Command::Reply {
                    conversation: c,
                    message: MessageId::new(),
                    body: ReplyBody::Text { text: "hi".into() },
                    in_reply_to: None,
                },
                true,
            ),
            (
                Command::AddNote {
                    conversation: c,
                    note: NoteId::new(),
                    body: "n".into(),
                },
                true,
            ),
            (
                Command::AddLabel {
                    conversation: c,
                    label: "vip".into(),
                },
                true,
            ),
            (
                Command::RemoveLabel {
                    conversation: c,
                    label: "vip".into(),
                },
                true,
            ),
            (
                Command::SetPriority {
                    conversation: c,
                    priority: Priority::High,
                },
                true,
            ),
            (
                Command::SetStatus {
                    conversation: c,
                    status: Status::Pending,
                },
                true,
            ),
            (
                Command::Assign {
                    conversation: c,
                    to: crate::domain::AssignTarget::Team(TeamId::new()),
                    reason: Some("routing".into()),
                    note: None,
                },
                true,
            ),
            (
                Command::Release {
                    conversation: c,
                    note: None,
                    reason: Some("away".into()),
                },
                true,
            ),
            (
                Command::RequestEscalation {
                    conversation: c,
                    escalation: e,
                    reason: "VIP".into(),
                    severity: Severity::High,
                    target: EscalationTarget::Team(TeamId::new()),
                },
                true,
            ),
            (Command::Claim { conversation: c }, false),
            (
                Command::ApproveEscalation {
                    escalation: e,
                    note: None,
                },
                false,
            ),
            (
                Command::RejectEscalation {
                    escalation: e,
                    reason: "no".into(),
                },
                false,
            ),
            (Command::CancelEscalation { escalation: e }, false),
            (
                Command::MarkRead {
                    conversation: c,
                    message: MessageId::new(),
                },
                false,
            ),
            (
                Command::SetAvailability {
                    availability: Availability::Online,
                },
                false,
            ),
        ];
        for (command, allowed) in table {
            assert_eq!(automation_may(&command).is_ok(), allowed, "{command:?}");
        }
    }

    #[test]
    fn an_older_phone_knows_each_automaton_by_a_stable_colleague_id() {
        let rule = RuleId::new();
        assert_eq!(
            Automaton::Rule(rule).colleague_id().as_uuid(),
            rule.as_uuid()
        );
        assert_eq!(
            Automaton::System.colleague_id(),
            Automaton::System.colleague_id()
        );
        assert_ne!(
            Automaton::System.colleague_id(),
            Automaton::Bot(BotId::new()).colleague_id()
        );
    }
}
