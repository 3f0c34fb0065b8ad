//! The queue and the outbox as the app's screens read them.

use std::sync::Arc;

use relaydesk_core::client::Client;

use crate::error::AppError;
use crate::records::{OutboxItem, QueueOrder, QueuePage, QueueView};

/// The queue's views, read from the phone's copy (offline too).
#[derive(Debug, uniffi::Object)]
pub struct Queue {
    pub(crate) client: Arc<Client>,
}

#[uniffi::export(async_runtime = "tokio")]
impl Queue {
    /// The first `limit` conversations of `view` in `order`, with the count of every view.
    pub async fn page(&self, view: QueueView, order: QueueOrder, limit: u32) -> QueuePage {
        self.client
            .view(view.into(), order.into(), limit as usize)
            .into()
    }
}

/// The phone's outbox: every command not yet forgotten.
#[derive(Debug, uniffi::Object)]
pub struct Outbox {
    pub(crate) client: Arc<Client>,
}

#[uniffi::export(async_runtime = "tokio")]
impl Outbox {
    /// The commands, oldest first, each with where it stands (queued, sending, applied,
    /// rejected with the reason).
    pub async fn items(&self) -> Result<Vec<OutboxItem>, AppError> {
        Ok(self
            .client
            .outbox()?
            .into_iter()
            .map(OutboxItem::from)
            .collect())
    }

    /// How many commands still wait to reach the server.
    pub async fn waiting(&self) -> Result<u64, AppError> {
        Ok(self
            .client
            .outbox()?
            .iter()
            .filter(|p| {
                matches!(
                    p.state,
                    relaydesk_core::client::OutboxState::Queued
                        | relaydesk_core::client::OutboxState::Sending
                )
            })
            .count() as u64)
    }
}
