//! Who may see which conversation, and who has authority over it.
//!
//! One predicate, used by every door: the domain's decisions, the REST lists, the sync pull and
//! the live event stream all ask [`can_see`]. Agents see the conversations of their teams'
//! inboxes, of their teams, and those assigned to them; supervisors see their teams' (and
//! escalations waiting for them); admins see everything.

use super::conversation::Conversation;
use super::escalation::{Escalation, EscalationTarget};
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

/// Whether `member` leads the queue this conversation is in: a supervisor who can see it, or
/// an admin. Such a member may reassign, release, set status and priority on anyone's
/// conversation, explicitly.
pub fn leads(member: &Member, conversation: &Conversation, workspace: &Workspace) -> bool {
    match member.role {
        Role::Admin => member.active,
        Role::Supervisor => can_see(member, conversation, workspace),
        Role::Agent => false,
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
        Role::Agent => false,
        Role::Supervisor => match escalation.target {
            EscalationTarget::Team(team) => member.is_in(team),
            EscalationTarget::Person(person) => {
                person == member.id
                    || workspace
                        .members
                        .get(&person)
                        .is_some_and(|p| member.shares_a_team(p.teams.iter()))
            }
        },
    }
}
