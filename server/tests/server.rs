//! The server as its operator meets it: it starts, answers health checks, explains unknown
//! routes in JSON, and stops cleanly when asked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use relaydesk_server::state::{AppState, WhatsAppSettings};
use relaydesk_server::store::{Database, Store};
use tower::ServiceExt;

async fn get(path: &str) -> (StatusCode, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&Database::Sqlite(dir.path().join("relaydesk.db")))
        .await
        .expect("store");
    let response =
        relaydesk_server::http::router(AppState::new(store, WhatsAppSettings::default()))
            .oneshot(Request::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("the router always answers");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        String::from_utf8(body.to_vec()).expect("utf-8 body"),
    )
}

#[tokio::test]
async fn a_load_balancer_checking_health_gets_200() {
    let (status, body) = get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn readiness_says_the_database_answers_and_metrics_are_prometheus_text() {
    assert_eq!(get("/readyz").await, (StatusCode::OK, "ready".to_owned()));
    let (status, metrics) = get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(metrics.contains("# TYPE relaydesk_webhook_batches_total counter"));
    assert!(metrics.contains("relaydesk_send_queue_jobs{state=\"pending\"} 0"));
    // A fresh SQLite database: W is the committed counter, nothing waits above it.
    assert!(metrics.contains("# TYPE relaydesk_watermark_version gauge"));
    assert!(metrics.contains("relaydesk_watermark_lag_versions 0"));
    assert!(metrics.contains("relaydesk_watermark_oldest_transaction_seconds 0"));
}

#[tokio::test]
async fn an_unknown_route_gets_a_json_404_not_a_blank_page() {
    let (status, body) = get("/no/such/thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON error body");
    assert_eq!(json["error"]["code"], "not_found");
}

/// Starts the real binary on a free port, asks `/healthz` over TCP, presses Ctrl-C (SIGINT)
/// and expects a clean exit.
#[test]
fn relaydesk_serve_starts_answers_and_stops_cleanly_on_ctrl_c() {
    let data_dir = std::env::temp_dir().join(format!("relaydesk-serve-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_relaydesk"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the relaydesk binary starts");

    let stdout = child.stdout.take().expect("stdout is piped");
    let mut stdout = BufReader::new(stdout);
    let mut first_line = String::new();
    stdout
        .read_line(&mut first_line)
        .expect("the server announces its address");
    let mut second_line = String::new();
    stdout
        .read_line(&mut second_line)
        .expect("the server tells how to sign in");
    assert!(
        second_line.starts_with(
            "first start: sign in as admin@relaydesk.local with the one-time password "
        ),
        "an empty workspace gets an admin: {second_line:?}"
    );
    let address = first_line
        .trim()
        .strip_prefix("relaydesk listening on http://")
        .unwrap_or_else(|| panic!("unexpected announcement: {first_line:?}"))
        .to_owned();

    let mut stream = TcpStream::connect(&address).expect("connect to the server");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: relaydesk\r\nConnection: close\r\n\r\n")
        .expect("send request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    assert!(response.starts_with("HTTP/1.1 200"), "got {response:?}");
    assert!(response.ends_with("ok"), "got {response:?}");
    assert!(
        data_dir.join("relaydesk.db").is_file(),
        "serve keeps its SQLite database in the data directory"
    );

    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let (done, exited) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait());
    });
    let status = exited
        .recv_timeout(Duration::from_secs(30))
        .expect("the server stops within 30 s of Ctrl-C")
        .expect("wait for the server");
    assert!(status.success(), "clean exit after Ctrl-C, got {status}");
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Logs going to a file or a pipe (a service manager's journal, `2> relaydesk.log`) are plain
/// text: colour codes are only for a terminal.
#[test]
fn an_operator_piping_the_logs_to_a_file_gets_plain_lines_without_colour_codes() {
    let data_dir = tempfile::tempdir().expect("a data dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_relaydesk"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir.path())
        .env_remove("RUST_LOG")
        .env_remove("RELAYDESK_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the relaydesk binary starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut first_line = String::new();
    stdout
        .read_line(&mut first_line)
        .expect("the server announces its address");
    assert!(
        first_line.starts_with("relaydesk listening on "),
        "{first_line:?}"
    );
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let output = child.wait_with_output().expect("the server stops");
    let logs = String::from_utf8(output.stderr).expect("UTF-8 logs");
    assert!(logs.contains("relaydesk started"), "{logs}");
    assert!(!logs.contains('\u{1b}'), "no escape codes: {logs:?}");
}

/// A webhook delivery in which each of `phones` writes once to the business number.
fn many_customers_write(phones: &[String], at: i64) -> Vec<u8> {
    let contacts: Vec<String> = phones
        .iter()
        .map(|p| format!(r#"{{"profile":{{"name":"Customer {p}"}},"wa_id":"{p}"}}"#))
        .collect();
    let messages: Vec<String> = phones
        .iter()
        .map(|p| {
            format!(
                r#"{{"from":"{p}","id":"wamid.{p}.1","timestamp":"{at}","type":"text","text":{{"body":"Hello"}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"310984726155302","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"410593826617204"}},"contacts":[{}],"messages":[{}]}}}}]}}]}}"#,
        contacts.join(","),
        messages.join(",")
    )
    .into_bytes()
}

/// Two real `relaydesk serve` processes on one PostgreSQL schema fire 1,000 snooze timers; one
/// is killed (SIGKILL, mid-transaction as likely as not) part-way through. Every snooze ends
/// exactly once, on the timeline, and every timer is settled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_snoozes_end_once_each_on_two_instances_one_killed_part_way() {
    use relaydesk_core::domain::*;
    use relaydesk_server::store::Setup;
    use std::collections::BTreeSet;

    let Ok(url) = std::env::var("RELAYDESK_TEST_DATABASE_URL") else {
        eprintln!(
            "SKIPPED: RELAYDESK_TEST_DATABASE_URL is not set (two instances need PostgreSQL; .ci/run sets it)"
        );
        return;
    };
    let schema = format!(
        "rd_test_{}_{}",
        chrono::Utc::now().timestamp(),
        uuid::Uuid::now_v7().simple()
    );
    let database = Database::Postgres {
        url: url.clone(),
        schema: Some(schema.clone()),
    };
    let store = Store::open(&database).await.expect("store");
    let team = Team {
        id: TeamId::new(),
        name: "North".into(),
    };
    let lead = Member {
        id: UserId::new(),
        name: "Sara".into(),
        handle: "sara".into(),
        role: Role::Supervisor,
        teams: BTreeSet::from([team.id]),
        availability: Availability::Online,
        capacity: Capacity::default(),
        active: true,
    };
    let inbox = Inbox {
        id: InboxId::new(),
        name: "Main".into(),
        phone_number_id: "410593826617204".into(),
        display_phone_number: "12125550142".into(),
        waba_id: "310984726155302".into(),
        teams: BTreeSet::from([team.id]),
    };
    for change in [
        Setup::Team(team),
        Setup::Member(lead.clone()),
        Setup::Inbox(inbox),
    ] {
        store.setup(change).await.expect("setup");
    }
    let now = chrono::Utc::now();
    for batch in 0..10 {
        let phones: Vec<String> = (0..100)
            .map(|n| format!("1303555{:04}", batch * 100 + n))
            .collect();
        let report = store
            .ingest_webhook(many_customers_write(&phones, now.timestamp() - 60), now)
            .await
            .expect("ingest");
        assert_eq!(report.messages_stored, 100, "{report:?}");
    }
    let conversations = store.conversations().await.expect("db");
    assert_eq!(conversations.len(), 1_000);

    let start = |name: &str| {
        let data_dir =
            std::env::temp_dir().join(format!("relaydesk-timers-{name}-{}", std::process::id()));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relaydesk"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data_dir)
            .args(["--database-url", &url, "--database-schema", &schema])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the relaydesk binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server announces its address");
        assert!(line.starts_with("relaydesk listening on"), "{line:?}");
        (child, data_dir)
    };
    let (mut doomed, doomed_dir) = start("a");
    let (mut survivor, survivor_dir) = start("b");

    // Each snoozed for three seconds: they come due one after another, as fast as they were
    // snoozed, while both instances are running.
    for c in &conversations {
        let until = chrono::Utc::now() + chrono::TimeDelta::seconds(3);
        store
            .execute(
                Actor::Member(lead.id),
                chrono::Utc::now(),
                Command::SetStatus {
                    conversation: c.id,
                    status: Status::Snoozed { until },
                },
            )
            .await
            .expect("db")
            .expect("snoozed");
    }
    let fired = |counts: &[(String, i64)]| {
        counts
            .iter()
            .find(|(state, _)| state == "fired")
            .map_or(0, |(_, n)| *n)
    };
    let mut killed_at = None;
    for _ in 0..1_200 {
        let counts = store.timer_counts().await.expect("db");
        let done = fired(&counts);
        if killed_at.is_none() && done >= 300 {
            doomed.kill().expect("SIGKILL");
            let _ = doomed.wait();
            killed_at = Some(done);
        }
        if done == 1_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let killed_at = killed_at.expect("one instance was killed part-way");
    assert!(
        killed_at < 1_000,
        "killed before the end ({killed_at} fired by then)"
    );
    assert_eq!(
        store.timer_counts().await.expect("db"),
        [("fired".to_owned(), 1_000)],
        "every timer fired once, none left armed or dropped"
    );
    for c in &conversations {
        let ended = store
            .events_of(c.id)
            .await
            .expect("db")
            .into_iter()
            .filter(|e| matches!(e.change, Change::SnoozeEnded { .. }))
            .count();
        assert_eq!(ended, 1, "conversation {} ended its snooze once", c.id);
        assert_eq!(
            store
                .conversation(c.id)
                .await
                .expect("db")
                .expect("exists")
                .status,
            Status::Open
        );
    }
    let _ = survivor.kill();
    let _ = survivor.wait();
    let _ = std::fs::remove_dir_all(doomed_dir);
    let _ = std::fs::remove_dir_all(survivor_dir);
}
