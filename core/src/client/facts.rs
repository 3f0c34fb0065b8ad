//! What the conversation screen shows beside the thread, read from the phone's copy (offline
//! too): the side facts (customer, inbox, team, owner, labels, priority, the escalation
//! waiting, the customer's other conversations) and the canned replies usable here, filled
//! with the conversation's values by the domain's own [`canned::variables`] and
//! [`CannedReply::fill_in`] — the web view fills through the same functions.

use crate::domain::{
    CannedReply, Contact, Conversation, ConversationId, Escalation, Inbox, Label, Member, Priority,
    Status, Team, can_see, canned,
};

use super::{Client, ClientError, lock};

/// A canned reply offered in one conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct CannedChoice {
    pub reply: CannedReply,
    /// Ready to send when `missing` is empty; else the reply's body with its variables in.
    pub text: String,
    /// The variables this conversation has no value for (fill them in by hand).
    pub missing: Vec<String>,
}

/// The facts beside a thread.
#[derive(Debug, Clone, PartialEq)]
pub struct SideFacts {
    pub customer: Option<Contact>,
    pub inbox: Option<Inbox>,
    pub team: Option<Team>,
    /// Who owns it (a colleague from the workspace copy).
    pub owner: Option<Member>,
    pub status: Status,
    pub labels: Vec<Label>,
    pub priority: Priority,
    /// The escalation waiting for a decision, if one.
    pub escalation: Option<Escalation>,
    /// The same customer's other conversations this person may see (on the workspace's other
    /// numbers), the latest first.
    pub other_conversations: Vec<Conversation>,
}

impl Client {
    /// The side facts of a conversation the person may see.
    pub fn side_facts(&self, id: ConversationId) -> Result<Option<SideFacts>, ClientError> {
        let me = self.me().ok_or(ClientError::NotLoggedIn)?;
        let copy = lock(&self.copy);
        let workspace = &copy.truth.workspace;
        let Some(member) = workspace.members.get(&me.id) else {
            return Ok(None);
        };
        let Some(conversation) = copy
            .conversation(id)
            .filter(|c| can_see(member, c, workspace))
        else {
            return Ok(None);
        };
        let mut others: Vec<Conversation> = copy
            .conversations()
            .filter(|c| c.contact_id == conversation.contact_id && c.id != id)
            .filter(|c| can_see(member, c, workspace))
            .cloned()
            .collect();
        others.sort_by_key(|c| std::cmp::Reverse((c.last_inbound_at, c.opened_at, c.id)));
        Ok(Some(SideFacts {
            customer: copy.truth.contacts.get(&conversation.contact_id).cloned(),
            inbox: workspace.inboxes.get(&conversation.inbox_id).cloned(),
            team: conversation
                .team
                .and_then(|t| workspace.teams.get(&t))
                .cloned(),
            owner: conversation
                .assignee
                .and_then(|a| workspace.members.get(&a))
                .cloned(),
            status: conversation.status,
            labels: conversation.labels.iter().cloned().collect(),
            priority: conversation.priority,
            escalation: conversation.pending_escalation().cloned(),
            other_conversations: others,
        }))
    }

    /// The canned replies the person may use (as the server sent them), filled for this
    /// conversation; the missing variables of each are named. Empty if it is not visible.
    pub fn canned_replies(&self, id: ConversationId) -> Result<Vec<CannedChoice>, ClientError> {
        let me = self.me().ok_or(ClientError::NotLoggedIn)?;
        let copy = lock(&self.copy);
        let workspace = &copy.truth.workspace;
        let (Some(member), Some(library)) = (workspace.members.get(&me.id), &copy.workspace) else {
            return Ok(Vec::new());
        };
        let Some(conversation) = copy
            .conversation(id)
            .filter(|c| can_see(member, c, workspace))
        else {
            return Ok(Vec::new());
        };
        let contact = copy.truth.contacts.get(&conversation.contact_id);
        let vars = canned::variables(
            member,
            workspace,
            conversation,
            contact.and_then(|c| c.profile_name.as_deref()),
            contact.and_then(|c| c.phone.as_deref()),
        );
        Ok(library
            .canned_replies
            .iter()
            .map(|reply| {
                let filled = reply.fill_in(&vars);
                CannedChoice {
                    reply: reply.clone(),
                    text: filled.text,
                    missing: filled.missing,
                }
            })
            .collect())
    }
}
