//! Claim, assign, release: the rules of ownership.
//!
//! One owner at most. A claim succeeds only on an unassigned conversation (the loser learns
//! who won). The owner hands on with a note for the next person; a supervisor takes a
//! conversation from its owner only explicitly and with a reason. Storage enforces the same
//! "only if still unassigned" condition atomically, so two servers cannot both say yes.

use super::super::access::{may_work, not_working_reason};
use super::super::command::{AssignTarget, HandoffNote};
use super::super::conversation::Conversation;
use super::super::event::{Change, Event, Handover};
use super::super::ids::{ConversationId, TeamId, UserId};
use super::super::limits::{MAX_REASON_CHARS, at_most};
use super::super::people::Role;
use super::super::rejection::Rejection;
use super::{Decider, non_blank};

impl Decider<'_> {
    pub(super) fn claim(&self, id: ConversationId) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        let member = self.person()?;
        match conversation.assignee {
            None if !self.works_it(conversation) => Err(Rejection::forbidden(not_working_reason(
                conversation,
                &self.desk.workspace,
            ))),
            None => Ok(vec![self.ownership(
                conversation,
                Some(member.id),
                Handover::Claimed,
                None,
            )]),
            Some(owner) if owner == member.id => Ok(vec![]),
            Some(owner) => Err(Rejection::AlreadyOwned {
                owner,
                owner_name: self.name_of(owner),
            }),
        }
    }

    pub(super) fn assign(
        &self,
        id: ConversationId,
        to: AssignTarget,
        reason: Option<&str>,
        note: Option<&HandoffNote>,
    ) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        let is_owner = self.owns(conversation);
        let is_lead = self.leads_it(conversation);
        if !is_owner && !is_lead {
            return Err(match conversation.assignee {
                Some(owner) => self.not_owner(owner),
                None => Rejection::forbidden(
                    "agents claim unassigned conversations; only supervisors assign them",
                ),
            });
        }
        let mut after = conversation.clone();
        match to {
            AssignTarget::Agent(target) => {
                self.check_assignee(conversation, target)?;
                after.assignee = Some(target);
            }
            AssignTarget::Team(team) => {
                if !self.desk.workspace.teams.contains_key(&team) {
                    return Err(Rejection::invalid("to", "no such team"));
                }
                if !is_lead && !self.works(conversation, team) {
                    return Err(Rejection::forbidden(
                        "moving a conversation to another team is an escalation: request one",
                    ));
                }
                after.team = Some(team);
                after.assignee = None;
            }
        }
        if (after.assignee, after.team) == (conversation.assignee, conversation.team) {
            return Ok(vec![]);
        }

        let (how, reason) = self.handover_terms(conversation, is_owner, note, reason)?;
        let mut events = Vec::new();
        if let Some(note) = note {
            // Mentions are checked against the conversation as it will be: the person it is
            // handed to can be named even if they could not see it before.
            events.extend(self.note_event(&after, note.id, &note.body)?);
        }
        match to {
            AssignTarget::Agent(target) => {
                events.push(self.ownership(conversation, Some(target), how, reason));
            }
            AssignTarget::Team(team) => {
                if conversation.team != Some(team) {
                    events.push(self.event(
                        conversation.id,
                        Change::TeamChanged {
                            from: conversation.team,
                            to: Some(team),
                            reason: reason.clone(),
                        },
                    ));
                }
                if conversation.assignee.is_some() {
                    events.push(self.ownership(conversation, None, how, reason));
                }
            }
        }
        Ok(events)
    }

    pub(super) fn release(
        &self,
        id: ConversationId,
        note: Option<&HandoffNote>,
        reason: Option<&str>,
    ) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        let Some(owner) = conversation.assignee else {
            return Ok(vec![]);
        };
        let is_owner = self.is_me(owner);
        if !is_owner && !self.leads_it(conversation) {
            return Err(self.not_owner(owner));
        }
        let (_, reason) = self.handover_terms(conversation, is_owner, note, reason)?;
        let mut events = Vec::new();
        if let Some(note) = note {
            events.extend(self.note_event(conversation, note.id, &note.body)?);
        }
        events.push(self.ownership(conversation, None, Handover::Released, reason));
        Ok(events)
    }

    /// What a change of hands requires: the owner leaves a note; anyone else taking it from
    /// its owner gives a reason. Returns how to record it and the (trimmed) reason.
    fn handover_terms(
        &self,
        conversation: &Conversation,
        is_owner: bool,
        note: Option<&HandoffNote>,
        reason: Option<&str>,
    ) -> Result<(Handover, Option<String>), Rejection> {
        let reason = non_blank(reason).map(str::to_owned);
        at_most(
            "reason",
            reason.as_deref().unwrap_or_default(),
            MAX_REASON_CHARS,
        )?;
        if is_owner {
            if non_blank(note.map(|n| n.body.as_str())).is_none() {
                return Err(Rejection::HandoffNoteRequired);
            }
            return Ok((Handover::HandedOff, reason));
        }
        if conversation.assignee.is_some() && reason.is_none() {
            return Err(Rejection::ReasonRequired);
        }
        Ok((Handover::Assigned, reason))
    }

    /// Whether `team` already works this conversation (its team, or a team of its inbox).
    fn works(&self, conversation: &Conversation, team: TeamId) -> bool {
        conversation.team == Some(team)
            || self
                .desk
                .workspace
                .inboxes
                .get(&conversation.inbox_id)
                .is_some_and(|inbox| inbox.teams.contains(&team))
    }

    /// The person must be active and work this conversation's queue (an admin may assign
    /// anyone: they run the workspace).
    fn check_assignee(&self, conversation: &Conversation, target: UserId) -> Result<(), Rejection> {
        let Some(person) = self.desk.workspace.active_member(target) else {
            return Err(Rejection::invalid("to", "no active member with this id"));
        };
        let is_admin = matches!(self.who, super::Doer::Member(m) if m.role == Role::Admin);
        if !is_admin && !may_work(person, conversation, &self.desk.workspace) {
            return Err(Rejection::invalid(
                "to",
                format!(
                    "{} is not in a team that works this conversation",
                    person.name
                ),
            ));
        }
        Ok(())
    }

    /// An ownership change from the current owner to `to`.
    pub(super) fn ownership(
        &self,
        conversation: &Conversation,
        to: Option<UserId>,
        how: Handover,
        reason: Option<String>,
    ) -> Event {
        self.event(
            conversation.id,
            Change::AssignmentChanged {
                from: conversation.assignee,
                to,
                how,
                reason,
            },
        )
    }
}
