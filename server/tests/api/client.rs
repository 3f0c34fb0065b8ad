//! A server on a loopback port with a small workspace of real accounts, and a client that
//! speaks to it as one of them.

use std::collections::BTreeSet;

use chrono::Utc;
use relaydesk_core::domain::*;
use relaydesk_core::protocol::admin::{NewInbox, NewTeam, NewUser};
use relaydesk_server::accounts;
use relaydesk_server::http::router;
use relaydesk_server::state::{AppState, WhatsAppSettings};
use relaydesk_server::store::Store;
use relaydesk_server::whatsapp::GraphApi;
use serde_json::{Value, json};

use crate::harness::{BUSINESS_A, BUSINESS_B, Fresh};

/// Everyone's password in these stories.
pub const PASSWORD: &str = "correct horse battery";

/// One person signed in.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: UserId,
    pub email: String,
    pub token: String,
}

/// The running server, its store and its people.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub north: TeamId,
    pub south: TeamId,
    pub main_inbox: InboxId,
    /// Admin, no team.
    pub admin: Person,
    /// Supervisor of North.
    pub sara: Person,
    /// Agents of North.
    pub ana: Person,
    pub bruno: Person,
    /// Agent of South.
    pub sol: Person,
    /// Where this server keeps fetched files.
    pub media_dir: tempfile::TempDir,
    _fresh: Fresh,
}

/// An answer: status and JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// Serves the router on a free loopback port.
pub async fn serve(store: Store) -> String {
    serve_with(store, None, std::env::temp_dir().join("relaydesk-no-media")).await
}

/// Serves with a Graph API (template sync) and a media folder.
pub async fn serve_with(
    store: Store,
    graph: Option<GraphApi>,
    media_dir: std::path::PathBuf,
) -> String {
    let settings = WhatsAppSettings {
        graph,
        ..WhatsAppSettings::default()
    };
    serve_state(AppState::new(store, settings).with_media_dir(media_dir)).await
}

/// Serves as if behind a reverse proxy (client addresses from `X-Forwarded-For`).
pub async fn serve_behind_proxy(store: Store) -> String {
    serve_state(AppState::new(store, WhatsAppSettings::default()).trusting_forwarded_for(true))
        .await
}

/// Serves with these limits on live streams.
pub async fn serve_with_live_limits(
    store: Store,
    limits: relaydesk_server::http::live_streams::LiveLimits,
) -> String {
    serve_state(AppState::new(store, WhatsAppSettings::default()).with_live_limits(limits)).await
}

async fn serve_state(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("bound");
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serves");
    });
    format!("http://{address}")
}

async fn person(store: &Store, name: &str, role: Role, teams: &[TeamId]) -> UserId {
    accounts::create_user(
        store,
        &relaydesk_server::store::Provenance::relaydesk(),
        NewUser {
            email: format!("{}@example.test", name.to_lowercase()),
            name: name.into(),
            handle: None,
            role,
            teams: teams.iter().copied().collect(),
            capacity: None,
            password: Some(PASSWORD.into()),
        },
        Utc::now(),
    )
    .await
    .expect("user created")
    .user
    .id
}

impl Api {
    /// A server over `fresh` with teams North and South, number A for North and B for South,
    /// and everyone signed in.
    pub async fn start(fresh: Fresh) -> Api {
        let store = fresh.store.clone();
        let team = |name: &str| {
            let store = store.clone();
            let name = name.to_owned();
            async move {
                accounts::create_team(
                    &store,
                    &relaydesk_server::store::Provenance::relaydesk(),
                    NewTeam { name },
                )
                .await
                .expect("team")
                .id
            }
        };
        let north = team("North").await;
        let south = team("South").await;
        let main_inbox = accounts::create_inbox(
            &store,
            &relaydesk_server::store::Provenance::relaydesk(),
            NewInbox {
                name: "Main".into(),
                phone_number_id: BUSINESS_A.into(),
                display_phone_number: "12125550142".into(),
                waba_id: "310984726155302".into(),
                teams: BTreeSet::from([north]),
            },
        )
        .await
        .expect("inbox")
        .id;
        accounts::create_inbox(
            &store,
            &relaydesk_server::store::Provenance::relaydesk(),
            NewInbox {
                name: "South".into(),
                phone_number_id: BUSINESS_B.into(),
                display_phone_number: "13055550188".into(),
                waba_id: "310984726155419".into(),
                teams: BTreeSet::from([south]),
            },
        )
        .await
        .expect("inbox");
        let ids = [
            person(&store, "Admin", Role::Admin, &[]).await,
            person(&store, "Sara", Role::Supervisor, &[north]).await,
            person(&store, "Ana", Role::Agent, &[north]).await,
            person(&store, "Bruno", Role::Agent, &[north]).await,
            person(&store, "Sol", Role::Agent, &[south]).await,
        ];
        let media_dir = tempfile::tempdir().expect("a media folder");
        let base = serve_with(store.clone(), None, media_dir.path().to_owned()).await;
        let http = reqwest::Client::new();
        let mut people = Vec::new();
        for (id, name) in ids
            .into_iter()
            .zip(["admin", "sara", "ana", "bruno", "sol"])
        {
            let email = format!("{name}@example.test");
            let token = login(&http, &base, &email, PASSWORD).await;
            people.push(Person { id, email, token });
        }
        let [admin, sara, ana, bruno, sol] = <[Person; 5]>::try_from(people).expect("five");
        Api {
            base,
            http,
            store,
            north,
            south,
            main_inbox,
            admin,
            sara,
            ana,
            bruno,
            sol,
            media_dir,
            _fresh: fresh,
        }
    }

    /// Sends a request as `who` (`None`: anonymous).
    pub async fn call(
        &self,
        who: Option<&Person>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(who) = who {
            request = request.bearer_auth(&who.token);
        }
        if let Some(body) = body.filter(|b| !b.is_null()) {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer { status, body }
    }

    /// A GET whose body never ends (a live stream): its status, and its body only on error.
    pub async fn status_only(&self, who: Option<&Person>, path: &str) -> Answer {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(who) = who {
            request = request.bearer_auth(&who.token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body = if status >= 400 {
            response.json().await.expect("a JSON error")
        } else {
            Value::Null
        };
        Answer { status, body }
    }

    pub async fn get(&self, who: &Person, path: &str) -> Answer {
        self.call(Some(who), "GET", path, None).await
    }

    pub async fn post(&self, who: &Person, path: &str, body: Value) -> Answer {
        self.call(Some(who), "POST", path, Some(body)).await
    }

    /// A customer with this phone writes to number A now; answers their conversation.
    pub async fn customer_writes(&self, phone: &str, body: &str) -> ConversationId {
        self.customer_writes_at(phone, body, Utc::now()).await
    }

    pub async fn customer_writes_at(
        &self,
        phone: &str,
        body: &str,
        at: Timestamp,
    ) -> ConversationId {
        self.customer_writes_to(BUSINESS_A, phone, body, at).await
    }

    /// A customer with this phone writes to the South number (B) now.
    pub async fn customer_writes_to_south(&self, phone: &str, body: &str) -> ConversationId {
        self.customer_writes_to(BUSINESS_B, phone, body, Utc::now())
            .await
    }

    /// A customer with this phone writes to business number `number` at `at`.
    async fn customer_writes_to(
        &self,
        number: &str,
        phone: &str,
        body: &str,
        at: Timestamp,
    ) -> ConversationId {
        let wamid = format!("wamid.{}", uuid::Uuid::now_v7().simple());
        let text = String::from_utf8(crate::harness::text_from(
            phone,
            &wamid,
            at.timestamp(),
            body,
        ))
        .expect("utf-8")
        .replace(BUSINESS_A, number);
        let report = self
            .store
            .ingest_webhook(text.into_bytes(), at)
            .await
            .expect("ingest");
        assert_eq!(report.messages_stored, 1, "{report:?}");
        crate::harness::conversation_of(&self.store, phone).await.id
    }

    /// The newest customer message of a conversation.
    pub async fn last_inbound(&self, conversation: ConversationId) -> MessageId {
        self.store
            .messages_of(conversation)
            .await
            .expect("db")
            .iter()
            .rev()
            .find(|m| m.direction == Direction::Inbound)
            .expect("the customer wrote")
            .id
    }
}

/// Signs in; answers the bearer token.
pub async fn login(http: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let answer: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password, "device": "test" }))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    answer["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{email} signs in: {answer}"))
        .to_owned()
}

/// Runs each story (an `async fn(Api)`) on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! api_stories {
    ($($story:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let fresh = $crate::harness::sqlite().await;
                    super::$story($crate::client::Api::start(fresh).await).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let Some(fresh) = $crate::harness::postgres().await else { return };
                    super::$story($crate::client::Api::start(fresh).await).await;
                }
            )*
        }
    };
}
