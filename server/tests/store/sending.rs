//! Replies leave through the durable send queue to a fake Graph API on loopback: sent once
//! with our id, retried when waiting can help, failed visibly when it cannot, paced per
//! number, and shared safely by two senders.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use relaydesk_core::domain::*;
use relaydesk_server::config::Secret;
use relaydesk_server::store::Store;
use relaydesk_server::whatsapp::GraphApi;
use relaydesk_server::workers::whatsapp_sender::Sender;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::contract;
use crate::harness::*;

const TOKEN: &str = "graph-test-token";
const SENDS_PATH: &str = "/v25.0/410593826617204/messages";

/// Answers like the Graph API and remembers what it was sent, and when.
#[derive(Clone, Default)]
struct FakeGraph {
    seen: Arc<Mutex<Vec<(Instant, serde_json::Value)>>>,
    /// Answers to give first, in order (status, body); then success.
    script: Arc<Mutex<Vec<(u16, String)>>>,
}

impl Respond for FakeGraph {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let mut seen = self.seen.lock().expect("lock");
        seen.push((Instant::now(), body));
        let n = seen.len();
        let mut script = self.script.lock().expect("lock");
        if !script.is_empty() {
            let (status, body) = script.remove(0);
            return ResponseTemplate::new(status).set_body_string(body);
        }
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": "+12025550147", "wa_id": "12025550147" }],
            "messages": [{ "id": format!("wamid.SENT{n}") }]
        }))
    }
}

fn graph_error(code: i64) -> String {
    format!(
        r#"{{"error":{{"message":"(#{code}) error","type":"OAuthException","code":{code},"error_data":{{"messaging_product":"whatsapp","details":"details of {code}"}},"fbtrace_id":"AbC"}}}}"#
    )
}

async fn fake_graph(script: Vec<(u16, String)>) -> (MockServer, FakeGraph) {
    let server = MockServer::start().await;
    let fake = FakeGraph {
        script: Arc::new(Mutex::new(script)),
        ..FakeGraph::default()
    };
    Mock::given(method("POST"))
        .and(path(SENDS_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    (server, fake)
}

fn sender(store: &Store, server: &MockServer, per_second: u32) -> Sender {
    let graph = GraphApi {
        base_url: server.uri(),
        version: "v25.0".into(),
        access_token: Secret::new(TOKEN),
        timeout: Duration::from_millis(500),
    };
    Sender::new(store.clone(), graph, per_second).expect("sender")
}

/// Ana's reply to a customer who just wrote; returns the reply's id.
async fn ana_replies(
    store: &Store,
    desk: &People,
    phone: &str,
    text: &str,
) -> (ConversationId, MessageId) {
    let now = Utc::now();
    store
        .ingest_webhook(
            text_from(
                phone,
                &format!("wamid.IN.{phone}.{}", MessageId::new()),
                now.timestamp(),
                "Hello",
            ),
            now,
        )
        .await
        .expect("db");
    let conversation = conversation_of(store, phone).await;
    let message = MessageId::new();
    let reply = Command::Reply {
        conversation: conversation.id,
        message,
        body: ReplyBody::Text { text: text.into() },
        in_reply_to: None,
    };
    store
        .execute(Actor::Member(desk.ana), now, reply)
        .await
        .expect("db")
        .expect("reply accepted");
    (conversation.id, message)
}

async fn our_message(store: &Store, conversation: ConversationId, id: MessageId) -> Message {
    store
        .messages_of(conversation)
        .await
        .expect("db")
        .into_iter()
        .find(|m| m.id == id)
        .expect("message")
}

fn depth(pairs: Vec<(String, i64)>, state: &str) -> i64 {
    pairs
        .into_iter()
        .find(|(s, _)| s == state)
        .map_or(0, |(_, n)| n)
}

async fn a_reply_goes_out_once_carrying_our_id_and_learns_its_wamid(store: Store) {
    let desk = workspace(&store).await;
    let (server, graph) = fake_graph(vec![]).await;
    let (conversation, id) =
        ana_replies(&store, &desk, "12025550147", "Your parcel ships today.").await;
    assert_eq!(
        depth(store.send_queue_depth().await.expect("db"), "pending"),
        1,
        "queued with the reply"
    );

    let sender = sender(&store, &server, 80);
    assert_eq!(sender.send_due(Utc::now()).await.expect("db"), 1);
    assert_eq!(
        sender.send_due(Utc::now()).await.expect("db"),
        0,
        "nothing is sent twice"
    );

    let seen = graph.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    let body = &seen[0].1;
    assert_eq!(body["to"], "+12025550147");
    assert_eq!(body["type"], "text");
    assert_eq!(body["text"]["body"], "Your parcel ships today.");
    assert_eq!(body["biz_opaque_callback_data"], id.to_string());
    let message = our_message(&store, conversation, id).await;
    assert_eq!(message.delivery, DeliveryStatus::Accepted);
    assert_eq!(
        message.wamid.as_ref().map(Wamid::as_str),
        Some("wamid.SENT1")
    );
    assert_eq!(
        depth(store.send_queue_depth().await.expect("db"), "sent"),
        1
    );
    let accepted = store
        .sources_of(conversation)
        .await
        .expect("db")
        .into_iter()
        .find(|(event, _, _)| matches!(event.change, Change::DeliveryUpdated { .. }))
        .expect("the acceptance is on the timeline");
    assert_eq!(
        (accepted.0.by, accepted.1.as_str(), accepted.2),
        (By::WhatsApp, "send_queue", None),
        "recorded as WhatsApp's answer to the send queue"
    );
}

async fn rate_limits_server_errors_and_timeouts_are_retried_until_it_goes_through(store: Store) {
    let desk = workspace(&store).await;
    let (server, graph) = fake_graph(vec![
        (429, String::new()),
        (400, graph_error(130429)),
        (503, "<html>busy</html>".into()),
    ])
    .await;
    let (conversation, id) = ana_replies(&store, &desk, "447700900461", "Checking now.").await;
    let sender = sender(&store, &server, 80);
    let mut later = Utc::now();
    for _ in 0..3 {
        assert_eq!(sender.send_due(later).await.expect("db"), 1);
        assert_eq!(
            our_message(&store, conversation, id).await.delivery,
            DeliveryStatus::Queued,
            "still waiting"
        );
        assert_eq!(
            sender.send_due(Utc::now()).await.expect("db"),
            0,
            "a retry waits for its backoff"
        );
        later += chrono::Duration::hours(1);
    }
    assert_eq!(sender.send_due(later).await.expect("db"), 1);
    assert_eq!(
        our_message(&store, conversation, id).await.delivery,
        DeliveryStatus::Accepted
    );
    assert_eq!(graph.seen.lock().expect("lock").len(), 4);
}

async fn a_graph_api_that_does_not_answer_in_time_is_tried_again(store: Store) {
    let desk = workspace(&store).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SENDS_PATH))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let graph = FakeGraph::default();
    Mock::given(method("POST"))
        .and(path(SENDS_PATH))
        .respond_with(graph.clone())
        .mount(&server)
        .await;
    let (conversation, id) = ana_replies(&store, &desk, "61491570156", "One moment.").await;
    let sender = sender(&store, &server, 80);
    sender.send_due(Utc::now()).await.expect("db");
    assert_eq!(
        depth(store.send_queue_depth().await.expect("db"), "pending"),
        1,
        "timed out: back in the queue"
    );
    sender
        .send_due(Utc::now() + chrono::Duration::hours(1))
        .await
        .expect("db");
    assert_eq!(
        our_message(&store, conversation, id).await.delivery,
        DeliveryStatus::Accepted
    );
}

async fn a_closed_window_fails_the_message_visibly_and_is_not_retried(store: Store) {
    let desk = workspace(&store).await;
    let (server, graph) = fake_graph(vec![(400, graph_error(131047))]).await;
    let (conversation, id) = ana_replies(&store, &desk, "13125550163", "Following up").await;
    let sender = sender(&store, &server, 80);
    sender.send_due(Utc::now()).await.expect("db");
    let message = our_message(&store, conversation, id).await;
    let DeliveryStatus::Failed { error } = &message.delivery else {
        panic!("failed: {:?}", message.delivery)
    };
    assert_eq!(error.code, 131047);
    assert!(
        error.explanation().contains("template"),
        "the agent is told what to do"
    );
    let timeline = store.events_of(conversation).await.expect("db");
    assert!(timeline.iter().any(|e| matches!(
        &e.change,
        Change::DeliveryUpdated {
            status: DeliveryStatus::Failed { .. },
            ..
        }
    )));
    assert_eq!(
        sender
            .send_due(Utc::now() + chrono::Duration::days(1))
            .await
            .expect("db"),
        0,
        "never retried"
    );
    assert_eq!(graph.seen.lock().expect("lock").len(), 1);
    assert_eq!(
        depth(store.send_queue_depth().await.expect("db"), "failed"),
        1
    );
}

async fn a_send_that_keeps_failing_gives_up_after_eight_attempts(store: Store) {
    let desk = workspace(&store).await;
    let (server, graph) = fake_graph((0..20).map(|_| (503, String::new())).collect()).await;
    let (conversation, id) = ana_replies(&store, &desk, "12025550181", "Hello?").await;
    let sender = sender(&store, &server, 80);
    let mut later = Utc::now();
    for _ in 0..10 {
        sender.send_due(later).await.expect("db");
        later += chrono::Duration::hours(1);
    }
    assert_eq!(graph.seen.lock().expect("lock").len(), 8);
    assert!(matches!(
        our_message(&store, conversation, id).await.delivery,
        DeliveryStatus::Failed { .. }
    ));
}

async fn sends_from_one_number_never_exceed_its_rate(store: Store) {
    let desk = workspace(&store).await;
    let (server, graph) = fake_graph(vec![]).await;
    for i in 0..12 {
        ana_replies(
            &store,
            &desk,
            &format!("1555000{i:04}"),
            "Thanks for waiting",
        )
        .await;
    }
    let sender = sender(&store, &server, 10);
    while sender.send_due(Utc::now()).await.expect("db") > 0 {}
    let mut times: Vec<Instant> = graph
        .seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(times.len(), 12);
    times.sort();
    // In any one-second window, at most the rate (plus the one that opens the window).
    for (i, start) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|t| t.duration_since(*start) < Duration::from_millis(1000))
            .count();
        assert!(
            in_window <= 11,
            "{in_window} sends within one second at 10/s"
        );
    }
}

async fn a_throughput_warning_from_whatsapp_pauses_that_numbers_sends(store: Store) {
    let desk = workspace(&store).await;
    let (server, graph) = fake_graph(vec![]).await;
    ana_replies(&store, &desk, "12025550147", "Here is the tracking link").await;
    store
        .ingest_webhook(fixture("errors-value-level-130429.json"), Utc::now())
        .await
        .expect("db");
    let sender = sender(&store, &server, 80);
    assert_eq!(sender.send_due(Utc::now()).await.expect("db"), 0, "paused");
    assert_eq!(
        sender
            .send_due(Utc::now() + chrono::Duration::seconds(31))
            .await
            .expect("db"),
        1,
        "resumes after the pause"
    );
    assert_eq!(graph.seen.lock().expect("lock").len(), 1);
}

async fn a_read_receipt_goes_out_for_the_customers_message(store: Store) {
    let desk = workspace(&store).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SENDS_PATH))
        .and(wiremock::matchers::body_partial_json(
            serde_json::json!({ "status": "read" }),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "success": true })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let now = Utc::now();
    store
        .ingest_webhook(
            text_from(
                "12025550147",
                "wamid.READ.ME",
                now.timestamp(),
                "Are you there?",
            ),
            now,
        )
        .await
        .expect("db");
    let conversation = conversation_of(&store, "12025550147").await;
    let theirs = store
        .message_by_wamid(Wamid::new("wamid.READ.ME"))
        .await
        .expect("db")
        .expect("stored");
    store
        .execute(
            Actor::Member(desk.ana),
            now,
            Command::Claim {
                conversation: conversation.id,
            },
        )
        .await
        .expect("db")
        .expect("claimed");
    let mark = Command::MarkRead {
        conversation: conversation.id,
        message: theirs.id,
    };
    store
        .execute(Actor::Member(desk.ana), now, mark.clone())
        .await
        .expect("db")
        .expect("marked");
    store
        .execute(Actor::Member(desk.ana), now, mark)
        .await
        .expect("db")
        .expect("a repeat is a no-op");
    let sender = sender(&store, &server, 80);
    assert_eq!(sender.send_due(Utc::now()).await.expect("db"), 1);
    assert_eq!(
        depth(store.send_queue_depth().await.expect("db"), "sent"),
        1
    );
    let requests = server.received_requests().await.expect("recorded");
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).expect("json");
    assert_eq!(body["message_id"], "wamid.READ.ME");
}

/// A sender stalls past its lease; another takes the job over and sends it. When the first
/// wakes up, its outcome is not recorded over the second's.
async fn a_sender_that_outlived_its_lease_records_nothing_over_the_one_that_took_over(
    store: Store,
) {
    use relaydesk_server::store::SendState;
    use relaydesk_server::whatsapp::outbound::SendOutcome;
    let desk = workspace(&store).await;
    let (_, id) = ana_replies(&store, &desk, "12025550190", "Your refund is on its way").await;
    let now = Utc::now();
    let stalled = store
        .claim_sends(now, Duration::from_secs(30), 10)
        .await
        .expect("db");
    assert_eq!(stalled.len(), 1);
    // A minute later the lease has run out: another sender claims the job.
    let later = now + chrono::Duration::minutes(1);
    let fresh = store
        .claim_sends(later, Duration::from_secs(30), 10)
        .await
        .expect("db");
    assert_eq!(fresh.len(), 1, "an expired lease frees the job");
    let taken_over = store
        .finish_send(
            fresh.into_iter().next().expect("one"),
            SendOutcome::Accepted {
                wamid: "wamid.SECOND".into(),
            },
            later,
        )
        .await
        .expect("db");
    assert_eq!(taken_over, SendState::Sent);
    let late = store
        .finish_send(
            stalled.into_iter().next().expect("one"),
            SendOutcome::Permanent {
                error: WhatsAppError {
                    code: 131026,
                    title: "undeliverable".into(),
                    details: None,
                },
            },
            later,
        )
        .await
        .expect("db");
    assert_eq!(
        late,
        SendState::LeaseLost,
        "the stalled sender no longer holds the job"
    );
    let conversation = conversation_of(&store, "12025550190").await;
    let message = our_message(&store, conversation.id, id).await;
    assert_eq!(
        message.delivery,
        DeliveryStatus::Accepted,
        "the holder's outcome stands"
    );
    assert_eq!(
        message.wamid.as_ref().map(Wamid::as_str),
        Some("wamid.SECOND")
    );
    assert_eq!(
        depth(store.send_queue_depth().await.expect("db"), "sent"),
        1
    );
}

/// Live streams and followers wait on the store's change signal; an idle sender polling the
/// queue changes nothing and must not wake them.
async fn an_idle_sender_polling_the_queue_wakes_no_live_stream(store: Store) {
    let desk = workspace(&store).await;
    let mut changes = store.changes();
    // On PostgreSQL the setup's own NOTIFYs come back through the listener a moment after
    // their commits: let them arrive before watching.
    for _ in 0..50 {
        changes.borrow_and_update();
        tokio::time::sleep(Duration::from_millis(200)).await;
        if !changes.has_changed().expect("open") {
            break;
        }
    }
    for _ in 0..5 {
        let claimed = store
            .claim_sends(Utc::now(), Duration::from_secs(30), 10)
            .await
            .expect("db");
        assert!(claimed.is_empty());
    }
    assert!(
        !changes.has_changed().expect("open"),
        "nothing changed, nobody is woken"
    );
    ana_replies(&store, &desk, "12025550191", "Hello").await;
    // On PostgreSQL W moves when the sampler has looked after the commit, a moment later.
    assert!(
        tokio::time::timeout(Duration::from_secs(10), changes.changed())
            .await
            .is_ok_and(|open| open.is_ok()),
        "a real change wakes them"
    );
}

contract!(
    a_sender_that_outlived_its_lease_records_nothing_over_the_one_that_took_over,
    an_idle_sender_polling_the_queue_wakes_no_live_stream,
    a_read_receipt_goes_out_for_the_customers_message,
    a_throughput_warning_from_whatsapp_pauses_that_numbers_sends,
    a_reply_goes_out_once_carrying_our_id_and_learns_its_wamid,
    rate_limits_server_errors_and_timeouts_are_retried_until_it_goes_through,
    a_graph_api_that_does_not_answer_in_time_is_tried_again,
    a_closed_window_fails_the_message_visibly_and_is_not_retried,
    a_send_that_keeps_failing_gives_up_after_eight_attempts,
    sends_from_one_number_never_exceed_its_rate,
);

/// Two server instances' senders on one database: every message goes out exactly once.
async fn two_senders_share_one_queue(first: Store, second: Store) {
    let desk = workspace(&first).await;
    let (server, graph) = fake_graph(vec![]).await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            ana_replies(&first, &desk, &format!("1666000{i:04}"), "On its way")
                .await
                .1,
        );
    }
    let (a, b) = (
        sender(&first, &server, 1000),
        sender(&second, &server, 1000),
    );
    let drain = |s: Sender| async move { while s.send_due(Utc::now()).await.expect("db") > 0 {} };
    tokio::join!(drain(a), drain(b));
    let mut sent: Vec<String> = graph
        .seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, body)| {
            body["biz_opaque_callback_data"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    sent.sort();
    let mut expected: Vec<String> = ids.iter().map(ToString::to_string).collect();
    expected.sort();
    assert_eq!(sent, expected, "each message exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_share_one_queue_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = relaydesk_server::store::Database::Sqlite(dir.path().join("relaydesk.db"));
    let first = Store::open(&database).await.expect("first instance");
    let second = Store::open(&database).await.expect("second instance");
    two_senders_share_one_queue(first, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_share_one_queue_on_postgres() {
    let Some((first, database)) = crate::harness::postgres_database().await else {
        return;
    };
    let second = Store::open(&database).await.expect("second instance");
    two_senders_share_one_queue(first.store.clone(), second).await;
}
