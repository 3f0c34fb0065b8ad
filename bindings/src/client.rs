//! The phone client as one object for the app, and the listener the app implements.
//! Every method delegates to `relaydesk_core::client::Client`; nothing is decided here.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use relaydesk_core::client::{
    Client, ClientListener, Connection, LiveHandle, Subscription as CoreSubscription,
};
use relaydesk_core::domain::{
    Command, ConversationId, EscalationId, EscalationTarget, MessageId, NoteId, ReplyBody,
    Severity, TeamId, UserId,
};
use relaydesk_core::protocol::devices::Platform;

use crate::error::{AppError, id};
use crate::records::{
    LiveState, Me, OutboxItem, QueueOrder, QueuePage, QueueView, SyncSummary, ThreadView,
};

/// What the app's screens listen to. Called from background threads: hop to the UI thread.
#[uniffi::export(with_foreign)]
pub trait UiListener: Send + Sync {
    /// A view may list different conversations or counts.
    fn queue_changed(&self);
    /// This conversation's thread changed.
    fn thread_changed(&self, conversation_id: String);
    /// A command was queued or answered.
    fn outbox_changed(&self);
    /// The live connection changed.
    fn live_changed(&self, state: LiveState);
}

struct Forward(Arc<dyn UiListener>);

impl ClientListener for Forward {
    fn queue_changed(&self) {
        self.0.queue_changed();
    }
    fn thread_changed(&self, conversation: ConversationId) {
        self.0.thread_changed(conversation.to_string());
    }
    fn outbox_changed(&self) {
        self.0.outbox_changed();
    }
    fn connection_changed(&self, state: Connection) {
        self.0.live_changed(match state {
            Connection::Offline => LiveState::Offline,
            Connection::Connecting => LiveState::Connecting,
            Connection::Live => LiveState::Live,
        });
    }
}

/// Keeps a listener subscribed; `stop()` (or destroying it) stops the calls.
#[derive(Debug, uniffi::Object)]
pub struct ListenerHandle(Mutex<Option<CoreSubscription>>);

#[uniffi::export]
impl ListenerHandle {
    /// Stops the calls now.
    pub fn stop(&self) {
        self.0.lock().map(|mut s| s.take()).ok();
    }
}

/// Keeps the client live (foreground); `stop()` (or destroying it) stops.
#[derive(Debug, uniffi::Object)]
pub struct LiveSession(Mutex<Option<LiveHandle>>);

#[uniffi::export]
impl LiveSession {
    /// Stops following the server's live stream.
    pub fn stop(&self) {
        self.0.lock().map(|mut s| s.take()).ok();
    }
}

/// Which push service a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushPlatform {
    Android,
    Ios,
}

/// The Relaydesk app without a screen: sign in, the queue, threads, commands that work
/// offline, sync. Everything that touches the network or the phone's database is `suspend` /
/// `async`; commands return at once (they are written to the outbox, not sent).
#[derive(Debug, uniffi::Object)]
pub struct RelaydeskClient {
    inner: Arc<Client>,
}

#[uniffi::export(async_runtime = "tokio")]
impl RelaydeskClient {
    /// Opens the app's data in `data_dir` for the server at `server_url`, resuming a session
    /// and any commands left pending by an earlier run.
    #[uniffi::constructor]
    pub fn new(server_url: String, data_dir: String) -> Result<Arc<Self>, AppError> {
        let inner = Client::open(&server_url, &PathBuf::from(data_dir))?;
        Ok(Arc::new(RelaydeskClient {
            inner: Arc::new(inner),
        }))
    }

    /// Signs in with email and password; `device` names this phone in the person's sessions.
    pub async fn login(
        &self,
        email: String,
        password: String,
        device: String,
    ) -> Result<Me, AppError> {
        Ok(self.inner.login(&email, &password, &device).await?.into())
    }

    /// Signs out and forgets this person's data on the phone.
    pub async fn logout(&self) -> Result<(), AppError> {
        Ok(self.inner.logout().await?)
    }

    /// The signed-in person, if any.
    pub fn me(&self) -> Option<Me> {
        self.inner.me().map(Me::from)
    }

    /// Pushes pending commands, then pulls every change.
    pub async fn sync(&self) -> Result<SyncSummary, AppError> {
        let report = self.inner.sync().await?;
        Ok(SyncSummary {
            pushed: report.pushed as u64,
            applied: report.applied as u64,
            rejected: report.rejected as u64,
        })
    }

    /// A page of a view from the phone's copy (works offline).
    pub async fn view(&self, view: QueueView, order: QueueOrder, limit: u32) -> QueuePage {
        self.inner
            .view(view.into(), order.into(), limit as usize)
            .into()
    }

    /// One conversation, if the person may see it.
    pub async fn thread(&self, conversation_id: String) -> Result<Option<ThreadView>, AppError> {
        let conversation: ConversationId = id("conversation_id", &conversation_id)?;
        Ok(self.inner.thread(conversation)?.map(ThreadView::from))
    }

    /// Every command not yet forgotten, with where it stands.
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>, AppError> {
        Ok(self
            .inner
            .outbox()?
            .into_iter()
            .map(OutboxItem::from)
            .collect())
    }

    /// Takes an unassigned conversation. Answers the command's number in the outbox.
    pub async fn claim(&self, conversation_id: String) -> Result<u64, AppError> {
        let conversation = id("conversation_id", &conversation_id)?;
        Ok(self.inner.submit(Command::Claim { conversation })?)
    }

    /// Claims and asks the server at once: a conversation someone else took first is answered
    /// as `AppError.Rejected` with code `already_owned` (its message names the owner).
    pub async fn claim_now(&self, conversation_id: String) -> Result<u64, AppError> {
        let conversation = id("conversation_id", &conversation_id)?;
        Ok(self
            .inner
            .submit_now(Command::Claim { conversation })
            .await?)
    }

    /// Sends free text (inside the 24-hour window).
    pub async fn reply(&self, conversation_id: String, text: String) -> Result<u64, AppError> {
        let conversation = id("conversation_id", &conversation_id)?;
        Ok(self.inner.submit(Command::Reply {
            conversation,
            message: MessageId::new(),
            body: ReplyBody::Text { text },
            in_reply_to: None,
        })?)
    }

    /// Sends an approved template with its parameters (`body.1` → value …).
    pub async fn reply_with_template(
        &self,
        conversation_id: String,
        name: String,
        language: String,
        params: std::collections::HashMap<String, String>,
    ) -> Result<u64, AppError> {
        let conversation = id("conversation_id", &conversation_id)?;
        Ok(self.inner.submit(Command::Reply {
            conversation,
            message: MessageId::new(),
            body: ReplyBody::Template {
                name,
                language,
                params: params.into_iter().collect(),
            },
            in_reply_to: None,
        })?)
    }

    /// Leaves an internal note (`@handle` mentions colleagues).
    pub async fn add_note(&self, conversation_id: String, body: String) -> Result<u64, AppError> {
        let conversation = id("conversation_id", &conversation_id)?;
        Ok(self.inner.submit(Command::AddNote {
            conversation,
            note: NoteId::new(),
            body,
        })?)
    }

    /// Asks for an escalation to a team (`target_team_id`) or a person (`target_person_id`).
    pub async fn request_escalation(
        &self,
        conversation_id: String,
        reason: String,
        target_team_id: Option<String>,
        target_person_id: Option<String>,
    ) -> Result<u64, AppError> {
        let conversation = id("conversation_id", &conversation_id)?;
        let target = match (target_team_id, target_person_id) {
            (Some(team), None) => EscalationTarget::Team(id::<TeamId>("target_team_id", &team)?),
            (None, Some(person)) => {
                EscalationTarget::Person(id::<UserId>("target_person_id", &person)?)
            }
            _ => {
                return Err(AppError::InvalidInput {
                    reason: "name either a team or a person to escalate to".into(),
                });
            }
        };
        Ok(self.inner.submit(Command::RequestEscalation {
            conversation,
            escalation: EscalationId::new(),
            reason,
            severity: Severity::High,
            target,
        })?)
    }

    /// Approves a pending escalation (supervisors of its target).
    pub async fn approve_escalation(
        &self,
        escalation_id: String,
        note: Option<String>,
    ) -> Result<u64, AppError> {
        let escalation = id("escalation_id", &escalation_id)?;
        Ok(self
            .inner
            .submit(Command::ApproveEscalation { escalation, note })?)
    }

    /// Rejects a pending escalation, saying why.
    pub async fn reject_escalation(
        &self,
        escalation_id: String,
        reason: String,
    ) -> Result<u64, AppError> {
        let escalation = id("escalation_id", &escalation_id)?;
        Ok(self
            .inner
            .submit(Command::RejectEscalation { escalation, reason })?)
    }

    /// A push arrived: syncs, and answers the conversation a tapped notification names.
    pub async fn handle_push(&self, payload: String) -> Result<Option<String>, AppError> {
        Ok(self
            .inner
            .handle_push(&payload)
            .await?
            .map(|c| c.to_string()))
    }

    /// Registers (or refreshes) this phone's push token.
    pub async fn register_push_token(
        &self,
        token: String,
        platform: PushPlatform,
    ) -> Result<(), AppError> {
        let platform = match platform {
            PushPlatform::Android => Platform::Android,
            PushPlatform::Ios => Platform::Ios,
        };
        Ok(self.inner.register_push_token(&token, platform).await?)
    }

    /// Calls `listener` on changes until the handle is closed or dropped.
    pub fn subscribe(&self, listener: Arc<dyn UiListener>) -> Arc<ListenerHandle> {
        let subscription = self.inner.subscribe(Arc::new(Forward(listener)));
        Arc::new(ListenerHandle(Mutex::new(Some(subscription))))
    }

    /// Follows the server's live stream while in the foreground, until the session is stopped.
    pub async fn go_live(&self) -> Arc<LiveSession> {
        Arc::new(LiveSession(Mutex::new(Some(self.inner.go_live()))))
    }
}
