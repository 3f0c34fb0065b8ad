//! How fast a person's queue answers with many conversations in the database: a Relaydesk
//! server on loopback (SQLite, or PostgreSQL with `--postgres`) holding `--conversations`
//! customers who wrote in, and an agent asking for the first page of a view, one request after
//! another — through the API and as the web view's pages (queue and conversation, rendered
//! HTML, signed in by cookie). Prints p50/p90/p99 per view.
//!
//!   cargo run --release -p relaydesk-e2e --bin queue-load -- --conversations 10000
//!   RELAYDESK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run … -- --postgres

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use relaydesk_core::domain::Role;
use relaydesk_core::protocol::admin::{NewInbox, NewTeam, NewUser};
use relaydesk_server::accounts;
use relaydesk_server::state::{AppState, WhatsAppSettings};
use relaydesk_server::store::Store;

const PHONE_NUMBER_ID: &str = "410593826617204";

#[derive(Debug, Parser)]
struct Args {
    /// Customers who wrote in (one conversation each).
    #[arg(long, default_value_t = 10_000)]
    conversations: usize,
    /// Requests per view.
    #[arg(long, default_value_t = 300)]
    requests: usize,
    /// Rows per page.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Use PostgreSQL at RELAYDESK_BENCH_DATABASE_URL (a fresh schema) instead of SQLite.
    #[arg(long)]
    postgres: bool,
}

/// A webhook with one text message from each of `phones`.
fn batch(phones: std::ops::Range<usize>, at: i64) -> Vec<u8> {
    let mut contacts = Vec::new();
    let mut messages = Vec::new();
    for n in phones {
        let phone = 15_550_100_000u64 + n as u64;
        contacts.push(format!(
            r#"{{"profile":{{"name":"Customer {n}"}},"wa_id":"{phone}"}}"#
        ));
        messages.push(format!(
            r#"{{"from":"{phone}","id":"wamid.QUEUE{n:09}","timestamp":"{}","type":"text","text":{{"body":"Where is order {n}?"}}}}"#,
            at - n as i64
        ));
    }
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"310984726155302","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"{PHONE_NUMBER_ID}"}},"contacts":[{}],"messages":[{}]}},"field":"messages"}}]}}]}}"#,
        contacts.join(","),
        messages.join(",")
    )
    .into_bytes()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let database = relaydesk_e2e::bench_database(args.postgres, dir.path())?;
    let store = Store::open(&database).await?;
    let team = accounts::create_team(
        &store,
        &relaydesk_server::store::Provenance::relaydesk(),
        NewTeam {
            name: "North".into(),
        },
    )
    .await?;
    accounts::create_inbox(
        &store,
        &relaydesk_server::store::Provenance::relaydesk(),
        NewInbox {
            name: "Main".into(),
            phone_number_id: PHONE_NUMBER_ID.into(),
            display_phone_number: "12125550142".into(),
            waba_id: "310984726155302".into(),
            teams: BTreeSet::from([team.id]),
        },
    )
    .await?;
    let password = "bench password 1";
    accounts::create_user(
        &store,
        &relaydesk_server::store::Provenance::relaydesk(),
        NewUser {
            email: "ana@example.test".into(),
            name: "Ana".into(),
            handle: None,
            role: Role::Agent,
            teams: BTreeSet::from([team.id]),
            capacity: None,
            password: Some(password.into()),
        },
        chrono::Utc::now(),
    )
    .await?;

    let started = Instant::now();
    let now = chrono::Utc::now();
    let mut from = 0;
    while from < args.conversations {
        let to = (from + 100).min(args.conversations);
        store
            .ingest_webhook(batch(from..to, now.timestamp()), now)
            .await?;
        from = to;
    }
    eprintln!(
        "{} conversations stored in {:.1} s",
        args.conversations,
        started.elapsed().as_secs_f64()
    );

    let state = AppState::new(store, WhatsAppSettings::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let app = relaydesk_server::http::router(state)
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, app).await;
    });
    let http = reqwest::Client::new();
    let signed: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "email": "ana@example.test", "password": password }))
        .send()
        .await?
        .json()
        .await?;
    let token = signed["token"].as_str().context("signed in")?.to_owned();

    println!(
        "{} conversations, {} requests per view, {} rows per page, {}",
        args.conversations,
        args.requests,
        args.limit,
        if args.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let first: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/conversations?view=unassigned&limit=1"
        ))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let conversation = first["items"][0]["id"]
        .as_str()
        .context("a conversation")?
        .to_owned();
    let api = |query: &str| {
        (
            format!("API {query}"),
            format!("{base}/api/v1/conversations?{query}&limit={}", args.limit),
        )
    };
    let pages = [
        api("view=unassigned"),
        api("view=unassigned&sort=window_closing_soonest"),
        api("view=mine"),
        api("view=all&label=vip"),
        (
            "web queue page /?view=unassigned".to_owned(),
            format!("{base}/?view=unassigned"),
        ),
        (
            "web conversation page".to_owned(),
            format!("{base}/conversations/{conversation}"),
        ),
    ];
    for (name, url) in pages {
        let mut times = Vec::with_capacity(args.requests);
        for i in 0..args.requests + 20 {
            let sent = Instant::now();
            // A browser's session cookie holds the same kind of session token as a bearer.
            let response = http
                .get(&url)
                .bearer_auth(&token)
                .header("cookie", format!("relaydesk_session={token}"))
                .send()
                .await?;
            anyhow::ensure!(
                response.status().is_success(),
                "{name}: {}",
                response.status()
            );
            response.bytes().await?;
            if i >= 20 {
                times.push(sent.elapsed());
            }
        }
        times.sort();
        println!(
            "  {name:<50} p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.9).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3
        );
    }
    Ok(())
}
