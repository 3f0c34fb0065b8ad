//! Accountable configuration (issue 18): every change to people, teams, inboxes, templates,
//! canned replies and automations goes through one write path that checks it with the
//! domain's rules and logs who made it, through which door, when, and what it was before; a
//! deleted row leaves a tombstone; the configuration as of a past instant is read back from
//! the log exactly; the log began with a baseline entry per row that already stood.

use std::collections::BTreeSet;

use relaydesk_core::domain::config::{Item, Kind, Refusal};
use relaydesk_core::domain::*;
use relaydesk_server::store::config::{BASELINE_NOTE, DELETED_BEFORE_THE_LOG, LogFilter};
use relaydesk_server::store::{Database, Door, Provenance, Store};

use crate::contract;
use crate::harness::*;

const T: i64 = 1_789_500_000;

fn admin_on(door: Door, admin: UserId, session: &str) -> Provenance {
    Provenance::in_session(Actor::Member(admin), door, session)
}

fn everything() -> LogFilter {
    LogFilter {
        limit: 1_000,
        ..LogFilter::default()
    }
}

/// Every entry of the log about `kind`, newest first.
async fn log_of(store: &Store, kind: Kind) -> Vec<relaydesk_server::store::config::LogEntry> {
    store
        .config_log(LogFilter {
            kind: Some(kind),
            ..everything()
        })
        .await
        .expect("db")
}

/// An admin, Alex, set up through the store (the log names Relaydesk for it).
async fn alex(store: &Store) -> UserId {
    let alex = member("Alex", Role::Admin, &[]);
    let id = alex.id;
    store.setup(Item::Member(alex)).await.expect("admin");
    id
}

async fn an_admins_changes_are_logged_with_their_door_session_and_what_came_before(store: Store) {
    let alex = alex(&store).await;
    let on_the_web = admin_on(Door::Rest, alex, "session-alex-laptop");
    let team = Team {
        id: TeamId::new(),
        name: "Returns".into(),
    };
    store
        .configure(on_the_web.clone(), at(T), Item::Team(team.clone()))
        .await
        .expect("db")
        .expect("created");
    let renamed = Team {
        name: "Returns & Refunds".into(),
        ..team.clone()
    };
    let from_the_cli = Provenance::new(Actor::Member(alex), Door::Cli);
    store
        .configure(from_the_cli, at(T + 60), Item::Team(renamed.clone()))
        .await
        .expect("db")
        .expect("renamed");
    // Saving it again as it stands changes nothing and logs nothing.
    store
        .configure(on_the_web.clone(), at(T + 61), Item::Team(renamed.clone()))
        .await
        .expect("db")
        .expect("unchanged");
    let log = log_of(&store, Kind::Team).await;
    assert_eq!(log.len(), 2, "one entry per change: {log:?}");
    let (newest, first) = (&log[0], &log[1]);
    assert_eq!(first.item, team.id.to_string());
    assert_eq!(
        (first.revision, newest.revision),
        (1, 2),
        "the team's own count"
    );
    assert_eq!(first.by, By::Member(alex));
    assert_eq!(first.door, "rest");
    assert_eq!(first.session.as_deref(), Some("session-alex-laptop"));
    assert_eq!(first.before, None, "created");
    assert_eq!(first.after.as_ref().expect("after")["name"], "Returns");
    assert_eq!(first.at, at(T));
    assert_eq!(newest.door, "cli");
    assert_eq!(newest.session, None);
    assert_eq!(newest.before.as_ref().expect("before")["name"], "Returns");
    assert_eq!(
        newest.after.as_ref().expect("after")["name"],
        "Returns & Refunds"
    );
    assert!(!first.baseline && first.note.is_none());
}

async fn a_deleted_canned_reply_leaves_a_tombstone_and_phones_learn_of_it(store: Store) {
    let desk = workspace(&store).await;
    let alex = alex(&store).await;
    let by = admin_on(Door::Rest, alex, "s-1");
    let reply = CannedReply {
        id: CannedReplyId::new(),
        shortcut: "hello".into(),
        title: "Greeting".into(),
        body: "Hi {{contact.name}}!".into(),
        scope: CannedScope::Team(desk.north),
    };
    store
        .put_canned_reply(by.clone(), at(T), reply.clone())
        .await
        .expect("db")
        .expect("saved");
    let (before_delete, _) = store
        .workspace_versions(desk.ana, i64::MAX)
        .await
        .expect("db");
    assert!(
        store
            .delete_canned_reply(by.clone(), at(T + 5), reply.id)
            .await
            .expect("db")
    );
    assert!(
        !store
            .delete_canned_reply(by, at(T + 6), reply.id)
            .await
            .expect("db"),
        "a second delete finds nothing and logs nothing"
    );
    let log = log_of(&store, Kind::CannedReply).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].after, None, "the tombstone");
    assert_eq!(
        log[0].before.as_ref().expect("what was deleted")["shortcut"],
        "hello"
    );
    let (after_delete, _) = store
        .workspace_versions(desk.ana, i64::MAX)
        .await
        .expect("db");
    assert!(
        after_delete > before_delete,
        "a phone's copy is stale after the deletion: {before_delete} → {after_delete}"
    );
    assert!(
        store.canned_replies().await.expect("db").is_empty(),
        "the row is gone"
    );
}

async fn a_persons_own_availability_is_logged_by_them_through_their_door(store: Store) {
    let desk = workspace(&store).await;
    store
        .execute(
            Provenance::in_session(Actor::Member(desk.ana), Door::Sync, "ana-phone"),
            at(T),
            Command::SetAvailability {
                availability: Availability::Away,
            },
        )
        .await
        .expect("db")
        .expect("away");
    let log = store
        .config_log(LogFilter {
            actor: Some(desk.ana),
            ..everything()
        })
        .await
        .expect("db");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].kind, Kind::Member);
    assert_eq!(log[0].item, desk.ana.to_string());
    assert_eq!(
        (log[0].door.as_str(), log[0].session.as_deref()),
        ("sync", Some("ana-phone"))
    );
    assert_eq!(
        log[0].before.as_ref().expect("before")["availability"],
        "online"
    );
    assert_eq!(
        log[0].after.as_ref().expect("after")["availability"],
        "away"
    );
}

async fn the_log_is_filtered_by_kind_actor_and_time_newest_first(store: Store) {
    let alex = alex(&store).await;
    let sara = member("Sara", Role::Admin, &[]);
    let sara_id = sara.id;
    store.setup(Item::Member(sara)).await.expect("Sara");
    for (i, (who, name)) in [(alex, "One"), (sara_id, "Two"), (alex, "Three")]
        .into_iter()
        .enumerate()
    {
        store
            .configure(
                admin_on(Door::Rest, who, "s"),
                at(T + 100 * i as i64),
                Item::Team(Team {
                    id: TeamId::new(),
                    name: name.into(),
                }),
            )
            .await
            .expect("db")
            .expect("team");
    }
    let names = |entries: &[relaydesk_server::store::config::LogEntry]| -> Vec<String> {
        entries
            .iter()
            .map(|e| {
                e.after.as_ref().expect("after")["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    };
    let by_alex = store
        .config_log(LogFilter {
            actor: Some(alex),
            kind: Some(Kind::Team),
            ..everything()
        })
        .await
        .expect("db");
    assert_eq!(names(&by_alex), ["Three", "One"], "newest first");
    let in_window = store
        .config_log(LogFilter {
            kind: Some(Kind::Team),
            since: Some(at(T + 100)),
            until: Some(at(T + 200)),
            ..everything()
        })
        .await
        .expect("db");
    assert_eq!(
        names(&in_window),
        ["Two"],
        "since inclusive, until exclusive"
    );
    // Paging: one at a time, each page continuing before the last entry of the previous.
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .config_log(LogFilter {
                kind: Some(Kind::Team),
                before_entry: before.clone(),
                limit: 1,
                ..LogFilter::default()
            })
            .await
            .expect("db");
        let Some(last) = page.last() else { break };
        before = Some((
            last.at.timestamp_millis(),
            last.version,
            last.kind.as_str().to_owned(),
            last.item.clone(),
            last.revision,
        ));
        seen.extend(names(&page));
    }
    assert_eq!(seen, ["Three", "Two", "One"]);
}

async fn the_configuration_as_of_a_past_instant_is_read_back_exactly(store: Store) {
    let desk = workspace(&store).await;
    let alex = alex(&store).await;
    let by = admin_on(Door::Rest, alex, "s");
    // After the setup above (made now), an hour apart.
    let start = chrono::Utc::now() + chrono::Duration::minutes(1);
    let step = |n: i64| start + chrono::Duration::hours(n);
    let mut snapshots = vec![(step(0), store.workspace().await.expect("db"))];
    let team = Team {
        id: TeamId::new(),
        name: "Night".into(),
    };
    let reply = CannedReply {
        id: CannedReplyId::new(),
        shortcut: "later".into(),
        title: "Later".into(),
        body: "We will write back in the morning.".into(),
        scope: CannedScope::Team(desk.north),
    };
    store
        .configure(by.clone(), step(1), Item::Team(team.clone()))
        .await
        .expect("db")
        .expect("team");
    snapshots.push((step(1), store.workspace().await.expect("db")));
    store
        .put_canned_reply(by.clone(), step(2), reply.clone())
        .await
        .expect("db")
        .expect("reply");
    snapshots.push((step(2), store.workspace().await.expect("db")));
    store
        .execute(
            Provenance::in_session(Actor::Member(desk.bruno), Door::Web, "b"),
            step(3),
            Command::SetAvailability {
                availability: Availability::Offline,
            },
        )
        .await
        .expect("db")
        .expect("offline");
    snapshots.push((step(3), store.workspace().await.expect("db")));
    store
        .configure(
            by.clone(),
            step(4),
            Item::Team(Team {
                name: "Night shift".into(),
                ..team.clone()
            }),
        )
        .await
        .expect("db")
        .expect("renamed");
    snapshots.push((step(4), store.workspace().await.expect("db")));
    store
        .delete_canned_reply(by, step(5), reply.id)
        .await
        .expect("db");
    snapshots.push((step(5), store.workspace().await.expect("db")));
    for (i, (when, then)) in snapshots.iter().enumerate() {
        for instant in [*when, *when + chrono::Duration::minutes(59)] {
            let (read, known_from) = store.configuration_at(instant).await.expect("db");
            assert_eq!(&read, then, "step {i}: the configuration at {instant}");
            assert_eq!(known_from, None, "the log began with these rows");
        }
    }
    let (before_all, _) = store.configuration_at(step(0)).await.expect("db");
    assert!(
        !before_all.teams.contains_key(&team.id),
        "a team made later is not there before"
    );
}

/// A change that waited for the row's lock is logged at its own instant or later, never
/// before the change it waited for (the log's order and `as_of` agree).
async fn an_entry_is_never_logged_before_the_rows_previous_one(store: Store) {
    let alex = alex(&store).await;
    let by = admin_on(Door::Rest, alex, "s");
    let team = Team {
        id: TeamId::new(),
        name: "Early".into(),
    };
    store
        .configure(by.clone(), at(T + 100), Item::Team(team.clone()))
        .await
        .expect("db")
        .expect("made");
    store
        .configure(
            by,
            at(T + 40),
            Item::Team(Team {
                name: "Late".into(),
                ..team.clone()
            }),
        )
        .await
        .expect("db")
        .expect("renamed");
    let log = log_of(&store, Kind::Team).await;
    assert_eq!(
        log.iter().map(|e| (e.revision, e.at)).collect::<Vec<_>>(),
        [(2, at(T + 100)), (1, at(T + 100))]
    );
    let (then, _) = store.configuration_at(at(T + 100)).await.expect("db");
    assert_eq!(then.teams[&team.id].name, "Late");
}

/// Meta lists a template twice: it is stored once. A refused listing stores nothing of its
/// account.
async fn a_template_listing_is_stored_whole_or_not_at_all(store: Store) {
    let template = |name: &str| Template {
        id: TemplateId::new(),
        waba_id: "310984726155302".into(),
        name: name.into(),
        language: "en".into(),
        category: TemplateCategory::Utility,
        status: TemplateStatus::Approved,
        body: "Your order {{1}} is on its way".into(),
        header: None,
        footer: None,
        buttons: vec![],
    };
    let listed = vec![
        template("order_update"),
        template("order_update"),
        template("hello"),
    ];
    let stored = store
        .replace_templates(
            Provenance::relaydesk(),
            at(T),
            "310984726155302".into(),
            listed,
        )
        .await
        .expect("db")
        .expect("stored");
    assert_eq!(stored, (2, 0));
    assert_eq!(store.workspace().await.expect("db").templates.len(), 2);
    let nameless = vec![template("thanks"), template("")];
    let refused = store
        .replace_templates(
            Provenance::relaydesk(),
            at(T + 1),
            "310984726155302".into(),
            nameless,
        )
        .await
        .expect("db");
    assert!(refused.is_err(), "{refused:?}");
    let names: BTreeSet<String> = store
        .workspace()
        .await
        .expect("db")
        .templates
        .values()
        .map(|t| format!("{} {:?}", t.name, t.status))
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "hello Approved".to_owned(),
            "order_update Approved".to_owned()
        ]),
        "nothing of the refused listing was stored, nothing disabled"
    );
}

async fn a_refused_change_writes_nothing_and_logs_nothing(store: Store) {
    let alex = alex(&store).await;
    let by = admin_on(Door::Rest, alex, "s");
    store
        .configure(
            by.clone(),
            at(T),
            Item::Team(Team {
                id: TeamId::new(),
                name: "Orders".into(),
            }),
        )
        .await
        .expect("db")
        .expect("first");
    let logged = store.config_log(everything()).await.expect("db").len();
    let clash = store
        .configure(
            by.clone(),
            at(T + 1),
            Item::Team(Team {
                id: TeamId::new(),
                name: "orders".into(),
            }),
        )
        .await
        .expect("db");
    assert_eq!(clash, Err(Refusal::Conflict("a team orders exists".into())));
    let ghost_team = Member {
        teams: BTreeSet::from([TeamId::new()]),
        ..member("Ghost", Role::Agent, &[])
    };
    let refused = store
        .configure(by.clone(), at(T + 2), Item::Member(ghost_team))
        .await
        .expect("db");
    assert!(
        matches!(&refused, Err(Refusal::Invalid { field, .. }) if field == "teams"),
        "{refused:?}"
    );
    // The only admin cannot switch themself off.
    let mut leaving = store.workspace().await.expect("db").members[&alex].clone();
    leaving.active = false;
    let last = store
        .configure(by, at(T + 3), Item::Member(leaving))
        .await
        .expect("db");
    assert_eq!(
        last,
        Err(Refusal::Conflict(
            "the workspace needs at least one active admin".into()
        ))
    );
    assert_eq!(
        store.config_log(everything()).await.expect("db").len(),
        logged,
        "nothing was logged"
    );
    assert_eq!(store.workspace().await.expect("db").teams.len(), 1);
}

async fn eight_admins_naming_a_team_alike_at_once_make_one_team(store: Store) {
    let alex = alex(&store).await;
    let mut tries = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tries.push(tokio::spawn(async move {
            store
                .configure(
                    admin_on(Door::Rest, alex, &format!("s{i}")),
                    at(T),
                    Item::Team(Team {
                        id: TeamId::new(),
                        name: if i % 2 == 0 { "VIP" } else { "vip" }.into(),
                    }),
                )
                .await
                .expect("db")
        }));
    }
    let mut made = 0;
    for attempt in tries {
        match attempt.await.expect("ran") {
            Ok(_) => made += 1,
            Err(Refusal::Conflict(_)) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(made, 1, "one team, the others told it exists");
    assert_eq!(store.workspace().await.expect("db").teams.len(), 1);
}

contract!(
    an_admins_changes_are_logged_with_their_door_session_and_what_came_before,
    a_deleted_canned_reply_leaves_a_tombstone_and_phones_learn_of_it,
    a_persons_own_availability_is_logged_by_them_through_their_door,
    the_log_is_filtered_by_kind_actor_and_time_newest_first,
    the_configuration_as_of_a_past_instant_is_read_back_exactly,
    a_refused_change_writes_nothing_and_logs_nothing,
    an_entry_is_never_logged_before_the_rows_previous_one,
    a_template_listing_is_stored_whole_or_not_at_all,
    eight_admins_naming_a_team_alike_at_once_make_one_team,
);

/// Takes a database back to before the configuration log (migration 14, and the label
/// catalogue after it): its rows stay, the log goes — as a database written by an older
/// Relaydesk.
async fn before_the_log(database: &Database) {
    let statements = [
        "DROP TABLE labels",
        "DROP TABLE config_log",
        "DELETE FROM meta WHERE key = 'config_stamp'",
        "DELETE FROM schema_migrations WHERE number >= 14",
        // A canned reply deleted then, told to phones by this version.
        "INSERT INTO meta (key, value) VALUES ('workspace_deleted', 777777)",
    ];
    match database {
        Database::Sqlite(path) => {
            let connection = rusqlite::Connection::open(path).expect("open");
            for statement in statements {
                connection.execute_batch(statement).expect("rewound");
            }
        }
        Database::Postgres { url, schema } => {
            let pool = sqlx::PgPool::connect(url).await.expect("connect");
            let schema = schema.as_deref().expect("a test schema");
            for statement in statements {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "SET search_path TO \"{schema}\"; {statement}"
                )))
                .execute(&pool)
                .await
                .expect("rewound");
            }
            pool.close().await;
        }
    }
}

/// A workspace set up by an older Relaydesk is upgraded: the log begins with one baseline
/// entry per row, saying what came before cannot be known; the configuration at an instant
/// before the upgrade is answered with the rows as they stood, saying from when that is known.
async fn the_log_begins_with_a_baseline_entry_per_row_that_already_stood(database: Database) {
    let store = Store::open(&database).await.expect("opens");
    let desk = workspace(&store).await;
    let rows = store.workspace().await.expect("db");
    drop(store);
    before_the_log(&database).await;
    let upgraded_at = chrono::Utc::now();
    let store = Store::open(&database).await.expect("migrates again");
    let mut log = store.config_log(everything()).await.expect("db");
    let deleted = log
        .iter()
        .position(|e| e.item == DELETED_BEFORE_THE_LOG)
        .expect("the deletions before the log stand as one tombstone");
    let tombstone = log.remove(deleted);
    assert_eq!(
        (tombstone.version, tombstone.after.is_none()),
        (777_777, true)
    );
    let (copy_version, _) = store
        .workspace_versions(desk.ana, i64::MAX)
        .await
        .expect("db");
    assert!(
        copy_version >= 777_777,
        "a phone older than the deletion gets a new copy"
    );
    let expected = rows.members.len() + rows.teams.len() + rows.inboxes.len();
    assert_eq!(log.len(), expected, "one entry per row: {log:?}");
    for entry in &log {
        assert!(entry.baseline, "{entry:?}");
        assert_eq!(entry.note.as_deref(), Some(BASELINE_NOTE));
        assert_eq!(entry.before, None);
        assert_eq!(entry.door, "migration");
        assert_eq!(entry.by, By::Automation(Automaton::System));
        assert!(entry.at >= upgraded_at - chrono::Duration::seconds(5));
    }
    let (long_ago, known_from) = store
        .configuration_at(at(T - 86_400 * 365))
        .await
        .expect("db");
    assert_eq!(long_ago, rows, "as it stood when the log began");
    let known_from = known_from.expect("said to be known only from the upgrade");
    assert!(known_from >= upgraded_at - chrono::Duration::seconds(5));
    // Changes after the upgrade go on from the baseline.
    store
        .configure(
            Provenance::relaydesk(),
            chrono::Utc::now(),
            Item::Team(Team {
                id: desk.north,
                name: "North (day)".into(),
            }),
        )
        .await
        .expect("db")
        .expect("renamed");
    let north = log_of(&store, Kind::Team)
        .await
        .into_iter()
        .filter(|e| e.item == desk.north.to_string())
        .map(|e| (e.revision, e.baseline))
        .collect::<Vec<_>>();
    assert_eq!(north, [(2, false), (1, true)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_begins_with_a_baseline_entry_per_row_that_already_stood_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    the_log_begins_with_a_baseline_entry_per_row_that_already_stood(Database::Sqlite(
        dir.path().join("relaydesk.db"),
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_begins_with_a_baseline_entry_per_row_that_already_stood_on_postgres() {
    let Some((fresh, database)) = postgres_database().await else {
        return;
    };
    drop(fresh);
    the_log_begins_with_a_baseline_entry_per_row_that_already_stood(database).await;
}

/// Two instances on one PostgreSQL database: each decides with the workspace it caches, and
/// a change made on one is seen by the other's next decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_decides_with_a_change_made_on_another() {
    let Some((first, database)) = postgres_database().await else {
        return;
    };
    let desk = workspace(&first.store).await;
    let second = Store::open(&database).await.expect("second instance");
    let c = {
        first
            .store
            .ingest_webhook(
                text_from("12025550190", "wamid.cache.1", T - 10, "Hello"),
                at(T - 9),
            )
            .await
            .expect("ingest");
        conversation_of(&first.store, "12025550190").await
    };
    // The second instance caches the workspace as it stands: Dana is not there yet.
    assert!(second.workspace().await.expect("db").members.len() == 2);
    let dana = member("Dana", Role::Agent, &[desk.north]);
    first
        .store
        .setup(Item::Member(dana.clone()))
        .await
        .expect("Dana joins");
    let claimed = second
        .execute(
            Actor::Member(dana.id),
            at(T),
            Command::Claim { conversation: c.id },
        )
        .await
        .expect("db");
    assert!(
        claimed.is_ok(),
        "the second instance knows Dana at once: {claimed:?}"
    );
}
