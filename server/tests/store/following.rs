//! Followers of the event log: a follower is told every change once, in order, and what it
//! does (here: a note on each customer message, through the write path as Relaydesk) happens
//! exactly once — across a round that fails half-way, a restart, and two instances running it
//! at the same time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use relaydesk_core::domain::*;
use relaydesk_server::store::followers::{Followed, Follower, Round, Start};
use relaydesk_server::store::sql::{DbError, Sql};
use relaydesk_server::store::{Door, Provenance, Stamped, Store};

use crate::contract;
use crate::harness::*;

/// Notes "seen <message>" on every customer message; fails its round once, half-way through,
/// when told to.
#[derive(Default)]
struct NotesEachMessage {
    fail_once: AtomicBool,
    rounds: AtomicUsize,
}

impl Follower for NotesEachMessage {
    fn name(&self) -> &'static str {
        "test_notes_each_message"
    }

    fn start(&self) -> Start {
        Start::Beginning
    }

    fn versions_per_round(&self) -> i64 {
        3
    }

    async fn follow<S: Sql>(
        &self,
        round: &mut Round<'_, S>,
        changes: &[Stamped],
    ) -> Result<usize, DbError> {
        self.rounds.fetch_add(1, Ordering::SeqCst);
        let system = Provenance::new(Actor::Automation(Automaton::System), Door::Follower);
        let mut written = 0;
        for stamped in changes {
            let Change::CustomerMessageReceived { message } = &stamped.event.change else {
                continue;
            };
            round
                .execute(
                    &system,
                    &Command::AddNote {
                        conversation: message.conversation_id,
                        note: NoteId::new(),
                        body: format!("seen {}", message.id),
                    },
                )
                .await?
                .map_err(|r| DbError::Other(format!("refused: {r}")))?;
            written += 1;
            if self.fail_once.swap(false, Ordering::SeqCst) {
                return Err(DbError::Other("the follower fell over half-way".into()));
            }
        }
        Ok(written)
    }
}

/// How many "seen" notes each customer message has.
async fn notes_per_message(store: &Store) -> BTreeMap<MessageId, usize> {
    let mut seen = BTreeMap::new();
    for c in store.conversations().await.expect("db") {
        for event in store.events_of(c.id).await.expect("db") {
            match event.change {
                Change::CustomerMessageReceived { message } => {
                    seen.entry(message.id).or_insert(0);
                }
                Change::NoteAdded { note } if note.body.starts_with("seen ") => {
                    let id: MessageId = note.body["seen ".len()..].parse().expect("an id");
                    *seen.entry(id).or_insert(0) += 1;
                }
                _ => {}
            }
        }
    }
    seen
}

async fn customers_write(store: &Store, from: usize, count: usize) {
    for n in from..from + count {
        let phone = format!("1202556{n:04}");
        store
            .ingest_webhook(
                text_from(&phone, &format!("wamid.{phone}.1"), 1_789_412_400, "Hello"),
                at(1_789_412_401),
            )
            .await
            .expect("ingest");
    }
}

/// Runs rounds until the follower has read everything committed.
async fn catch_up<F: Follower>(store: &Store, follower: &Arc<F>) {
    loop {
        match store.follow(follower, at(1_789_412_500)).await {
            Ok(Followed::Started { .. } | Followed::Advanced { behind: true, .. }) => {}
            Ok(Followed::Advanced { behind: false, .. } | Followed::UpToDate { .. }) => return,
            Ok(Followed::Busy) => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(error) => panic!("a round failed: {error}"),
        }
    }
}

async fn a_follower_acts_once_on_each_change_even_after_a_round_fell_over(store: Store) {
    let _desk = workspace(&store).await;
    customers_write(&store, 0, 5).await;
    let follower = Arc::new(NotesEachMessage::default());
    follower.fail_once.store(true, Ordering::SeqCst);
    // The first round that meets a customer message notes it, then falls over: nothing of it
    // stays, and the cursor does not move.
    let failed = loop {
        let before = store.follower_cursor(follower.name()).await.expect("db");
        if let Err(error) = store.follow(&follower, at(1_789_412_500)).await {
            break (before, error);
        }
    };
    assert!(failed.1.to_string().contains("half-way"), "{}", failed.1);
    assert_eq!(
        store.follower_cursor(follower.name()).await.expect("db"),
        failed.0,
        "a round that fell over leaves the cursor where it was"
    );
    assert!(notes_per_message(&store).await.values().all(|n| *n == 0));

    catch_up(&store, &follower).await;
    let seen = notes_per_message(&store).await;
    assert_eq!(seen.len(), 5);
    assert!(
        seen.values().all(|n| *n == 1),
        "each message noted once: {seen:?}"
    );
    assert!(!store.follower_behind(follower.name()).await.expect("db"));

    // Restarted (a new follower object, as after a restart): it goes on from its cursor.
    let restarted = Arc::new(NotesEachMessage::default());
    customers_write(&store, 5, 3).await;
    catch_up(&store, &restarted).await;
    let seen = notes_per_message(&store).await;
    assert_eq!(seen.len(), 8);
    assert!(seen.values().all(|n| *n == 1), "nothing repeated: {seen:?}");
}

async fn a_follower_that_starts_now_ignores_what_came_before(store: Store) {
    struct FromNow(NotesEachMessage);
    impl Follower for FromNow {
        fn name(&self) -> &'static str {
            "test_from_now"
        }
        fn start(&self) -> Start {
            Start::Now
        }
        fn follow<S: Sql>(
            &self,
            round: &mut Round<'_, S>,
            changes: &[Stamped],
        ) -> impl Future<Output = Result<usize, DbError>> + Send {
            self.0.follow(round, changes)
        }
    }
    let _desk = workspace(&store).await;
    customers_write(&store, 0, 2).await;
    let follower = Arc::new(FromNow(NotesEachMessage::default()));
    let started = store
        .follow(&follower, at(1_789_412_500))
        .await
        .expect("db");
    assert_eq!(
        started,
        Followed::Started {
            at: store.version().await.expect("db")
        }
    );
    customers_write(&store, 2, 2).await;
    catch_up(&store, &follower).await;
    let noted = notes_per_message(&store)
        .await
        .values()
        .filter(|n| **n == 1)
        .count();
    assert_eq!(noted, 2, "only the messages after it started");
}

contract!(
    a_follower_acts_once_on_each_change_even_after_a_round_fell_over,
    a_follower_that_starts_now_ignores_what_came_before,
);

/// Two instances run the same follower while customers write; then both stop and one starts
/// again: every message is noted exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_on_two_instances_and_after_a_restart_acts_once_on_each_change() {
    let Some((first, database)) = postgres_database().await else {
        return;
    };
    let second = Store::open(&database)
        .await
        .expect("a second instance opens");
    let _desk = workspace(&first.store).await;
    let runners: Vec<_> = [first.store.clone(), second.clone()]
        .into_iter()
        .map(|store| {
            tokio::spawn(relaydesk_server::workers::followers::run(
                store,
                Arc::new(NotesEachMessage::default()),
                None,
            ))
        })
        .collect();
    let writers: Vec<_> = [(first.store.clone(), 0), (second.clone(), 100)]
        .into_iter()
        .map(|(store, from)| tokio::spawn(async move { customers_write(&store, from, 60).await }))
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
    let all_noted = |store: Store, count: usize| async move {
        for _ in 0..600 {
            let seen = notes_per_message(&store).await;
            if seen.len() == count && seen.values().all(|n| *n >= 1) {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the followers did not catch up in 30 s");
    };
    let seen = all_noted(first.store.clone(), 120).await;
    assert!(seen.values().all(|n| *n == 1), "once each: {seen:?}");

    // Both stop (as a deploy would); customers go on writing; one instance comes back.
    for runner in runners {
        runner.abort();
        let _ = runner.await;
    }
    customers_write(&first.store, 200, 20).await;
    let back = tokio::spawn(relaydesk_server::workers::followers::run(
        second.clone(),
        Arc::new(NotesEachMessage::default()),
        None,
    ));
    let seen = all_noted(second.clone(), 140).await;
    assert!(
        seen.values().all(|n| *n == 1),
        "nothing repeated after the restart: {seen:?}"
    );
    back.abort();
}
