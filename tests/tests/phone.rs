//! Field agents on phones with bad networks, against the real server (SQLite and PostgreSQL):
//! the outbox keeps every command across crashes and outages, each reaches the server once and
//! in order, lost claims name who won, and the phone's copy converges to the server's truth.

use chrono::{Duration, Utc};
use relaydesk_core::client::{Client, ClientError, OutboxState};
use relaydesk_core::domain::*;
use relaydesk_e2e::desk::{Backend, DeskServer, NUMBER_SOUTH, PASSWORD};

async fn phone(server: &DeskServer, who: &str, dir: &std::path::Path) -> Client {
    let client = Client::open(&server.url(), dir).expect("the app opens");
    client
        .login(&format!("{who}@example.test"), PASSWORD, "test phone")
        .await
        .expect("signs in");
    client
}

fn text(conversation: ConversationId, body: &str) -> Command {
    Command::Reply {
        conversation,
        message: MessageId::new(),
        body: ReplyBody::Text { text: body.into() },
        in_reply_to: None,
    }
}

async fn an_offline_claim_loses_to_an_online_one_and_the_phone_converges(backend: Backend) {
    let Some(mut server) = DeskServer::start(backend).await else {
        return;
    };
    let c = server.customer_writes("5511900000101", "anyone?").await;
    let dir = tempfile::tempdir().expect("dir");
    let ana = phone(&server, "ana", dir.path()).await;
    ana.sync().await.expect("first sync");
    assert_eq!(
        ana.view(View::Unassigned, Order::LongestWaiting, 50)
            .conversations
            .len(),
        1
    );

    server.go_offline().await;
    let claim = ana
        .submit(Command::Claim { conversation: c })
        .expect("queued");
    let mine = ana.view(View::Mine, Order::LongestWaiting, 50);
    assert_eq!(mine.conversations.len(), 1, "applied at once, offline");
    assert_eq!(ana.outbox().expect("outbox")[0].state, OutboxState::Queued);
    assert!(matches!(ana.sync().await, Err(ClientError::Network(_))));
    assert_eq!(
        ana.outbox().expect("outbox")[0].state,
        OutboxState::Queued,
        "kept for later"
    );

    // Meanwhile Bruno claims it online.
    let bruno = server.person("bruno");
    server
        .store
        .execute(
            Actor::Member(bruno),
            Utc::now(),
            Command::Claim { conversation: c },
        )
        .await
        .expect("db")
        .expect("Bruno's claim wins");

    server.come_back().await;
    let report = ana.sync().await.expect("sync");
    assert_eq!((report.pushed, report.rejected), (1, 1));
    let pending = &ana.outbox().expect("outbox")[0];
    assert_eq!(pending.state, OutboxState::Rejected);
    assert!(
        matches!(&pending.rejection, Some(Rejection::AlreadyOwned { owner_name, .. }) if owner_name == "Bruno"),
        "{:?}",
        pending.rejection
    );
    assert_eq!(ana.rejection(claim).expect("outbox"), pending.rejection);
    assert!(
        ana.view(View::Mine, Order::LongestWaiting, 50)
            .conversations
            .is_empty()
    );
    let thread = ana.thread(c).expect("thread").expect("still visible");
    assert_eq!(thread.conversation.assignee, Some(bruno), "server truth");
}

async fn two_hundred_commands_written_offline_arrive_once_and_in_order(backend: Backend) {
    let Some(mut server) = DeskServer::start(backend).await else {
        return;
    };
    let c = server
        .customer_writes("5511900000102", "I have many questions")
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let ana = phone(&server, "ana", dir.path()).await;
    ana.sync().await.expect("first sync");
    server.go_offline().await;
    ana.submit(Command::Claim { conversation: c })
        .expect("queued");
    for i in 0..100 {
        ana.submit(text(c, &format!("answer {i}"))).expect("queued");
        ana.submit(Command::AddNote {
            conversation: c,
            note: NoteId::new(),
            body: format!("note {i}"),
        })
        .expect("queued");
    }
    let thread = ana.thread(c).expect("thread").expect("visible");
    assert_eq!(
        thread.messages.len(),
        101,
        "the customer's and 100 replies, offline"
    );
    assert_eq!(thread.notes.len(), 100);

    server.come_back().await;
    let report = ana.sync().await.expect("sync");
    assert_eq!(
        (report.pushed, report.applied, report.rejected),
        (201, 201, 0)
    );
    let outbound: Vec<String> = server
        .store
        .messages_of(c)
        .await
        .expect("db")
        .into_iter()
        .filter(|m| m.direction == Direction::Outbound)
        .map(|m| match m.content {
            Content::Text { body } => body,
            other => panic!("{other:?}"),
        })
        .collect();
    let expected: Vec<String> = (0..100).map(|i| format!("answer {i}")).collect();
    assert_eq!(outbound, expected, "each once, in order");
    let depth: i64 = server
        .store
        .send_queue_depth()
        .await
        .expect("db")
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(depth, 100, "one send each in the send queue");
    // The send queue delivers them to (a fake of) WhatsApp's Graph API: each once, in order.
    let graph = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(|_: &wiremock::Request| {
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "messaging_product": "whatsapp",
                "messages": [{ "id": format!("wamid.OUT{}", uuid::Uuid::now_v7().simple()) }]
            }))
        })
        .mount(&graph)
        .await;
    let sender = relaydesk_server::workers::whatsapp_sender::Sender::new(
        server.store.clone(),
        relaydesk_server::whatsapp::GraphApi {
            base_url: graph.uri(),
            version: "v25.0".into(),
            access_token: relaydesk_server::config::Secret::new("test"),
            timeout: std::time::Duration::from_secs(10),
        },
        100,
    )
    .expect("a sender");
    while sender.send_due(Utc::now()).await.expect("db") > 0 {}
    let sent: Vec<String> = graph
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
            body["text"]["body"].as_str().expect("a text").to_owned()
        })
        .collect();
    assert_eq!(sent, expected, "each reached WhatsApp once, in order");

    let again = ana.sync().await.expect("sync");
    assert_eq!(again.pushed, 0, "nothing left to push");
    let thread = ana.thread(c).expect("thread").expect("visible");
    assert_eq!(thread.messages.len(), 101, "server truth, no doubles");
}

async fn the_app_killed_between_writing_and_the_answer_loses_and_doubles_nothing(backend: Backend) {
    let Some(mut server) = DeskServer::start(backend).await else {
        return;
    };
    let c = server.customer_writes("5511900000103", "hello").await;
    let dir = tempfile::tempdir().expect("dir");
    {
        let ana = phone(&server, "ana", dir.path()).await;
        ana.sync().await.expect("first sync");
        server.go_offline().await;
        ana.submit(Command::Claim { conversation: c })
            .expect("queued");
        ana.submit(text(c, "one moment")).expect("queued");
        // Killed here: the client is dropped without syncing.
    }
    let ana = Client::open(&server.url(), dir.path()).expect("reopens");
    assert!(ana.me().is_some(), "still signed in");
    let outbox = ana.outbox().expect("outbox");
    assert_eq!(outbox.len(), 2);
    assert!(outbox.iter().all(|p| p.state == OutboxState::Queued));
    assert_eq!(
        ana.view(View::Mine, Order::LongestWaiting, 10)
            .conversations
            .len(),
        1,
        "the view still shows the pending claim"
    );
    server.come_back().await;
    ana.sync().await.expect("sync");
    // Killed again right after: reopening and syncing changes nothing.
    drop(ana);
    let ana = Client::open(&server.url(), dir.path()).expect("reopens");
    let report = ana.sync().await.expect("sync");
    assert_eq!(report.pushed, 0);
    let replies = server
        .store
        .messages_of(c)
        .await
        .expect("db")
        .iter()
        .filter(|m| m.direction == Direction::Outbound)
        .count();
    assert_eq!(replies, 1);
}

async fn a_reply_written_after_the_window_closed_is_refused_and_templates_are_offered(
    backend: Backend,
) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let c = server
        .customer_writes_at("5511900000104", "hello", Utc::now() - Duration::hours(30))
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let ana = phone(&server, "ana", dir.path()).await;
    ana.sync().await.expect("first sync");
    let thread = ana.thread(c).expect("thread").expect("visible");
    assert_eq!(
        thread.window_seconds_left, 0,
        "the phone shows the window closed"
    );
    ana.submit(Command::Claim { conversation: c })
        .expect("queued");
    // Refused at once by the domain's own rule, with the server's code and words; not queued.
    let refused = ana.submit(text(c, "sorry for the wait"));
    assert!(
        matches!(&refused, Err(ClientError::Refused { code, message })
            if code == "window_closed" && message.contains("use an approved template")),
        "{refused:?}"
    );
    assert_eq!(
        ana.outbox().expect("outbox").len(),
        1,
        "only the claim waits"
    );
    let workspace = ana
        .workspace()
        .expect("the workspace came with the first pull");
    assert_eq!(workspace.members.len(), 4);
    let offered: Vec<&str> = workspace
        .templates
        .iter()
        .filter(|t| t.status == TemplateStatus::Approved)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        offered,
        ["follow_up"],
        "the phone offers the approved templates"
    );
    // …and one of them, filled, goes through although the window is closed.
    let template = ana
        .submit(Command::Reply {
            conversation: c,
            message: MessageId::new(),
            body: ReplyBody::Template {
                name: "follow_up".into(),
                language: "en_US".into(),
                params: [("body.1".to_owned(), "Rui".to_owned())]
                    .into_iter()
                    .collect(),
            },
            in_reply_to: None,
        })
        .expect("queued");
    ana.sync().await.expect("sync");
    assert_eq!(ana.rejection(template).expect("outbox"), None);
    assert!(
        ana.outbox()
            .expect("outbox")
            .iter()
            .any(|p| p.mutation_id == template && p.state == OutboxState::Applied)
    );
}

async fn a_conversation_moved_beyond_the_agent_disappears_on_the_next_pull(backend: Backend) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let north = server.customer_writes("5511900000105", "hello").await;
    let south = server
        .customer_writes_to(NUMBER_SOUTH, "5511900000106", "hola", Utc::now())
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let sol = phone(&server, "sol", dir.path()).await;
    sol.sync().await.expect("first sync");
    assert!(
        sol.thread(north).expect("thread").is_none(),
        "North's is not Sol's"
    );
    assert!(sol.thread(south).expect("thread").is_some());
    // Sol is moved to North: his copy is reset and filled with what he sees now.
    let admin_change = relaydesk_server::accounts::change_user(
        &server.store,
        &relaydesk_server::store::Provenance::relaydesk(),
        server.person("sol"),
        relaydesk_core::protocol::admin::UserChange {
            teams: Some([server.north].into_iter().collect()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .expect("moved");
    assert!(admin_change.teams.contains(&server.north));
    let report = sol.sync().await.expect("sync");
    assert!(report.reset);
    assert!(
        sol.thread(south).expect("thread").is_none(),
        "South's left his phone"
    );
    assert!(sol.thread(north).expect("thread").is_some());
}

async fn bad_answers_give_clear_errors_and_lose_no_command(backend: Backend) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let c = server.customer_writes("5511900000107", "hello").await;
    let dir = tempfile::tempdir().expect("dir");
    let ana = phone(&server, "ana", dir.path()).await;
    ana.sync().await.expect("first sync");
    ana.submit(Command::Claim { conversation: c })
        .expect("queued");

    // The session is revoked elsewhere (an admin, another device).
    let me = ana.me().expect("signed in");
    server.store.delete_sessions_of(me.id).await.expect("db");
    assert!(matches!(
        ana.sync().await,
        Err(ClientError::Unauthorized(_))
    ));
    assert_eq!(
        ana.outbox().expect("outbox")[0].state,
        OutboxState::Queued,
        "kept"
    );

    // Signing in again sends it.
    ana.login("ana@example.test", PASSWORD, "test phone")
        .await
        .expect("signs in");
    let report = ana.sync().await.expect("sync");
    assert_eq!(report.applied, 1);

    // A server answering garbage or errors.
    let garbage = Client::open("http://127.0.0.1:9", dir.path()).expect("opens");
    assert!(matches!(garbage.sync().await, Err(ClientError::Network(_))));
}

/// What a screen heard.
#[derive(Default)]
struct Heard {
    calls: std::sync::Mutex<Vec<String>>,
}

impl relaydesk_core::client::ClientListener for Heard {
    fn queue_changed(&self) {
        self.calls
            .lock()
            .expect("the listener lock")
            .push("queue".into());
    }
    fn thread_changed(&self, conversation: ConversationId) {
        self.calls
            .lock()
            .expect("the listener lock")
            .push(format!("thread {conversation}"));
    }
    fn outbox_changed(&self) {
        self.calls
            .lock()
            .expect("the listener lock")
            .push("outbox".into());
    }
    fn connection_changed(&self, state: relaydesk_core::client::Connection) {
        self.calls
            .lock()
            .expect("the listener lock")
            .push(format!("{state:?}"));
    }
}

impl Heard {
    fn heard(&self, what: &str) -> bool {
        self.calls
            .lock()
            .expect("the listener lock")
            .iter()
            .any(|c| c == what)
    }
    fn forget(&self) {
        self.calls.lock().expect("the listener lock").clear();
    }
}

/// Waits (bounded: only a hang reaches the bound) until `check` holds.
async fn until(what: &str, check: impl Fn() -> bool) {
    let started = std::time::Instant::now();
    while !check() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{what} did not happen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn in_the_foreground_changes_arrive_live_and_the_connection_comes_back(backend: Backend) {
    let Some(mut server) = DeskServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let ana = std::sync::Arc::new(phone(&server, "ana", dir.path()).await);
    let heard = std::sync::Arc::new(Heard::default());
    let subscription = ana.subscribe(heard.clone());
    let live = ana.go_live();
    until("connected", || heard.heard("Live")).await;

    let c = server.customer_writes("5511900000110", "live?").await;
    until("the new conversation on the phone", || {
        ana.view(View::Unassigned, Order::LongestWaiting, 10)
            .conversations
            .iter()
            .any(|x| x.id == c)
    })
    .await;
    assert!(heard.heard("queue"));
    assert!(heard.heard(&format!("thread {c}")));

    heard.forget();
    server.go_offline().await;
    until("offline noticed", || heard.heard("Offline")).await;
    server.come_back().await;
    until("live again", || heard.heard("Live")).await;

    // Dropping the subscription stops the calls; dropping the handle stops the stream.
    drop(subscription);
    heard.forget();
    ana.submit(Command::Claim { conversation: c })
        .expect("queued");
    assert!(
        !heard.heard("outbox"),
        "no calls after the handle is dropped"
    );
    drop(live);
}

async fn a_push_in_the_background_syncs_and_names_the_conversation_to_open(backend: Backend) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let sara = phone(&server, "sara", dir.path()).await;
    sara.register_push_token(
        "fcm-token-sara-1",
        relaydesk_core::protocol::devices::Platform::Android,
    )
    .await
    .expect("registered");
    let devices = server
        .store
        .devices_of(server.person("sara"))
        .await
        .expect("db");
    assert_eq!(
        devices,
        [("fcm-token-sara-1".to_owned(), "android".to_owned())]
    );

    let c = server.customer_writes("5511900000111", "urgent!").await;
    let payload = format!(r#"{{"conversation":"{c}"}}"#);
    let open = sara.handle_push(&payload).await.expect("synced");
    assert_eq!(open, Some(c));
    assert!(
        sara.thread(c).expect("thread").is_some(),
        "synced before the screen opens"
    );
    assert_eq!(
        sara.handle_push("not json at all").await.expect("synced"),
        None
    );

    sara.logout().await.expect("signed out");
    assert!(
        server
            .store
            .devices_of(server.person("sara"))
            .await
            .expect("db")
            .is_empty(),
        "signing out forgets the device's token"
    );
    assert!(sara.me().is_none());
    assert!(matches!(sara.sync().await, Err(ClientError::NotLoggedIn)));
}

async fn a_push_token_given_offline_is_registered_at_the_next_sync(backend: Backend) {
    let Some(mut server) = DeskServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let bruno = phone(&server, "bruno", dir.path()).await;
    server.go_offline().await;
    let offline = bruno
        .register_push_token(
            "apns-token-bruno",
            relaydesk_core::protocol::devices::Platform::Ios,
        )
        .await;
    assert!(matches!(offline, Err(ClientError::Network(_))));
    server.come_back().await;
    bruno.sync().await.expect("sync");
    let devices = server
        .store
        .devices_of(server.person("bruno"))
        .await
        .expect("db");
    assert_eq!(devices, [("apns-token-bruno".to_owned(), "ios".to_owned())]);
}

relaydesk_e2e::on_both_backends!(
    an_offline_claim_loses_to_an_online_one_and_the_phone_converges,
    two_hundred_commands_written_offline_arrive_once_and_in_order,
    the_app_killed_between_writing_and_the_answer_loses_and_doubles_nothing,
    a_reply_written_after_the_window_closed_is_refused_and_templates_are_offered,
    a_conversation_moved_beyond_the_agent_disappears_on_the_next_pull,
    bad_answers_give_clear_errors_and_lose_no_command,
    in_the_foreground_changes_arrive_live_and_the_connection_comes_back,
    a_push_in_the_background_syncs_and_names_the_conversation_to_open,
    a_push_token_given_offline_is_registered_at_the_next_sync,
    a_first_sync_of_ten_thousand_conversations_completes_in_pages,
    a_lost_answer_or_a_broken_server_loses_and_doubles_nothing,
    a_conversation_escalated_to_a_supervisor_arrives_with_its_history,
    a_phone_whose_numbering_the_server_lost_starts_afresh_and_loses_nothing,
    a_field_agent_works_conversations_offline_and_the_server_shows_each_change,
    a_supervisor_reassigns_and_releases_from_the_phone_with_a_reason,
    the_phone_shows_side_facts_and_canned_replies_filled_for_the_conversation,
    the_phone_names_a_rule_that_answered_and_noted_at_night_and_says_who_did_what,
);

/// A field agent's first sync of a busy desk: 10,000 conversations with 100,000 messages
/// arrive in pages, all of them, and the views count them.
async fn a_first_sync_of_ten_thousand_conversations_completes_in_pages(backend: Backend) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let now = Utc::now();
    let (conversations, each) = (10_000usize, 10usize);
    let mut from = 0;
    while from < conversations {
        let to = (from + 10).min(conversations);
        let mut contacts = Vec::new();
        let mut messages = Vec::new();
        for n in from..to {
            let phone = 15_550_200_000u64 + n as u64;
            contacts.push(format!(
                r#"{{"profile":{{"name":"C{n}"}},"wa_id":"{phone}"}}"#
            ));
            for k in 0..each {
                messages.push(format!(
                    r#"{{"from":"{phone}","id":"wamid.BIG{n:06}x{k:02}","timestamp":"{}","type":"text","text":{{"body":"m{k}"}}}}"#,
                    now.timestamp()
                ));
            }
        }
        let payload = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"1","phone_number_id":"{}"}},"contacts":[{}],"messages":[{}]}}}}]}}]}}"#,
            relaydesk_e2e::desk::NUMBER_NORTH,
            contacts.join(","),
            messages.join(",")
        );
        server
            .store
            .ingest_webhook(payload.into_bytes(), now)
            .await
            .expect("ingest");
        from = to;
    }
    let dir = tempfile::tempdir().expect("dir");
    let ana = phone(&server, "ana", dir.path()).await;
    let report = ana.sync().await.expect("first sync");
    assert!(report.pulled_pages >= 10, "in pages: {report:?}");
    let page = ana.view(View::Unassigned, Order::LongestWaiting, 50);
    assert_eq!(page.counts[&View::Unassigned], conversations as u64);
    let thread = ana
        .thread(page.conversations[0].id)
        .expect("thread")
        .expect("visible");
    assert_eq!(thread.messages.len(), each);
}

/// The server applies a push but its answer is lost; the phone pushes again: nothing twice.
/// Then a server that answers errors or garbage: clear errors, nothing lost.
async fn a_lost_answer_or_a_broken_server_loses_and_doubles_nothing(backend: Backend) {
    use relaydesk_e2e::desk::{Misbehaviour, Unreliable};
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let c = server.customer_writes("5511900000120", "hello").await;
    let proxy = Unreliable::in_front_of(&server).await;
    let dir = tempfile::tempdir().expect("dir");
    let ana = Client::open(&proxy.url, dir.path()).expect("opens");
    ana.login("ana@example.test", PASSWORD, "test phone")
        .await
        .expect("signs in");
    ana.sync().await.expect("first sync");
    ana.submit(Command::Claim { conversation: c })
        .expect("queued");
    ana.submit(text(c, "checking")).expect("queued");

    proxy.misbehave(Misbehaviour::LoseTheAnswer);
    assert!(matches!(
        ana.sync().await,
        Err(ClientError::Server { status: 502, .. })
    ));
    assert!(
        ana.outbox()
            .expect("outbox")
            .iter()
            .all(|p| p.state == OutboxState::Queued)
    );

    proxy.misbehave(Misbehaviour::ServerError);
    assert!(matches!(
        ana.sync().await,
        Err(ClientError::Server { status: 500, .. })
    ));
    proxy.misbehave(Misbehaviour::Garbage);
    assert!(matches!(
        ana.sync().await,
        Err(ClientError::InvalidResponse(_))
    ));
    assert_eq!(ana.outbox().expect("outbox").len(), 2, "nothing lost");

    proxy.misbehave(Misbehaviour::None);
    let report = ana.sync().await.expect("sync");
    assert_eq!(
        (report.pushed, report.applied),
        (2, 2),
        "the first answers, again"
    );
    let replies = server
        .store
        .messages_of(c)
        .await
        .expect("db")
        .iter()
        .filter(|m| m.direction == Direction::Outbound)
        .count();
    assert_eq!(replies, 1, "applied once although pushed twice");
}

/// A conversation that comes into someone's sight later (escalated to them) arrives with its
/// whole history, not only what changed since their last pull.
async fn a_conversation_escalated_to_a_supervisor_arrives_with_its_history(backend: Backend) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let sara = phone(&server, "sara", dir.path()).await;
    let now = Utc::now();
    let mut south = None;
    for line in ["hola", "¿hay alguien?", "es urgente"] {
        south = Some(
            server
                .customer_writes_to(NUMBER_SOUTH, "5511900000130", line, now)
                .await,
        );
    }
    let south = south.expect("a conversation");
    sara.sync().await.expect("sync");
    assert!(
        sara.thread(south).expect("thread").is_none(),
        "South's, not Sara's"
    );

    let sol = server.person("sol");
    for command in [
        Command::Claim {
            conversation: south,
        },
        Command::RequestEscalation {
            conversation: south,
            escalation: EscalationId::new(),
            reason: "needs a supervisor".into(),
            severity: Severity::High,
            target: EscalationTarget::Person(server.person("sara")),
        },
    ] {
        server
            .store
            .execute(Actor::Member(sol), Utc::now(), command)
            .await
            .expect("db")
            .expect("accepted");
    }
    sara.sync().await.expect("sync");
    let thread = sara
        .thread(south)
        .expect("thread")
        .expect("now hers to decide");
    assert_eq!(thread.messages.len(), 3, "the whole history came with it");
    assert!(
        thread.events.len() >= 5,
        "its timeline too: {}",
        thread.events.len()
    );

    // She sends it back: it leaves her phone, customer and all.
    let escalation = thread
        .conversation
        .pending_escalation()
        .map(|e| e.id)
        .expect("waiting for her");
    sara.submit(Command::RejectEscalation {
        escalation,
        reason: "South can handle it".into(),
    })
    .expect("queued");
    sara.sync().await.expect("sync");
    assert!(
        sara.thread(south).expect("thread").is_none(),
        "gone from her phone"
    );
    let db = rusqlite::Connection::open(dir.path().join("relaydesk-phone.db")).expect("db");
    let left: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM contacts WHERE doc LIKE '%5511900000130%'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0, "the customer's details are not kept");
}

/// When the server does not know this phone's numbering any more, the phone starts afresh
/// under a new client id: pending commands are kept and go through.
async fn a_phone_whose_numbering_the_server_lost_starts_afresh_and_loses_nothing(backend: Backend) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let c = server.customer_writes("5511900000131", "hello").await;
    let dir = tempfile::tempdir().expect("dir");
    {
        let ana = phone(&server, "ana", dir.path()).await;
        ana.sync().await.expect("sync");
    }
    // The phone's record runs ahead of the server's (restored from an old backup, say).
    let db = rusqlite::Connection::open(dir.path().join("relaydesk-phone.db")).expect("db");
    db.execute(
        "INSERT INTO settings (key, value) VALUES ('last_mutation_id', '40') \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [],
    )
    .expect("set");
    drop(db);
    let ana = Client::open(&server.url(), dir.path()).expect("reopens");
    let claim = ana
        .submit(Command::Claim { conversation: c })
        .expect("queued");
    assert_eq!(claim, 41);
    let report = ana.sync().await.expect("sync recovers");
    assert_eq!(report.applied, 1);
    let owner = server
        .store
        .conversation(c)
        .await
        .expect("db")
        .expect("exists");
    assert_eq!(owner.assignee, Some(server.person("ana")));
}

/// A refusal from `submit` (or a command helper): its code.
fn refused_code(answer: Result<u64, ClientError>) -> String {
    match answer {
        Err(ClientError::Refused { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A field agent, offline, resolves one conversation (once its escalation is withdrawn),
/// hands another to a colleague (refused without a note), labels, prioritises, snoozes and
/// marks read a third, and goes away; each is applied on the phone at once, and after the
/// sync the server shows every change.
async fn a_field_agent_works_conversations_offline_and_the_server_shows_each_change(
    backend: Backend,
) {
    let Some(mut server) = DeskServer::start(backend).await else {
        return;
    };
    let first = server
        .customer_writes("5511900000140", "my order is late")
        .await;
    let second = server
        .customer_writes("5511900000141", "thanks, all good")
        .await;
    let third = server
        .customer_writes("5511900000142", "I want a refund")
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let ana = phone(&server, "ana", dir.path()).await;
    ana.sync().await.expect("first sync");
    for c in [first, second, third] {
        ana.claim(c).expect("queued");
    }
    ana.request_escalation(
        second,
        "the customer asked for a manager".into(),
        Severity::Medium,
        EscalationTarget::Person(server.person("sara")),
    )
    .expect("queued");
    ana.sync().await.expect("sync");
    let bruno = server.person("bruno");

    server.go_offline().await;
    let queued = ana.outbox().expect("outbox").len();
    // Resolving waits for the escalation: withdrawn first, then resolved.
    assert_eq!(refused_code(ana.resolve(second)), "escalation_pending");
    let escalation = ana
        .side_facts(second)
        .expect("facts")
        .expect("visible")
        .escalation
        .expect("waiting")
        .id;
    ana.cancel_escalation(escalation).expect("queued");
    ana.resolve(second).expect("queued");
    // A handoff without a note is refused on the phone by the domain's own rule, offline.
    assert_eq!(
        refused_code(ana.hand_off(third, AssignTarget::Agent(bruno), "  ".into())),
        "handoff_note_required"
    );
    assert_eq!(
        refused_code(ana.release(third, None, None)),
        "handoff_note_required"
    );
    ana.hand_off(
        third,
        AssignTarget::Agent(bruno),
        "refund approved by phone; send the form".into(),
    )
    .expect("queued");
    ana.add_label(first, "late-delivery".into())
        .expect("queued");
    ana.add_label(first, "vip".into()).expect("queued");
    ana.remove_label(first, "vip".into()).expect("queued");
    ana.set_priority(first, Priority::High).expect("queued");
    ana.mark_read(first, None).expect("queued");
    ana.snooze_for(first, std::time::Duration::from_secs(2 * 3600))
        .expect("queued");
    ana.set_availability(Availability::Away).expect("queued");
    assert_eq!(
        ana.outbox().expect("outbox").len(),
        queued + 10,
        "refusals are not queued"
    );

    // The phone shows each at once.
    let snoozed = ana.view(View::Snoozed, Order::LongestWaiting, 10);
    assert_eq!(
        snoozed
            .conversations
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        [first]
    );
    let resolved = ana.view(View::Resolved, Order::LongestWaiting, 10);
    assert_eq!(
        resolved
            .conversations
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        [second]
    );
    let facts = ana.side_facts(third).expect("facts").expect("visible");
    assert_eq!(facts.owner.map(|o| o.name), Some("Bruno".to_owned()));
    let facts = ana.side_facts(first).expect("facts").expect("visible");
    assert_eq!(
        facts.labels.iter().map(Label::as_str).collect::<Vec<_>>(),
        ["late-delivery"]
    );
    assert_eq!(facts.priority, Priority::High);
    assert!(matches!(ana.sync().await, Err(ClientError::Network(_))));

    server.come_back().await;
    let report = ana.sync().await.expect("sync");
    assert_eq!((report.pushed, report.rejected), (10, 0), "{report:?}");
    let on_server = |c| {
        let store = server.store.clone();
        async move { store.conversation(c).await.expect("db").expect("exists") }
    };
    let first_now = on_server(first).await;
    assert!(matches!(first_now.status, Status::Snoozed { until } if until > Utc::now()));
    assert_eq!(first_now.priority, Priority::High);
    assert_eq!(
        first_now
            .labels
            .iter()
            .map(Label::as_str)
            .collect::<Vec<_>>(),
        ["late-delivery"]
    );
    assert!(
        server
            .store
            .messages_of(first)
            .await
            .expect("db")
            .iter()
            .any(|m| m.direction == Direction::Inbound && m.read_by_us),
        "the customer's message is marked read"
    );
    let second_now = on_server(second).await;
    assert_eq!(second_now.status, Status::Resolved);
    assert!(second_now.pending_escalation().is_none());
    assert_eq!(on_server(third).await.assignee, Some(bruno));
    let handed = server.store.events_of(third).await.expect("db");
    assert!(
        handed.iter().any(|e| matches!(&e.change,
            Change::NoteAdded { note } if note.body == "refund approved by phone; send the form")),
        "the handoff note is on the thread"
    );
    assert!(handed.iter().any(|e| matches!(
        &e.change,
        Change::AssignmentChanged { to: Some(to), how: Handover::HandedOff, .. } if *to == bruno
    )));
    let workspace = server.store.workspace().await.expect("db");
    assert_eq!(
        workspace.members[&server.person("ana")].availability,
        Availability::Away
    );
}

/// A supervisor on the phone takes a conversation from its owner: refused without a reason,
/// applied with one (the server records it), then releases it back to the team's queue.
async fn a_supervisor_reassigns_and_releases_from_the_phone_with_a_reason(backend: Backend) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let c = server
        .customer_writes("5511900000145", "still waiting")
        .await;
    let (ana, bruno) = (server.person("ana"), server.person("bruno"));
    server
        .store
        .execute(
            Actor::Member(ana),
            Utc::now(),
            Command::Claim { conversation: c },
        )
        .await
        .expect("db")
        .expect("Ana owns it");
    let dir = tempfile::tempdir().expect("dir");
    let sara = phone(&server, "sara", dir.path()).await;
    sara.sync().await.expect("sync");
    assert_eq!(
        refused_code(sara.assign(c, AssignTarget::Agent(bruno), None)),
        "reason_required"
    );
    sara.assign(
        c,
        AssignTarget::Agent(bruno),
        Some("Ana is off sick today".into()),
    )
    .expect("queued");
    let report = sara.sync().await.expect("sync");
    assert_eq!((report.applied, report.rejected), (1, 0));
    let now = server
        .store
        .conversation(c)
        .await
        .expect("db")
        .expect("exists");
    assert_eq!(now.assignee, Some(bruno));
    assert!(
        server
            .store
            .events_of(c)
            .await
            .expect("db")
            .iter()
            .any(|e| matches!(
                &e.change,
                Change::AssignmentChanged { reason: Some(r), how: Handover::Assigned, .. }
                    if r == "Ana is off sick today"
            )),
        "the reason is on the timeline"
    );

    assert_eq!(refused_code(sara.release(c, None, None)), "reason_required");
    sara.release(c, None, Some("back to the queue for the next shift".into()))
        .expect("queued");
    sara.sync().await.expect("sync");
    let now = server
        .store
        .conversation(c)
        .await
        .expect("db")
        .expect("exists");
    assert_eq!(now.assignee, None, "in North's queue again");
}

/// Beside the thread the phone shows the customer, inbox, owner, labels, priority, the
/// escalation waiting and the customer's conversation on another number, and offers the
/// canned replies filled for this conversation (a missing value named, not sent).
async fn the_phone_shows_side_facts_and_canned_replies_filled_for_the_conversation(
    backend: Backend,
) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let ana = server.person("ana");
    relaydesk_server::accounts::change_user(
        &server.store,
        &relaydesk_server::store::Provenance::relaydesk(),
        ana,
        relaydesk_core::protocol::admin::UserChange {
            teams: Some([server.north, server.south].into_iter().collect()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .expect("Ana works both numbers");
    let customer = "5511900000146";
    let north = server
        .customer_writes(customer, "where is my parcel?")
        .await;
    server
        .customer_writes_to(NUMBER_SOUTH, customer, "¿y mi paquete?", Utc::now())
        .await;
    let south = server
        .store
        .conversations()
        .await
        .expect("db")
        .into_iter()
        .find(|c| c.id != north)
        .expect("the customer's second conversation")
        .id;
    for (shortcut, body) in [
        (
            "hello",
            "Hi {{contact.name}}, {{agent.first_name}} from {{inbox.name}} here.",
        ),
        ("order", "Your order {{order.number}} is on its way."),
    ] {
        server
            .store
            .put_canned_reply(
                relaydesk_server::store::Provenance::relaydesk(),
                Utc::now(),
                CannedReply {
                    id: CannedReplyId::new(),
                    shortcut: shortcut.into(),
                    title: shortcut.into(),
                    body: body.into(),
                    scope: CannedScope::Team(server.north),
                },
            )
            .await
            .expect("db")
            .expect("saved");
    }
    let dir = tempfile::tempdir().expect("dir");
    let phone = phone(&server, "ana", dir.path()).await;
    phone.sync().await.expect("sync");
    phone.claim(north).expect("queued");
    phone.add_label(north, "parcel".into()).expect("queued");
    phone
        .request_escalation(
            north,
            "carrier lost it".into(),
            Severity::High,
            EscalationTarget::Person(server.person("sara")),
        )
        .expect("queued");

    let facts = phone.side_facts(north).expect("facts").expect("visible");
    let name = format!("Customer {customer}");
    assert_eq!(
        facts
            .customer
            .as_ref()
            .and_then(|c| c.profile_name.as_deref()),
        Some(name.as_str())
    );
    assert_eq!(facts.inbox.map(|i| i.name), Some("Main".to_owned()));
    assert_eq!(facts.owner.map(|o| o.name), Some("Ana".to_owned()));
    assert_eq!(
        facts.labels.iter().map(Label::as_str).collect::<Vec<_>>(),
        ["parcel"]
    );
    assert_eq!(facts.priority, Priority::Normal);
    assert_eq!(
        facts.escalation.map(|e| e.reason),
        Some("carrier lost it".to_owned())
    );
    assert_eq!(
        facts
            .other_conversations
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        [south],
        "the same customer on the South number"
    );

    let canned = phone.canned_replies(north).expect("canned");
    let hello = canned
        .iter()
        .find(|c| c.reply.shortcut == "hello")
        .expect("offered");
    assert_eq!(hello.text, format!("Hi {name}, Ana from Main here."));
    assert!(hello.missing.is_empty());
    let order = canned
        .iter()
        .find(|c| c.reply.shortcut == "order")
        .expect("offered");
    assert_eq!(order.missing, ["order.number"]);
    assert!(matches!(
        phone.reply_canned(north, order.reply.id),
        Err(ClientError::InvalidInput(why)) if why.contains("order.number")
    ));
    phone.reply_canned(north, hello.reply.id).expect("queued");
    let report = phone.sync().await.expect("sync");
    assert_eq!(report.rejected, 0, "{report:?}");
    let sent: Vec<String> = server
        .store
        .messages_of(north)
        .await
        .expect("db")
        .into_iter()
        .filter(|m| m.direction == Direction::Outbound)
        .map(|m| match m.content {
            Content::Text { body } => body,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sent, [format!("Hi {name}, Ana from Main here.")]);
}

/// A rule answered a customer who wrote at night and left a note for the morning shift: the
/// phone names the rule as the reply's and the note's author, and its timeline says who did
/// what in the web view's words, in the timeline's order.
async fn the_phone_names_a_rule_that_answered_and_noted_at_night_and_says_who_did_what(
    backend: Backend,
) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let rule = Automaton::Rule(RuleId::new());
    server
        .store
        .setup(relaydesk_server::store::Setup::Automation(Automation {
            automaton: rule,
            name: "Out of hours".into(),
            replies_when_owned: false,
            active: true,
        }))
        .await
        .expect("set up");
    let c = server
        .customer_writes("5511900000147", "is anyone there? it's 3am")
        .await;
    for command in [
        text(c, "We are closed; we answer from 9:00."),
        Command::AddNote {
            conversation: c,
            note: NoteId::new(),
            body: "Wrote at night; told we open at 9.".into(),
        },
        Command::AddLabel {
            conversation: c,
            label: "after-hours".into(),
        },
    ] {
        server
            .store
            .execute(Actor::Automation(rule), Utc::now(), command)
            .await
            .expect("db")
            .expect("the rule may");
    }
    let dir = tempfile::tempdir().expect("dir");
    let ana = phone(&server, "ana", dir.path()).await;
    ana.sync().await.expect("sync");
    ana.claim(c).expect("queued");
    ana.sync().await.expect("sync");

    let thread = ana.thread(c).expect("thread").expect("visible");
    let named = |by: By| thread.authors.get(&by).map(String::as_str);
    let reply = thread
        .messages
        .iter()
        .find(|m| m.direction == Direction::Outbound)
        .expect("the rule's reply");
    assert_eq!(reply.author, Some(By::Automation(rule)));
    assert_eq!(named(By::Automation(rule)), Some("rule 'Out of hours'"));
    assert_eq!(thread.notes.len(), 1);
    assert_eq!(
        named(thread.notes[0].author),
        Some("rule 'Out of hours'"),
        "the note is the rule's, not a colleague's"
    );
    let words: Vec<&str> = thread.lines.iter().map(|l| l.words.as_str()).collect();
    assert_eq!(
        words,
        [
            "Conversation opened",
            "rule 'Out of hours' added label “after-hours”",
            "Ana claimed it",
        ],
        "who did what, in order"
    );
    assert!(
        thread.lines.windows(2).all(|w| w[0].at <= w[1].at),
        "{:?}",
        thread.lines
    );
}
