//! The decision function: given the desk, who asks, the time and a command, either the events
//! that follow or the reason it is refused. Pure: no I/O, no clock, no randomness — the caller
//! passes `now` and mints ids into the command — so the server (authoritative, inside its
//! transaction) and the phone (optimistically, offline) reach the same verdict.
//!
//! One file per family of commands: `ownership` (claim, assign, release), `replying`,
//! `context` (notes, labels, status, priority, availability), `escalating`, `inbound`
//! (what WhatsApp tells us).

mod context;
mod escalating;
mod inbound;
mod ownership;
mod replying;

use super::access::{can_see, leads, may_work};
use super::automation::{Automation, automation_may};
use super::command::{Actor, Command};
use super::conversation::Conversation;
use super::desk::Desk;
use super::event::{By, Change, Event};
use super::ids::{ConversationId, UserId};
use super::people::Member;
use super::rejection::{Entity, Rejection};
use super::window::Timestamp;

/// Decides `command` issued by `actor` at `now` against `desk`.
pub fn decide(
    desk: &Desk,
    actor: Actor,
    now: Timestamp,
    command: &Command,
) -> Result<Vec<Event>, Rejection> {
    if let Some(field) = command.unknown_value() {
        return Err(Rejection::invalid(field, "not a value this server knows"));
    }
    match actor {
        Actor::WhatsApp => match command {
            Command::ReceiveCustomerMessage(inbound) => inbound::receive(desk, now, inbound),
            Command::RecordDelivery {
                message,
                wamid,
                report,
                at,
                pricing_category,
            } => inbound::record_delivery(
                desk,
                message,
                wamid.as_ref(),
                report,
                *at,
                pricing_category.as_deref(),
            ),
            _ => Err(Rejection::forbidden(
                "WhatsApp only delivers customer messages and delivery reports",
            )),
        },
        Actor::Member(id) => {
            let member = desk
                .workspace
                .active_member(id)
                .ok_or_else(|| Rejection::forbidden("unknown or deactivated member"))?;
            let d = Decider {
                desk,
                who: Doer::Member(member),
                now,
            };
            d.decide(command)
        }
        Actor::Automation(automaton) => {
            let automation = desk
                .workspace
                .automation(automaton)
                .filter(|a| a.active)
                .ok_or_else(|| Rejection::forbidden("unknown or switched-off automation"))?;
            automation_may(command).map_err(Rejection::forbidden)?;
            let d = Decider {
                desk,
                who: Doer::Automation(automation),
                now,
            };
            d.decide(command)
        }
    }
}

/// Who a decision is for: a member (with their role and teams), or an automation set up in
/// the workspace, which sees and works every conversation and leads none of the people.
#[derive(Debug)]
enum Doer<'a> {
    Member(&'a Member),
    Automation(Automation),
}

/// A command being decided.
struct Decider<'a> {
    desk: &'a Desk,
    who: Doer<'a>,
    now: Timestamp,
}

impl<'a> Decider<'a> {
    /// Who is acting, as events name them.
    fn by(&self) -> By {
        match &self.who {
            Doer::Member(m) => By::Member(m.id),
            Doer::Automation(a) => By::Automation(a.automaton),
        }
    }

    /// Whether `user` is the one acting.
    fn is_me(&self, user: UserId) -> bool {
        matches!(self.who, Doer::Member(m) if m.id == user)
    }

    /// Whether the one acting owns `conversation`.
    fn owns(&self, conversation: &Conversation) -> bool {
        conversation.assignee.is_some_and(|owner| self.is_me(owner))
    }

    /// The member acting; automation is refused (the table in `automation_may` already
    /// keeps it from every command that needs a person).
    fn person(&self) -> Result<&'a Member, Rejection> {
        match self.who {
            Doer::Member(m) => Ok(m),
            Doer::Automation(_) => Err(Rejection::forbidden("this needs a person")),
        }
    }

    /// Whether the one acting may see `conversation` (automation sees every one).
    fn sees(&self, conversation: &Conversation) -> bool {
        match self.who {
            Doer::Member(m) => can_see(m, conversation, &self.desk.workspace),
            Doer::Automation(_) => true,
        }
    }

    /// Whether the one acting may work `conversation` ([`may_work`]; automation works all).
    fn works_it(&self, conversation: &Conversation) -> bool {
        match self.who {
            Doer::Member(m) => may_work(m, conversation, &self.desk.workspace),
            Doer::Automation(_) => true,
        }
    }

    /// Whether the one acting leads the queue `conversation` is in ([`leads`]): automation
    /// acts with a supervisor's reach (it assigns and releases, with a reason).
    fn leads_it(&self, conversation: &Conversation) -> bool {
        match self.who {
            Doer::Member(m) => leads(m, conversation, &self.desk.workspace),
            Doer::Automation(_) => true,
        }
    }

    fn decide(&self, command: &Command) -> Result<Vec<Event>, Rejection> {
        use Command::*;
        match command {
            Claim { conversation } => self.claim(*conversation),
            Assign {
                conversation,
                to,
                reason,
                note,
            } => self.assign(*conversation, *to, reason.as_deref(), note.as_ref()),
            Release {
                conversation,
                note,
                reason,
            } => self.release(*conversation, note.as_ref(), reason.as_deref()),
            Reply {
                conversation,
                message,
                body,
                in_reply_to,
            } => self.reply(*conversation, *message, body, *in_reply_to),
            AddNote {
                conversation,
                note,
                body,
            } => self.add_note(*conversation, *note, body),
            AddLabel {
                conversation,
                label,
            } => self.add_label(*conversation, label),
            RemoveLabel {
                conversation,
                label,
            } => self.remove_label(*conversation, label),
            SetStatus {
                conversation,
                status,
            } => self.set_status(*conversation, *status),
            SetPriority {
                conversation,
                priority,
            } => self.set_priority(*conversation, *priority),
            RequestEscalation {
                conversation,
                escalation,
                reason,
                severity,
                target,
            } => self.request_escalation(*conversation, *escalation, reason, *severity, *target),
            ApproveEscalation { escalation, note } => {
                self.approve_escalation(*escalation, note.as_deref())
            }
            RejectEscalation { escalation, reason } => self.reject_escalation(*escalation, reason),
            CancelEscalation { escalation } => self.cancel_escalation(*escalation),
            MarkRead {
                conversation,
                message,
            } => self.mark_read(*conversation, *message),
            SetAvailability { availability } => self.set_availability(*availability),
            EndSnooze {
                conversation,
                until,
            } => self.end_snooze(*conversation, *until),
            ReceiveCustomerMessage(_) | RecordDelivery { .. } => Err(Rejection::forbidden(
                "only WhatsApp delivers customer messages and delivery reports",
            )),
        }
    }

    /// The conversation, if it exists and the member may see it. A conversation the member
    /// may not see is reported as not found, so its existence does not leak.
    fn visible(&self, id: ConversationId) -> Result<&'a Conversation, Rejection> {
        self.desk
            .conversations
            .get(&id)
            .filter(|c| self.sees(c))
            .ok_or_else(|| Rejection::not_found(Entity::Conversation, id))
    }

    /// An event on `conversation` caused by this member now.
    fn event(&self, conversation: ConversationId, change: Change) -> Event {
        Event {
            conversation: Some(conversation),
            at: self.now,
            by: self.by(),
            change,
        }
    }

    /// What to call a member in a rejection.
    fn name_of(&self, user: UserId) -> String {
        self.desk
            .workspace
            .members
            .get(&user)
            .map_or_else(|| "someone else".to_owned(), |m| m.name.clone())
    }

    fn not_owner(&self, owner: UserId) -> Rejection {
        Rejection::NotOwner {
            owner,
            owner_name: self.name_of(owner),
        }
    }
}

/// `text` trimmed, if anything is left.
fn non_blank(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}
