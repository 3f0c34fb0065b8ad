//! The WhatsApp sender: takes due jobs from the send queue, paces them per business number,
//! posts them to the Graph API and records how each went. Several senders (one per server
//! instance) can share one PostgreSQL queue; each job is claimed by exactly one.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::store::{Claimed, DbError, SendState, Store};
use crate::whatsapp::GraphApi;
use crate::whatsapp::outbound::{SendOutcome, body_of, outcome};
use relaydesk_core::domain::{Timestamp, WhatsAppError};

/// Sends queued messages.
#[derive(Debug, Clone)]
pub struct Sender {
    store: Store,
    graph: GraphApi,
    client: reqwest::Client,
    /// The earliest moment each business number may send again.
    pace: Arc<Mutex<HashMap<String, Instant>>>,
    interval: Duration,
}

/// Jobs claimed per round (and so sends in flight at once).
const ROUND: i64 = 32;
/// A claimed job whose sender vanished is taken again after this long.
const LEASE: Duration = Duration::from_secs(60);

impl Sender {
    /// A sender sending at most `per_second` messages per second from each business number
    /// (WhatsApp's default throughput is 80).
    pub fn new(store: Store, graph: GraphApi, per_second: u32) -> Result<Sender, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(graph.timeout).build()?;
        Ok(Sender {
            store,
            graph,
            client,
            pace: Arc::new(Mutex::new(HashMap::new())),
            interval: Duration::from_secs(1) / per_second.max(1),
        })
    }

    /// Sends every job due at `now` (one round of up to 32); returns how many were tried.
    pub async fn send_due(&self, now: Timestamp) -> Result<usize, DbError> {
        let claimed = self.store.claim_sends(now, LEASE, ROUND).await?;
        let count = claimed.len();
        // Conversations go out side by side; one conversation's messages one after another,
        // in the order they were written (claims come in that order), so a customer never
        // reads a later reply before an earlier one.
        let mut by_conversation: Vec<Vec<Claimed>> = Vec::new();
        for job in claimed {
            match by_conversation
                .iter_mut()
                .find(|jobs| jobs[0].job.conversation_id == job.job.conversation_id)
            {
                Some(jobs) => jobs.push(job),
                None => by_conversation.push(vec![job]),
            }
        }
        let mut sends = Vec::with_capacity(by_conversation.len());
        for jobs in by_conversation {
            let sender = self.clone();
            sends.push(tokio::spawn(async move {
                for job in jobs {
                    let slot = sender.reserve(&job.job.phone_number_id).await;
                    tokio::time::sleep_until(slot).await;
                    let outcome = sender.post(&job).await;
                    sender.record(job, outcome).await?;
                }
                Ok::<(), DbError>(())
            }));
        }
        for send in sends {
            match send.await {
                Ok(result) => result?,
                Err(error) => tracing::error!(%error, "a send task failed"),
            }
        }
        Ok(count)
    }

    /// Runs until the process stops: sends what is due, waits briefly when nothing is.
    pub async fn run(self) {
        loop {
            match self.send_due(Utc::now()).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(200)).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "the sender cannot reach the database; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// The moment this number's next send may start, reserved so concurrent sends keep the pace.
    async fn reserve(&self, phone_number_id: &str) -> Instant {
        let mut pace = self.pace.lock().await;
        let now = Instant::now();
        let next = pace.entry(phone_number_id.to_owned()).or_insert(now);
        let slot = (*next).max(now);
        *next = slot + self.interval;
        slot
    }

    async fn post(&self, claimed: &Claimed) -> SendOutcome {
        let Some(body) = body_of(&claimed.job) else {
            return SendOutcome::Permanent {
                error: WhatsAppError {
                    code: 0,
                    title: "this message cannot be sent to WhatsApp".into(),
                    details: None,
                },
            };
        };
        let url = format!(
            "{}/{}/{}/messages",
            self.graph.base_url.trim_end_matches('/'),
            self.graph.version,
            claimed.job.phone_number_id
        );
        let response = self
            .client
            .post(url)
            .bearer_auth(self.graph.access_token.expose())
            .json(&body)
            .send()
            .await;
        match response {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.text().await.unwrap_or_default();
                outcome(status, &body)
            }
            // Timeouts and connection failures: the message may or may not have left; WhatsApp
            // deduplicates nothing for us, but a retry is still what a person would want.
            Err(error) => SendOutcome::Retry {
                error: WhatsAppError {
                    code: 0,
                    title: if error.is_timeout() {
                        "the Graph API did not answer in time".into()
                    } else {
                        "the Graph API could not be reached".into()
                    },
                    details: Some(error.to_string()),
                },
            },
        }
    }

    async fn record(&self, claimed: Claimed, outcome: SendOutcome) -> Result<(), DbError> {
        let message = claimed.job.message_id;
        let attempt = claimed.attempt;
        let state = self.store.finish_send(claimed, outcome, Utc::now()).await?;
        match state {
            SendState::Failed => tracing::warn!(%message, attempt, "a message could not be sent"),
            SendState::Retrying => tracing::info!(%message, attempt, "a send will be retried"),
            SendState::LeaseLost => tracing::warn!(
                %message,
                attempt,
                "a send took longer than its lease and another sender took it over; its outcome counts"
            ),
            SendState::Sent => tracing::debug!(%message, "sent"),
        }
        Ok(())
    }
}
