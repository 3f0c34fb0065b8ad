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
