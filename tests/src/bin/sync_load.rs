//! The phone's sync at scale, on loopback against the real server (SQLite; `--postgres` for
//! PostgreSQL at RELAYDESK_TEST_DATABASE_URL): a cold first sync of `--conversations`
//! customers with `--messages-each` messages, reading the first page of a view from the local
//! copy, an incremental pull of 100 changes, replaying 1,000 commands queued offline, and
//! reopening the app on the synced copy.
//!
//!   cargo run --release -p relaydesk-e2e --bin sync-load -- --conversations 10000 --messages-each 10

use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use relaydesk_core::client::Client;
use relaydesk_core::domain::{Actor, Command, NoteId, Order, View};
use relaydesk_e2e::desk::{Backend, DeskServer, NUMBER_NORTH, PASSWORD};

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    conversations: usize,
    #[arg(long, default_value_t = 10)]
    messages_each: usize,
    /// Commands queued offline, then replayed.
    #[arg(long, default_value_t = 1000)]
    replay: usize,
    #[arg(long)]
    postgres: bool,
}

/// One webhook: `messages_each` messages from each of `customers`.
fn batch(customers: std::ops::Range<usize>, messages_each: usize, at: i64) -> Vec<u8> {
    let mut contacts = Vec::new();
    let mut messages = Vec::new();
    for n in customers {
        let phone = 15_550_100_000u64 + n as u64;
        contacts.push(format!(
            r#"{{"profile":{{"name":"Customer {n}"}},"wa_id":"{phone}"}}"#
        ));
        for k in 0..messages_each {
            messages.push(format!(
                r#"{{"from":"{phone}","id":"wamid.SYNC{n:07}x{k:03}","timestamp":"{at}","type":"text","text":{{"body":"Message {k} about order {n}"}}}}"#
            ));
        }
    }
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"310984726155302","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"12125550142","phone_number_id":"{NUMBER_NORTH}"}},"contacts":[{}],"messages":[{}]}},"field":"messages"}}]}}]}}"#,
        contacts.join(","),
        messages.join(",")
    )
    .into_bytes()
}

fn p50(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let backend = if args.postgres {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let mut server = DeskServer::start(backend)
        .await
        .ok_or_else(|| anyhow::anyhow!("--postgres needs RELAYDESK_TEST_DATABASE_URL"))?;
    let seeding = Instant::now();
    let now = Utc::now();
    let per_post = (100 / args.messages_each.max(1)).max(1);
    let mut from = 0;
    while from < args.conversations {
        let to = (from + per_post).min(args.conversations);
        server
            .store
            .ingest_webhook(batch(from..to, args.messages_each, now.timestamp()), now)
            .await?;
        from = to;
    }
    eprintln!(
        "seeded {} conversations × {} messages in {:.1} s",
        args.conversations,
        args.messages_each,
        seeding.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir()?;
    let ana = Client::open(&server.url(), dir.path())?;
    ana.login("ana@example.test", PASSWORD, "bench").await?;
    let started = Instant::now();
    let report = ana.sync().await?;
    let cold = started.elapsed();
    let page = ana.view(View::Unassigned, Order::LongestWaiting, 50);
    println!(
        "{} backend, {} conversations, {} messages",
        if args.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        args.conversations,
        args.conversations * args.messages_each
    );
    println!(
        "  cold first sync: {:.2} s in {} pages ({} unassigned counted)",
        cold.as_secs_f64(),
        report.pulled_pages,
        page.counts[&View::Unassigned]
    );

    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let page = ana.view(View::Unassigned, Order::LongestWaiting, 50);
        times.push(t.elapsed());
        assert_eq!(page.conversations.len(), 50.min(args.conversations));
    }
    println!(
        "  first page of a view from the local copy: p50 {}",
        ms(p50(times))
    );

    let conversations: Vec<_> = page.conversations.iter().map(|c| c.id).collect();
    let bruno = server.person("bruno");
    let mut times = Vec::new();
    for round in 0..10 {
        for i in 0..100 {
            let conversation = conversations[i % conversations.len()];
            server
                .store
                .execute(
                    Actor::Member(bruno),
                    Utc::now(),
                    Command::AddNote {
                        conversation,
                        note: NoteId::new(),
                        body: format!("round {round} note {i}"),
                    },
                )
                .await?
                .map_err(|r| anyhow::anyhow!("{r}"))?;
        }
        let t = Instant::now();
        ana.sync().await?;
        times.push(t.elapsed());
    }
    println!("  incremental pull of 100 changes: p50 {}", ms(p50(times)));

    server.go_offline().await;
    for i in 0..args.replay {
        ana.submit(Command::AddNote {
            conversation: conversations[i % conversations.len()],
            note: NoteId::new(),
            body: format!("offline note {i}"),
        })?;
    }
    server.come_back().await;
    let t = Instant::now();
    let report = ana.sync().await?;
    println!(
        "  replay of {} queued commands: {:.2} s ({} applied)",
        args.replay,
        t.elapsed().as_secs_f64(),
        report.applied
    );

    drop(ana);
    let t = Instant::now();
    let reopened = Client::open(&server.url(), dir.path())?;
    let opened = t.elapsed();
    let first = reopened.view(View::Unassigned, Order::LongestWaiting, 50);
    println!(
        "  reopening the app on the synced copy: {} (first view {} rows)",
        ms(opened),
        first.conversations.len()
    );
    Ok(())
}
