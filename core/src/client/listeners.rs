//! Subscriptions for the UI: a listener is told when the queue, a thread, the outbox or the
//! connection changed, and reads what it needs from the client. Subscribing answers a handle;
//! dropping the handle stops the calls. The shape the bindings expose unchanged.

use std::sync::{Arc, Mutex, Weak};

use crate::domain::ConversationId;

/// Whether the live stream is connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Not connected (no network, server away): work continues on the local copy.
    Offline,
    /// Trying to connect.
    Connecting,
    /// Connected: changes arrive as they happen.
    Live,
}

/// What a screen wants to hear about. Every method has an empty default.
pub trait ClientListener: Send + Sync {
    /// Some view may list different conversations or counts.
    fn queue_changed(&self) {}
    /// This conversation's thread changed.
    fn thread_changed(&self, _conversation: ConversationId) {}
    /// A command was queued or answered.
    fn outbox_changed(&self) {}
    /// The live connection changed.
    fn connection_changed(&self, _state: Connection) {}
}

type Registry = Mutex<Vec<(u64, Arc<dyn ClientListener>)>>;

/// The listeners of one client.
#[derive(Default)]
pub(crate) struct Listeners {
    registry: Arc<Registry>,
    next: Mutex<u64>,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Listeners({})", self.snapshot().len())
    }
}

/// Stops its listener's calls when dropped.
pub struct Subscription {
    id: u64,
    registry: Weak<Registry>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Subscription({})", self.id)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            registry
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .retain(|(id, _)| *id != self.id);
        }
    }
}

impl Listeners {
    pub(crate) fn add(&self, listener: Arc<dyn ClientListener>) -> Subscription {
        let id = {
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *next += 1;
            *next
        };
        self.registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((id, listener));
        Subscription {
            id,
            registry: Arc::downgrade(&self.registry),
        }
    }

    /// The listeners now (called outside the lock: a listener may subscribe or unsubscribe).
    fn snapshot(&self) -> Vec<Arc<dyn ClientListener>> {
        self.registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(_, l)| l.clone())
            .collect()
    }

    pub(crate) fn queue(&self) {
        self.snapshot().iter().for_each(|l| l.queue_changed());
    }

    pub(crate) fn thread(&self, conversation: ConversationId) {
        self.snapshot()
            .iter()
            .for_each(|l| l.thread_changed(conversation));
    }

    pub(crate) fn outbox(&self) {
        self.snapshot().iter().for_each(|l| l.outbox_changed());
    }

    pub(crate) fn connection(&self, state: Connection) {
        self.snapshot()
            .iter()
            .for_each(|l| l.connection_changed(state));
    }
}
