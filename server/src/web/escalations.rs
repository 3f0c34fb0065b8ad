//! The escalations page: requests waiting for a decision, oldest first — the conversation,
//! who asked, why, how severe, how long it has waited — with approve and reject (each with a
//! note) for those who may decide. The decision is the domain's `ApproveEscalation` /
//! `RejectEscalation`, as from the API or a supervisor's phone.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use relaydesk_core::domain::{Command, EscalationId, Order, View, may_decide};

use super::actions::{Fields, run};
use super::error::{PageError, see_other};
use super::present;
use super::session::Agent;
use super::{Nav, render};
use crate::http::ApiError;
use crate::state::AppState;
use crate::store::QueueFilters;

/// One waiting request.
pub struct Request {
    pub escalation: String,
    pub href: String,
    pub customer: String,
    pub reason: String,
    pub severity: &'static str,
    pub requested_by: String,
    pub target: String,
    pub waiting: String,
    pub may_decide: bool,
}

#[derive(Template)]
#[template(path = "escalations.html")]
struct EscalationsPage {
    nav: Option<Nav>,
    csrf: String,
    to_decide: Vec<Request>,
    others: Vec<Request>,
    error: Option<String>,
}

pub async fn page(State(state): State<AppState>, agent: Agent) -> Result<Response, PageError> {
    show(&state, agent, None, StatusCode::OK).await
}

async fn show(
    state: &AppState,
    agent: Agent,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let who = &agent.who;
    let now = Utc::now();
    let rows = state
        .store
        .queue(
            who.member.clone(),
            who.workspace.clone(),
            View::Escalations,
            Order::LongestWaiting,
            QueueFilters::default(),
            None,
            200,
            now,
        )
        .await?;
    let workspace = &who.workspace;
    let mut requests: Vec<Request> = rows
        .conversations
        .iter()
        .filter_map(|c| {
            let e = c.pending_escalation()?;
            Some(Request {
                escalation: e.id.to_string(),
                href: format!("/conversations/{}", c.id),
                customer: present::customer_name(
                    rows.contacts.iter().find(|k| k.id == c.contact_id),
                ),
                reason: e.reason.clone(),
                severity: present::severity_word(e.severity),
                requested_by: workspace.name_of(e.requested_by),
                target: present::target_words(workspace, &e.target),
                waiting: present::waited_ago(now, e.requested_at),
                may_decide: may_decide(&who.member, e, workspace),
            })
        })
        .collect();
    requests.sort_by(|a, b| a.escalation.cmp(&b.escalation));
    let (to_decide, others) = requests.into_iter().partition(|r| r.may_decide);
    Ok(render(
        status,
        &EscalationsPage {
            nav: Some(Nav::of(&agent, "escalations")),
            csrf: agent.csrf.clone(),
            to_decide,
            others,
            error,
        },
    ))
}

/// Approve or reject from the list.
pub async fn decide(
    State(state): State<AppState>,
    agent: Agent,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields::new(pairs);
    let command = (|| -> Result<Command, ApiError> {
        let escalation: EscalationId = fields.parsed("escalation", "the escalation")?;
        match fields.required("action", "a decision")?.as_str() {
            "approve" => Ok(Command::ApproveEscalation {
                escalation,
                note: fields.text("decision_note"),
            }),
            "reject" => Ok(Command::RejectEscalation {
                escalation,
                reason: fields.text("decision_note").unwrap_or_default(),
            }),
            _ => Err(ApiError::invalid("action", "approve or reject")),
        }
    })();
    let outcome = match command {
        Ok(command) => run(&state, &agent, command).await,
        Err(invalid) => Err(invalid),
    };
    match outcome {
        Ok(()) => Ok(see_other("/escalations")),
        Err(error) => {
            let status = error.status;
            show(&state, agent, Some(error.message), status).await
        }
    }
}
