//! The push dispatcher: a follower of the event log (`store::followers`) that turns each
//! committed change into wake-ups and alerts — [`super::alerts`] decides who and what — queued
//! in the transaction that moves its cursor, so nothing is lost or pushed twice across
//! restarts and instances.

use std::collections::{BTreeMap, BTreeSet};

use relaydesk_core::domain::UserId;

use super::alerts::{self, Desk};
use super::message;
use crate::store::Stamped;
use crate::store::followers::{Follower, Round, Start};
use crate::store::sql::{DbError, Sql};

/// Its name in the `followers` table (the cursor `push_cursor` held before migration 13).
pub const NAME: &str = "pushes";

/// The push dispatcher.
#[derive(Debug, Default)]
pub struct Pushes;

impl Follower for Pushes {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Pushes begin with what happens from now on.
    fn start(&self) -> Start {
        Start::Now
    }

    async fn follow<S: Sql>(
        &self,
        round: &mut Round<'_, S>,
        changes: &[Stamped],
    ) -> Result<usize, DbError> {
        if changes.is_empty() {
            return Ok(0);
        }
        let workspace = round.workspace().await?.clone();
        let hidden = round.no_previews().await?;
        // Conversations and customers as they stand now, each read once for the whole round
        // (every version of the round judges against the same present, as a single-version
        // round would), and the phones of everyone concerned read once.
        let mut conversations = BTreeMap::new();
        let mut contacts = BTreeMap::new();
        for id in changes
            .iter()
            .filter_map(|s| s.event.conversation)
            .collect::<BTreeSet<_>>()
        {
            if let Some(c) = round.conversation(id).await? {
                if let Some(k) = round.contact(c.contact_id).await? {
                    contacts.insert(k.id, k);
                }
                conversations.insert(id, c);
            }
        }
        let desk = Desk {
            workspace: &workspace,
            conversations: &conversations,
            contacts: &contacts,
            no_previews: &hidden,
        };
        let per_version: Vec<_> = changes
            .chunk_by(|a, b| a.version == b.version)
            .map(|events| {
                let events: Vec<_> = events.iter().map(|s| s.event.clone()).collect();
                alerts::pushes(&events, &desk)
            })
            .collect();
        let users: BTreeSet<UserId> = per_version
            .iter()
            .flat_map(|p| {
                p.wake
                    .iter()
                    .copied()
                    .chain(p.alerts.iter().map(|a| a.user))
            })
            .collect();
        if users.is_empty() {
            return Ok(0);
        }
        let devices = round.devices(users.into_iter()).await?;
        let mut written = 0;
        for pushes in &per_version {
            for alert in &pushes.alerts {
                for (token, platform) in devices.get(&alert.user).into_iter().flatten() {
                    round
                        .queue_push(&message::alert(alert, token, platform))
                        .await?;
                    written += 1;
                }
            }
            let alerted: BTreeSet<UserId> = pushes.alerts.iter().map(|a| a.user).collect();
            for user in pushes.wake.iter().filter(|u| !alerted.contains(u)) {
                for (token, platform) in devices.get(user).into_iter().flatten() {
                    round
                        .queue_push(&message::wake(*user, token, platform))
                        .await?;
                    written += 1;
                }
            }
        }
        Ok(written)
    }
}
