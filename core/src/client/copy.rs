//! The phone's copy in memory: the server's truth as last pulled, and the view the person
//! sees — that truth with every still-pending command applied by the same domain functions the
//! server uses. Views and threads are read from the view.

use crate::domain::{Actor, Capacity, Desk, Member, UserId, Workspace, decide};
use crate::protocol::sync::WorkspaceCopy;

use super::ClientError;
use super::local::{Local, OutboxState, Pending};

/// The workspace as the domain knows it, from the copy the server sent.
pub(crate) fn workspace_of(copy: &WorkspaceCopy) -> Workspace {
    let mut workspace = Workspace::default();
    for colleague in &copy.members {
        workspace.members.insert(
            colleague.id,
            Member {
                id: colleague.id,
                name: colleague.name.clone(),
                handle: colleague.handle.clone(),
                role: colleague.role,
                teams: colleague.teams.clone(),
                availability: colleague.availability,
                capacity: Capacity::default(),
                active: true,
            },
        );
    }
    for team in &copy.teams {
        workspace.teams.insert(team.id, team.clone());
    }
    for inbox in &copy.inboxes {
        workspace.inboxes.insert(inbox.id, inbox.clone());
    }
    for template in &copy.templates {
        workspace.templates.insert(template.id, template.clone());
    }
    workspace
}

/// Truth and view.
#[derive(Debug, Default, Clone)]
pub(crate) struct Copy {
    pub(crate) truth: Desk,
    pub(crate) view: Desk,
    pub(crate) workspace: Option<WorkspaceCopy>,
}

impl Copy {
    /// Reads the whole copy from the database.
    pub(crate) fn load(local: &Local) -> Result<Copy, ClientError> {
        let workspace: Option<WorkspaceCopy> = local.all("workspace")?.into_iter().next();
        let mut truth = Desk::new(workspace.as_ref().map(workspace_of).unwrap_or_default());
        for c in local.all::<crate::domain::Conversation>("conversations")? {
            truth.conversations.insert(c.id, c);
        }
        for c in local.all::<crate::domain::Contact>("contacts")? {
            truth.contacts.insert(c.id, c);
        }
        for m in local.all::<crate::domain::Message>("messages")? {
            truth.put_message(m);
        }
        for n in local.all::<crate::domain::Note>("notes")? {
            truth.notes.insert(n.id, n);
        }
        Ok(Copy {
            view: truth.clone(),
            truth,
            workspace,
        })
    }

    /// Rebuilds the view: the truth with the pending commands of `me` applied in order. A
    /// command the domain refuses here is left for the server to judge (it may know better).
    pub(crate) fn rebuild(&mut self, me: Option<UserId>, outbox: &[Pending]) {
        self.view = self.truth.clone();
        if let Some(me) = me {
            for pending in outbox
                .iter()
                .filter(|p| matches!(p.state, OutboxState::Queued | OutboxState::Sending))
            {
                self.apply_pending(me, pending);
            }
        }
    }

    /// Applies one pending command to the view.
    pub(crate) fn apply_pending(&mut self, me: UserId, pending: &Pending) {
        if let Ok(events) = decide(
            &self.view,
            Actor::Member(me),
            pending.made_at,
            &pending.command,
        ) {
            for event in &events {
                crate::domain::apply(&mut self.view, event);
            }
        }
    }
}
