//! The phone side of Relaydesk (feature `client`): a complete headless support app that
//! Android and iOS wrap. It keeps a local copy of what the person may see, reads views and
//! threads from it instantly and offline, writes every command to an outbox *before* anything
//! else and applies it at once with the domain's own rules, and syncs with the server: pending
//! commands pushed in order (each applied there exactly once), then every change pulled.
//!
//! - `local`: the rusqlite database (copy, outbox, session), schema by `PRAGMA user_version`.
//! - `copy`: the copy in memory — server truth, and the view (truth + pending commands).
//! - `api`: the server's HTTP API, every failure a typed [`ClientError`].
//! - `commands`: the commands a person issues (ids minted here), refused at once when the
//!   domain refuses them against what the phone shows.
//! - `facts`: beside the thread — side facts and the canned replies usable there, filled.
//! - `listeners`: subscriptions for the UI (queue, thread, outbox, connection).
//! - `live`: the foreground event stream that pokes a sync, reconnecting with backoff.

mod api;
mod commands;
mod copy;
mod facts;
mod listeners;
mod live;
mod local;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use crate::domain::wording::{Line, Narrator};
use crate::domain::{
    By, Command, Contact, Conversation, ConversationId, Event, Message, Note, Order, Rejection,
    Timestamp, View, can_see, window_time_left,
};
use crate::protocol::auth::{LoginRequest, UserInfo};
use crate::protocol::errors::ErrorCode;
use crate::protocol::sync::{Mutation, MutationOutcome, PushRequest, WorkspaceCopy};

pub use facts::{CannedChoice, SideFacts};
pub use listeners::{ClientListener, Connection, Subscription};
pub use live::LiveHandle;
pub use local::{OutboxState, Pending};

/// What can go wrong, in the cases an app acts on differently.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// Nobody is signed in on this phone.
    #[error("sign in first")]
    NotLoggedIn,
    /// The server cannot be reached (or the connection broke): work continues offline.
    #[error("the server cannot be reached: {0}")]
    Network(String),
    /// The server does not accept this session any more (signed out elsewhere, revoked).
    #[error("signed out: {0}")]
    Unauthorized(String),
    /// The server refused the request, with its error code.
    #[error("the server answered {status} {code}: {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// The server refused this command (its rule's code, e.g. `already_owned`, and the reason
    /// for a person, e.g. "already taken by Bruno").
    #[error("{message}")]
    Refused { code: String, message: String },
    /// The server answered something this app does not understand.
    #[error("{0}")]
    InvalidResponse(String),
    /// The app asked for something that cannot be (an unknown conversation …).
    #[error("{0}")]
    InvalidInput(String),
    /// This phone's own storage failed.
    #[error("{0}")]
    Internal(String),
}

/// Who is signed in on this phone.
#[derive(Debug, Clone)]
struct Session {
    token: String,
    user: UserInfo,
    client_id: String,
}

/// A page of a view, with the count of every view.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewPage {
    pub counts: BTreeMap<View, u64>,
    pub conversations: Vec<Conversation>,
}

/// One conversation as the thread screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Thread {
    pub conversation: Conversation,
    pub contact: Option<Contact>,
    pub messages: Vec<Message>,
    pub notes: Vec<Note>,
    /// The timeline as the server recorded it (pending commands show in the conversation,
    /// messages and notes, and in the outbox).
    pub events: Vec<Event>,
    /// Who did what, in words and in the timeline's order: a line for each of `events` that
    /// is not a message or a note, said as the web view says it ([`crate::domain::wording`]).
    pub lines: Vec<Line>,
    /// How everyone who wrote here is named (each note's author, each of our messages'):
    /// [`crate::domain::Workspace::name_of`] — a colleague, "rule 'Out of hours'", …
    pub authors: HashMap<By, String>,
    /// Seconds left for free-form replies (0: templates only).
    pub window_seconds_left: i64,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    pub pushed: usize,
    pub applied: usize,
    pub rejected: usize,
    pub pulled_pages: usize,
    pub reset: bool,
}

/// The conversation a command is about, if one.
fn conversation_of(command: &Command) -> Option<ConversationId> {
    use Command::*;
    match command {
        Claim { conversation }
        | Assign { conversation, .. }
        | Release { conversation, .. }
        | Reply { conversation, .. }
        | AddNote { conversation, .. }
        | AddLabel { conversation, .. }
        | RemoveLabel { conversation, .. }
        | SetStatus { conversation, .. }
        | SetPriority { conversation, .. }
        | RequestEscalation { conversation, .. }
        | MarkRead { conversation, .. } => Some(*conversation),
        _ => None,
    }
}

/// Commands pushed per request.
const PUSH_BATCH: usize = 200;

/// The phone's support app.
#[derive(Debug)]
pub struct Client {
    api: api::Api,
    local: Mutex<local::Local>,
    copy: Mutex<copy::Copy>,
    session: Mutex<Option<Session>>,
    /// One sync at a time.
    syncing: tokio::sync::Mutex<()>,
    listeners: listeners::Listeners,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Client {
    /// Opens the app's data in `data_dir` for the server at `server_url`, resuming a session
    /// and every pending command left by an earlier run (or a crash).
    pub fn open(server_url: &str, data_dir: &Path) -> Result<Client, ClientError> {
        let local = local::Local::open(data_dir)?;
        local.requeue_sending()?;
        let session = match (
            local.setting("token")?,
            local.setting("user")?,
            local.setting("client_id")?,
        ) {
            (Some(token), Some(user), Some(client_id)) => Some(Session {
                token,
                user: serde_json::from_str(&user)
                    .map_err(|e| ClientError::Internal(format!("the stored user: {e}")))?,
                client_id,
            }),
            _ => None,
        };
        let mut copy = copy::Copy::load(&local)?;
        copy.rebuild(
            session.as_ref().map(|s| s.user.id),
            &local.outbox()?,
            &local,
        )?;
        Ok(Client {
            api: api::Api::new(server_url)?,
            local: Mutex::new(local),
            copy: Mutex::new(copy),
            session: Mutex::new(session),
            syncing: tokio::sync::Mutex::new(()),
            listeners: listeners::Listeners::default(),
        })
    }

    /// Signs in; a different person than the last one starts from an empty copy.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device: &str,
    ) -> Result<UserInfo, ClientError> {
        // Not while a sync writes the previous session's answers.
        let _one = self.syncing.lock().await;
        let answer = self
            .api
            .login(&LoginRequest {
                email: email.to_owned(),
                password: password.to_owned(),
                device: Some(device.to_owned()),
            })
            .await?;
        let mut local = lock(&self.local);
        let previous = local.setting("user_id")?;
        if previous.is_some_and(|p| p != answer.user.id.to_string()) {
            local.wipe()?;
            *lock(&self.copy) = copy::Copy::default();
        }
        let client_id = match local.setting("client_id")? {
            Some(id) => id,
            None => uuid::Uuid::now_v7().to_string(),
        };
        local.set_setting("token", &answer.token)?;
        local.set_setting("client_id", &client_id)?;
        // A new session has no device registered yet: the token goes again.
        local.set_setting("push_token_sent", "no")?;
        local.set_setting("user_id", &answer.user.id.to_string())?;
        local.set_setting(
            "user",
            &serde_json::to_string(&answer.user)
                .map_err(|e| ClientError::Internal(e.to_string()))?,
        )?;
        *lock(&self.session) = Some(Session {
            token: answer.token,
            user: answer.user.clone(),
            client_id,
        });
        Ok(answer.user)
    }

    /// Signs out here and on the server, and forgets this person's copy and outbox.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let _one = self.syncing.lock().await;
        let token = lock(&self.session).as_ref().map(|s| s.token.clone());
        if let Some(token) = token {
            // Offline: the local session ends anyway; the server's expires on its own.
            let _ = self.api.logout(&token).await;
        }
        lock(&self.local).wipe()?;
        *lock(&self.copy) = copy::Copy::default();
        *lock(&self.session) = None;
        Ok(())
    }

    /// The signed-in person.
    pub fn me(&self) -> Option<UserInfo> {
        lock(&self.session).as_ref().map(|s| s.user.clone())
    }

    fn session(&self) -> Result<Session, ClientError> {
        lock(&self.session).clone().ok_or(ClientError::NotLoggedIn)
    }

    /// Issues a command: decided at once with the domain's rules against what the phone
    /// shows, then written to the outbox and applied to the view. Answers its mutation id (its
    /// place in the outbox). A command the domain refuses here is answered as
    /// [`ClientError::Refused`] with the code and reason the server would give (a handoff
    /// without a note, a free-form reply after the window closed, a claim of a colleague's
    /// conversation) and never queued: the person sees why now, offline too.
    pub fn submit(&self, command: Command) -> Result<u64, ClientError> {
        self.submit_at(command, chrono::Utc::now())
    }

    /// [`Client::submit`] at a given time (tests; a clock the app controls).
    pub fn submit_at(&self, command: Command, at: Timestamp) -> Result<u64, ClientError> {
        let session = self.session()?;
        let mut local = lock(&self.local);
        let mut copy = lock(&self.copy);
        let events = copy
            .decide(session.user.id, &command, at, &local)?
            .map_err(|rejection| ClientError::Refused {
                code: rejection.code().to_owned(),
                message: rejection.to_string(),
            })?;
        let mutation_id = local.enqueue(&command, at)?;
        copy.apply_events(&events);
        drop(copy);
        drop(local);
        let pending = Pending {
            mutation_id,
            command,
            made_at: at,
            state: OutboxState::Queued,
            rejection: None,
        };
        self.listeners.outbox();
        self.listeners.queue();
        if let Some(conversation) = conversation_of(&pending.command) {
            self.listeners.thread(conversation);
        }
        Ok(mutation_id)
    }

    /// Calls `listener` on every change until the answered handle is dropped.
    pub fn subscribe(&self, listener: std::sync::Arc<dyn ClientListener>) -> Subscription {
        self.listeners.add(listener)
    }

    /// Stays live (foreground): the server's event stream triggers syncs; dropping the handle
    /// stops it.
    pub fn go_live(self: &std::sync::Arc<Self>) -> LiveHandle {
        live::start(self)
    }

    /// A push arrived (background): sync, and answer the conversation a tapped notification
    /// names, if any. Any payload means "sync"; an unreadable one is not an error.
    pub async fn handle_push(&self, payload: &str) -> Result<Option<ConversationId>, ClientError> {
        let payload: crate::protocol::devices::PushPayload =
            serde_json::from_str(payload).unwrap_or_default();
        self.sync().await?;
        Ok(payload.conversation)
    }

    /// Registers this device's push token (and again whenever the push service refreshes it).
    /// Offline, it is kept and sent with the next sync.
    pub async fn register_push_token(
        &self,
        token: &str,
        platform: crate::protocol::devices::Platform,
    ) -> Result<(), ClientError> {
        let value = serde_json::to_string(&crate::protocol::devices::DeviceRequest {
            token: token.to_owned(),
            platform,
        })
        .map_err(|e| ClientError::Internal(e.to_string()))?;
        {
            let local = lock(&self.local);
            local.set_setting("push_token", &value)?;
            local.set_setting("push_token_sent", "no")?;
        }
        let session = self.session()?;
        self.send_push_token(&session).await
    }

    async fn send_push_token(&self, session: &Session) -> Result<(), ClientError> {
        let (token, sent) = {
            let local = lock(&self.local);
            (
                local.setting("push_token")?,
                local.setting("push_token_sent")?,
            )
        };
        let Some(token) = token.filter(|_| sent.as_deref() != Some("yes")) else {
            return Ok(());
        };
        let device: crate::protocol::devices::DeviceRequest = serde_json::from_str(&token)
            .map_err(|e| ClientError::Internal(format!("the stored push token: {e}")))?;
        self.api.register_device(&session.token, &device).await?;
        lock(&self.local).set_setting("push_token_sent", "yes")?;
        Ok(())
    }

    /// Issues a command and syncs at once, for screens that want the server's verdict now
    /// (claiming from the queue): a refusal is answered as [`ClientError::Refused`]. Offline,
    /// the command stays queued and the network error is answered.
    pub async fn submit_now(&self, command: Command) -> Result<u64, ClientError> {
        let mutation_id = self.submit(command)?;
        self.sync().await?;
        match self.rejection(mutation_id)? {
            Some(rejection) => Err(ClientError::Refused {
                code: rejection.code().to_owned(),
                message: rejection.to_string(),
            }),
            None => Ok(mutation_id),
        }
    }

    /// The outbox: every command not yet forgotten, with where it stands.
    pub fn outbox(&self) -> Result<Vec<Pending>, ClientError> {
        lock(&self.local).outbox()
    }

    /// Pushes pending commands in order, then pulls every change; the view becomes the server's
    /// truth plus what is still pending.
    pub async fn sync(&self) -> Result<SyncReport, ClientError> {
        let _one = self.syncing.lock().await;
        let mut session = self.session()?;
        let mut report = SyncReport::default();
        let pushed = self.push_pending(&mut session, &mut report).await;
        if report.pushed > 0 {
            self.listeners.outbox();
        }
        pushed?;
        // A refused or unsent token is tried again next time; it never holds up the sync.
        if let Err(ClientError::Unauthorized(why)) = self.send_push_token(&session).await {
            return Err(ClientError::Unauthorized(why));
        }
        let changed = self.pull_all(&session, &mut report).await?;
        {
            let local = lock(&self.local);
            local.prune_outbox(500)?;
            let outbox = local.outbox()?;
            lock(&self.copy).rebuild(Some(session.user.id), &outbox, &local)?;
        }
        if report.pushed > 0 || !changed.is_empty() || report.reset {
            self.listeners.queue();
        }
        for conversation in changed {
            self.listeners.thread(conversation);
        }
        Ok(report)
    }

    async fn push_pending(
        &self,
        session: &mut Session,
        report: &mut SyncReport,
    ) -> Result<(), ClientError> {
        let mut renumbered = false;
        loop {
            let batch: Vec<Pending> = lock(&self.local)
                .outbox()?
                .into_iter()
                .filter(|p| matches!(p.state, OutboxState::Queued | OutboxState::Sending))
                .take(PUSH_BATCH)
                .collect();
            if batch.is_empty() {
                return Ok(());
            }
            {
                let local = lock(&self.local);
                for p in &batch {
                    local.mark(p.mutation_id, OutboxState::Sending, None)?;
                }
            }
            let request = PushRequest {
                client_id: session.client_id.clone(),
                mutations: batch
                    .iter()
                    .map(|p| Mutation {
                        id: p.mutation_id,
                        command: p.command.clone(),
                    })
                    .collect(),
            };
            let answer = match self.api.push(&session.token, &request).await {
                Ok(answer) => answer,
                Err(ClientError::Server { code, .. })
                    if matches!(
                        ErrorCode::parse(&code),
                        Some(ErrorCode::MutationGap | ErrorCode::Forbidden)
                    ) && !renumbered =>
                {
                    // The server does not know this numbering (its record was lost, or the id
                    // is someone else's): start a fresh client id and push again from 1.
                    let fresh = uuid::Uuid::now_v7().to_string();
                    lock(&self.local).renumber(&fresh)?;
                    session.client_id = fresh.clone();
                    if let Some(current) = lock(&self.session).as_mut() {
                        current.client_id = fresh;
                    }
                    renumbered = true;
                    continue;
                }
                Err(error) => {
                    // Not answered: they go again next time (the server applies each once).
                    lock(&self.local).requeue_sending()?;
                    return Err(error);
                }
            };
            let local = lock(&self.local);
            for result in &answer.results {
                report.pushed += 1;
                match &result.outcome {
                    MutationOutcome::Applied => {
                        report.applied += 1;
                        local.mark(result.id, OutboxState::Applied, None)?;
                    }
                    MutationOutcome::Rejected { rejection, .. } => {
                        report.rejected += 1;
                        local.mark(result.id, OutboxState::Rejected, Some(rejection))?;
                    }
                    MutationOutcome::UnknownOutcome => {
                        local.mark(result.id, OutboxState::Unknown, None)?;
                    }
                }
            }
            if answer.results.len() < batch.len() {
                local.requeue_sending()?;
                return Err(ClientError::InvalidResponse(
                    "the server answered fewer commands than were pushed".into(),
                ));
            }
        }
    }

    /// Pulls every page; answers the conversations that changed.
    async fn pull_all(
        &self,
        session: &Session,
        report: &mut SyncReport,
    ) -> Result<Vec<ConversationId>, ClientError> {
        let cursor: i64 = lock(&self.local)
            .setting("cursor")?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut page: Option<String> = None;
        let mut changed = Vec::new();
        loop {
            let answer = self
                .api
                .pull(&session.token, &session.client_id, cursor, page.as_deref())
                .await?;
            report.pulled_pages += 1;
            report.reset |= answer.reset;
            let done = !answer.has_more;
            if !done && answer.next_page.is_none() {
                return Err(ClientError::InvalidResponse(
                    "the server said more follows but gave no page".into(),
                ));
            }
            lock(&self.local).store_pull(&answer, done.then_some(answer.cursor))?;
            lock(&self.copy).absorb(&answer);
            changed.extend(answer.conversations.iter().map(|c| c.id));
            changed.extend(answer.removed.iter().copied());
            if done {
                return Ok(changed);
            }
            page = answer.next_page;
        }
    }

    /// A page of `view` in `order`, with the count of every view — from the local copy.
    pub fn view(&self, view: View, order: Order, limit: usize) -> ViewPage {
        let Some(me) = self.me() else {
            return ViewPage {
                counts: BTreeMap::new(),
                conversations: Vec::new(),
            };
        };
        let copy = lock(&self.copy);
        let workspace = &copy.truth.workspace;
        let now = chrono::Utc::now();
        let mut counts: BTreeMap<View, u64> = View::ALL.iter().map(|v| (*v, 0)).collect();
        let mut rows = Vec::new();
        if let Some(member) = workspace.members.get(&me.id) {
            for conversation in copy.conversations() {
                for v in View::ALL {
                    if v.includes(member, conversation, workspace, now) {
                        *counts.entry(v).or_default() += 1;
                        if v == view {
                            rows.push(conversation);
                        }
                    }
                }
            }
        }
        rows.sort_by_key(|c| (order.key(c, now), c.id));
        ViewPage {
            counts,
            conversations: rows.into_iter().take(limit).cloned().collect(),
        }
    }

    /// One conversation with everything on it, if the person may see it.
    pub fn thread(&self, id: ConversationId) -> Result<Option<Thread>, ClientError> {
        let Some(me) = self.me() else {
            return Err(ClientError::NotLoggedIn);
        };
        let local = lock(&self.local);
        let copy = lock(&self.copy);
        let Some(conversation) = copy.conversation(id) else {
            return Ok(None);
        };
        let workspace = &copy.truth.workspace;
        let visible = workspace
            .members
            .get(&me.id)
            .is_some_and(|m| can_see(m, conversation, workspace));
        if !visible {
            return Ok(None);
        }
        let placed = local.events_of(id)?;
        let lines = Narrator::lines(
            workspace,
            placed.iter().map(|(place, event)| (place.version, event)),
        );
        let events: Vec<Event> = placed.into_iter().map(|(_, event)| event).collect();
        let messages = copy.messages_of(id, &local)?;
        let notes = copy.notes_of(id, &local)?;
        let authors = notes
            .iter()
            .map(|n| n.author)
            .chain(messages.iter().filter_map(|m| m.author))
            .map(|by| (by, workspace.name_of(by)))
            .collect();
        Ok(Some(Thread {
            window_seconds_left: window_time_left(conversation.last_inbound_at, chrono::Utc::now())
                .num_seconds(),
            contact: copy.truth.contacts.get(&conversation.contact_id).cloned(),
            conversation: conversation.clone(),
            messages,
            notes,
            events,
            lines,
            authors,
        }))
    }

    /// Templates, canned replies, colleagues and teams as last pulled.
    pub fn workspace(&self) -> Option<WorkspaceCopy> {
        lock(&self.copy).workspace.clone()
    }

    /// The reason a pushed command was refused, if it was.
    pub fn rejection(&self, mutation_id: u64) -> Result<Option<Rejection>, ClientError> {
        Ok(self
            .outbox()?
            .into_iter()
            .find(|p| p.mutation_id == mutation_id)
            .and_then(|p| p.rejection))
    }
}
