//! The sync protocol's rules (DESIGN.md §3), over the store: pushes consumed in order and
//! exactly once; pulls that hand a person every change they may see since their cursor, as
//! pages, with removals, and a reset when what they may see changed underneath them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use relaydesk_core::domain::{Command, ConversationId, Timestamp};
use relaydesk_core::protocol::sync::{
    MutationResult, PullResponse, PushRequest, PushResponse, WorkspaceCopy,
};
use serde::{Deserialize, Serialize};

use crate::accounts::{self, AccountError, Signed, invalid};
use crate::library;
use crate::store::{PageBound, PullFrom, Pushed, Store};

/// Most mutations in one push.
pub const MAX_MUTATIONS: usize = 500;
/// Conversations per pull page (with everything that changed in them).
pub const DEFAULT_PAGE: i64 = 200;
pub const MAX_PAGE: i64 = 1000;
/// Most messages, notes and events on one pull page: a conversation with a longer history is
/// cut between two versions and continued on the next page.
pub const MAX_ITEMS: i64 = 2000;

/// A client id: what the phone minted once (a UUID), never empty or huge.
fn check_client(client: &str) -> Result<(), AccountError> {
    if uuid::Uuid::parse_str(client).is_err() {
        return Err(invalid(
            "client_id",
            "a UUID minted once per installed client",
        ));
    }
    Ok(())
}

/// Why a push stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("mutation {got} arrived but {expected} was expected: earlier ones are missing")]
    Gap { expected: u64, got: u64 },
    #[error(transparent)]
    Account(#[from] AccountError),
}

/// Applies `push` in order; each mutation once, whatever was pushed before.
pub async fn push(
    store: &Store,
    who: &Signed,
    push: PushRequest,
    now: Timestamp,
) -> Result<PushResponse, PushError> {
    check_client(&push.client_id)?;
    if push.mutations.len() > MAX_MUTATIONS {
        return Err(invalid("mutations", format!("at most {MAX_MUTATIONS} per push")).into());
    }
    if push.mutations.first().is_some_and(|m| m.id == 0) {
        return Err(invalid("mutations", "numbered from 1").into());
    }
    if push
        .mutations
        .windows(2)
        .any(|pair| pair[1].id != pair[0].id + 1)
    {
        return Err(invalid("mutations", "numbered one after another, in order").into());
    }
    if push.mutations.iter().any(|m| !from_a_person(&m.command)) {
        return Err(invalid("mutations", "only a person's commands can be pushed").into());
    }
    let mut results = Vec::with_capacity(push.mutations.len());
    for mutation in push.mutations {
        let pushed = store
            .push_mutation(
                push.client_id.clone(),
                who.member.id,
                who.session.id.clone(),
                mutation.id,
                mutation.command,
                now,
            )
            .await
            .map_err(AccountError::from)?;
        let outcome = match pushed {
            Pushed::Decided(outcome) | Pushed::Repeated(outcome) => outcome,
            Pushed::Gap { expected } => {
                return Err(PushError::Gap {
                    expected,
                    got: mutation.id,
                });
            }
            Pushed::NotYours => {
                return Err(
                    AccountError::Forbidden("this client id is another person's".into()).into(),
                );
            }
        };
        results.push(MutationResult {
            id: mutation.id,
            outcome,
        });
    }
    let (_, last) = store
        .sync_start(push.client_id)
        .await
        .map_err(AccountError::from)?;
    Ok(PushResponse {
        last_mutation_id: u64::try_from(last).unwrap_or(0),
        results,
    })
}

/// The wire names of the commands only WhatsApp or Relaydesk's own timers issue (left out of
/// the OpenAPI document's `Command`; `from_a_person` refuses them in a push).
pub const NOT_FROM_PEOPLE: [&str; 3] =
    ["receive_customer_message", "record_delivery", "end_snooze"];

/// Commands only WhatsApp or Relaydesk's timers issue cannot come from a phone.
fn from_a_person(command: &Command) -> bool {
    !matches!(
        command,
        Command::ReceiveCustomerMessage(_)
            | Command::RecordDelivery { .. }
            | Command::EndSnooze { .. }
    )
}

/// Where a paged pull stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Page {
    cursor: i64,
    snapshot: i64,
    last_mutation_id: i64,
    after: Option<ConversationId>,
    /// The page before was cut inside `after`: it continues there, after this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    inside: Option<i64>,
}

/// One page of a pull from `cursor` (or the continuation `page`).
pub async fn pull(
    store: &Store,
    who: &Signed,
    client: &str,
    cursor: i64,
    page: Option<&str>,
    limit: Option<i64>,
) -> Result<PullResponse, AccountError> {
    check_client(client)?;
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(invalid("limit", format!("between 1 and {MAX_PAGE}")));
    }
    if cursor < 0 {
        return Err(invalid("cursor", "a version this server gave out"));
    }
    let continued: Option<Page> = page
        .filter(|p| !p.is_empty())
        .map(|p| {
            URL_SAFE_NO_PAD
                .decode(p)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| invalid("page", "not a page this server gave out"))
        })
        .transpose()?;
    let (cursor, snapshot, last_mutation_id, from) = match continued {
        Some(page) => (
            page.cursor,
            page.snapshot,
            page.last_mutation_id,
            PullFrom {
                after: page.after,
                inside: page.inside,
            },
        ),
        None => {
            let (snapshot, last) = store.sync_start(client.to_owned()).await?;
            (cursor, snapshot, last, PullFrom::default())
        }
    };
    let first_page = continued.is_none();
    let (workspace_version, visibility_version) =
        store.workspace_versions(who.member.id, snapshot).await?;
    // What the person may see changed since their cursor: their copy is stale as a whole.
    let reset = first_page && cursor > 0 && visibility_version > cursor;
    let cursor = if reset { 0 } else { cursor };

    let pulled = store
        .sync_page(
            who.member.clone(),
            who.workspace.clone(),
            (cursor, snapshot),
            from,
            PageBound {
                conversations: limit,
                items: MAX_ITEMS,
            },
        )
        .await?;
    let mut response = PullResponse {
        cursor: snapshot,
        next_page: pulled.next.map(|next| {
            let page = Page {
                cursor,
                snapshot,
                last_mutation_id,
                after: next.after,
                inside: next.inside,
            };
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&page).unwrap_or_default())
        }),
        has_more: pulled.next.is_some(),
        last_mutation_id: u64::try_from(last_mutation_id).unwrap_or(0),
        reset,
        conversations: pulled.conversations,
        contacts: pulled.contacts,
        messages: pulled.messages,
        notes: pulled.notes,
        events: pulled.events,
        // A first pull (or a reset) starts from nothing: there is nothing to delete.
        removed: if cursor == 0 { Vec::new() } else { pulled.lost },
        workspace: None,
    };
    if first_page && (cursor == 0 || workspace_version > cursor) {
        response.workspace = Some(workspace_copy(store, who).await?);
    }
    Ok(response)
}

async fn workspace_copy(store: &Store, who: &Signed) -> Result<WorkspaceCopy, AccountError> {
    let workspace = &who.workspace;
    Ok(WorkspaceCopy {
        members: workspace
            .members
            .values()
            .filter(|m| m.active)
            .map(accounts::colleague)
            .collect(),
        teams: workspace.teams.values().cloned().collect(),
        inboxes: workspace.inboxes.values().cloned().collect(),
        templates: library::templates_for(who)
            .into_iter()
            .map(|t| t.template)
            .collect(),
        canned_replies: library::usable(store, who, None).await?,
        automations: workspace.automations.clone(),
        labels: workspace.labels.values().cloned().collect(),
    })
}

#[cfg(test)]
mod tests {
    use relaydesk_core::domain::*;

    use super::{NOT_FROM_PEOPLE, from_a_person};

    /// The names the document leaves out are the commands a push refuses.
    #[test]
    fn the_commands_only_whatsapp_and_timers_issue_are_the_ones_named_not_from_people() {
        let delivery = Command::RecordDelivery {
            message: MessageRef {
                ours: None,
                wamid: None,
            },
            wamid: None,
            report: DeliveryReport::Played,
            at: chrono::Utc::now(),
            pricing_category: None,
        };
        let inbound = Command::ReceiveCustomerMessage(Box::new(InboundMessage {
            inbox: InboxId::new(),
            contact: ContactId::new(),
            new_conversation: ConversationId::new(),
            message_id: MessageId::new(),
            wamid: Wamid::new("wamid.1"),
            sent_at: chrono::Utc::now(),
            content: Content::RequestWelcome,
            context: MessageContext::default(),
        }));
        let snooze_ends = Command::EndSnooze {
            conversation: ConversationId::new(),
            until: chrono::Utc::now(),
        };
        let names: Vec<String> = [&inbound, &delivery, &snooze_ends]
            .iter()
            .map(|c| serde_json::to_value(c).expect("JSON")["command"].to_string())
            .map(|n| n.trim_matches('"').to_owned())
            .collect();
        assert_eq!(names, NOT_FROM_PEOPLE);
        assert!(!from_a_person(&inbound) && !from_a_person(&delivery));
        assert!(!from_a_person(&snooze_ends));
        assert!(from_a_person(&Command::Claim {
            conversation: ConversationId::new()
        }));
    }
}
