//! Who may see which conversation, who may work it, and who has authority over it.
//!
//! One predicate for seeing, used by every door: the domain's decisions, the REST lists, the
//! sync pull and the live event stream all ask [`can_see`]. Agents see the conversations of
//! their teams' inboxes, of their teams, and those assigned to them; supervisors see their
//! teams' (and escalations waiting for them); admins see everything.
//!
//! Working a conversation — finding it under Unassigned, claiming it, being given it — is
//! narrower ([`may_work`]): once a conversation sits in a team's queue (an escalation or a
//! supervisor moved it there), that team works it; agents of the inbox's other teams may
//! still read its history. While it has no team, any team of its inbox works it.

use super::conversation::Conversation;
use super::escalation::{Escalation, EscalationTarget};
use super::event::Change;
use super::ids::TeamId;
use super::people::{Member, Role};
use super::workspace::Workspace;

/// Whether `member` may see `conversation` at all.
pub fn can_see(member: &Member, conversation: &Conversation, workspace: &Workspace) -> bool {
    if !member.active {
        return false;
    }
    if member.role == Role::Admin || conversation.assignee == Some(member.id) {
        return true;
    }
    if conversation.team.is_some_and(|team| member.is_in(team)) {
        return true;
    }
    if workspace
        .inboxes
        .get(&conversation.inbox_id)
        .is_some_and(|inbox| member.shares_a_team(inbox.teams.iter()))
    {
        return true;
    }
    conversation
        .pending_escalation()
        .is_some_and(|escalation| may_decide(member, escalation, workspace))
}

/// The teams whose queue `conversation` is in: its team once it has one; while it has none,
/// every team its inbox feeds.
pub fn working_teams<'w>(
    conversation: &Conversation,
    workspace: &'w Workspace,
) -> impl Iterator<Item = TeamId> + 'w {
    let (own, inbox) = match conversation.team {
        Some(team) => (Some(team), None),
        None => (None, workspace.inboxes.get(&conversation.inbox_id)),
    };
    own.into_iter()
        .chain(inbox.into_iter().flat_map(|i| i.teams.iter().copied()))
}

/// Whether `conversation` is in the queue of one of `member`'s teams ([`working_teams`]).
pub fn in_my_teams(member: &Member, conversation: &Conversation, workspace: &Workspace) -> bool {
    working_teams(conversation, workspace).any(|team| member.is_in(team))
}

/// Whether `member` may work `conversation`: find it under Unassigned, claim it (also by
/// replying), be assigned it. Its owner and admins may; otherwise only members of a team
/// whose queue it is in. Seeing is wider: an agent of the inbox reads a conversation moved to
/// another team but does not take it.
pub fn may_work(member: &Member, conversation: &Conversation, workspace: &Workspace) -> bool {
    member.active
        && (member.role == Role::Admin
            || conversation.assignee == Some(member.id)
            || in_my_teams(member, conversation, workspace))
}

/// Why `member` may not work `conversation` (when [`may_work`] says no), in their words.
pub fn not_working_reason(conversation: &Conversation, workspace: &Workspace) -> String {
    let names: Vec<&str> = working_teams(conversation, workspace)
        .filter_map(|t| workspace.teams.get(&t).map(|team| team.name.as_str()))
        .collect();
    match names.as_slice() {
        [] => "no team of yours works this conversation".to_owned(),
        [one] => format!("this conversation is in {one}'s queue: only {one} takes it"),
        many => format!(
            "this conversation is in the queue of {}: only they take it",
            many.join(", ")
        ),
    }
}

/// What a change can do to who sees its conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sight {
    /// Nothing: whoever saw it still does, nobody else does.
    Unchanged,
    /// It may come into someone's sight: it opened, or an escalation asks its deciders.
    MayBring,
    /// It may also leave someone's sight: its owner or team changed, or an escalation was
    /// decided. Only these are answered for by [`lost_sight`].
    MayTake,
}

impl Sight {
    /// Its number in storage (the `events.sight` column).
    pub fn number(self) -> i64 {
        match self {
            Sight::Unchanged => 0,
            Sight::MayBring => 1,
            Sight::MayTake => 2,
        }
    }
}

/// What `change` can do to who sees its conversation ([`Sight`]).
pub fn sight(change: &Change) -> Sight {
    match change {
        Change::ConversationOpened { .. } | Change::EscalationRequested { .. } => Sight::MayBring,
        Change::AssignmentChanged { .. }
        | Change::TeamChanged { .. }
        | Change::EscalationApproved { .. }
        | Change::EscalationRejected { .. }
        | Change::EscalationCancelled { .. } => Sight::MayTake,
        _ => Sight::Unchanged,
    }
}

/// Whether `change` can bring its conversation into someone's sight or take it away: a phone
/// that pulls one gets the conversation's whole history, since it may be new to it.
pub fn moves_sight(change: &Change) -> bool {
    sight(change) != Sight::Unchanged
}

/// Whether `change` took its conversation away from `member`: they owned it, it left one of
/// their teams, or an escalation they could decide (and so see) was decided. `conversation`
/// is the conversation as it is after the change (it carries the decided escalation). Such a
/// member still hears of the change that took it — a line on their screen, a wake-up on their
/// phone, a removal in their next pull — and, if they cannot see it now, of nothing after.
/// Every door asks this one rule: the live stream, pushes and sync pulls.
pub fn lost_sight(
    member: &Member,
    change: &Change,
    conversation: Option<&Conversation>,
    workspace: &Workspace,
) -> bool {
    match change {
        Change::AssignmentChanged { from, .. } => *from == Some(member.id),
        Change::TeamChanged { from, .. } => from.is_some_and(|team| member.is_in(team)),
        Change::EscalationApproved { escalation, .. }
        | Change::EscalationRejected { escalation, .. }
        | Change::EscalationCancelled { escalation } => conversation
            .and_then(|c| c.escalation.as_ref())
            .filter(|e| e.id == *escalation)
            .is_some_and(|e| may_decide(member, e, workspace)),
        _ => false,
    }
}

/// Whether `change` may have brought its conversation into `member`'s sight: it opened, it was
/// given to them or to one of their teams, or an escalation they may decide was asked for.
/// The mirror of [`lost_sight`], and cautious: a reader that cannot tell whether someone saw
/// a conversation before such a change assumes they did not (the live stream, reading several
/// versions at once, shows them nothing from before it).
pub fn gained_sight(member: &Member, change: &Change, workspace: &Workspace) -> bool {
    match change {
        Change::ConversationOpened { .. } => true,
        Change::AssignmentChanged { to, .. } => *to == Some(member.id),
        Change::TeamChanged { to, .. } => to.is_some_and(|team| member.is_in(team)),
        Change::EscalationRequested { escalation } => may_decide(member, escalation, workspace),
        _ => false,
    }
}

/// Whether `member` leads the queue this conversation is in: a supervisor who can see it, or
/// an admin. Such a member may reassign, release, set status and priority on anyone's
/// conversation, explicitly.
pub fn leads(member: &Member, conversation: &Conversation, workspace: &Workspace) -> bool {
    match member.role {
        Role::Admin => member.active,
        Role::Supervisor => can_see(member, conversation, workspace),
        Role::Agent | Role::Unknown => false,
    }
}

/// Whether `member` may approve or reject `escalation`: a supervisor of the target team, or of
/// a team the target person belongs to (the target person themselves, if a supervisor), or an
/// admin.
pub fn may_decide(member: &Member, escalation: &Escalation, workspace: &Workspace) -> bool {
    if !member.active {
        return false;
    }
    match member.role {
        Role::Admin => true,
        Role::Agent | Role::Unknown => false,
        Role::Supervisor => match escalation.target {
            EscalationTarget::Team(team) => member.is_in(team),
            EscalationTarget::Person(person) => {
                person == member.id
                    || workspace
                        .members
                        .get(&person)
                        .is_some_and(|p| member.shares_a_team(p.teams.iter()))
            }
            EscalationTarget::Unknown => false,
        },
    }
}
