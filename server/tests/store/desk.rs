//! The one write path through storage: decisions hold across transactions and backends, the
//! timeline is kept in order, and concurrent claims leave one owner.

use relaydesk_core::domain::*;
use relaydesk_server::store::{Setup, Store};
use sqlx::Connection;

use crate::contract;
use crate::harness::*;

async fn conversation_from(store: &Store, phone: &str) -> Conversation {
    let report = store
        .ingest_webhook(
            text_from(phone, &format!("wamid.{phone}.1"), 1_789_412_411, "Hello"),
            at(1_789_412_412),
        )
        .await
        .expect("ingest");
    assert_eq!(report.messages_stored, 1, "{report:?}");
    conversation_of(store, phone).await
}

async fn an_agents_claim_is_stored_and_the_colleague_is_told_who_owns_it(store: Store) {
    let desk = workspace(&store).await;
    let c = conversation_from(&store, "12025550147").await;
    let now = at(1_789_412_500);
    let claimed = store
        .execute(
            Actor::Member(desk.ana),
            now,
            Command::Claim { conversation: c.id },
        )
        .await
        .expect("db");
    assert!(claimed.is_ok());
    let lost = store
        .execute(
            Actor::Member(desk.bruno),
            now,
            Command::Claim { conversation: c.id },
        )
        .await
        .expect("db");
    assert_eq!(
        lost,
        Err(Rejection::AlreadyOwned {
            owner: desk.ana,
            owner_name: "Ana".into()
        })
    );
    let stored = store.conversation(c.id).await.expect("db").expect("exists");
    assert_eq!(stored.assignee, Some(desk.ana));
    assert_eq!(stored.team, Some(desk.north), "the number's team queue");
}

async fn the_timeline_keeps_every_event_in_order_and_a_refusal_writes_nothing(store: Store) {
    let desk = workspace(&store).await;
    let c = conversation_from(&store, "447700900461").await;
    let version = store.version().await.expect("db");
    let now = at(1_789_412_600);
    let refused = store
        .execute(
            Actor::Member(desk.ana),
            now,
            Command::SetStatus {
                conversation: c.id,
                status: Status::Resolved,
            },
        )
        .await
        .expect("db");
    assert!(matches!(refused, Err(Rejection::Forbidden { .. })));
    assert_eq!(
        store.version().await.expect("db"),
        version,
        "a refused command takes no version"
    );

    let reply = Command::Reply {
        conversation: c.id,
        message: MessageId::new(),
        body: ReplyBody::Text {
            text: "On it — checking with the courier.".into(),
        },
        in_reply_to: None,
    };
    store
        .execute(Actor::Member(desk.ana), now, reply.clone())
        .await
        .expect("db")
        .expect("reply accepted");
    assert_eq!(
        store
            .execute(Actor::Member(desk.ana), now, reply)
            .await
            .expect("db"),
        Ok(vec![]),
        "a retry sends nothing twice"
    );
    store
        .execute(
            Actor::Member(desk.ana),
            now,
            Command::AddNote {
                conversation: c.id,
                note: NoteId::new(),
                body: "@bruno VIP".into(),
            },
        )
        .await
        .expect("db")
        .expect("note");
    assert!(store.version().await.expect("db") > version);

    let timeline: Vec<&'static str> = store
        .events_of(c.id)
        .await
        .expect("db")
        .iter()
        .map(|e| match e.change {
            Change::ConversationOpened { .. } => "opened",
            Change::CustomerMessageReceived { .. } => "customer wrote",
            Change::AssignmentChanged { .. } => "claimed",
            Change::ReplyQueued { .. } => "reply queued",
            Change::NoteAdded { .. } => "note",
            _ => "other",
        })
        .collect();
    assert_eq!(
        timeline,
        [
            "opened",
            "customer wrote",
            "claimed",
            "reply queued",
            "note"
        ]
    );
    let events = store.events_of(c.id).await.expect("db");
    let received = events
        .iter()
        .find_map(|e| match &e.change {
            Change::CustomerMessageReceived { message } => Some(message),
            _ => None,
        })
        .expect("the customer's message is on the timeline");
    assert_eq!(
        received.content,
        Content::Text {
            body: "Hello".into()
        },
        "stored by reference, read back whole"
    );
    let messages = store.messages_of(c.id).await.expect("db");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].delivery, DeliveryStatus::Queued);
}

async fn twenty_simultaneous_claims_leave_exactly_one_owner(store: Store) {
    let desk = workspace(&store).await;
    let c = conversation_from(&store, "13125550163").await;
    let mut agents = vec![desk.ana, desk.bruno];
    for i in 0..18 {
        let agent = member(&format!("Agent{i}"), Role::Agent, &[desk.north]);
        agents.push(agent.id);
        store
            .setup(relaydesk_server::store::Setup::Member(agent))
            .await
            .expect("db");
    }
    let claims = agents.iter().map(|agent| {
        let store = store.clone();
        let agent = *agent;
        tokio::spawn(async move {
            store
                .execute(
                    Actor::Member(agent),
                    at(1_789_412_700),
                    Command::Claim { conversation: c.id },
                )
                .await
        })
    });
    let mut won = Vec::new();
    let mut lost_to = Vec::new();
    for (agent, claim) in agents.iter().zip(claims) {
        match claim.await.expect("task").expect("db") {
            Ok(_) => won.push(*agent),
            Err(Rejection::AlreadyOwned { owner, .. }) => lost_to.push(owner),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one claim wins");
    assert!(
        lost_to.iter().all(|owner| *owner == won[0]),
        "every loser is told the winner"
    );
    assert_eq!(
        store
            .conversation(c.id)
            .await
            .expect("db")
            .expect("exists")
            .assignee,
        Some(won[0])
    );
}

async fn the_workspace_and_conversations_are_read_back_whole(store: Store) {
    let desk = workspace(&store).await;
    let c = conversation_from(&store, "61491570156").await;
    let workspace = store.workspace().await.expect("db");
    assert_eq!(workspace.members.len(), 2);
    assert_eq!(workspace.inboxes.len(), 3);
    assert_eq!(
        store
            .conversation(c.id)
            .await
            .expect("db")
            .map(|c| c.inbox_id),
        Some(desk.main_inbox)
    );
}

async fn a_second_inbox_for_the_same_number_is_a_conflict_not_a_failure(store: Store) {
    workspace(&store).await;
    let again = Inbox {
        id: InboxId::new(),
        name: "Duplicate".into(),
        phone_number_id: BUSINESS_A.into(),
        display_phone_number: "12125550142".into(),
        waba_id: "310984726155302".into(),
        teams: Default::default(),
    };
    let refused = store
        .configure(
            relaydesk_server::store::Provenance::relaydesk(),
            chrono::Utc::now(),
            relaydesk_server::store::Setup::Inbox(again),
        )
        .await
        .expect("a refusal, not a database error");
    assert_eq!(
        refused,
        Err(relaydesk_core::domain::config::Refusal::Conflict(format!(
            "the number {BUSINESS_A} already has an inbox"
        )))
    );
}

/// A transaction left open and idle (a bug anywhere) would hold its locks and every reader
/// back: the server's PostgreSQL connections are cut off after a minute idle in one. SQLite
/// has no such thing to set.
async fn a_transaction_left_idle_is_ended_by_the_database(store: Store) {
    let setting = store
        .connection_setting("idle_in_transaction_session_timeout")
        .await
        .expect("db");
    match store.backend() {
        relaydesk_server::store::sql::Backend::Sqlite => assert_eq!(setting, None),
        relaydesk_server::store::sql::Backend::Postgres => {
            assert_eq!(setting.as_deref(), Some("1min"))
        }
    }
}

/// Someone opens a transaction on the database by hand (a `psql` session, a report) and
/// forgets it, while agents keep working: on PostgreSQL the commit watermark stays below the
/// forgotten transaction — readers see nothing newer than what was committed before it —
/// and the gauges say by how much, and who holds it back; once it ends, W catches up. On
/// SQLite nobody else writes, and W is the committed counter.
async fn a_forgotten_transaction_holds_the_watermark_back_and_the_gauges_say_who(store: Store) {
    workspace(&store).await;
    let before = store.version().await.expect("W");
    let night_shift = || async {
        store
            .setup(Setup::Team(Team {
                id: TeamId::new(),
                name: "Night".into(),
            }))
            .await
            .expect("db");
    };
    let Some(url) = std::env::var("RELAYDESK_TEST_DATABASE_URL")
        .ok()
        .filter(|_| store.backend() == relaydesk_server::store::sql::Backend::Postgres)
    else {
        night_shift().await;
        let lag = store.watermark_lag().await.expect("lag");
        assert_eq!((lag.watermark, lag.newest), (before + 1, before + 1));
        assert!(lag.oldest_transaction.is_none());
        return;
    };
    let mut forgotten = sqlx::postgres::PgConnection::connect(&url)
        .await
        .expect("a connection of someone else's");
    sqlx::raw_sql("BEGIN; SELECT pg_current_xact_id();")
        .execute(&mut forgotten)
        .await
        .expect("an open transaction holding an id");
    night_shift().await;
    let mut lag = store.watermark_lag().await.expect("lag");
    for _ in 0..200 {
        if lag.newest > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        lag = store.watermark_lag().await.expect("lag");
    }
    assert!(
        lag.newest > before,
        "the sampler saw the new version: {lag:?}"
    );
    assert_eq!(
        lag.watermark, before,
        "W stays below the forgotten transaction"
    );
    let oldest = lag
        .oldest_transaction
        .expect("the gauge names who holds W back");
    assert_eq!(oldest.state, "idle in transaction");
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut forgotten)
        .await
        .expect("ended");
    let mut changes = store.changes();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        changes.wait_for(|w| *w > before),
    )
    .await
    .expect("W moves on by itself (the tick) once the transaction ends")
    .expect("watch");
}

/// An admin makes Ana a supervisor at the moment her phone sets her away: both changes stand.
/// (On PostgreSQL the admin's change is held open by hand until Ana's is waiting on it; her
/// change was decided on the person as read before, and must not write that back.)
async fn an_admins_change_to_a_person_survives_their_availability_change_at_the_same_moment(
    store: Store,
) {
    let desk = workspace(&store).await;
    let away = || Command::SetAvailability {
        availability: Availability::Away,
    };
    if store.backend() != relaydesk_server::store::sql::Backend::Postgres {
        store
            .execute(Actor::Member(desk.ana), at(1_789_412_800), away())
            .await
            .expect("db")
            .expect("accepted");
        let ana = &store.workspace().await.expect("db").members[&desk.ana];
        assert_eq!(ana.availability, Availability::Away);
        return;
    }
    let url = std::env::var("RELAYDESK_TEST_DATABASE_URL").expect("PostgreSQL");
    let schema = store
        .connection_setting("search_path")
        .await
        .expect("db")
        .expect("a search path");
    let mut admin = sqlx::postgres::PgConnection::connect(&url)
        .await
        .expect("the admin's connection");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SET search_path = {schema}; BEGIN;"
    )))
    .execute(&mut admin)
    .await
    .expect("begin");
    let (doc,): (String,) = sqlx::query_as("SELECT doc FROM members WHERE id = $1 FOR UPDATE")
        .bind(desk.ana.to_string())
        .fetch_one(&mut admin)
        .await
        .expect("Ana's row, locked");
    let mut promoted: Member = serde_json::from_str(&doc).expect("a member");
    promoted.role = Role::Supervisor;
    let phone = {
        let store = store.clone();
        let ana = desk.ana;
        tokio::spawn(async move {
            store
                .execute(Actor::Member(ana), at(1_789_412_800), away())
                .await
        })
    };
    // Ana's change is decided on the workspace as committed, then waits for her row.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sqlx::query("UPDATE members SET doc = $1 WHERE id = $2")
        .bind(serde_json::to_string(&promoted).expect("json"))
        .bind(desk.ana.to_string())
        .execute(&mut admin)
        .await
        .expect("promoted");
    sqlx::raw_sql("COMMIT")
        .execute(&mut admin)
        .await
        .expect("committed");
    phone.await.expect("task").expect("db").expect("accepted");
    let ana = &store.workspace().await.expect("db").members[&desk.ana];
    assert_eq!(ana.role, Role::Supervisor, "the admin's change stands");
    assert_eq!(ana.availability, Availability::Away, "and so does hers");
}

contract!(
    an_admins_change_to_a_person_survives_their_availability_change_at_the_same_moment,
    a_forgotten_transaction_holds_the_watermark_back_and_the_gauges_say_who,
    a_transaction_left_idle_is_ended_by_the_database,
    a_second_inbox_for_the_same_number_is_a_conflict_not_a_failure,
    an_agents_claim_is_stored_and_the_colleague_is_told_who_owns_it,
    the_timeline_keeps_every_event_in_order_and_a_refusal_writes_nothing,
    twenty_simultaneous_claims_leave_exactly_one_owner,
    the_workspace_and_conversations_are_read_back_whole,
);
