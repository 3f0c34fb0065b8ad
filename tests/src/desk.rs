//! A real server for whole-system stories: a store (SQLite in a temp dir, or PostgreSQL in a
//! fresh schema when `RELAYDESK_TEST_DATABASE_URL` is set), teams North and South with a
//! WhatsApp number each, people with passwords, customers writing in through the real ingest,
//! and the HTTP server on a loopback port. Phones reach it through a TCP relay that can go
//! away and come back, cutting every open connection as a lost network does.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use chrono::Utc;
use relaydesk_core::domain::{ConversationId, InboxId, Role, TeamId, Timestamp, UserId};
use relaydesk_core::protocol::admin::{NewInbox, NewTeam, NewUser};
use relaydesk_server::accounts;
use relaydesk_server::state::{AppState, WhatsAppSettings};
use relaydesk_server::store::{Database, Store};
use tokio::task::JoinHandle;

/// Everyone's password.
pub const PASSWORD: &str = "correct horse battery";
pub const NUMBER_NORTH: &str = "410593826617204";
pub const NUMBER_SOUTH: &str = "410593826617388";

/// Relays every connection to `server` until aborted; aborting it drops every connection
/// (the tasks copying bytes belong to it).
fn relay(listener: tokio::net::TcpListener, server: SocketAddr) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((mut phone, _)) = listener.accept().await {
            connections.spawn(async move {
                if let Ok(mut upstream) = tokio::net::TcpStream::connect(server).await {
                    let _ = tokio::io::copy_bidirectional(&mut phone, &mut upstream).await;
                }
            });
        }
    })
}

/// Which database a story runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server side of a story.
#[derive(Debug)]
pub struct DeskServer {
    pub store: Store,
    pub address: SocketAddr,
    pub north: TeamId,
    pub south: TeamId,
    pub north_inbox: InboxId,
    pub people: Vec<(String, UserId)>,
    /// Where the server itself listens (always up).
    server_address: SocketAddr,
    relay: Option<JoinHandle<()>>,
    _serving: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl DeskServer {
    /// A server with the workspace, or `None` (said loudly) for PostgreSQL without a database.
    pub async fn start(backend: Backend) -> Option<DeskServer> {
        let dir = tempfile::tempdir().expect("a temp dir");
        let database = match backend {
            Backend::Sqlite => Database::Sqlite(dir.path().join("relaydesk.db")),
            Backend::Postgres => {
                let Ok(url) = std::env::var("RELAYDESK_TEST_DATABASE_URL") else {
                    eprintln!(
                        "SKIPPED on PostgreSQL: RELAYDESK_TEST_DATABASE_URL is not set (.ci/run sets it)"
                    );
                    return None;
                };
                Database::Postgres {
                    url,
                    schema: Some(format!(
                        "rd_test_{}_{}",
                        Utc::now().timestamp(),
                        uuid::Uuid::now_v7().simple()
                    )),
                }
            }
        };
        let store = Store::open(&database).await.expect("the store opens");
        let north = accounts::create_team(
            &store,
            &relaydesk_server::store::Provenance::relaydesk(),
            NewTeam {
                name: "North".into(),
            },
        )
        .await
        .expect("team")
        .id;
        let south = accounts::create_team(
            &store,
            &relaydesk_server::store::Provenance::relaydesk(),
            NewTeam {
                name: "South".into(),
            },
        )
        .await
        .expect("team")
        .id;
        let inbox = |name: &str, number: &str, team: TeamId| NewInbox {
            name: name.into(),
            phone_number_id: number.into(),
            display_phone_number: "12125550142".into(),
            waba_id: "310984726155302".into(),
            teams: BTreeSet::from([team]),
        };
        let north_inbox = accounts::create_inbox(
            &store,
            &relaydesk_server::store::Provenance::relaydesk(),
            inbox("Main", NUMBER_NORTH, north),
        )
        .await
        .expect("inbox")
        .id;
        accounts::create_inbox(
            &store,
            &relaydesk_server::store::Provenance::relaydesk(),
            inbox("South", NUMBER_SOUTH, south),
        )
        .await
        .expect("inbox");
        store
            .setup(relaydesk_server::store::Setup::Template(
                relaydesk_core::domain::Template {
                    id: relaydesk_core::domain::TemplateId::new(),
                    waba_id: "310984726155302".into(),
                    name: "follow_up".into(),
                    language: "en_US".into(),
                    category: relaydesk_core::domain::TemplateCategory::Utility,
                    status: relaydesk_core::domain::TemplateStatus::Approved,
                    header: None,
                    body: "Hi {{1}}, we are following up on your message.".into(),
                    footer: None,
                    buttons: vec![],
                },
            ))
            .await
            .expect("a template");
        let mut people = Vec::new();
        for (name, role, teams) in [
            ("sara", Role::Supervisor, vec![north]),
            ("ana", Role::Agent, vec![north]),
            ("bruno", Role::Agent, vec![north]),
            ("sol", Role::Agent, vec![south]),
        ] {
            let created = accounts::create_user(
                &store,
                &relaydesk_server::store::Provenance::relaydesk(),
                NewUser {
                    email: format!("{name}@example.test"),
                    name: format!("{}{}", name[..1].to_uppercase(), &name[1..]),
                    handle: Some(name.into()),
                    role,
                    teams: teams.into_iter().collect(),
                    capacity: None,
                    password: Some(PASSWORD.into()),
                },
                Utc::now(),
            )
            .await
            .expect("person");
            people.push((name.to_owned(), created.user.id));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let server_address = listener.local_addr().expect("bound");
        let state = AppState::new(store.clone(), WhatsAppSettings::default());
        let app = relaydesk_server::http::router(state)
            .into_make_service_with_connect_info::<SocketAddr>();
        let serving = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let relay_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = relay_listener.local_addr().expect("bound");
        Some(DeskServer {
            store,
            address,
            north,
            south,
            north_inbox,
            people,
            server_address,
            relay: Some(relay(relay_listener, server_address)),
            _serving: serving,
            _dir: dir,
        })
    }

    /// The server's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The network goes away: nothing answers on the port, open connections break.
    pub async fn go_offline(&mut self) {
        if let Some(relay) = self.relay.take() {
            relay.abort();
            let _ = relay.await;
        }
    }

    /// The network comes back, on the same address.
    pub async fn come_back(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.address)
            .await
            .expect("the same port again");
        self.relay = Some(relay(listener, self.server_address));
    }

    pub fn person(&self, name: &str) -> UserId {
        self.people
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .expect("a known person")
    }

    /// A customer with `phone` writes to North's number at `at`; answers their conversation.
    pub async fn customer_writes_at(
        &self,
        phone: &str,
        body: &str,
        at: Timestamp,
    ) -> ConversationId {
        self.customer_writes_to(NUMBER_NORTH, phone, body, at).await
    }

    pub async fn customer_writes(&self, phone: &str, body: &str) -> ConversationId {
        self.customer_writes_at(phone, body, Utc::now()).await
    }

    pub async fn customer_writes_to(
        &self,
        number: &str,
        phone: &str,
        body: &str,
        at: Timestamp,
    ) -> ConversationId {
        let payload = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"310984726155302","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"{number}"}},"contacts":[{{"profile":{{"name":"Customer {phone}"}},"wa_id":"{phone}"}}],"messages":[{{"from":"{phone}","id":"wamid.{}","timestamp":"{}","type":"text","text":{{"body":"{body}"}}}}]}}}}]}}]}}"#,
            uuid::Uuid::now_v7().simple(),
            at.timestamp()
        );
        self.store
            .ingest_webhook(payload.into_bytes(), at)
            .await
            .expect("ingest");
        let contact = self
            .store
            .contact_by_phone(phone.into())
            .await
            .expect("db")
            .expect("the customer wrote");
        self.store
            .conversations()
            .await
            .expect("db")
            .into_iter()
            .find(|c| c.contact_id == contact.id)
            .expect("a conversation")
            .id
    }
}

/// How the [`Unreliable`] stand-in in front of the server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Passes everything through.
    None,
    /// Passes a push through, then loses its answer (502).
    LoseTheAnswer,
    /// Answers every request 500 with an HTML page.
    ServerError,
    /// Answers every request 200 with something that is not JSON.
    Garbage,
}

/// A server in front of the real one that misbehaves on demand (what flaky networks and bad
/// proxies do to phones).
#[derive(Debug)]
pub struct Unreliable {
    pub url: String,
    mode: std::sync::Arc<std::sync::Mutex<Misbehaviour>>,
    _task: JoinHandle<()>,
}

impl Unreliable {
    pub async fn in_front_of(server: &DeskServer) -> Unreliable {
        use axum::body::{Body, Bytes};
        use axum::extract::{Request, State};
        use axum::response::Response;

        type Shared = (
            String,
            std::sync::Arc<std::sync::Mutex<Misbehaviour>>,
            reqwest::Client,
        );
        async fn forward(
            State((upstream, mode, http)): State<Shared>,
            request: Request,
        ) -> Response {
            let mode = *mode.lock().expect("the mode lock");
            let reply = |status: u16, body: &'static str| {
                Response::builder()
                    .status(status)
                    .body(Body::from(body))
                    .expect("a response")
            };
            match mode {
                Misbehaviour::ServerError => {
                    return reply(500, "<html>Internal Server Error</html>");
                }
                Misbehaviour::Garbage => return reply(200, "surprise: not JSON"),
                _ => {}
            }
            let (parts, body) = request.into_parts();
            let bytes: Bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let url = format!(
                "{upstream}{}",
                parts.uri.path_and_query().map_or("/", |p| p.as_str())
            );
            let mut outgoing = http.request(parts.method.clone(), url).body(bytes);
            for (name, value) in &parts.headers {
                if name != "host" {
                    outgoing = outgoing.header(name, value);
                }
            }
            let Ok(answer) = outgoing.send().await else {
                return reply(502, "upstream unreachable");
            };
            if mode == Misbehaviour::LoseTheAnswer && parts.uri.path() == "/api/v1/sync/push" {
                let _ = answer.bytes().await;
                return reply(502, "the answer was lost on the way");
            }
            let status = answer.status().as_u16();
            let bytes = answer.bytes().await.unwrap_or_default();
            Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Body::from(bytes))
                .expect("a response")
        }

        let mode = std::sync::Arc::new(std::sync::Mutex::new(Misbehaviour::None));
        let app = axum::Router::new().fallback(forward).with_state((
            server.url(),
            mode.clone(),
            reqwest::Client::new(),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Unreliable {
            url,
            mode,
            _task: task,
        }
    }

    pub fn misbehave(&self, how: Misbehaviour) {
        *self.mode.lock().expect("the mode lock") = how;
    }
}

/// Runs each story (an `async fn(Backend)`) as two tests, `on_sqlite::…` and `on_postgres::…`.
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story($crate::desk::Backend::Sqlite).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story($crate::desk::Backend::Postgres).await;
                }
            )*
        }
    };
}
