//! Webhook ingest under load, on loopback: a Relaydesk server (SQLite or PostgreSQL) and, for
//! comparison in the same run, a bare route that only checks the signature and answers 200.
//!
//! The server runs the workers a production instance runs whatever its settings: the timer
//! wheel and a follower of the event log (the push dispatcher, with no phones to push to: it
//! still reads every change), beside the ingest it measures; `RELAYDESK_BENCH_NO_WORKERS=1`
//! leaves them out.
//!
//! Every request carries new wamids (nothing is a duplicate) and a valid signature, as Meta
//! would send. Closed loop by default (`--concurrency` connections as fast as they can); with
//! `--rate` an open loop at that many POSTs per second, to read latency at a given load.
//!
//!   cargo run --release -p relaydesk-e2e --bin ingest-load -- --batch 1 --seconds 10
//!   cargo run --release -p relaydesk-e2e --bin ingest-load -- --batch 100 --seconds 10
//!   cargo run --release -p relaydesk-e2e --bin ingest-load -- --rate 1000 --seconds 10
//!   RELAYDESK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run … -- --postgres

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use clap::Parser;
use relaydesk_core::domain::{Inbox, InboxId, Team, TeamId};
use relaydesk_server::config::Secret;
use relaydesk_server::state::{AppState, WhatsAppSettings};
use relaydesk_server::store::{Database, Setup, Store};
use relaydesk_server::whatsapp::signature;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SECRET: &str = "load-test-secret";
const PHONE_NUMBER_ID: &str = "410593826617204";

#[derive(Debug, Parser)]
struct Args {
    /// Messages per POST (Meta batches up to 1,000 updates).
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds of load per target.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Open loop at this many POSTs/s instead of as fast as possible.
    #[arg(long)]
    rate: Option<u64>,
    /// Distinct customers writing (each POST picks the next).
    #[arg(long, default_value_t = 256)]
    customers: usize,
    /// Use PostgreSQL at RELAYDESK_BENCH_DATABASE_URL (a fresh schema) instead of SQLite.
    #[arg(long)]
    postgres: bool,
    /// Skip the signature-only anchor (for profiling ingest alone).
    #[arg(long)]
    no_anchor: bool,
}

/// One customer text message webhook with `batch` messages.
fn body(sequence: u64, batch: usize, customers: usize) -> Vec<u8> {
    let messages: Vec<String> = (0..batch)
        .map(|i| {
            let n = sequence * batch as u64 + i as u64;
            let phone = 15_550_100_000u64 + n % customers as u64;
            format!(
                r#"{{"from":"{phone}","id":"wamid.LOAD{n:012}","timestamp":"1789412411","type":"text","text":{{"body":"Hello, where is my order {n}? J'ai mang\u00e9 \ud83c\udf5d"}}}}"#
            )
        })
        .collect();
    let contacts: Vec<String> = (0..batch)
        .map(|i| {
            let n = sequence * batch as u64 + i as u64;
            let phone = 15_550_100_000u64 + n % customers as u64;
            format!(r#"{{"profile":{{"name":"Customer {phone}"}},"wa_id":"{phone}"}}"#)
        })
        .collect();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"310984726155302","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"{PHONE_NUMBER_ID}"}},"contacts":[{}],"messages":[{}]}},"field":"messages"}}]}}]}}"#,
        contacts.join(","),
        messages.join(",")
    )
    .into_bytes()
}

/// A keep-alive HTTP/1.1 connection that POSTs and reads the status.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(address: SocketAddr) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(4096),
        })
    }

    async fn post(&mut self, path: &str, body: &[u8], signature: &str) -> anyhow::Result<u16> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: load\r\nContent-Type: application/json\r\nX-Hub-Signature-256: {signature}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.stream.write_all(head.as_bytes()).await?;
        self.stream.write_all(body).await?;
        self.buffer.clear();
        loop {
            let mut chunk = [0u8; 4096];
            let read = self.stream.read(&mut chunk).await?;
            if read == 0 {
                bail!("the server closed the connection");
            }
            self.buffer.extend_from_slice(&chunk[..read]);
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_lowercase();
                let status: u16 = head
                    .get(9..12)
                    .and_then(|s| s.parse().ok())
                    .context("status line")?;
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while self.buffer.len() < end + 4 + length {
                    let read = self.stream.read(&mut chunk).await?;
                    if read == 0 {
                        bail!("the server closed the connection mid-body");
                    }
                    self.buffer.extend_from_slice(&chunk[..read]);
                }
                return Ok(status);
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

struct Outcome {
    posts: u64,
    failures: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

async fn load(address: SocketAddr, path: &'static str, args: &Args) -> anyhow::Result<Outcome> {
    let sequence = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let interval = args
        .rate
        .map(|rate| Duration::from_secs_f64(args.concurrency as f64 / rate as f64));
    let mut workers = Vec::new();
    for worker in 0..args.concurrency {
        let (sequence, failures) = (sequence.clone(), failures.clone());
        let (batch, customers) = (args.batch, args.customers);
        workers.push(tokio::spawn(async move {
            let mut connection = Connection::open(address).await?;
            let mut latencies = Vec::new();
            if let Some(interval) = interval {
                tokio::time::sleep(interval.mul_f64(worker as f64 / 32.0)).await;
            }
            let mut next = Instant::now();
            while Instant::now() < deadline {
                let n = sequence.fetch_add(1, Ordering::Relaxed);
                let body = body(n, batch, customers);
                let signature = signature::sign(SECRET.as_bytes(), &body);
                if let Some(interval) = interval {
                    next += interval;
                    tokio::time::sleep_until(next.into()).await;
                }
                let sent = Instant::now();
                let status = connection.post(path, &body, &signature).await?;
                latencies.push(sent.elapsed());
                if status != 200 {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await??);
    }
    latencies.sort();
    Ok(Outcome {
        posts: latencies.len() as u64,
        failures: failures.load(Ordering::Relaxed),
        latencies,
        elapsed: started.elapsed(),
    })
}

fn report(name: &str, outcome: &Outcome, batch: usize) -> f64 {
    let pct = |p: f64| {
        let i = ((outcome.latencies.len() as f64 * p) as usize)
            .min(outcome.latencies.len().saturating_sub(1));
        outcome.latencies.get(i).copied().unwrap_or_default()
    };
    let posts_per_second = outcome.posts as f64 / outcome.elapsed.as_secs_f64();
    println!(
        "{name:<28} {:>9.0} POSTs/s {:>10.0} msgs/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} POSTs, {} not 200)",
        posts_per_second,
        posts_per_second * batch as f64,
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        outcome.posts,
        outcome.failures,
    );
    posts_per_second
}

/// The anchor: check the signature, answer 200, nothing else.
async fn bare(headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
    match signature::verify(SECRET.as_bytes(), header, &body) {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::UNAUTHORIZED,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let database = if args.postgres {
        let url = std::env::var("RELAYDESK_BENCH_DATABASE_URL")
            .context("set RELAYDESK_BENCH_DATABASE_URL for --postgres")?;
        Database::Postgres {
            url,
            schema: Some(format!("rd_bench_{}", std::process::id())),
        }
    } else {
        Database::Sqlite(dir.path().join("relaydesk.db"))
    };
    let store = Store::open(&database).await?;
    let team = Team {
        id: TeamId::new(),
        name: "Support".into(),
    };
    store
        .setup(Setup::Inbox(Inbox {
            id: InboxId::new(),
            name: "Main".into(),
            phone_number_id: PHONE_NUMBER_ID.into(),
            display_phone_number: "12125550142".into(),
            waba_id: "310984726155302".into(),
            teams: [team.id].into_iter().collect(),
        }))
        .await?;
    store.setup(Setup::Team(team)).await?;
    let state = AppState::new(
        store.clone(),
        WhatsAppSettings {
            app_secret: Some(Secret::new(SECRET)),
            verify_token: None,
            graph: None,
        },
    );
    // `RELAYDESK_BENCH_NO_WORKERS=1` measures ingest alone (an environment variable, not a
    // flag, so `scripts/bench-compare` can pass the same arguments to older drivers).
    if std::env::var_os("RELAYDESK_BENCH_NO_WORKERS").is_none() {
        tokio::spawn(relaydesk_server::workers::timers::run(store.clone(), None));
        tokio::spawn(relaydesk_server::workers::followers::run(
            store.clone(),
            Arc::new(relaydesk_server::push::dispatcher::Pushes),
            None,
        ));
    }
    let app = relaydesk_server::http::router(state).route("/bare", axum::routing::post(bare));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    println!(
        "backend {}, {} message(s) per POST, {} connections, {} s per target{}",
        if args.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        args.batch,
        args.concurrency,
        args.seconds,
        args.rate
            .map(|r| format!(", open loop at {r} POSTs/s"))
            .unwrap_or_default()
    );
    let anchor_rate = if args.no_anchor {
        None
    } else {
        let anchor = load(address, "/bare", &args).await?;
        Some(report("signature check only", &anchor, args.batch))
    };
    let ingest = load(address, "/webhooks/whatsapp", &args).await?;
    let ingest_rate = report("webhook ingest", &ingest, args.batch);
    if let Some(anchor_rate) = anchor_rate {
        println!(
            "ingest / signature-only = {:.1} %",
            100.0 * ingest_rate / anchor_rate
        );
    }
    if !args.postgres {
        let wal = dir.path().join("relaydesk.db-wal");
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        println!(
            "SQLite WAL after the run: {:.1} MiB",
            size as f64 / 1024.0 / 1024.0
        );
    }
    let stored = store.conversations().await?.len();
    println!("conversations stored: {stored}");
    if ingest.failures > 0 {
        bail!("{} POSTs were not answered 200", ingest.failures);
    }
    Ok(())
}
