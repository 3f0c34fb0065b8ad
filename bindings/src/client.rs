//! The phone client for the app (session, sync, pushes, live, and the objects for the queue,
//! conversations, escalations and the outbox), and the listener the app implements. Every
//! method delegates to `relaydesk_core::client::Client`; nothing is decided here.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use relaydesk_core::client::{
    Client, ClientListener, Connection, LiveHandle, Subscription as CoreSubscription,
};
use relaydesk_core::domain::ConversationId;
use relaydesk_core::protocol::devices::Platform;

use crate::conversation::{ConversationHandle, EscalationHandle};
use crate::error::{AppError, id};
use crate::queue::{Outbox, Queue};
use crate::records::{ColleagueRow, LiveState, Me, MemberAvailability, SyncSummary, TeamRow};

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

    /// The queue: pages of views with counts (from the phone's copy, offline too).
    pub fn queue(&self) -> Arc<Queue> {
        Arc::new(Queue {
            client: self.inner.clone(),
        })
    }

    /// One conversation: its thread and the commands on it.
    pub fn conversation(
        &self,
        conversation_id: String,
    ) -> Result<Arc<ConversationHandle>, AppError> {
        Ok(Arc::new(ConversationHandle {
            client: self.inner.clone(),
            id: id("conversation_id", &conversation_id)?,
        }))
    }

    /// Commands not yet forgotten, with where each stands.
    pub fn outbox(&self) -> Arc<Outbox> {
        Arc::new(Outbox {
            client: self.inner.clone(),
        })
    }

    /// A pending escalation, to approve or reject (supervisors of its target).
    pub fn escalation(&self, escalation_id: String) -> Result<Arc<EscalationHandle>, AppError> {
        Ok(Arc::new(EscalationHandle {
            client: self.inner.clone(),
            id: id("escalation_id", &escalation_id)?,
        }))
    }

    /// Sets one's own availability (offline too; it reaches the server with the next sync).
    pub async fn set_availability(
        &self,
        availability: MemberAvailability,
    ) -> Result<u64, AppError> {
        Ok(self.inner.set_availability(availability.into())?)
    }

    /// Colleagues as last pulled (to hand a conversation to, or @mention).
    pub fn colleagues(&self) -> Vec<ColleagueRow> {
        self.inner
            .workspace()
            .map(|w| w.members.iter().map(ColleagueRow::from).collect())
            .unwrap_or_default()
    }

    /// Teams as last pulled (to hand a conversation into their queue).
    pub fn teams(&self) -> Vec<TeamRow> {
        self.inner
            .workspace()
            .map(|w| w.teams.iter().map(TeamRow::from).collect())
            .unwrap_or_default()
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
