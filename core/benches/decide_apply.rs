//! decide + apply over a realistic mix of commands on a desk the size of a busy team's queue.
//!
//! The mix follows a support day: most traffic is WhatsApp (customer messages and delivery
//! reports), then replies, then ownership and context changes. Each iteration replays the same
//! 1,000 pre-built commands on a fresh copy of the desk (the copy is not timed), so the figure
//! is the cost of judging and applying one command.
//!
//! Run: `cargo bench -p relaydesk-core --bench decide_apply`

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use relaydesk_core::domain::*;

const CONVERSATIONS: usize = 200;
const COMMANDS: usize = 1_000;

/// A deterministic pseudo-random sequence (no dependency, same script every run).
struct Dice(u64);
impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % sides
    }
}

struct Script {
    desk: Desk,
    steps: Vec<(Actor, Timestamp, Command)>,
}

fn script() -> Script {
    let team = Team {
        id: TeamId::new(),
        name: "Support".into(),
    };
    let agents: Vec<Member> = (0..8)
        .map(|i| Member {
            id: UserId::new(),
            name: format!("Agent {i}"),
            handle: format!("agent{i}"),
            role: if i == 0 {
                Role::Supervisor
            } else {
                Role::Agent
            },
            teams: BTreeSet::from([team.id]),
            availability: Availability::Online,
            capacity: Capacity::default(),
            active: true,
        })
        .collect();
    let inbox = Inbox {
        id: InboxId::new(),
        name: "Main".into(),
        phone_number_id: "1".into(),
        display_phone_number: "12125550142".into(),
        waba_id: "w".into(),
        teams: BTreeSet::from([team.id]),
    };
    let workspace = Workspace {
        members: agents.iter().map(|m| (m.id, m.clone())).collect(),
        teams: BTreeMap::from([(team.id, team)]),
        inboxes: BTreeMap::from([(inbox.id, inbox.clone())]),
        templates: BTreeMap::new(),
        automations: Vec::new(),
        canned_replies: BTreeMap::new(),
        labels: BTreeMap::new(),
    };
    let mut desk = Desk::new(workspace);
    let mut now = Utc
        .with_ymd_and_hms(2026, 11, 26, 9, 0, 0)
        .single()
        .expect("time");
    let mut wamid = 0u64;
    let mut next_wamid = || {
        wamid += 1;
        Wamid::new(format!("wamid.B{wamid}"))
    };
    let contacts: Vec<ContactId> = (0..CONVERSATIONS).map(|_| ContactId::new()).collect();
    let inbound = |contact: ContactId, wamid: Wamid, now: Timestamp, text: &str| {
        Command::ReceiveCustomerMessage(Box::new(InboundMessage {
            inbox: inbox.id,
            contact,
            new_conversation: ConversationId::new(),
            message_id: MessageId::new(),
            wamid,
            sent_at: now,
            content: Content::Text { body: text.into() },
            context: MessageContext::default(),
        }))
    };
    // The queue before the day starts: every customer has written once, half are owned.
    for (i, contact) in contacts.iter().enumerate() {
        desk.execute(
            Actor::WhatsApp,
            now,
            &inbound(*contact, next_wamid(), now, "Hello"),
        )
        .expect("opening message");
        if i % 2 == 0 {
            let c = desk
                .conversation_of_contact(inbox.id, *contact)
                .expect("opened")
                .id;
            desk.execute(
                Actor::Member(agents[1 + i % 7].id),
                now,
                &Command::Claim { conversation: c },
            )
            .expect("claim");
        }
    }
    now += Duration::minutes(5);

    // The day's script, generated against a scratch copy so every step is meaningful.
    let mut scratch = desk.clone();
    let mut dice = Dice(42);
    let mut sent: Vec<(MessageId, Wamid)> = Vec::new();
    let mut steps = Vec::with_capacity(COMMANDS);
    while steps.len() < COMMANDS {
        let contact = contacts[dice.roll(CONVERSATIONS)];
        let c = scratch
            .conversation_of_contact(inbox.id, contact)
            .expect("conversation")
            .clone();
        let agent = agents[1 + dice.roll(7)].id;
        let owner = c.assignee.unwrap_or(agent);
        let (actor, command) = match dice.roll(100) {
            0..=34 => (
                Actor::WhatsApp,
                inbound(contact, next_wamid(), now, "Any news on my order?"),
            ),
            35..=54 => (
                Actor::Member(owner),
                Command::Reply {
                    conversation: c.id,
                    message: MessageId::new(),
                    body: ReplyBody::Text {
                        text: "We are on it, thanks for waiting.".into(),
                    },
                    in_reply_to: None,
                },
            ),
            55..=74 if !sent.is_empty() => {
                let (id, wamid) = sent[dice.roll(sent.len())].clone();
                let status = [
                    DeliveryStatus::Sent,
                    DeliveryStatus::Delivered,
                    DeliveryStatus::Read,
                ][dice.roll(3)]
                .clone();
                (
                    Actor::WhatsApp,
                    Command::RecordDelivery {
                        message: MessageRef {
                            ours: Some(id),
                            wamid: Some(wamid),
                        },
                        wamid: None,
                        report: DeliveryReport::Status { status },
                        at: now,
                        pricing_category: None,
                    },
                )
            }
            75..=82 => (Actor::Member(agent), Command::Claim { conversation: c.id }),
            83..=90 => (
                Actor::Member(agent),
                Command::AddNote {
                    conversation: c.id,
                    note: NoteId::new(),
                    body: "@agent1 customer is a VIP".into(),
                },
            ),
            91..=95 => (
                Actor::Member(agent),
                Command::AddLabel {
                    conversation: c.id,
                    label: "late-delivery".into(),
                },
            ),
            _ => (
                Actor::Member(owner),
                Command::SetStatus {
                    conversation: c.id,
                    status: Status::Pending,
                },
            ),
        };
        let result = scratch.execute(actor, now, &command);
        steps.push((actor, now, command));
        for event in result.iter().flatten() {
            if let Change::ReplyQueued { message } = &event.change {
                // WhatsApp accepts the send and gives it a wamid.
                let wamid = next_wamid();
                let accepted = Command::RecordDelivery {
                    message: MessageRef {
                        ours: Some(message.id),
                        wamid: None,
                    },
                    wamid: Some(wamid.clone()),
                    report: DeliveryReport::Status {
                        status: DeliveryStatus::Accepted,
                    },
                    at: now,
                    pricing_category: None,
                };
                scratch
                    .execute(Actor::WhatsApp, now, &accepted)
                    .expect("accepted");
                steps.push((Actor::WhatsApp, now, accepted));
                sent.push((message.id, wamid));
            }
        }
        now += Duration::seconds(3);
    }
    steps.truncate(COMMANDS);
    Script { desk, steps }
}

fn decide_and_apply(c: &mut Criterion) {
    let script = script();
    let mut replay = script.desk.clone();
    let accepted = script
        .steps
        .iter()
        .filter(|(actor, now, command)| replay.execute(*actor, *now, command).is_ok())
        .count();
    eprintln!(
        "script: {} commands on {} conversations, {accepted} accepted, the rest refused (e.g. claims of owned conversations)",
        script.steps.len(),
        script.desk.conversations.len()
    );
    let mut group = c.benchmark_group("domain");
    group.throughput(Throughput::Elements(script.steps.len() as u64));
    group.bench_function("decide+apply, realistic mix, 200-conversation desk", |b| {
        b.iter_batched(
            || script.desk.clone(),
            |mut desk| {
                for (actor, now, command) in &script.steps {
                    let _ = black_box(desk.execute(*actor, *now, command));
                }
                desk
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, decide_and_apply);
criterion_main!(benches);
