//! The conversation page: the whole timeline (messages with their ticks and failure reasons,
//! internal notes set apart, and every change in words), a side panel (customer, labels,
//! priority, owner, team, open escalation, earlier conversations, the actions this person may
//! take) and the composer (reply when one may, the window's countdown, approved templates
//! when it has closed, canned replies, notes with @mentions).
//!
//! What the page offers follows the domain's rules so nobody is shown a button that can only
//! fail, but the rules are enforced where they always are: the form becomes a command and the
//! write path decides ([`super::actions`]).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use relaydesk_core::domain::{
    By, Change, Content, Conversation, ConversationId, Direction, EscalationTarget, MessageId,
    Order, Role, TemplateStatus, View, Wamid, leads, may_decide, reading, wording::Narrator,
};

use super::error::PageError;
use super::present::{self, Badge, Body};
use super::queue::Choice;
use super::session::Agent;
use super::{Nav, render};
use crate::http::conversations::visible;
use crate::http::media::{Availability, availability};
use crate::library;
use crate::state::AppState;
use crate::store::{QueueFilters, TimelineFrom};

/// The most timeline entries one page shows (the newest are kept).
const TIMELINE_LIMIT: usize = 2000;
/// Events read per query while gathering them.
const TIMELINE_PAGE: i64 = 1000;

/// One line of the timeline.
pub struct Entry {
    /// `customer`, `agent`, `note` or `event`.
    pub kind: &'static str,
    pub author: String,
    pub at: String,
    pub at_text: String,
    pub body: Body,
    pub tick: Option<&'static str>,
    pub tick_words: Option<&'static str>,
    pub failure: Option<String>,
    pub reaction: Option<String>,
    pub line: Option<String>,
}

/// The open escalation as the side panel shows it.
pub struct EscalationBox {
    pub id: String,
    pub reason: String,
    pub severity: &'static str,
    pub target: String,
    pub requested_by: String,
    pub waiting: String,
    pub may_decide: bool,
    pub mine: bool,
}

/// An approved (or not yet usable) template the composer offers.
pub struct TemplatePick {
    pub name: String,
    pub language: String,
    pub body: String,
    pub slots: Vec<String>,
    pub usable: bool,
    pub status: &'static str,
}

/// A canned reply, filled for this conversation where the values are known.
pub struct CannedPick {
    pub shortcut: String,
    pub title: String,
    pub body: String,
    pub missing: String,
}

/// A colleague who can be @mentioned.
pub struct Mentionable {
    pub handle: String,
    pub name: String,
}

/// Everything the page shows; the live script swaps its parts in place.
pub struct Parts {
    pub id: String,
    pub customer: String,
    pub phone: Option<String>,
    pub unreachable: bool,
    pub inbox: String,
    pub team: String,
    pub owner: Option<String>,
    pub status: String,
    pub open: bool,
    pub resolved: bool,
    pub priority: &'static str,
    pub labels: Vec<String>,
    pub escalation: Option<EscalationBox>,
    pub previous: Vec<Choice>,
    pub entries: Vec<Entry>,
    pub unassigned: bool,
    pub mine: bool,
    pub leads: bool,
    pub people: Vec<Choice>,
    pub teams: Vec<Choice>,
    pub supervisors: Vec<Choice>,
    pub priorities: Vec<Choice>,
    pub mentionable: Vec<Mentionable>,
    /// Changes when what the composer may do changes (the live script then swaps it).
    pub composer_key: String,
    pub blocked: Option<String>,
    pub window_open: bool,
    pub window_closes_at: Option<String>,
    pub window_badge: Option<Badge>,
    pub window_text: String,
    pub templates: Vec<TemplatePick>,
    pub canned: Vec<CannedPick>,
    /// Ids for what this page's forms create, minted when it is drawn: a form sent twice is
    /// one reply, one note, one escalation.
    pub fresh_message: String,
    pub fresh_note: String,
    pub fresh_escalation: String,
    /// The customer's latest message, which "mark read" sends blue ticks up to.
    pub read_up_to: Option<String>,
}

/// What a refused form leaves on the page: the reason, and what was typed.
#[derive(Debug, Default)]
pub struct Kept {
    pub error: Option<String>,
    pub draft: String,
    pub note_draft: String,
}

#[derive(Template)]
#[template(path = "conversation.html")]
pub struct ConversationPage {
    pub nav: Option<Nav>,
    pub csrf: String,
    pub p: Parts,
    pub kept: Kept,
}

pub async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = conversation_id(&id)?;
    show(&state, agent, id, Kept::default(), StatusCode::OK).await
}

/// A conversation id from the path; anything else is "not found".
pub fn conversation_id(raw: &str) -> Result<ConversationId, PageError> {
    raw.parse().map_err(|_| PageError::Shown {
        status: StatusCode::NOT_FOUND,
        message: "There is no such conversation.".into(),
    })
}

/// Renders the page (after a refused form too, with the reason and the drafts kept).
pub async fn show(
    state: &AppState,
    agent: Agent,
    id: ConversationId,
    kept: Kept,
    status: StatusCode,
) -> Result<Response, PageError> {
    let conversation = visible(state, &agent.who, id).await?;
    let p = parts(state, &agent, conversation).await?;
    Ok(render(
        status,
        &ConversationPage {
            nav: Some(Nav::of(&agent, "conversation")),
            csrf: agent.csrf.clone(),
            p,
            kept,
        },
    ))
}

async fn parts(state: &AppState, agent: &Agent, c: Conversation) -> Result<Parts, PageError> {
    let who = &agent.who;
    let workspace = &who.workspace;
    let me = &who.member;
    let now = Utc::now();
    let contact = state.store.contact(c.contact_id).await?;
    // Read in pages from the start, keeping only the newest entries: memory stays bounded
    // however long the conversation.
    // As of the version the page's live stream starts from: what comes later arrives live.
    let mut entries: Vec<Entry> = Vec::new();
    let mut narrator = Narrator::default();
    let mut said: HashMap<Wamid, String> = HashMap::new();
    let mut read_up_to = None;
    let mut from = TimelineFrom {
        after: None,
        as_of: agent.since,
    };
    loop {
        let page = state.store.timeline(c.id, from, TIMELINE_PAGE).await?;
        let read = page.len();
        if let Some(last) = page.last() {
            from.after = Some(last.place());
        }
        let with_files: Vec<MessageId> = page
            .iter()
            .filter_map(|s| message_with_file(&s.event.change))
            .collect();
        let files = match with_files.is_empty() {
            true => Vec::new(),
            false => state.store.media_states(with_files).await?,
        };
        let fetching = state.whatsapp.graph.is_some();
        for s in page {
            let file = message_with_file(&s.event.change).and_then(|id| {
                files
                    .iter()
                    .find(|(m, _)| *m == id)
                    .map(|(_, media)| availability(media, fetching))
            });
            // What an approval carried out (same change, after it) is part of the escalation.
            let line = narrator.line(workspace, s.version, &s.event);
            entries.extend(entry(
                workspace,
                &s.event.change,
                file,
                s.event.happened_at(),
                line,
                &said,
            ));
            if let Change::CustomerMessageReceived { message } = &s.event.change {
                read_up_to = Some(message.id.to_string());
            }
            // What each message said, so a later reply can quote it.
            if let Change::CustomerMessageReceived { message } | Change::ReplyQueued { message } =
                &s.event.change
                && let Some(wamid) = &message.wamid
            {
                said.insert(wamid.clone(), reading::quote_words(&message.content));
            }
        }
        if entries.len() > 2 * TIMELINE_LIMIT {
            entries.drain(..entries.len() - TIMELINE_LIMIT);
        }
        if read < usize::try_from(TIMELINE_PAGE).unwrap_or(0) {
            break;
        }
    }
    if entries.len() > TIMELINE_LIMIT {
        entries.drain(..entries.len() - TIMELINE_LIMIT);
    }
    let previous = state
        .store
        .queue(
            me.clone(),
            workspace.clone(),
            View::All,
            Order::LongestWaiting,
            QueueFilters {
                contact: Some(c.contact_id),
                ..QueueFilters::default()
            },
            None,
            20,
            now,
        )
        .await?
        .conversations
        .into_iter()
        .filter(|other| other.id != c.id && other.inbox_id == c.inbox_id)
        .map(|other| Choice {
            value: format!("/conversations/{}", other.id),
            label: format!(
                "{} — {}",
                other.opened_at.format("%d %b %Y"),
                present::status_words(other.status, now)
            ),
            selected: false,
        })
        .collect();
    let escalation = c.pending_escalation().map(|e| EscalationBox {
        id: e.id.to_string(),
        reason: e.reason.clone(),
        severity: present::severity_word(e.severity),
        target: present::target_words(workspace, &e.target),
        requested_by: workspace.name_of(e.requested_by),
        waiting: present::waited_ago(now, e.requested_at),
        may_decide: may_decide(me, e, workspace),
        mine: e.requested_by == By::Member(me.id),
    });
    let active = || workspace.members.values().filter(|m| m.active);
    let people = active()
        .map(|m| Choice {
            value: m.id.to_string(),
            label: format!("{} ({})", m.name, m.role.as_str()),
            selected: c.assignee == Some(m.id),
        })
        .collect();
    let supervisors = active()
        .filter(|m| m.role != Role::Agent && m.id != me.id)
        .map(|m| Choice {
            value: format!("person:{}", m.id),
            label: m.name.clone(),
            selected: false,
        })
        .collect();
    let teams = workspace
        .teams
        .values()
        .map(|t| Choice {
            value: t.id.to_string(),
            label: t.name.clone(),
            selected: c.team == Some(t.id),
        })
        .collect();
    let priorities = ["low", "normal", "high", "urgent"]
        .iter()
        .map(|p| Choice {
            value: (*p).to_owned(),
            label: (*p).to_owned(),
            selected: c.priority.as_str() == *p,
        })
        .collect();
    let mentionable = active()
        .filter(|m| m.id != me.id)
        .map(|m| Mentionable {
            handle: m.handle.clone(),
            name: m.name.clone(),
        })
        .collect();
    let unassigned = c.assignee.is_none();
    let mine = c.assignee == Some(me.id);
    let window_open = c.window_is_open(now);
    let blocked = match c.assignee {
        Some(owner) if owner != me.id => Some(format!(
            "{} owns this conversation: only they can reply.{}",
            present::member_name(workspace, owner),
            if leads(me, &c, workspace) {
                " You can reassign it."
            } else {
                ""
            }
        )),
        _ => None,
    };
    let inbox = workspace.inboxes.get(&c.inbox_id);
    let waba = inbox.map(|i| i.waba_id.clone()).unwrap_or_default();
    let templates = library::templates_for(who)
        .into_iter()
        .filter(|t| t.template.waba_id == waba && t.template.status != TemplateStatus::Disabled)
        .map(|t| TemplatePick {
            name: t.template.name.clone(),
            language: t.template.language.clone(),
            body: t.template.body.clone(),
            slots: t.slots.clone(),
            usable: t.usable,
            status: template_status(t.template.status),
        })
        .collect();
    let vars = library::variables(
        who,
        &c,
        contact.as_ref().and_then(|k| k.profile_name.as_deref()),
        contact.as_ref().and_then(|k| k.phone.as_deref()),
    );
    let canned = library::usable(&state.store, who, None)
        .await?
        .into_iter()
        .map(|r| {
            let filled = r.fill_in(&vars);
            CannedPick {
                shortcut: r.shortcut.clone(),
                title: r.title.clone(),
                body: filled.text,
                missing: filled.missing.join(", "),
            }
        })
        .collect();
    let window_closes_at = c.window_closes_at();
    Ok(Parts {
        id: c.id.to_string(),
        customer: present::customer_name(contact.as_ref()),
        phone: contact
            .as_ref()
            .and_then(|k| k.phone.as_ref())
            .map(|p| format!("+{p}")),
        unreachable: contact.as_ref().is_some_and(|k| k.unreachable_on_whatsapp),
        inbox: inbox.map(|i| i.name.clone()).unwrap_or_default(),
        team: c
            .team
            .and_then(|t| workspace.teams.get(&t))
            .map_or_else(|| "no team".to_owned(), |t| t.name.clone()),
        owner: c.assignee.map(|a| present::member_name(workspace, a)),
        status: present::status_words(c.status, now),
        open: c.status.at(now) == relaydesk_core::domain::Status::Open,
        resolved: c.status == relaydesk_core::domain::Status::Resolved,
        priority: c.priority.as_str(),
        labels: c.labels.iter().map(|l| l.as_str().to_owned()).collect(),
        escalation,
        previous,
        entries,
        unassigned,
        mine,
        leads: leads(me, &c, workspace),
        people,
        teams,
        supervisors,
        priorities,
        mentionable,
        composer_key: format!(
            "{}|{}|{}",
            c.assignee.map(|a| a.to_string()).unwrap_or_default(),
            window_open,
            c.status.as_str()
        ),
        blocked,
        window_open,
        window_badge: present::window_badge(window_closes_at, now),
        window_text: match window_closes_at {
            Some(at) if at > now => format!("Window open: closes in {}", present::waited(at, now)),
            Some(_) => {
                "The 24-hour window is closed: only an approved template can reach the customer."
                    .to_owned()
            }
            None => "The customer has not written yet: only an approved template can reach them."
                .to_owned(),
        },
        window_closes_at: window_closes_at.map(|at| at.to_rfc3339()),
        templates,
        canned,
        fresh_message: relaydesk_core::domain::MessageId::new().to_string(),
        fresh_note: relaydesk_core::domain::NoteId::new().to_string(),
        fresh_escalation: relaydesk_core::domain::EscalationId::new().to_string(),
        read_up_to,
    })
}

fn template_status(status: TemplateStatus) -> &'static str {
    match status {
        TemplateStatus::Approved => "approved",
        TemplateStatus::Pending => "waiting for Meta's approval",
        TemplateStatus::Rejected => "rejected by Meta",
        TemplateStatus::Paused => "paused by Meta",
        TemplateStatus::Disabled => "disabled",
        TemplateStatus::Unknown => "in a state this server does not know",
    }
}

/// A timeline entry for one change (`None`: shown elsewhere, such as ticks on their message).
/// The message of a change that carries a file (a customer's photo, our document …).
fn message_with_file(change: &Change) -> Option<MessageId> {
    match change {
        Change::CustomerMessageReceived { message } | Change::ReplyQueued { message }
            if matches!(message.content, Content::Media(_)) =>
        {
            Some(message.id)
        }
        _ => None,
    }
}

/// `file`: where the message's file stands, when we keep one for it; `line`: the change in
/// words ([`Narrator::line`]), for a change that is not a message or a note.
fn entry(
    workspace: &relaydesk_core::domain::Workspace,
    change: &Change,
    file: Option<Availability>,
    at: relaydesk_core::domain::Timestamp,
    line: Option<String>,
    said: &HashMap<Wamid, String>,
) -> Option<Entry> {
    let blank = |kind, author: String| Entry {
        kind,
        author,
        at: at.to_rfc3339(),
        at_text: at.format("%d %b %H:%M UTC").to_string(),
        body: Body::default(),
        tick: None,
        tick_words: None,
        failure: None,
        reaction: None,
        line: None,
    };
    match change {
        // A notice from WhatsApp (the customer changed number) is a line, not their words.
        Change::CustomerMessageReceived { message }
            if let Some(line) = reading::notice_line(&message.content) =>
        {
            let mut e = blank("event", String::new());
            e.line = Some(line);
            Some(e)
        }
        Change::CustomerMessageReceived { message } | Change::ReplyQueued { message } => {
            let inbound = message.direction == Direction::Inbound;
            let author = if inbound {
                "Customer".to_owned()
            } else {
                message
                    .author
                    .map_or_else(|| "Relaydesk".to_owned(), |a| workspace.name_of(a))
            };
            let mut e = blank(if inbound { "customer" } else { "agent" }, author);
            let url = format!("/media/{}", message.id);
            e.body = present::body(message, file.map(|f| (url.as_str(), f)), |wamid| {
                said.get(wamid).cloned()
            });
            e.reaction = message.reaction.clone();
            if !inbound {
                let (tick, words) = present::ticks(&message.delivery);
                e.tick = Some(tick);
                e.tick_words = Some(words);
                if let relaydesk_core::domain::DeliveryStatus::Failed { error } = &message.delivery
                {
                    e.failure = Some(error.explanation());
                }
            }
            Some(e)
        }
        Change::NoteAdded { note } => {
            let mut e = blank("note", workspace.name_of(note.author));
            e.body.text = Some(note.body.clone());
            Some(e)
        }
        _ => {
            let line = line?;
            let mut e = blank("event", String::new());
            e.line = Some(line);
            Some(e)
        }
    }
}

/// Targets an escalation can go to, as the form names them (`team:<id>` or `person:<id>`).
pub fn target(raw: &str) -> Option<EscalationTarget> {
    let (kind, id) = raw.split_once(':')?;
    match kind {
        "team" => id.parse().ok().map(EscalationTarget::Team),
        "person" => id.parse().ok().map(EscalationTarget::Person),
        _ => None,
    }
}
