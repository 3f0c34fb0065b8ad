//! How soon a phone is told: customers write at a steady rate into conversations an agent owns
//! (each message is an alert for her phone), and the time from the message committed (the
//! webhook ingest returned) to the FCM request arriving at a fake FCM on loopback is measured.
//! Prints p50/p90/p99 and the worst.
//!
//!   cargo run --release -p relaydesk-e2e --bin push-load -- --rate 100 --seconds 10
//!   RELAYDESK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run … -- --postgres

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use clap::Parser;
use relaydesk_core::domain::{Actor, Command, Role};
use relaydesk_core::protocol::admin::{NewInbox, NewTeam, NewUser};
use relaydesk_e2e::fcm::FakeFcm;
use relaydesk_server::accounts;
use relaydesk_server::store::Store;

const PHONE_NUMBER_ID: &str = "410593826617204";

#[derive(Debug, Parser)]
struct Args {
    /// Customer messages per second.
    #[arg(long, default_value_t = 100)]
    rate: u32,
    /// How long to keep writing.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Conversations the messages are spread over (all owned by the agent).
    #[arg(long, default_value_t = 200)]
    conversations: usize,
    /// Use PostgreSQL at RELAYDESK_BENCH_DATABASE_URL (a fresh schema) instead of SQLite.
    #[arg(long)]
    postgres: bool,
}

fn message(customer: usize, n: usize, at: i64) -> Vec<u8> {
    let phone = 15_550_200_000u64 + customer as u64;
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"310984726155302","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"{PHONE_NUMBER_ID}"}},"contacts":[{{"profile":{{"name":"Customer {customer}"}},"wa_id":"{phone}"}}],"messages":[{{"from":"{phone}","id":"wamid.PUSH{n:09}","timestamp":"{at}","type":"text","text":{{"body":"msg-{n:09} where is my order?"}}}}]}},"field":"messages"}}]}}]}}"#
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
    let ana = accounts::create_user(
        &store,
        &relaydesk_server::store::Provenance::relaydesk(),
        NewUser {
            email: "ana@example.test".into(),
            name: "Ana".into(),
            handle: None,
            role: Role::Agent,
            teams: BTreeSet::from([team.id]),
            capacity: None,
            password: Some("bench password 1".into()),
        },
        chrono::Utc::now(),
    )
    .await?
    .user
    .id;
    // Her phone, signed in (pushes go only to phones of live sessions).
    let signed = accounts::login(
        &store,
        relaydesk_core::protocol::auth::LoginRequest {
            email: "ana@example.test".into(),
            password: "bench password 1".into(),
            device: Some("bench phone".into()),
        },
        "127.0.0.1",
        chrono::Utc::now(),
    )
    .await?;
    store
        .register_device(
            "ana-phone".into(),
            ana,
            signed.session.id,
            "android".into(),
            chrono::Utc::now(),
        )
        .await?;

    // Every customer writes once, and Ana owns every conversation, before the clock starts.
    let now = chrono::Utc::now();
    for customer in 0..args.conversations {
        store
            .ingest_webhook(
                message(customer, 1_000_000 + customer, now.timestamp()),
                now,
            )
            .await?;
    }
    for conversation in store.conversations().await? {
        store
            .execute(
                Actor::Member(ana),
                chrono::Utc::now(),
                Command::Claim {
                    conversation: conversation.id,
                },
            )
            .await??;
    }

    let fcm = FakeFcm::start().await;
    relaydesk_server::workers::pushes::start(store.clone(), fcm.settings());
    tokio::time::sleep(Duration::from_millis(500)).await; // the dispatcher takes its starting point

    let total = usize::try_from(u64::from(args.rate) * args.seconds).unwrap_or(0);
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1)));
    let mut committed: BTreeMap<String, Instant> = BTreeMap::new();
    let start = tokio::time::Instant::now();
    for n in 0..total {
        tokio::time::sleep_until(start + interval * u32::try_from(n).unwrap_or(0)).await;
        let at = chrono::Utc::now();
        store
            .ingest_webhook(message(n % args.conversations, n, at.timestamp()), at)
            .await?;
        committed.insert(format!("msg-{n:09}"), Instant::now());
    }
    let arrived = async {
        loop {
            let alerts = fcm
                .received()
                .into_iter()
                .filter(|r| r.kind() == "customer_wrote")
                .count();
            if alerts >= total {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let all_in = tokio::time::timeout(Duration::from_secs(60), arrived)
        .await
        .is_ok();
    let mut latencies: Vec<Duration> = fcm
        .received()
        .into_iter()
        .filter_map(|r| {
            let body = r.message["notification"]["body"].as_str()?.to_owned();
            let marker = body.split_whitespace().next()?.to_owned();
            Some(r.at.saturating_duration_since(*committed.get(&marker)?))
        })
        .collect();
    latencies.sort();
    anyhow::ensure!(!latencies.is_empty(), "no alert reached the fake FCM");
    println!(
        "{} messages at {}/s over {} conversations, {}: {} alerts received{}",
        total,
        args.rate,
        args.conversations,
        if args.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        latencies.len(),
        if all_in {
            ""
        } else {
            " (some missing after 60 s)"
        }
    );
    println!(
        "  commit → FCM request: p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.9).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    );
    Ok(())
}
