//! Fresh stores for each test, a small workspace, and the `contract!` macro that runs one
//! story against both backends.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use relaydesk_core::domain::*;
use relaydesk_server::store::{Database, Setup, Store};

/// The business numbers of the fixtures.
pub const BUSINESS_A: &str = "410593826617204";
pub const BUSINESS_B: &str = "410593826617388";

/// A store and what keeps it alive (the temp dir of a SQLite file).
pub struct Fresh {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&Database::Sqlite(dir.path().join("relaydesk.db")))
        .await
        .expect("SQLite store opens");
    Fresh {
        store,
        _dir: Some(dir),
    }
}

/// A store in a new schema of the test PostgreSQL, or `None` (said loudly) without one.
pub async fn postgres() -> Option<Fresh> {
    postgres_database().await.map(|(fresh, _)| fresh)
}

/// Like [`postgres`], also naming the database so a second instance can open it.
pub async fn postgres_database() -> Option<(Fresh, Database)> {
    let Ok(url) = std::env::var("RELAYDESK_TEST_DATABASE_URL") else {
        eprintln!(
            "SKIPPED on PostgreSQL: RELAYDESK_TEST_DATABASE_URL is not set \
             (set it to run the storage contract on PostgreSQL; .ci/run does)"
        );
        return None;
    };
    let now = Utc::now().timestamp();
    let schema = format!("rd_test_{now}_{}", uuid::Uuid::now_v7().simple());
    drop_old_schemas(&url, now).await;
    let database = Database::Postgres {
        url,
        schema: Some(schema),
    };
    let store = Store::open(&database)
        .await
        .expect("PostgreSQL store opens");
    Some((Fresh { store, _dir: None }, database))
}

/// Schemas of test runs older than an hour are dropped, so the test database does not grow.
async fn drop_old_schemas(url: &str, now: i64) {
    let Ok(pool) = sqlx::PgPool::connect(url).await else {
        return;
    };
    let schemas: Vec<(String,)> =
        sqlx::query_as("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'rd_test_%'")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
    for (schema,) in schemas {
        let created = schema
            .split('_')
            .nth(2)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(now);
        if now - created > 3600 {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
            )))
            .execute(&pool)
            .await;
        }
    }
    pool.close().await;
}

/// Runs each named story (an `async fn(Store)`) on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! contract {
    ($($story:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let fresh = $crate::harness::sqlite().await;
                    super::$story(fresh.store.clone()).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let Some(fresh) = $crate::harness::postgres().await else { return };
                    super::$story(fresh.store.clone()).await;
                }
            )*
        }
    };
}

/// The people and numbers of the fixtures' business.
pub struct People {
    pub north: TeamId,
    pub main_inbox: InboxId,
    pub ana: UserId,
    pub bruno: UserId,
}

pub fn member(name: &str, role: Role, teams: &[TeamId]) -> Member {
    Member {
        id: UserId::new(),
        name: name.into(),
        handle: name.to_lowercase(),
        role,
        teams: teams.iter().copied().collect(),
        availability: Availability::Online,
        capacity: Capacity::default(),
        active: true,
    }
}

/// Sets up two teams, two agents and the fixtures' three numbers (A and A2 for North, B for South).
pub async fn workspace(store: &Store) -> People {
    let north = Team {
        id: TeamId::new(),
        name: "North".into(),
    };
    let south = Team {
        id: TeamId::new(),
        name: "South".into(),
    };
    let ana = member("Ana", Role::Agent, &[north.id]);
    let bruno = member("Bruno", Role::Agent, &[north.id]);
    let inbox =
        |name: &str, phone_number_id: &str, display: &str, waba: &str, team: TeamId| Inbox {
            id: InboxId::new(),
            name: name.into(),
            phone_number_id: phone_number_id.into(),
            display_phone_number: display.into(),
            waba_id: waba.into(),
            teams: BTreeSet::from([team]),
        };
    let main = inbox(
        "Main",
        BUSINESS_A,
        "12125550142",
        "310984726155302",
        north.id,
    );
    let second = inbox(
        "Second",
        "410593826617266",
        "12125550143",
        "310984726155302",
        north.id,
    );
    let south_number = inbox(
        "South",
        BUSINESS_B,
        "13055550188",
        "310984726155419",
        south.id,
    );
    let desk = People {
        north: north.id,
        main_inbox: main.id,
        ana: ana.id,
        bruno: bruno.id,
    };
    for change in [
        Setup::Team(north),
        Setup::Team(south),
        Setup::Member(ana),
        Setup::Member(bruno),
        Setup::Inbox(main),
        Setup::Inbox(second),
        Setup::Inbox(south_number),
    ] {
        store.setup(change).await.expect("workspace setup");
    }
    desk
}

pub fn at(seconds: i64) -> Timestamp {
    Utc.timestamp_opt(seconds, 0).single().expect("valid time")
}

/// The WhatsApp fixture `name`, byte for byte.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/whatsapp")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A minimal signed-shape text webhook from `phone` to number A.
pub fn text_from(phone: &str, wamid: &str, timestamp: i64, body: &str) -> Vec<u8> {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"310984726155302","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"{BUSINESS_A}"}},"contacts":[{{"profile":{{"name":"Customer {phone}"}},"wa_id":"{phone}"}}],"messages":[{{"from":"{phone}","id":"{wamid}","timestamp":"{timestamp}","type":"text","text":{{"body":"{body}"}}}}]}}}}]}}]}}"#
    )
    .into_bytes()
}

/// The conversation of the customer with this phone number (who must have written).
pub async fn conversation_of(store: &Store, phone: &str) -> Conversation {
    let contact = store
        .contact_by_phone(phone.into())
        .await
        .expect("db")
        .unwrap_or_else(|| panic!("{phone} has written"));
    store
        .conversations()
        .await
        .expect("db")
        .into_iter()
        .find(|c| c.contact_id == contact.id)
        .expect("a conversation")
}
