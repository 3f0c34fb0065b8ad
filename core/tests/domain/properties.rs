//! Invariants that hold whatever members and WhatsApp do, in any order: never two owners
//! (ownership only ever passes from the current owner), never a backward delivery status,
//! the same inbound message twice changes nothing, a refused command changes nothing, a desk
//! loaded by `Command::needs` decides like the whole desk, the window function is monotonic,
//! and WhatsApp's deliveries in any order (redeliveries included) give the same timeline,
//! waiting time, window and ticks.

use chrono::Duration;
use proptest::prelude::*;
use relaydesk_core::domain::*;

use crate::world::*;

/// One thing that happens on the desk.
#[derive(Clone, Debug)]
enum Step {
    /// Member `who` (index into the cast) issues operation `op` on conversation `conv`.
    Member {
        who: usize,
        op: u8,
        conv: usize,
        arg: u8,
    },
    /// The customer of conversation `conv` writes.
    CustomerWrites { conv: usize, kind: u8 },
    /// WhatsApp reports on our `nth` outbound message.
    Report { nth: usize, status: u8 },
    /// Time passes.
    Wait { minutes: u32 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..6usize, 0..14u8, 0..3usize, any::<u8>()).prop_map(|(who, op, conv, arg)| Step::Member { who, op, conv, arg }),
        2 => (0..3usize, 0..4u8).prop_map(|(conv, kind)| Step::CustomerWrites { conv, kind }),
        2 => (0..8usize, 0..7u8).prop_map(|(nth, status)| Step::Report { nth, status }),
        1 => (1..2000u32).prop_map(|minutes| Step::Wait { minutes }),
    ]
}

/// Three conversations from three customers on the main number.
fn setup() -> (World, Vec<ConversationId>) {
    let mut w = World::new();
    let conversations = (0..3)
        .map(|i| w.customer_writes(&format!("customer {i}")))
        .collect();
    (w, conversations)
}

fn people(w: &World) -> [UserId; 6] {
    [w.ana, w.bruno, w.carla, w.sofia, w.sam, w.ada]
}

fn member_command(w: &World, op: u8, c: ConversationId, arg: u8) -> Command {
    let someone = people(w)[usize::from(arg) % 6];
    let note = (arg.is_multiple_of(2)).then(|| HandoffNote {
        id: NoteId::new(),
        body: "context".into(),
    });
    let reason = (arg.is_multiple_of(3)).then(|| "reason".to_owned());
    let escalation = w
        .conversation(c)
        .escalation
        .as_ref()
        .map_or_else(EscalationId::new, |e| e.id);
    match op {
        0 => claim(c),
        1 => reply(c, "hello"),
        2 => Command::Reply {
            conversation: c,
            message: MessageId::new(),
            body: ReplyBody::Template {
                name: "order_update".into(),
                language: "en_US".into(),
                params: [("body.1", "A"), ("body.2", "B"), ("button.0", "C")]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            },
            in_reply_to: None,
        },
        3 => Command::Assign {
            conversation: c,
            to: AssignTarget::Agent(someone),
            reason,
            note,
        },
        4 => Command::Assign {
            conversation: c,
            to: AssignTarget::Team(if arg.is_multiple_of(2) {
                w.north
            } else {
                w.south
            }),
            reason,
            note,
        },
        5 => Command::Release {
            conversation: c,
            note,
            reason,
        },
        6 => note_about(c, arg),
        7 => Command::SetStatus {
            conversation: c,
            status: match arg % 4 {
                0 => Status::Open,
                1 => Status::Pending,
                2 => Status::Snoozed {
                    until: w.now + Duration::minutes(i64::from(arg) + 1),
                },
                _ => Status::Resolved,
            },
        },
        8 => Command::SetPriority {
            conversation: c,
            priority: [
                Priority::Low,
                Priority::Normal,
                Priority::High,
                Priority::Urgent,
            ][usize::from(arg % 4)],
        },
        9 => Command::RequestEscalation {
            conversation: c,
            escalation: EscalationId::new(),
            reason: "risky".into(),
            severity: Severity::Medium,
            target: if arg.is_multiple_of(2) {
                EscalationTarget::Team(w.south)
            } else {
                EscalationTarget::Person(someone)
            },
        },
        10 => Command::ApproveEscalation {
            escalation,
            note: None,
        },
        11 => Command::RejectEscalation {
            escalation,
            reason: if arg.is_multiple_of(2) {
                "no".into()
            } else {
                String::new()
            },
        },
        12 => Command::CancelEscalation { escalation },
        _ => Command::AddLabel {
            conversation: c,
            label: format!("l{}", arg % 3),
        },
    }
}

fn note_about(c: ConversationId, arg: u8) -> Command {
    let body = ["@ana look", "@carla look", "plain"][usize::from(arg % 3)];
    note(c, body)
}

fn report_status(status: u8) -> DeliveryReport {
    let s = match status {
        0 => DeliveryStatus::Accepted,
        1 => DeliveryStatus::Sent,
        2 => DeliveryStatus::Delivered,
        3 => DeliveryStatus::Read,
        4 => DeliveryStatus::Failed {
            error: WhatsAppError {
                code: 131047,
                title: "Re-engagement".into(),
                details: None,
            },
        },
        5 => DeliveryStatus::Failed {
            error: WhatsAppError {
                code: 131026,
                title: "Undeliverable".into(),
                details: None,
            },
        },
        _ => return DeliveryReport::Played,
    };
    DeliveryReport::Status { status: s }
}

/// Position on the forward-only ladder, as the rule promises it (failed beside sent).
fn rank(status: &DeliveryStatus) -> u8 {
    match status {
        DeliveryStatus::Queued => 0,
        DeliveryStatus::Accepted => 1,
        DeliveryStatus::Sent | DeliveryStatus::Failed { .. } => 2,
        DeliveryStatus::Delivered => 3,
        DeliveryStatus::Read => 4,
        DeliveryStatus::Unknown => 5,
    }
}

/// The part of `desk` a store would load for `needs`, as [`Needs`] documents it.
fn partial(desk: &Desk, needs: &Needs) -> Desk {
    let mut part = Desk::new(desk.workspace.clone());
    let mut conversations: Vec<ConversationId> = needs.conversation.into_iter().collect();
    if let Some(e) = needs.escalation
        && let Some(c) = desk.conversation_with_escalation(e)
    {
        conversations.push(c.id);
    }
    if let Some((inbox, contact)) = needs.contact_conversation
        && let Some(c) = desk.conversation_of_contact(inbox, contact)
    {
        conversations.push(c.id);
    }
    let messages = needs
        .messages
        .iter()
        .filter_map(|id| desk.message(*id))
        .chain(needs.wamids.iter().filter_map(|w| desk.message_by_wamid(w)));
    for message in messages {
        conversations.push(message.conversation_id);
        part.put_message(message.clone());
    }
    if let Some(note) = needs.note.and_then(|id| desk.notes.get(&id)) {
        conversations.push(note.conversation_id);
        part.notes.insert(note.id, note.clone());
    }
    for id in conversations {
        if let Some(c) = desk.conversations.get(&id) {
            part.conversations.insert(id, c.clone());
            if needs.contacts
                && let Some(contact) = desk.contacts.get(&c.contact_id)
            {
                part.contacts.insert(contact.id, contact.clone());
            }
        }
    }
    part
}

/// Runs one step and returns (actor, command) it issued, if any.
fn to_command(
    w: &mut World,
    conversations: &[ConversationId],
    step: &Step,
) -> Option<(Actor, Command)> {
    match *step {
        Step::Member { who, op, conv, arg } => {
            let c = conversations[conv];
            Some((Actor::Member(people(w)[who]), member_command(w, op, c, arg)))
        }
        Step::CustomerWrites { conv, kind } => {
            let c = w.conversation(conversations[conv]).clone();
            let content = match kind {
                0 => text_content("more"),
                1 => Content::Unsupported {
                    whatsapp_type: "poll_creation".into(),
                    error: None,
                },
                2 => Content::System {
                    kind: "customer_identity_changed".into(),
                    body: "changed".into(),
                    new_phone: None,
                    new_bsuid: None,
                    old_phone: None,
                },
                _ => {
                    let target = w.desk.messages_of(c.id).find_map(|m| m.wamid.clone())?;
                    Content::Reaction {
                        target,
                        emoji: Some("👍".into()),
                    }
                }
            };
            let inbound = w.inbound_on(c.inbox_id, c.contact_id, content);
            Some((
                Actor::WhatsApp,
                Command::ReceiveCustomerMessage(Box::new(inbound)),
            ))
        }
        Step::Report { nth, status } => {
            let ours: Vec<MessageId> = w
                .desk
                .messages()
                .filter(|m| m.direction == Direction::Outbound)
                .map(|m| m.id)
                .collect();
            let target = *ours.get(nth % ours.len().max(1))?;
            let wamid = Some(Wamid::new(format!("wamid.OUT-{target}")));
            Some((
                Actor::WhatsApp,
                Command::RecordDelivery {
                    message: MessageRef {
                        ours: Some(target),
                        wamid: None,
                    },
                    wamid,
                    report: report_status(status),
                    at: w.now,
                    pricing_category: None,
                },
            ))
        }
        Step::Wait { minutes } => {
            w.advance(Duration::minutes(i64::from(minutes)));
            None
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn ownership_only_passes_from_the_current_owner_and_statuses_never_move_back(
        steps in prop::collection::vec(step(), 1..60)
    ) {
        let (mut w, conversations) = setup();
        for step in &steps {
            let Some((actor, command)) = to_command(&mut w, &conversations, step) else { continue };
            let before = w.desk.clone();
            let on_partial = decide(&partial(&w.desk, &command.needs()), actor, w.now, &command);
            let result = w.desk.execute(actor, w.now, &command);
            prop_assert_eq!(&on_partial, &result, "a desk loaded by needs() decided differently");
            match result {
                Err(_) => prop_assert_eq!(&w.desk, &before, "a refused command changed the desk"),
                Ok(events) => {
                    let mut owners: std::collections::BTreeMap<_, _> =
                        before.conversations.iter().map(|(id, c)| (*id, c.assignee)).collect();
                    for event in &events {
                        if let Change::AssignmentChanged { from, to, how, .. } = &event.change {
                            let id = event.conversation.expect("assignments are on a conversation");
                            prop_assert_eq!(owners[&id], *from, "ownership taken from someone who no longer had it");
                            if matches!(how, Handover::Claimed | Handover::ClaimedByReply) {
                                prop_assert_eq!(*from, None, "a claim took an owned conversation");
                            }
                            owners.insert(id, *to);
                        }
                        if let Change::ReplyQueued { message } = &event.change
                            && matches!(message.content, Content::Text { .. })
                        {
                            prop_assert!(before.conversations[&message.conversation_id].window_is_open(w.now),
                                "free text sent outside the window");
                        }
                    }
                    for (id, c) in &w.desk.conversations {
                        prop_assert_eq!(owners[id], c.assignee);
                    }
                    // Whatever changed was named by some event's `touches()`: a store that
                    // writes only those loses nothing.
                    let touched: Vec<Touched> = events.iter().map(Event::touches).collect();
                    for (id, c) in &w.desk.conversations {
                        if before.conversations.get(id) != Some(c) {
                            prop_assert!(touched.iter().any(|t| t.conversation == Some(*id)), "conversation change not named");
                        }
                    }
                    for m in w.desk.messages() {
                        if before.message(m.id) != Some(m) {
                            prop_assert!(touched.iter().any(|t| t.message == Some(m.id)), "message change not named");
                        }
                    }
                    for (id, n) in &w.desk.notes {
                        if before.notes.get(id) != Some(n) {
                            prop_assert!(touched.iter().any(|t| t.note == Some(*id)), "note change not named");
                        }
                    }
                    for (id, m) in &w.desk.workspace.members {
                        if before.workspace.members.get(id) != Some(m) {
                            prop_assert!(touched.iter().any(|t| t.member == Some(*id)), "member change not named");
                        }
                    }
                    for old in before.messages() {
                        let new = w.desk.message(old.id).expect("messages are never lost");
                        prop_assert!(rank(&new.delivery) >= rank(&old.delivery),
                            "delivery went back from {:?} to {:?}", old.delivery, new.delivery);
                        prop_assert!(new.played || !old.played);
                    }
                }
            }
        }
    }

    #[test]
    fn the_same_inbound_message_twice_changes_nothing(
        steps in prop::collection::vec(step(), 0..30),
        conv in 0..3usize,
        kind in 0..4u8,
    ) {
        let (mut w, conversations) = setup();
        for step in &steps {
            if let Some((actor, command)) = to_command(&mut w, &conversations, step) {
                let _ = w.desk.execute(actor, w.now, &command);
            }
        }
        if let Some((actor, command)) = to_command(&mut w, &conversations, &Step::CustomerWrites { conv, kind }) {
            let first = w.desk.execute(actor, w.now, &command);
            let once = w.desk.clone();
            let second = w.desk.execute(actor, w.now, &command);
            prop_assert!(first.is_ok());
            prop_assert_eq!(second, Ok(vec![]));
            prop_assert_eq!(&w.desk, &once);
        }
    }

    #[test]
    fn sent_delivered_and_read_in_any_order_with_repeats_end_at_the_furthest(
        reports in prop::collection::vec(1..4u8, 1..12)
    ) {
        let (mut w, conversations) = setup();
        let c = conversations[0];
        w.ok(w.ana, claim(c));
        let ours = MessageId::new();
        w.ok(w.ana, Command::Reply { conversation: c, message: ours, body: ReplyBody::Text { text: "hi".into() }, in_reply_to: None });
        for status in &reports {
            let command = Command::RecordDelivery {
                message: MessageRef { ours: Some(ours), wamid: None },
                wamid: None,
                report: report_status(*status),
                at: w.now,
                pricing_category: None,
            };
            w.desk.execute(Actor::WhatsApp, w.now, &command).expect("known message");
        }
        let furthest = reports.iter().copied().max().map(report_status);
        let expected = match furthest {
            Some(DeliveryReport::Status { status }) => status,
            _ => unreachable!("statuses 1..4 are ladder steps"),
        };
        prop_assert_eq!(&w.desk.message(ours).expect("message").delivery, &expected);
    }

    #[test]
    fn the_window_is_monotonic(
        first in 0i64..1_000_000,
        later_by in 0i64..1_000_000,
        at in 0i64..3_000_000,
        wait in 0i64..1_000_000,
    ) {
        let start = t0();
        let last = start + Duration::seconds(first);
        let newer = last + Duration::seconds(later_by);
        let now = start + Duration::seconds(at);
        let then = now + Duration::seconds(wait);
        // A later customer message never closes the window earlier.
        prop_assert!(window_closes_at(Some(newer)) >= window_closes_at(Some(last)));
        prop_assert!(!window_is_open(Some(last), now) || window_is_open(Some(newer), now) || now < last);
        // As time passes, an open window may close but a closed one never reopens by itself.
        prop_assert!(window_is_open(Some(last), now) || !window_is_open(Some(last), then) || then < now);
        prop_assert!(window_time_left(Some(last), then) <= window_time_left(Some(last), now));
    }

    #[test]
    fn any_order_of_the_same_deliveries_gives_the_same_timeline_wait_and_window(
        // Seconds before "now" each customer message was sent (distinct: WhatsApp stamps to
        // the second, and messages of the same second keep the order they arrived in).
        sent in prop::collection::btree_set(1i64..3_000, 1..7),
        reports in prop::collection::vec(1u8..4, 0..4),
        redelivered in any::<prop::sample::Index>(),
        order in any::<u64>(),
    ) {
        let sent: Vec<i64> = sent.into_iter().collect();
        let (first, second) = (shuffled_deliveries(&sent, &reports, redelivered, 0), shuffled_deliveries(&sent, &reports, redelivered, order));
        prop_assert_eq!(&first.timeline, &second.timeline);
        prop_assert_eq!(first.awaiting_reply_since, second.awaiting_reply_since);
        prop_assert_eq!(first.window_closes_at, second.window_closes_at);
        prop_assert_eq!(&first.ours, &second.ours);
        // And the facts are the right ones, not merely the same ones.
        let earliest = sent.iter().max().expect("one message at least");
        let latest = sent.iter().min().expect("one message at least");
        prop_assert_eq!(first.awaiting_reply_since, Some(first.now - Duration::seconds(*earliest)));
        prop_assert_eq!(first.window_closes_at, Some(first.now - Duration::seconds(*latest) + WINDOW));
        let mut by_time = sent.clone();
        by_time.sort_by(|a, b| b.cmp(a));
        let expected: Vec<String> = by_time.iter().map(|s| format!("customer {s}")).collect();
        prop_assert_eq!(&first.timeline, &expected);
    }
}

/// What one order of deliveries left on the desk.
#[derive(Debug)]
struct AfterDeliveries {
    now: Timestamp,
    /// The delivered customer messages as their timeline places them, by the text they carry.
    timeline: Vec<String>,
    awaiting_reply_since: Option<Timestamp>,
    window_closes_at: Option<Timestamp>,
    /// Our reply's delivery status.
    ours: DeliveryStatus,
}

/// A customer wrote, we replied; then WhatsApp delivers customer messages sent `sent` seconds
/// before now and reports on our reply, shuffled by `order` (0: as generated), one message
/// delivered twice.
fn shuffled_deliveries(
    sent: &[i64],
    reports: &[u8],
    redelivered: prop::sample::Index,
    order: u64,
) -> AfterDeliveries {
    let mut w = World::new();
    let c = w.customer_writes("first");
    let (inbox, contact) = (w.conversation(c).inbox_id, w.conversation(c).contact_id);
    w.ok(w.ana, reply(c, "Hello!"));
    let ours = w
        .desk
        .messages_of(c)
        .find(|m| m.direction == Direction::Outbound)
        .expect("our reply")
        .id;
    w.advance(Duration::hours(1));
    let now = w.now;
    let mut deliveries: Vec<Command> = sent
        .iter()
        .map(|s| {
            let mut inbound = w.inbound_on(inbox, contact, text_content(&format!("customer {s}")));
            inbound.sent_at = now - Duration::seconds(*s);
            Command::ReceiveCustomerMessage(Box::new(inbound))
        })
        .collect();
    deliveries.push(deliveries[redelivered.index(deliveries.len())].clone());
    for status in reports {
        deliveries.push(Command::RecordDelivery {
            message: MessageRef {
                ours: Some(ours),
                wamid: None,
            },
            wamid: Some(Wamid::new("wamid.OURS")),
            report: report_status(*status),
            at: now,
            pricing_category: None,
        });
    }
    // A deterministic shuffle: a small linear congruential generator seeded by `order`.
    let mut seed = order;
    for i in (1..deliveries.len()).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = usize::try_from(seed >> 33).expect("fits") % (i + 1);
        deliveries.swap(i, j);
    }
    let mut placed = Vec::new();
    for (version, command) in deliveries.iter().enumerate() {
        w.advance(Duration::seconds(5));
        let events = w
            .desk
            .execute(Actor::WhatsApp, w.now, command)
            .expect("accepted");
        for (seq, event) in events.into_iter().enumerate() {
            placed.push((Place::of(&event, version as i64 + 1, seq as i64), event));
        }
    }
    placed.sort_by_key(|(place, _)| *place);
    let timeline = placed
        .iter()
        .filter_map(|(_, e)| match &e.change {
            Change::CustomerMessageReceived { message } => Some(message.content.summary()),
            _ => None,
        })
        .collect::<Vec<_>>();
    let conversation = w.conversation(c);
    AfterDeliveries {
        now,
        timeline,
        awaiting_reply_since: conversation.awaiting_reply_since,
        window_closes_at: conversation.window_closes_at(),
        ours: w.desk.message(ours).expect("ours").delivery.clone(),
    }
}
