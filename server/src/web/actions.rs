//! The conversation page's forms: each becomes one domain command, submitted through the same
//! write path as the REST routes and phone sync. A refusal ("already taken by Bo Chen",
//! "window closed") is shown on the page at once, with whatever was typed kept; success
//! returns to the page (303, so a reload never repeats it). Replies, notes and escalations
//! carry ids minted when the page was drawn, so a double-click cannot send twice.

use std::collections::BTreeMap;

use crate::store::Door;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{Duration, NaiveDateTime, Utc};
use relaydesk_core::domain::{
    AssignTarget, Availability, Command, ConversationId, EscalationId, HandoffNote, MessageId,
    NoteId, Priority, ReplyBody, Severity, Status, TeamId, UserId,
};

use super::conversation::{Kept, conversation_id, show, target};
use super::error::{PageError, see_other};
use super::session::Agent;
use crate::http::ApiError;
use crate::state::AppState;

/// A submitted form, field by field.
pub struct Fields(BTreeMap<String, String>);

impl Fields {
    pub fn new(pairs: Vec<(String, String)>) -> Fields {
        Fields(pairs.into_iter().collect())
    }

    /// A field's text, trimmed; absent or blank is `None`.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A field that must be there.
    pub fn required(&self, name: &str, what: &str) -> Result<String, ApiError> {
        self.text(name)
            .ok_or_else(|| ApiError::invalid(name, format!("{what} is required")))
    }

    /// A field read as an id (or any value with `FromStr`).
    pub fn parsed<T: std::str::FromStr>(&self, name: &str, what: &str) -> Result<T, ApiError> {
        self.required(name, what)?
            .parse()
            .map_err(|_| ApiError::invalid(name, format!("{what} is not one this page offered")))
    }

    /// Fields named `prefix…`, without the prefix.
    pub fn prefixed(&self, prefix: &str) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(prefix)
                    .map(|k| (k.to_owned(), v.trim().to_owned()))
            })
            .collect()
    }
}

fn word<T: serde::de::DeserializeOwned>(
    fields: &Fields,
    name: &str,
    what: &str,
) -> Result<T, ApiError> {
    let raw = fields.required(name, what)?;
    serde_json::from_value(serde_json::Value::String(raw))
        .map_err(|_| ApiError::invalid(name, format!("{what} is not one this page offered")))
}

fn handoff(fields: &Fields) -> Option<HandoffNote> {
    fields.text("note").map(|body| HandoffNote {
        id: NoteId::new(),
        body,
    })
}

/// The status a status form asks for (a snooze: for a number of minutes, or until a local
/// time with the browser's offset from UTC).
fn status(fields: &Fields) -> Result<Status, ApiError> {
    match fields.required("status", "a status")?.as_str() {
        "open" => Ok(Status::Open),
        "pending" => Ok(Status::Pending),
        "resolved" => Ok(Status::Resolved),
        "snoozed" => {
            let now = Utc::now();
            let until = match fields.text("snooze").as_deref() {
                Some("until") => {
                    let local = fields.required("until", "the time to snooze until")?;
                    let naive =
                        NaiveDateTime::parse_from_str(&local, "%Y-%m-%dT%H:%M").map_err(|_| {
                            ApiError::invalid("until", "a date and time (YYYY-MM-DDTHH:MM)")
                        })?;
                    // `tz_offset` is JavaScript's getTimezoneOffset(): minutes to add to local time.
                    let offset: i64 = fields
                        .text("tz_offset")
                        .and_then(|o| o.parse().ok())
                        .unwrap_or(0);
                    naive.and_utc() + Duration::minutes(offset.clamp(-1440, 1440))
                }
                Some(minutes) => {
                    let minutes: i64 = minutes
                        .parse()
                        .ok()
                        .filter(|m| (1..=60 * 24 * 90).contains(m))
                        .ok_or_else(|| ApiError::invalid("snooze", "how long to snooze"))?;
                    now + Duration::minutes(minutes)
                }
                None => {
                    return Err(ApiError::invalid(
                        "snooze",
                        "how long to snooze is required",
                    ));
                }
            };
            if until <= now {
                return Err(ApiError::invalid("until", "a time in the future"));
            }
            Ok(Status::Snoozed { until })
        }
        _ => Err(ApiError::invalid(
            "status",
            "one of open, pending, snoozed, resolved",
        )),
    }
}

/// The command a conversation form asks for.
fn command(id: ConversationId, fields: &Fields) -> Result<Command, ApiError> {
    let conversation = id;
    Ok(match fields.required("action", "an action")?.as_str() {
        "claim" => Command::Claim { conversation },
        "release" => Command::Release {
            conversation,
            note: handoff(fields),
            reason: fields.text("reason"),
        },
        "assign" => {
            let to = match fields
                .required("to", "who to assign it to")?
                .split_once(':')
            {
                Some(("person", id)) => AssignTarget::Agent(
                    id.parse::<UserId>()
                        .map_err(|_| ApiError::invalid("to", "a person of this workspace"))?,
                ),
                Some(("team", id)) => AssignTarget::Team(
                    id.parse::<TeamId>()
                        .map_err(|_| ApiError::invalid("to", "a team of this workspace"))?,
                ),
                _ => return Err(ApiError::invalid("to", "a person or a team")),
            };
            Command::Assign {
                conversation,
                to,
                reason: fields.text("reason"),
                note: handoff(fields),
            }
        }
        "reply" => Command::Reply {
            conversation,
            message: fields.parsed::<MessageId>("message_id", "the reply's id")?,
            body: ReplyBody::Text {
                text: fields.required("text", "the reply")?,
            },
            in_reply_to: None,
        },
        "template" => Command::Reply {
            conversation,
            message: fields.parsed::<MessageId>("message_id", "the reply's id")?,
            body: ReplyBody::Template {
                name: fields.required("template", "a template")?,
                language: fields.required("language", "the template's language")?,
                params: fields.prefixed("param:"),
            },
            in_reply_to: None,
        },
        "note" => Command::AddNote {
            conversation,
            note: fields.parsed::<NoteId>("note_id", "the note's id")?,
            body: fields.required("note_text", "the note")?,
        },
        "label_add" => Command::AddLabel {
            conversation,
            label: fields.required("label", "a label")?,
        },
        "label_remove" => Command::RemoveLabel {
            conversation,
            label: fields.required("label", "a label")?,
        },
        "priority" => Command::SetPriority {
            conversation,
            priority: word::<Priority>(fields, "priority", "a priority")?,
        },
        "status" => Command::SetStatus {
            conversation,
            status: status(fields)?,
        },
        "escalate" => Command::RequestEscalation {
            conversation,
            escalation: fields.parsed::<EscalationId>("escalation_id", "the escalation's id")?,
            reason: fields.required("reason", "a reason")?,
            severity: word::<Severity>(fields, "severity", "a severity")?,
            target: target(&fields.required("target", "who decides")?)
                .ok_or_else(|| ApiError::invalid("target", "a team or a supervisor"))?,
        },
        "approve" => Command::ApproveEscalation {
            escalation: fields.parsed("escalation", "the escalation")?,
            note: fields.text("decision_note"),
        },
        "reject" => Command::RejectEscalation {
            escalation: fields.parsed("escalation", "the escalation")?,
            reason: fields.text("decision_note").unwrap_or_default(),
        },
        "mark_read" => Command::MarkRead {
            conversation,
            message: fields.parsed("message", "the customer's message")?,
        },
        "cancel_escalation" => Command::CancelEscalation {
            escalation: fields.parsed("escalation", "the escalation")?,
        },
        _ => return Err(ApiError::invalid("action", "not an action of this page")),
    })
}

/// Decides and applies a form's command as the signed-in person.
pub async fn run(state: &AppState, agent: &Agent, command: Command) -> Result<(), ApiError> {
    state
        .store
        .execute(agent.who.through(Door::Web), Utc::now(), command)
        .await??;
    Ok(())
}

pub async fn submit(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = conversation_id(&id)?;
    let fields = Fields::new(pairs);
    let outcome = match command(id, &fields) {
        Ok(command) => run(&state, &agent, command).await,
        Err(invalid) => Err(invalid),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/conversations/{id}"))),
        Err(error) => {
            let kept = Kept {
                error: Some(error.message.clone()),
                draft: fields.text("text").unwrap_or_default(),
                note_draft: fields.text("note_text").unwrap_or_default(),
            };
            show(&state, agent, id, kept, error.status).await
        }
    }
}

/// The top bar's availability form: sets the person's own availability, then returns to the
/// page it was sent from (a same-origin path only). A refusal is shown as an error page.
pub async fn set_availability(
    State(state): State<AppState>,
    agent: Agent,
    headers: axum::http::HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields::new(pairs);
    let availability: Availability = word(&fields, "availability", "an availability")?;
    run(&state, &agent, Command::SetAvailability { availability }).await?;
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        });
    Ok(see_other(&super::login::safe_next(back.as_deref())))
}
