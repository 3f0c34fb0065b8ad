//! How late durable timers fire: `--timers` conversations are snoozed, their ends due one after
//! another over `--spread` seconds (all of them pending at the start), and `--instances` timer
//! wheels — each on its own store, as separate server instances would be — fire them. The
//! lateness of each (committed − due) is measured; prints p50/p99/max, and how many fired,
//! which must be every one, once.
//!
//!   cargo run --release -p relaydesk-e2e --bin timer-load -- --timers 2000 --spread 10
//!   RELAYDESK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run … -- --postgres --instances 2

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use relaydesk_core::domain::*;
use relaydesk_server::store::{Setup, Store};
use relaydesk_server::workers::timers;

const PHONE_NUMBER_ID: &str = "410593826617204";

#[derive(Debug, Parser)]
struct Args {
    /// Timers armed (one snoozed conversation each), all pending when firing starts.
    #[arg(long, default_value_t = 10_000)]
    timers: usize,
    /// Seconds over which they come due, evenly.
    #[arg(long, default_value_t = 20)]
    spread: u64,
    /// Timer wheels, each on its own store (server instances); more than one needs PostgreSQL.
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// Use PostgreSQL at RELAYDESK_BENCH_DATABASE_URL (a fresh schema) instead of SQLite.
    #[arg(long)]
    postgres: bool,
}

fn customers_write(first: usize, count: usize, at: i64) -> Vec<u8> {
    let phones: Vec<u64> = (first..first + count)
        .map(|n| 15_550_300_000 + n as u64)
        .collect();
    let contacts: Vec<String> = phones
        .iter()
        .map(|p| format!(r#"{{"profile":{{"name":"Customer {p}"}},"wa_id":"{p}"}}"#))
        .collect();
    let messages: Vec<String> = phones
        .iter()
        .map(|p| format!(r#"{{"from":"{p}","id":"wamid.T{p}","timestamp":"{at}","type":"text","text":{{"body":"Hello"}}}}"#))
        .collect();
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"310984726155302","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"{PHONE_NUMBER_ID}"}},"contacts":[{}],"messages":[{}]}}}}]}}]}}"#,
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
    anyhow::ensure!(
        args.instances == 1 || args.postgres,
        "several instances share one database only on PostgreSQL (--postgres)"
    );
    let dir = tempfile::tempdir()?;
    let database = relaydesk_e2e::bench_database(args.postgres, dir.path())?;
    let store = Store::open(&database).await?;
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
        phone_number_id: PHONE_NUMBER_ID.into(),
        display_phone_number: "12125550142".into(),
        waba_id: "310984726155302".into(),
        teams: BTreeSet::from([team.id]),
    };
    for change in [
        Setup::Team(team),
        Setup::Member(lead.clone()),
        Setup::Inbox(inbox),
    ] {
        store.setup(change).await?;
    }
    let now = chrono::Utc::now();
    let mut first = 0;
    while first < args.timers {
        let count = 100.min(args.timers - first);
        store
            .ingest_webhook(customers_write(first, count, now.timestamp() - 60), now)
            .await?;
        first += count;
    }
    let conversations = store.conversations().await?;
    eprintln!("{} conversations; snoozing them", conversations.len());
    // Due from when every snooze is written (estimated generously), evenly over the spread.
    let snoozing = std::time::Instant::now();
    let lead_time = chrono::TimeDelta::seconds(10 + (args.timers / 150) as i64);
    let from = chrono::Utc::now() + lead_time;
    let step = args.spread as f64 * 1000.0 / args.timers.max(1) as f64;
    for (n, c) in conversations.iter().enumerate() {
        let until = from + chrono::TimeDelta::milliseconds((n as f64 * step) as i64);
        store
            .execute(
                Actor::Member(lead.id),
                chrono::Utc::now(),
                Command::SetStatus {
                    conversation: c.id,
                    status: Status::Snoozed { until },
                },
            )
            .await?
            .map_err(|r| anyhow::anyhow!("a snooze was refused: {r}"))?;
    }
    eprintln!(
        "{} snoozes armed in {:.1} s; the first is due in {:.1} s",
        conversations.len(),
        snoozing.elapsed().as_secs_f64(),
        (from - chrono::Utc::now()).num_milliseconds() as f64 / 1000.0
    );
    anyhow::ensure!(
        chrono::Utc::now() < from,
        "arming took longer than the lead time"
    );

    let lateness = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let mut wheels = Vec::new();
    for _ in 0..args.instances {
        let instance = Store::open(&database).await?;
        let lateness = lateness.clone();
        let observer: timers::Observer = Arc::new(move |settled| {
            let committed = chrono::Utc::now();
            let mut lateness = lateness.lock().expect("lock");
            for timer in settled {
                lateness.push((committed - timer.due_at).to_std().unwrap_or_default());
            }
        });
        wheels.push(tokio::spawn(timers::run(instance, Some(observer))));
    }
    let deadline = std::time::Instant::now()
        + Duration::from_secs(args.spread + 60 + lead_time.num_seconds() as u64);
    loop {
        let done = lateness.lock().expect("lock").len();
        if done >= conversations.len() || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for wheel in wheels {
        wheel.abort();
    }
    let mut lateness = lateness.lock().expect("lock").clone();
    lateness.sort();
    let counts = store.timer_counts().await?;
    anyhow::ensure!(!lateness.is_empty(), "no timer fired");
    println!(
        "timers {} over {} s, {} instance(s), {}: fired {} (states {:?}); lateness p50 {:?} p99 {:?} max {:?}",
        conversations.len(),
        args.spread,
        args.instances,
        if args.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        lateness.len(),
        counts,
        percentile(&lateness, 0.50),
        percentile(&lateness, 0.99),
        lateness.last().copied().unwrap_or_default(),
    );
    anyhow::ensure!(
        lateness.len() == conversations.len(),
        "every timer fires once: {} of {}",
        lateness.len(),
        conversations.len()
    );
    Ok(())
}
