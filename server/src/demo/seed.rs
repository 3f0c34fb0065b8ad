//! The demo's workspace: teams Orders and Returns, one WhatsApp number working for both, an
//! admin, a supervisor and three agents, canned replies, and an "Out of hours" rule with what
//! it did overnight (a customer who wrote while nobody was on shift, answered and noted for
//! the morning shift), and a conversation Carla put aside for a few minutes, which comes back
//! by itself. Created once; a restart on the same data directory keeps it (and
//! everything that happened since).

use std::collections::BTreeSet;

use anyhow::Context;
use chrono::{Duration, Utc};
use relaydesk_core::domain::{
    Actor, Automation, Automaton, CannedReply, CannedReplyId, CannedScope, Command, ConversationId,
    MessageId, NoteId, ReplyBody, Role, RuleId, Status, Timestamp,
};
use relaydesk_core::protocol::admin::{NewInbox, NewTeam, NewUser};
use serde_json::json;

use super::webhook;
use crate::accounts;
use crate::store::{Provenance, Setup, Store};

/// The customer who wrote overnight, whom the "Out of hours" rule answered.
pub const NIGHT_CUSTOMER: (&str, &str) = ("Noor Haddad", "971501234567");

/// (email, password, who) of the demo's people.
pub const LOGINS: [(&str, &str, &str); 5] = [
    ("admin@demo.relaydesk", "demo-admin-1", "Alex (admin)"),
    (
        "sara@demo.relaydesk",
        "demo-sara-12",
        "Sara (supervisor, both teams)",
    ),
    ("ana@demo.relaydesk", "demo-ana-123", "Ana (agent, Orders)"),
    (
        "bruno@demo.relaydesk",
        "demo-bruno-1",
        "Bruno (agent, Orders)",
    ),
    (
        "carla@demo.relaydesk",
        "demo-carla-1",
        "Carla (agent, Returns)",
    ),
];

pub(super) async fn seed(store: &Store) -> anyhow::Result<()> {
    if store.count_accounts().await? > 0 {
        return Ok(());
    }
    // Relaydesk sets the demo workspace up: the configuration log names it.
    let relaydesk = Provenance::relaydesk();
    let orders = accounts::create_team(
        store,
        &relaydesk,
        NewTeam {
            name: "Orders".into(),
        },
    )
    .await?;
    let returns = accounts::create_team(
        store,
        &relaydesk,
        NewTeam {
            name: "Returns".into(),
        },
    )
    .await?;
    accounts::create_inbox(
        store,
        &relaydesk,
        NewInbox {
            name: "Shop WhatsApp".into(),
            phone_number_id: super::PHONE_NUMBER_ID.into(),
            display_phone_number: super::DISPLAY_PHONE_NUMBER.into(),
            waba_id: super::WABA_ID.into(),
            teams: BTreeSet::from([orders.id, returns.id]),
        },
    )
    .await?;
    let people = [
        ("Alex Admin", Role::Admin, vec![]),
        (
            "Sara Supervisor",
            Role::Supervisor,
            vec![orders.id, returns.id],
        ),
        ("Ana Agent", Role::Agent, vec![orders.id]),
        ("Bruno Agent", Role::Agent, vec![orders.id]),
        ("Carla Agent", Role::Agent, vec![returns.id]),
    ];
    for ((name, role, teams), (email, password, _)) in people.into_iter().zip(LOGINS) {
        let handle = name
            .split_whitespace()
            .next()
            .unwrap_or(name)
            .to_lowercase();
        accounts::create_user(
            store,
            &relaydesk,
            NewUser {
                email: email.into(),
                name: name.into(),
                handle: Some(handle),
                role,
                teams: teams.into_iter().collect(),
                capacity: None,
                password: Some(password.into()),
            },
            Utc::now(),
        )
        .await?;
    }
    let canned = [
        (
            orders.id,
            "hello",
            "Greeting",
            "Hi {{contact.name}}, this is {{agent.first_name}} from the {{team.name}} team. How can I help?",
        ),
        (
            orders.id,
            "where",
            "Where is my order",
            "Let me check where your parcel is, {{contact.name}}. One moment please.",
        ),
        (
            returns.id,
            "refund",
            "Refund timing",
            "Refunds reach your account 5–7 working days after we receive the return.",
        ),
        (
            returns.id,
            "label",
            "Return label",
            "I'll send you a return label right away, {{contact.name}}.",
        ),
    ];
    for (team, shortcut, title, body) in canned {
        store
            .put_canned_reply(
                relaydesk.clone(),
                Utc::now(),
                CannedReply {
                    id: CannedReplyId::new(),
                    shortcut: shortcut.into(),
                    title: title.into(),
                    body: body.into(),
                    scope: CannedScope::Team(team),
                },
            )
            .await?
            .map_err(|taken| anyhow::anyhow!(taken))?;
    }
    // The label catalogue the desk starts with (the "Out of hours" rule uses the first).
    for (name, colour, description) in [
        (
            "after-hours",
            "#6366f1",
            "Written while nobody was on shift",
        ),
        (
            "refund",
            "#c0392b",
            "The customer asks for their money back",
        ),
        ("vip", "#d4a017", "A customer the shop looks after first"),
    ] {
        crate::labels::create(
            store,
            &relaydesk,
            relaydesk_core::protocol::admin::NewLabel {
                name: name.into(),
                colour: Some(colour.into()),
                description: Some(description.into()),
            },
        )
        .await?;
    }
    overnight(store).await?;
    put_aside(store).await
}

/// The customer whom Carla asked for a photo and put aside until it comes: snoozed for a few
/// minutes, so a newcomer sees the conversation come back by itself ("The snooze until …
/// ended") — Relaydesk's timer, not a person.
pub const PHOTO_CUSTOMER: (&str, &str) = ("Tomás Ruiz", "34612345678");

/// How long Carla's snooze lasts from the demo's start.
pub const PUT_ASIDE_FOR: Duration = Duration::minutes(3);

async fn put_aside(store: &Store) -> anyhow::Result<()> {
    let conversation = customer_writes(
        store,
        PHOTO_CUSTOMER,
        "The vase in my order 7288 arrived broken. I want to return it.",
        Utc::now() - Duration::minutes(10),
    )
    .await?;
    let carla = store
        .workspace()
        .await?
        .members
        .values()
        .find(|m| m.handle == "carla")
        .map(|m| m.id)
        .context("Carla is in the demo workspace")?;
    let now = Utc::now();
    for command in [
        Command::Claim { conversation },
        Command::Reply {
            conversation,
            message: MessageId::new(),
            body: ReplyBody::Text {
                text: "I'm sorry it arrived broken! Could you send me a photo of the vase and the box? Then I'll arrange the return.".into(),
            },
            in_reply_to: None,
        },
        Command::SetStatus {
            conversation,
            status: Status::Snoozed {
                until: now + PUT_ASIDE_FOR,
            },
        },
    ] {
        store
            .execute(Actor::Member(carla), now, command)
            .await?
            .map_err(|refused| anyhow::anyhow!("Carla was refused: {refused}"))?;
    }
    Ok(())
}

/// The "Out of hours" rule, and a customer who wrote last night while nobody was on shift:
/// their message comes in through the store's webhook ingest (what the signed route stores;
/// the server does not serve yet), and a minute later the rule answers (its reply leaves
/// through the send queue and claims nothing), leaves a note for the morning shift and labels
/// it, each through the one write path as the rule.
async fn overnight(store: &Store) -> anyhow::Result<()> {
    let rule = Automaton::Rule(RuleId::new());
    store
        .setup(Setup::Automation(Automation {
            automaton: rule,
            name: "Out of hours".into(),
            replies_when_owned: false,
            active: true,
        }))
        .await?;
    let wrote = last_night(Utc::now());
    let conversation = customer_writes(
        store,
        NIGHT_CUSTOMER,
        "Hi, I ordered a birthday gift for tomorrow (order 7302). Can I still change the delivery address?",
        wrote,
    )
    .await?;
    let answered = wrote + Duration::minutes(1);
    for command in [
        Command::Reply {
            conversation,
            message: MessageId::new(),
            body: ReplyBody::Text {
                text: "Thanks for your message! We're closed for the night; the team answers from 9:00 and will pick this up first thing.".into(),
            },
            in_reply_to: None,
        },
        Command::AddNote {
            conversation,
            note: NoteId::new(),
            body: "Wrote while we were closed; told we answer from 9:00. Morning shift: they want to change the delivery address of order 7302 before it ships.".into(),
        },
        Command::AddLabel {
            conversation,
            label: "after-hours".into(),
        },
    ] {
        store
            .execute(Actor::Automation(rule), answered, command)
            .await?
            .map_err(|refused| anyhow::anyhow!("the rule was refused: {refused}"))?;
    }
    Ok(())
}

/// `customer` (name, phone) writes `text` at `wrote`, through the store's webhook ingest (what
/// the signed route stores); answers their conversation.
async fn customer_writes(
    store: &Store,
    (name, phone): (&str, &str),
    text: &str,
    wrote: Timestamp,
) -> anyhow::Result<ConversationId> {
    let payload = webhook::customer_message_at(
        name,
        phone,
        json!({ "type": "text", "text": { "body": text } }),
        wrote,
    );
    store
        .ingest_webhook(payload.to_string().into_bytes(), wrote)
        .await?;
    let contact = store
        .contact_by_phone(phone.into())
        .await?
        .with_context(|| format!("{name} was not stored"))?;
    Ok(store
        .conversations()
        .await?
        .into_iter()
        .find(|c| c.contact_id == contact.id)
        .with_context(|| format!("{name} has no conversation"))?
        .id)
}

/// A moment of the night before `now` (in UTC, as the web view shows times): 04:50 today, or
/// half an hour ago while it is still night. Always well within WhatsApp's 24-hour window, so
/// the morning shift can still answer freely.
fn last_night(now: Timestamp) -> Timestamp {
    let dawn = now
        .date_naive()
        .and_hms_opt(4, 50, 0)
        .map(|at| at.and_utc());
    match dawn {
        Some(dawn) if now - dawn >= Duration::minutes(30) => dawn,
        _ => now - Duration::minutes(30),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};

    #[test]
    fn the_night_customer_wrote_at_night_and_within_the_window() {
        for (h, m, wrote) in [
            (15, 39, (4, 50)),
            (23, 59, (4, 50)),
            (5, 20, (4, 50)),
            (5, 19, (4, 49)),
            (0, 10, (23, 40)),
        ] {
            let now = Utc
                .with_ymd_and_hms(2026, 11, 26, h, m, 0)
                .single()
                .expect("a time");
            let at = last_night(now);
            assert_eq!((at.hour(), at.minute()), wrote, "{now}: {at}");
            assert!(now - at >= Duration::minutes(30) && now - at < Duration::hours(20));
        }
    }
}
