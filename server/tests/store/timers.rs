//! Durable timers: a snooze arms its end in the transaction that snoozes, and when it is due
//! Relaydesk ends it — once, as the system, on the timeline — unless it no longer applies (the
//! customer wrote, someone snoozed it again), when it is dropped saying why. On PostgreSQL two
//! instances firing the same due timers fire each exactly once.

use std::sync::Arc;

use relaydesk_core::domain::*;
use relaydesk_server::store::Store;

use crate::contract;
use crate::harness::*;

const T: i64 = 1_789_412_500;

/// A conversation from `phone`, owned by Ana.
async fn owned_by_ana(store: &Store, desk: &People, phone: &str) -> Conversation {
    store
        .ingest_webhook(
            text_from(phone, &format!("wamid.{phone}.1"), T - 100, "Hello"),
            at(T - 99),
        )
        .await
        .expect("ingest");
    let c = conversation_of(store, phone).await;
    store
        .execute(
            Actor::Member(desk.ana),
            at(T),
            Command::Claim { conversation: c.id },
        )
        .await
        .expect("db")
        .expect("claimed");
    c
}

async fn snooze(store: &Store, desk: &People, c: ConversationId, now: i64, until: i64) {
    store
        .execute(
            Actor::Member(desk.ana),
            at(now),
            Command::SetStatus {
                conversation: c,
                status: Status::Snoozed { until: at(until) },
            },
        )
        .await
        .expect("db")
        .expect("snoozed");
}

async fn a_snooze_ends_on_its_timer_once_as_relaydesk_on_the_timeline(store: Store) {
    let desk = workspace(&store).await;
    let c = owned_by_ana(&store, &desk, "12025550147").await;
    snooze(&store, &desk, c.id, T + 10, T + 3_600).await;
    let armed = store.timers_of(c.id.to_string()).await.expect("db");
    assert_eq!(armed.len(), 1, "the snooze armed its end: {armed:?}");
    assert_eq!(
        (armed[0].state.as_str(), armed[0].due_at),
        ("armed", at(T + 3_600))
    );
    assert_eq!(
        store.next_timer_due().await.expect("db"),
        Some(at(T + 3_600))
    );

    // Not yet due: nothing happens.
    assert!(
        store
            .fire_timers(at(T + 3_599), 64)
            .await
            .expect("db")
            .is_empty()
    );
    let fired = store.fire_timers(at(T + 3_601), 64).await.expect("db");
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].dropped, None, "{fired:?}");
    let stored = store.conversation(c.id).await.expect("db").expect("exists");
    assert_eq!(
        stored.status,
        Status::Open,
        "the conversation is back in the queue"
    );
    assert_eq!(stored.assignee, Some(desk.ana), "with its owner");

    let sources = store.sources_of(c.id).await.expect("db");
    let (ended, door, session) = sources.last().expect("events");
    assert_eq!(
        ended.change,
        Change::SnoozeEnded {
            until: at(T + 3_600)
        }
    );
    assert_eq!(ended.by, By::Automation(Automaton::System));
    assert_eq!((door.as_str(), session), ("timer", &None));
    let workspace = store.workspace().await.expect("db");
    assert_eq!(
        wording::event_line(&workspace, &ended.by, &ended.change, false).as_deref(),
        Some("The snooze until 14 Sep 20:01 UTC ended: back in the queue")
    );

    // Fired once: later rounds find nothing.
    assert!(
        store
            .fire_timers(at(T + 7_200), 64)
            .await
            .expect("db")
            .is_empty()
    );
    assert_eq!(
        store.timers_of(c.id.to_string()).await.expect("db")[0].state,
        "fired"
    );
    assert_eq!(store.next_timer_due().await.expect("db"), None);
}

async fn a_snooze_the_customer_or_a_colleague_ended_first_is_dropped_saying_why(store: Store) {
    let desk = workspace(&store).await;
    let wrote = owned_by_ana(&store, &desk, "12025550148").await;
    let again = owned_by_ana(&store, &desk, "12025550149").await;
    snooze(&store, &desk, wrote.id, T + 10, T + 3_600).await;
    snooze(&store, &desk, again.id, T + 10, T + 3_600).await;
    // The customer writes: the conversation is open again before its snooze runs out.
    store
        .ingest_webhook(
            text_from("12025550148", "wamid.12025550148.2", T + 600, "Any news?"),
            at(T + 601),
        )
        .await
        .expect("ingest");
    // Ana snoozes the other one for longer: a new episode.
    snooze(&store, &desk, again.id, T + 700, T + 7_200).await;
    let episodes = store.timers_of(again.id.to_string()).await.expect("db");
    assert_eq!(
        episodes.len(),
        2,
        "re-arming is a new episode: {episodes:?}"
    );
    assert!(episodes[0].episode < episodes[1].episode);

    let first = store.fire_timers(at(T + 3_601), 64).await.expect("db");
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(first.iter().all(|t| t.dropped.is_some()), "{first:?}");
    let reason_of = |rows: &[relaydesk_server::store::TimerRow]| rows[0].outcome.clone();
    assert_eq!(
        reason_of(&store.timers_of(wrote.id.to_string()).await.expect("db")).as_deref(),
        Some("it is no longer snoozed (the customer wrote, or someone changed it)")
    );
    assert_eq!(
        reason_of(&store.timers_of(again.id.to_string()).await.expect("db")).as_deref(),
        Some("it was snoozed again, until another time")
    );
    let still = store
        .conversation(again.id)
        .await
        .expect("db")
        .expect("exists");
    assert_eq!(
        still.status,
        Status::Snoozed {
            until: at(T + 7_200)
        },
        "a dropped timer changes nothing"
    );

    let second = store.fire_timers(at(T + 7_201), 64).await.expect("db");
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].dropped, None, "the newer episode fires");
    assert_eq!(
        store
            .conversation(again.id)
            .await
            .expect("db")
            .expect("exists")
            .status,
        Status::Open
    );
    let ended: Vec<_> = store
        .events_of(again.id)
        .await
        .expect("db")
        .into_iter()
        .filter(|e| matches!(e.change, Change::SnoozeEnded { .. }))
        .collect();
    assert_eq!(ended.len(), 1, "one snooze ended, once");
}

async fn only_relaydesk_ends_a_snooze_and_only_when_it_ran_out(store: Store) {
    let desk = workspace(&store).await;
    let c = owned_by_ana(&store, &desk, "12025550150").await;
    snooze(&store, &desk, c.id, T + 10, T + 3_600).await;
    let end = Command::EndSnooze {
        conversation: c.id,
        until: at(T + 3_600),
    };
    let by_ana = store
        .execute(Actor::Member(desk.ana), at(T + 3_700), end.clone())
        .await
        .expect("db");
    assert!(
        matches!(by_ana, Err(Rejection::Forbidden { .. })),
        "{by_ana:?}"
    );
    let early = store
        .execute(
            Actor::Automation(Automaton::System),
            at(T + 3_599),
            end.clone(),
        )
        .await
        .expect("db");
    assert!(matches!(early, Err(Rejection::Invalid { .. })), "{early:?}");
    let by_whatsapp = store
        .execute(Actor::WhatsApp, at(T + 3_700), end)
        .await
        .expect("db");
    assert!(matches!(by_whatsapp, Err(Rejection::Forbidden { .. })));
    assert_eq!(
        store
            .conversation(c.id)
            .await
            .expect("db")
            .expect("exists")
            .status,
        Status::Snoozed {
            until: at(T + 3_600)
        }
    );
}

/// Migration 13 arms the end of every snooze standing at the upgrade (episode: the
/// conversation's version — the snooze's own, when it was the last change): run again over a
/// snooze the write path armed, it arms nothing twice, and the snooze ends once.
async fn arming_standing_snoozes_again_arms_nothing_twice(store: Store) {
    let desk = workspace(&store).await;
    let c = owned_by_ana(&store, &desk, "12025550151").await;
    snooze(&store, &desk, c.id, T + 10, T + 3_600).await;
    store.arm_standing_snoozes(at(T + 20)).await.expect("db");
    let armed = store.timers_of(c.id.to_string()).await.expect("db");
    assert_eq!(armed.len(), 1, "one episode: {armed:?}");
    let fired = store.fire_timers(at(T + 3_601), 64).await.expect("db");
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].dropped, None);
}

contract!(
    arming_standing_snoozes_again_arms_nothing_twice,
    a_snooze_ends_on_its_timer_once_as_relaydesk_on_the_timeline,
    a_snooze_the_customer_or_a_colleague_ended_first_is_dropped_saying_why,
    only_relaydesk_ends_a_snooze_and_only_when_it_ran_out,
);

/// Two instances fire the same due timers at once, round after round: each fires once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_firing_the_same_due_snoozes_end_each_once() {
    let Some((first, database)) = postgres_database().await else {
        return;
    };
    let second = Store::open(&database)
        .await
        .expect("a second instance opens");
    let desk = workspace(&first.store).await;
    let mut conversations = Vec::new();
    for n in 0..60 {
        let phone = format!("1202555{n:04}");
        let c = owned_by_ana(&first.store, &desk, &phone).await;
        snooze(&first.store, &desk, c.id, T + 10, T + 3_600 + n).await;
        conversations.push(c.id);
    }
    let fire = |store: Store| {
        tokio::spawn(async move {
            let mut fired = 0;
            loop {
                let settled = store.fire_timers(at(T + 4_000), 7).await.expect("db");
                if settled.is_empty() {
                    return fired;
                }
                fired += settled.iter().filter(|t| t.dropped.is_none()).count();
            }
        })
    };
    let (a, b) = (fire(first.store.clone()), fire(second.clone()));
    let (a, b) = (a.await.expect("task"), b.await.expect("task"));
    assert_eq!(a + b, 60, "each fired once between them ({a} + {b})");
    for id in conversations {
        let ended = first
            .store
            .events_of(id)
            .await
            .expect("db")
            .into_iter()
            .filter(|e| matches!(e.change, Change::SnoozeEnded { .. }))
            .count();
        assert_eq!(ended, 1);
    }
    let _keep = Arc::new(second);
}
