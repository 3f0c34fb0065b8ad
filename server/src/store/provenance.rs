//! Where a change came from: who asked (the domain's [`Actor`]), through which door, in which
//! session. Every door hands one to the write path with its command, and each event it appends
//! keeps its door and session beside its `by` — so a supervisor can later be told that a
//! reassignment came from Ana's phone, not the web, and the accountable configuration and audit
//! issues have a record to read.

use relaydesk_core::domain::Actor;

/// The way a change came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    /// The REST API (`/api/v1/…`).
    Rest,
    /// The server-rendered web view's forms.
    Web,
    /// A phone's sync push.
    Sync,
    /// The `relaydesk admin` command line.
    Cli,
    /// WhatsApp's signed webhook.
    Webhook,
    /// The send queue, recording what the Graph API answered.
    SendQueue,
    /// A durable timer that came due (a snooze running out), fired as the system.
    Timer,
    /// A follower of the event log acting on what happened.
    Follower,
    /// Relaydesk calling its store directly: the demo's seed, tools and tests.
    Internal,
    /// A schema migration (the configuration log's first entries).
    Migration,
}

impl Door {
    /// Its word in storage (`events.door`).
    pub fn as_str(self) -> &'static str {
        match self {
            Door::Rest => "rest",
            Door::Web => "web",
            Door::Sync => "sync",
            Door::Cli => "cli",
            Door::Webhook => "webhook",
            Door::SendQueue => "send_queue",
            Door::Timer => "timer",
            Door::Follower => "follower",
            Door::Internal => "internal",
            Door::Migration => "migration",
        }
    }
}

/// Who asked, through which door, in which session (a signed-in person's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    pub actor: Actor,
    pub door: Door,
    pub session: Option<String>,
}

impl Provenance {
    /// A change through `door` outside any session (a webhook, the send queue, the CLI).
    pub fn new(actor: Actor, door: Door) -> Provenance {
        Provenance {
            actor,
            door,
            session: None,
        }
    }

    /// Relaydesk itself (the system) calling its store directly: the demo's first setup, its
    /// periodic template sync, tools and tests.
    pub fn relaydesk() -> Provenance {
        Provenance::new(
            Actor::Automation(relaydesk_core::domain::Automaton::System),
            Door::Internal,
        )
    }

    /// A signed-in person's change through `door`, in their session `session`.
    pub fn in_session(actor: Actor, door: Door, session: impl Into<String>) -> Provenance {
        Provenance {
            actor,
            door,
            session: Some(session.into()),
        }
    }
}

/// The store called directly with only an actor: Relaydesk itself (the demo, tools, tests).
impl From<Actor> for Provenance {
    fn from(actor: Actor) -> Provenance {
        Provenance::new(actor, Door::Internal)
    }
}
