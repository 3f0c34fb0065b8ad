//! The queue page: the views with live counts, filters (inbox, label, priority, assignee),
//! the two orders, and one row per conversation — customer, last message, waiting time,
//! owner, and a badge when the 24-hour window closes within the hour or has closed. The rows
//! come from the same store query as `GET /api/v1/conversations` (the domain's views in SQL).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use relaydesk_core::domain::{By, Direction, Order, View};

use super::Nav;
use super::error::PageError;
use super::present::{self, Badge};
use super::session::Agent;
use crate::http::conversations::{Listing, QueueParams, encode_cursor};
use crate::state::AppState;

const ROWS_PER_PAGE: usize = 50;

/// A tab of the queue.
pub struct Tab {
    pub name: &'static str,
    pub title: &'static str,
    pub count: u64,
    pub href: String,
    pub current: bool,
}

/// One conversation in the list.
pub struct Row {
    pub href: String,
    pub id: String,
    pub customer: String,
    pub last_message: String,
    /// Who sent the last message when it was ours: "You" (the team), or the automation that
    /// sent it ("rule 'Out of hours'").
    pub last_by: Option<String>,
    pub waiting: Option<String>,
    pub owner: Option<String>,
    pub mine: bool,
    pub priority: &'static str,
    pub labels: Vec<String>,
    pub status: String,
    pub window: Option<Badge>,
    pub escalation: bool,
}

/// An option of a filter's list.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    nav: Option<Nav>,
    csrf: String,
    tabs: Vec<Tab>,
    view: &'static str,
    view_title: &'static str,
    sort_closing: bool,
    inboxes: Vec<Choice>,
    priorities: Vec<Choice>,
    assignees: Vec<Choice>,
    label: String,
    filtered: bool,
    rows: Vec<Row>,
    more: Option<String>,
}

fn title(view: View) -> &'static str {
    match view {
        View::Unassigned => "Unassigned",
        View::Mine => "Mine",
        View::Team => "My teams",
        View::Escalations => "Escalations",
        View::Waiting => "Waiting on customer",
        View::Snoozed => "Snoozed",
        View::Resolved => "Resolved",
        View::All => "All",
    }
}

/// The query string of a listing (empty values left out).
fn query(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    match serde_urlencoded::to_string(kept) {
        Ok(q) if !q.is_empty() => format!("/?{q}"),
        _ => "/".to_owned(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    agent: Agent,
    Query(q): Query<QueueParams>,
) -> Result<Response, PageError> {
    let who = &agent.who;
    let now = Utc::now();
    let Listing {
        view,
        sort,
        filters,
        after,
    } = q.listing(now)?;
    let rows = state
        .store
        .queue(
            who.member.clone(),
            who.workspace.clone(),
            view,
            sort,
            filters.clone(),
            after,
            ROWS_PER_PAGE,
            now,
        )
        .await?;
    let last = state
        .store
        .last_messages(rows.conversations.iter().map(|c| c.id).collect())
        .await?;
    let workspace = &who.workspace;
    let sort_word = if sort == Order::default() {
        ""
    } else {
        sort.as_str()
    };
    let inbox = q.inbox.clone().unwrap_or_default();
    let label = filters
        .label
        .as_ref()
        .map(|l| l.as_str().to_owned())
        .unwrap_or_default();
    let priority_word = filters.priority.map(|p| p.as_str()).unwrap_or_default();
    let assignee = q.assignee.clone().unwrap_or_default();
    let listing = |view: &str, cursor: &str| {
        query(&[
            ("view", view),
            ("sort", sort_word),
            ("inbox", &inbox),
            ("label", &label),
            ("priority", priority_word),
            ("assignee", &assignee),
            ("cursor", cursor),
        ])
    };
    let tabs = View::ALL
        .iter()
        .map(|v| Tab {
            name: v.as_str(),
            title: title(*v),
            count: rows
                .counts
                .iter()
                .find(|(c, _)| c == v)
                .map_or(0, |(_, n)| *n),
            href: listing(v.as_str(), ""),
            current: *v == view,
        })
        .collect();
    let list = rows
        .conversations
        .iter()
        .map(|c| {
            let contact = rows.contacts.iter().find(|k| k.id == c.contact_id);
            let message = last.get(&c.id);
            Row {
                href: format!("/conversations/{}", c.id),
                id: c.id.to_string(),
                customer: present::customer_name(contact),
                last_message: message.map(|m| m.content.summary()).unwrap_or_default(),
                last_by: message
                    .filter(|m| m.direction == Direction::Outbound)
                    .map(|m| match m.author {
                        Some(by @ By::Automation(_)) => workspace.name_of(by),
                        _ => "You".to_owned(),
                    }),
                waiting: c
                    .awaiting_reply_since
                    .map(|since| present::waited(now, since)),
                owner: c.assignee.map(|a| present::member_name(workspace, a)),
                mine: c.assignee == Some(who.member.id),
                priority: c.priority.as_str(),
                labels: c.labels.iter().map(|l| l.as_str().to_owned()).collect(),
                status: present::status_words(c.status, now),
                window: present::window_badge(c.window_closes_at(), now),
                escalation: c.pending_escalation().is_some(),
            }
        })
        .collect();
    let choices = |pairs: Vec<(String, String)>, current: &str| {
        pairs
            .into_iter()
            .map(|(value, label)| Choice {
                selected: value == current,
                value,
                label,
            })
            .collect::<Vec<_>>()
    };
    let inboxes = choices(
        workspace
            .inboxes
            .values()
            .map(|i| (i.id.to_string(), i.name.clone()))
            .collect(),
        &inbox,
    );
    let priorities = choices(
        ["urgent", "high", "normal", "low"]
            .iter()
            .map(|p| ((*p).to_owned(), (*p).to_owned()))
            .collect(),
        priority_word,
    );
    let assignees = choices(
        workspace
            .members
            .values()
            .filter(|m| m.active)
            .map(|m| (m.id.to_string(), m.name.clone()))
            .collect(),
        &assignee,
    );
    let more = rows
        .next
        .as_ref()
        .map(|next| listing(view.as_str(), &encode_cursor(next)));
    Ok(super::render(
        StatusCode::OK,
        &QueuePage {
            nav: Some(Nav::of(&agent, "queue")),
            csrf: agent.csrf.clone(),
            tabs,
            view: view.as_str(),
            view_title: title(view),
            sort_closing: sort == Order::WindowClosingSoonest,
            filtered: !(inbox.is_empty()
                && label.is_empty()
                && priority_word.is_empty()
                && assignee.is_empty()),
            inboxes,
            priorities,
            assignees,
            label,
            rows: list,
            more,
        },
    ))
}
