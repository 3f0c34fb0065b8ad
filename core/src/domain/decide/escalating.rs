//! Escalations: request (owner or supervisor), approve or reject (a supervisor of the target,
//! or an admin), cancel (requester, owner or supervisor). Approval carries out exactly what
//! was requested — the team or person, and the priority the request named — on the same
//! conversation, and never opens a new one. The reason is the request's, said once: the moves
//! that follow an approval carry none of their own.

use super::super::access::may_decide;
use super::super::conversation::Conversation;
use super::super::escalation::{Escalation, EscalationState, EscalationTarget, Severity};
use super::super::event::{Change, Event, Handover};
use super::super::ids::{ConversationId, EscalationId};
use super::super::limits::{MAX_REASON_CHARS, at_most};
use super::super::rejection::{Entity, Rejection};
use super::{Decider, non_blank};

impl Decider<'_> {
    pub(super) fn request_escalation(
        &self,
        id: ConversationId,
        escalation: EscalationId,
        reason: &str,
        severity: Severity,
        target: EscalationTarget,
    ) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        if conversation
            .escalation
            .as_ref()
            .is_some_and(|e| e.id == escalation)
        {
            return Ok(vec![]); // a retry of the same request
        }
        if self
            .desk
            .conversation_with_escalation(escalation)
            .is_some_and(|other| other.id != id)
        {
            // Ids are chosen by clients: one naming another conversation's escalation would
            // make a supervisor's decision land on the wrong thread.
            return Err(Rejection::invalid(
                "escalation",
                "this id already names another escalation",
            ));
        }
        self.require_owner_or_lead(conversation)?;
        if let Some(pending) = conversation.pending_escalation() {
            return Err(Rejection::EscalationPending {
                escalation: pending.id,
            });
        }
        let Some(reason) = non_blank(Some(reason)) else {
            return Err(Rejection::invalid(
                "reason",
                "say why this needs escalating",
            ));
        };
        at_most("reason", reason, MAX_REASON_CHARS)?;
        let workspace = &self.desk.workspace;
        match target {
            EscalationTarget::Team(team) if !workspace.teams.contains_key(&team) => {
                return Err(Rejection::invalid("target", "no such team"));
            }
            EscalationTarget::Person(person) => match workspace.active_member(person) {
                None => {
                    return Err(Rejection::invalid(
                        "target",
                        "no active member with this id",
                    ));
                }
                Some(_) if conversation.assignee == Some(person) => {
                    return Err(Rejection::invalid("target", "this person already owns it"));
                }
                Some(_) => {}
            },
            EscalationTarget::Team(_) => {}
            EscalationTarget::Unknown => {
                return Err(Rejection::invalid(
                    "target",
                    "not a target this server knows",
                ));
            }
        }
        let escalation = Escalation {
            id: escalation,
            conversation_id: id,
            requested_by: self.by(),
            requested_at: self.now,
            reason: reason.to_owned(),
            severity,
            target,
            raises_priority_to: Some(severity.priority())
                .filter(|raised| *raised > conversation.priority),
            state: EscalationState::Requested,
        };
        Ok(vec![
            self.event(id, Change::EscalationRequested { escalation }),
        ])
    }

    pub(super) fn approve_escalation(
        &self,
        escalation: EscalationId,
        note: Option<&str>,
    ) -> Result<Vec<Event>, Rejection> {
        let (conversation, pending) = self.pending(escalation)?;
        if !may_decide(self.person()?, pending, &self.desk.workspace) {
            return Err(Rejection::forbidden(
                "only a supervisor of the escalation's target (or an admin) decides it",
            ));
        }
        at_most(
            "note",
            non_blank(note).unwrap_or_default(),
            MAX_REASON_CHARS,
        )?;
        let id = conversation.id;
        // The request's reason is on the timeline already, with the request.
        let reason = None;
        let mut events = vec![self.event(
            id,
            Change::EscalationApproved {
                escalation,
                note: non_blank(note).map(str::to_owned),
            },
        )];
        match pending.target {
            EscalationTarget::Team(team) => {
                if conversation.team != Some(team) {
                    events.push(self.event(
                        id,
                        Change::TeamChanged {
                            from: conversation.team,
                            to: Some(team),
                            reason: None,
                        },
                    ));
                }
                if conversation.assignee.is_some() {
                    events.push(self.ownership(conversation, None, Handover::Escalated, reason));
                }
            }
            EscalationTarget::Person(person) => {
                if self.desk.workspace.active_member(person).is_none() {
                    return Err(Rejection::invalid(
                        "target",
                        "this person is no longer active: reject and escalate to someone else",
                    ));
                }
                if conversation.assignee != Some(person) {
                    events.push(self.ownership(
                        conversation,
                        Some(person),
                        Handover::Escalated,
                        reason,
                    ));
                }
            }
            EscalationTarget::Unknown => {
                return Err(Rejection::invalid(
                    "target",
                    "this escalation's target is one this app does not know: decide it on the web",
                ));
            }
        }
        if let Some(raised) = pending
            .raises_priority_to
            .filter(|raised| *raised > conversation.priority)
        {
            events.push(self.event(
                id,
                Change::PriorityChanged {
                    from: conversation.priority,
                    to: raised,
                },
            ));
        }
        Ok(events)
    }

    pub(super) fn reject_escalation(
        &self,
        escalation: EscalationId,
        reason: &str,
    ) -> Result<Vec<Event>, Rejection> {
        let (conversation, pending) = self.pending(escalation)?;
        if !may_decide(self.person()?, pending, &self.desk.workspace) {
            return Err(Rejection::forbidden(
                "only a supervisor of the escalation's target (or an admin) decides it",
            ));
        }
        let Some(reason) = non_blank(Some(reason)) else {
            return Err(Rejection::ReasonRequired);
        };
        at_most("reason", reason, MAX_REASON_CHARS)?;
        Ok(vec![self.event(
            conversation.id,
            Change::EscalationRejected {
                escalation,
                reason: reason.to_owned(),
            },
        )])
    }

    pub(super) fn cancel_escalation(
        &self,
        escalation: EscalationId,
    ) -> Result<Vec<Event>, Rejection> {
        let (conversation, pending) = self.pending(escalation)?;
        let allowed = pending.requested_by == self.by()
            || self.owns(conversation)
            || self.leads_it(conversation);
        if !allowed {
            return Err(Rejection::forbidden(
                "only the requester, the owner or a supervisor may cancel an escalation",
            ));
        }
        Ok(vec![self.event(
            conversation.id,
            Change::EscalationCancelled { escalation },
        )])
    }

    /// The conversation carrying `escalation` (visible to this member) and the escalation,
    /// which must still wait for a decision.
    fn pending(&self, escalation: EscalationId) -> Result<(&Conversation, &Escalation), Rejection> {
        let conversation = self
            .desk
            .conversation_with_escalation(escalation)
            .ok_or_else(|| Rejection::not_found(Entity::Escalation, escalation))?;
        let conversation = self
            .visible(conversation.id)
            .map_err(|_| Rejection::not_found(Entity::Escalation, escalation))?;
        let current = conversation
            .escalation
            .as_ref()
            .filter(|e| e.id == escalation)
            .ok_or_else(|| Rejection::not_found(Entity::Escalation, escalation))?;
        if !current.is_pending() {
            return Err(Rejection::EscalationClosed {
                escalation,
                state: current.state.as_str().to_owned(),
            });
        }
        Ok((conversation, current))
    }
}
