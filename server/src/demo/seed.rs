//! The demo's workspace: teams Orders and Returns, one WhatsApp number working for both, an
//! admin, a supervisor and three agents, and canned replies. Created once; a restart on the
//! same data directory keeps it (and everything that happened since).

use std::collections::BTreeSet;

use chrono::Utc;
use relaydesk_core::domain::{CannedReply, CannedReplyId, CannedScope, Role};
use relaydesk_core::protocol::admin::{NewInbox, NewTeam, NewUser};

use crate::accounts;
use crate::store::Store;

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
    let orders = accounts::create_team(
        store,
        NewTeam {
            name: "Orders".into(),
        },
    )
    .await?;
    let returns = accounts::create_team(
        store,
        NewTeam {
            name: "Returns".into(),
        },
    )
    .await?;
    accounts::create_inbox(
        store,
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
            .put_canned_reply(CannedReply {
                id: CannedReplyId::new(),
                shortcut: shortcut.into(),
                title: title.into(),
                body: body.into(),
                scope: CannedScope::Team(team),
            })
            .await?
            .map_err(|taken| anyhow::anyhow!(taken))?;
    }
    Ok(())
}
