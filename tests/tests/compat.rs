//! The v1 compatibility suite: phones stay installed for months, so a server must keep
//! answering the phones already in the field in a shape they decode. `compat/v1/` holds a
//! frozen copy of the wire types phones decoded before issue 15 (protocol v1, from commit
//! `fa32822`); these stories drive a busy desk through the real server (SQLite, and
//! PostgreSQL when `RELAYDESK_TEST_DATABASE_URL` is set) and decode its pulls, its push
//! answers and its live stream with that copy — as a phone that names no protocol, and as
//! one that names `relaydesk-protocol: 1`.
//!
//! Frozen: never edit `compat/v1/` to make a test pass; a failure here is a phone in the field
//! that breaks, and the fix is in what the server serves a v1 client. A new protocol version
//! gets its own folder (`compat/v2/`) beside it. Every later issue that changes the wire
//! (new event kinds, content, actors, outcomes, rejection codes) extends the stories here so
//! the busy desk makes the new thing exist and v1 phones are shown to still decode it.

#[path = "compat/desk.rs"]
mod desk;
#[path = "compat/v1/mod.rs"]
mod v1;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use desk::{BusyDesk, Decoded, LiveStream, Person, V1Phone};
use relaydesk_e2e::desk::{Backend, DeskServer};
use v1::domain::{
    By, Change, Content, DeliveryStatus, EscalationState, EscalationTarget, Handover,
    InteractiveReply, MediaKind, Status,
};
use v1::ids::UserId;
use v1::sync::{MutationOutcome, PullResponse, SyncedEvent};

/// Conversations per pull page: small, so a busy desk takes many pages.
const PAGE: u32 = 2;

fn uuid_of(id: relaydesk_core::domain::ConversationId) -> uuid::Uuid {
    id.as_uuid()
}

fn user(person: &Person) -> UserId {
    UserId(person.id.as_uuid())
}

/// The wire name of a change (`event` tag).
fn kind(change: &Change) -> &'static str {
    match change {
        Change::ConversationOpened { .. } => "conversation_opened",
        Change::CustomerMessageReceived { .. } => "customer_message_received",
        Change::ReactionChanged { .. } => "reaction_changed",
        Change::ReplyQueued { .. } => "reply_queued",
        Change::DeliveryUpdated { .. } => "delivery_updated",
        Change::Played { .. } => "played",
        Change::Priced { .. } => "priced",
        Change::ReadReceiptQueued { .. } => "read_receipt_queued",
        Change::ContactUnreachable { .. } => "contact_unreachable",
        Change::AssignmentChanged { .. } => "assignment_changed",
        Change::TeamChanged { .. } => "team_changed",
        Change::NoteAdded { .. } => "note_added",
        Change::LabelAdded { .. } => "label_added",
        Change::LabelRemoved { .. } => "label_removed",
        Change::StatusChanged { .. } => "status_changed",
        Change::PriorityChanged { .. } => "priority_changed",
        Change::EscalationRequested { .. } => "escalation_requested",
        Change::EscalationApproved { .. } => "escalation_approved",
        Change::EscalationRejected { .. } => "escalation_rejected",
        Change::EscalationCancelled { .. } => "escalation_cancelled",
        Change::AvailabilityChanged { .. } => "availability_changed",
    }
}

/// Everyone an event names as having acted or being acted on.
fn people_in_event(event: &v1::domain::Event) -> Vec<UserId> {
    let mut named = Vec::new();
    if let By::Member(id) = event.by {
        named.push(id);
    }
    match &event.change {
        Change::AssignmentChanged { from, to, .. } => named.extend(from.iter().chain(to)),
        Change::NoteAdded { note } => {
            named.push(note.author);
            named.extend(&note.mentions);
        }
        Change::ReplyQueued { message } | Change::CustomerMessageReceived { message } => {
            named.extend(message.author)
        }
        Change::EscalationRequested { escalation } => {
            named.push(escalation.requested_by);
            if let EscalationTarget::Person(to) = escalation.target {
                named.push(to);
            }
        }
        Change::AvailabilityChanged { member, .. } => named.push(*member),
        _ => {}
    }
    named
}

/// What a whole pull (every page) brought, as a v1 phone stores it.
#[derive(Debug, Default, PartialEq)]
struct Pulled {
    cursor: i64,
    conversations: BTreeMap<uuid::Uuid, v1::domain::Conversation>,
    contacts: BTreeMap<uuid::Uuid, v1::domain::Contact>,
    messages: BTreeMap<uuid::Uuid, v1::domain::Message>,
    notes: BTreeMap<uuid::Uuid, v1::domain::Note>,
    events: Vec<SyncedEvent>,
    removed: Vec<uuid::Uuid>,
    workspace: Option<v1::sync::WorkspaceCopy>,
}

impl Pulled {
    /// The pages of one pull, checked as pages (each but the last continues, the last ends)
    /// and folded together.
    fn of(pages: &[Decoded<PullResponse>]) -> Pulled {
        let mut pulled = Pulled::default();
        for (n, page) in pages.iter().enumerate() {
            assert_eq!(
                page.served.as_deref(),
                Some("1"),
                "page {n} names the protocol it was served in"
            );
            let page = &page.value;
            let last = n + 1 == pages.len();
            assert_eq!(page.has_more, !last, "page {n} of {}", pages.len());
            assert_eq!(page.next_page.is_some(), !last, "page {n} continues");
            pulled.cursor = page.cursor;
            for c in &page.conversations {
                pulled.conversations.insert(c.id.0, c.clone());
            }
            for c in &page.contacts {
                pulled.contacts.insert(c.id.0, c.clone());
            }
            for m in &page.messages {
                pulled.messages.insert(m.id.0, m.clone());
            }
            for note in &page.notes {
                pulled.notes.insert(note.id.0, note.clone());
            }
            pulled.events.extend(page.events.iter().cloned());
            pulled.removed.extend(page.removed.iter().map(|r| r.0));
            if page.workspace.is_some() {
                pulled.workspace.clone_from(&page.workspace);
            }
        }
        pulled
    }

    fn kinds(&self) -> BTreeSet<&'static str> {
        self.events.iter().map(|e| kind(&e.event.change)).collect()
    }

    fn members(&self) -> BTreeMap<UserId, &v1::sync::Colleague> {
        self.workspace
            .as_ref()
            .expect("the first pull carries the workspace")
            .members
            .iter()
            .map(|m| (m.id, m))
            .collect()
    }

    fn conversation(
        &self,
        id: relaydesk_core::domain::ConversationId,
    ) -> &v1::domain::Conversation {
        self.conversations
            .get(&uuid_of(id))
            .unwrap_or_else(|| panic!("conversation {id} was pulled"))
    }

    fn messages_of(&self, id: relaydesk_core::domain::ConversationId) -> Vec<&v1::domain::Message> {
        let mut messages: Vec<_> = self
            .messages
            .values()
            .filter(|m| m.conversation_id.0 == uuid_of(id))
            .collect();
        messages.sort_by_key(|m| m.at);
        messages
    }

    /// Every person a conversation, message, note or event names: each must be a colleague
    /// in the workspace copy, or a v1 phone cannot show who did it.
    fn assert_everyone_named_is_a_colleague(&self) {
        let members = self.members();
        let mut named: Vec<(String, UserId)> = Vec::new();
        for c in self.conversations.values() {
            named.extend(c.assignee.map(|a| (format!("owner of {}", c.id), a)));
            if let Some(e) = &c.escalation {
                named.push((format!("escalation {}'s requester", e.id), e.requested_by));
                match &e.state {
                    EscalationState::Requested => {}
                    EscalationState::Approved { by, .. }
                    | EscalationState::Rejected { by, .. }
                    | EscalationState::Cancelled { by, .. } => {
                        named.push((format!("escalation {}'s decider", e.id), *by))
                    }
                }
            }
        }
        for m in self.messages.values() {
            named.extend(m.author.map(|a| (format!("author of message {}", m.id), a)));
        }
        for note in self.notes.values() {
            named.push((format!("author of note {}", note.id), note.author));
            named.extend(
                note.mentions
                    .iter()
                    .map(|m| (format!("mentioned in note {}", note.id), *m)),
            );
        }
        for e in &self.events {
            named.extend(
                people_in_event(&e.event)
                    .into_iter()
                    .map(|p| (format!("event {}/{}", e.version, e.seq), p)),
            );
        }
        assert!(named.len() > 20, "a busy desk names many people");
        for (where_, who) in named {
            assert!(
                members.contains_key(&who),
                "{where_} names {who}, who is not in the workspace copy"
            );
        }
    }
}

/// What a v1 phone of `who` shows of the busy desk after pulling it whole.
fn assert_the_busy_desk_is_all_there(desk: &BusyDesk, pulled: &Pulled, who: &Person) {
    let c = &desk.c;
    // The rule's note reads as a colleague's, and that colleague is in the copy by the rule's
    // name; the system's label reads as Relaydesk's.
    let copy = pulled.workspace.as_ref().expect("the workspace copy");
    let colleague = |id: &UserId| copy.members.iter().find(|m| &m.id == id);
    let rule_note = pulled
        .notes
        .values()
        .find(|n| n.body.starts_with("Wrote at night"))
        .expect("the rule's note");
    assert_eq!(
        colleague(&rule_note.author).map(|m| m.name.as_str()),
        Some("Out of hours (rule)")
    );
    let system_label = pulled
        .events
        .iter()
        .find(
            |e| matches!(&e.event.change, Change::LabelAdded { label } if label.0 == "after-hours"),
        )
        .expect("the system's label");
    let By::Member(system) = &system_label.event.by else {
        panic!(
            "a v1 phone is shown a colleague: {:?}",
            system_label.event.by
        );
    };
    assert_eq!(
        colleague(system).map(|m| m.name.as_str()),
        Some("Relaydesk")
    );
    // The snooze Relaydesk ended on its timer reads as Relaydesk changing the status.
    let woke = pulled
        .events
        .iter()
        .find(|e| {
            e.event.conversation.map(|c| c.0) == Some(uuid_of(c.old))
                && matches!(
                    &e.event.change,
                    Change::StatusChanged {
                        from: Status::Snoozed { .. },
                        to: Status::Open
                    }
                )
        })
        .expect("the snooze's end, told as a status change");
    assert_eq!(woke.event.by, By::Member(*system));
    assert_eq!(pulled.conversation(c.old).status, Status::Open);
    let north = [
        c.late, c.photo, c.choice, c.pin, c.ad, c.voice, c.old, c.video, c.waiting,
    ];
    assert_eq!(
        pulled
            .conversations
            .keys()
            .copied()
            .collect::<BTreeSet<_>>(),
        north.iter().map(|c| uuid_of(*c)).collect(),
        "{}: every North conversation, no South one",
        who.name
    );
    assert!(pulled.removed.is_empty());
    for conversation in pulled.conversations.values() {
        assert!(
            pulled.contacts.contains_key(&conversation.contact_id.0),
            "the customer of {} came along",
            conversation.id
        );
    }
    for m in pulled.messages.values() {
        assert!(pulled.conversations.contains_key(&m.conversation_id.0));
    }
    for e in &pulled.events {
        let on = e
            .event
            .conversation
            .expect("a timeline event of a conversation");
        assert!(pulled.conversations.contains_key(&on.0));
    }

    // Every kind of customer message, as v1 knew them.
    let contents: Vec<&Content> = pulled.messages.values().map(|m| &m.content).collect();
    let has = |what: &str, test: &dyn Fn(&Content) -> bool| {
        assert!(contents.iter().any(|c| test(c)), "{}: {what}", who.name);
    };
    has("a text", &|c| matches!(c, Content::Text { .. }));
    for kind in [
        MediaKind::Image,
        MediaKind::Sticker,
        MediaKind::Audio,
        MediaKind::Video,
    ] {
        has(
            "media",
            &|c| matches!(c, Content::Media(m) if m.kind == kind),
        );
    }
    has(
        "a voice note",
        &|c| matches!(c, Content::Media(m) if m.voice),
    );
    has(
        "a contact card",
        &|c| matches!(c, Content::Contacts { cards } if cards[0].formatted_name == "Rui Courier"),
    );
    has(
        "a button reply",
        &|c| matches!(c, Content::InteractiveReply(InteractiveReply::Button { id, .. }) if id == "handoff_agent"),
    );
    has(
        "a list reply",
        &|c| matches!(c, Content::InteractiveReply(InteractiveReply::List { id, .. }) if id == "ret_refund_card"),
    );
    has(
        "a template's quick reply",
        &|c| matches!(c, Content::TemplateButton { payload, .. } if payload == "REDELIVERY_RESCHEDULE"),
    );
    has(
        "a location",
        &|c| matches!(c, Content::Location { name: Some(n), .. } if n == "Riverside Parcel Locker 14"),
    );
    has(
        "an unsupported message",
        &|c| matches!(c, Content::Unsupported { whatsapp_type, .. } if !whatsapp_type.is_empty()),
    );
    has("our template", &|c| {
        matches!(c, Content::Template { name, preview, .. }
            if name == "follow_up" && preview.contains("Hi Rui"))
    });
    let ad = pulled.messages_of(c.ad);
    assert!(
        ad.iter().any(|m| m
            .context
            .referral
            .as_ref()
            .is_some_and(|r| r.source_id.as_deref() == Some("120231558760410244")))
            || pulled.events.iter().any(|e| matches!(
                &e.event.change,
                Change::ConversationOpened {
                    referral: Some(_),
                    ..
                }
            )),
        "the ad the customer came from"
    );

    // Our replies, their delivery and the customer's reaction.
    let (ana, bruno, sara) = (user(&desk.ana), user(&desk.bruno), user(&desk.sara));
    let late = pulled.messages_of(c.late);
    let reply = late
        .iter()
        .find(|m| m.author.is_some())
        .expect("Ana's reply on late");
    assert_eq!(reply.author, Some(ana));
    assert_eq!(reply.delivery, DeliveryStatus::Read, "delivered, then read");
    assert_eq!(reply.pricing_category.as_deref(), Some("service"));
    assert_eq!(reply.reaction.as_deref(), Some("❤️"));
    assert!(
        late.iter().any(|m| m.author == Some(ana)
            && m.played
            && matches!(&m.content, Content::Media(media) if media.kind == MediaKind::Audio)),
        "our voice note, played"
    );
    assert!(
        late.iter().any(|m| m.author.is_none() && m.read_by_us),
        "the customer's message is marked read"
    );
    let photo_reply = pulled
        .messages_of(c.photo)
        .into_iter()
        .find(|m| m.author == Some(bruno))
        .expect("Bruno's reply on photo");
    assert!(
        matches!(&photo_reply.delivery, DeliveryStatus::Failed { error } if error.code == 131026),
        "{:?}",
        photo_reply.delivery
    );
    let photo = pulled.conversation(c.photo);
    assert!(pulled.contacts[&photo.contact_id.0].unreachable_on_whatsapp);

    // Where each conversation stands.
    let late = pulled.conversation(c.late);
    assert!(matches!(late.status, Status::Snoozed { .. }));
    assert_eq!(late.assignee, Some(ana));
    assert_eq!(late.priority, v1::domain::Priority::High);
    assert_eq!(
        late.labels.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        ["late-delivery"]
    );
    assert_eq!(photo.status, Status::Resolved);
    let choice = pulled.conversation(c.choice);
    assert_eq!(
        choice.assignee,
        Some(sara),
        "the approved escalation moved it"
    );
    assert_eq!(choice.priority, v1::domain::Priority::Urgent);
    assert!(matches!(
        &choice.escalation.as_ref().expect("escalated").state,
        EscalationState::Approved { by, note: Some(_), .. } if *by == sara
    ));
    let pin = pulled.conversation(c.pin);
    assert_eq!(pin.status, Status::Pending, "waiting on the customer");
    assert!(matches!(
        &pin.escalation.as_ref().expect("escalated").state,
        EscalationState::Rejected { by, reason, .. } if *by == sara && reason == "no discounts on sale items"
    ));
    let ad = pulled.conversation(c.ad);
    let withdrawn = ad.escalation.as_ref().expect("escalated");
    assert_eq!(withdrawn.id.0, desk.cancelled_escalation);
    assert!(matches!(&withdrawn.state, EscalationState::Cancelled { by, .. } if *by == ana));
    assert_eq!(pulled.conversation(c.voice).assignee, None, "released");
    let video = pulled.conversation(c.video);
    assert_eq!(video.assignee, None, "moved to South's queue");
    assert_eq!(video.team.map(|t| t.0), Some(desk.server.south.as_uuid()));
    assert_eq!(pulled.conversation(c.waiting).assignee, None);

    // Notes, with their mentions; the handoff note.
    let mention = pulled
        .notes
        .values()
        .find(|n| n.body == desk.mention_note)
        .expect("Ana's note on late");
    assert_eq!(mention.author, ana);
    assert_eq!(mention.mentions, BTreeSet::from([bruno]));
    assert!(
        pulled
            .notes
            .values()
            .any(|n| n.body == desk.handoff_note && n.author == ana),
        "the handoff note"
    );

    // Every kind of timeline event the desk made, and every way ownership changes.
    let kinds = pulled.kinds();
    for expected in [
        "conversation_opened",
        "customer_message_received",
        "reaction_changed",
        "reply_queued",
        "delivery_updated",
        "played",
        "priced",
        "read_receipt_queued",
        "contact_unreachable",
        "assignment_changed",
        "note_added",
        "label_added",
        "label_removed",
        "status_changed",
        "priority_changed",
        "team_changed",
        "escalation_requested",
        "escalation_approved",
        "escalation_rejected",
        "escalation_cancelled",
    ] {
        assert!(
            kinds.contains(expected),
            "{}: no {expected} in {kinds:?}",
            who.name
        );
    }
    let handovers: BTreeSet<String> = pulled
        .events
        .iter()
        .filter_map(|e| match &e.event.change {
            Change::AssignmentChanged { how, .. } => Some(format!("{how:?}")),
            _ => None,
        })
        .collect();
    for how in [
        Handover::Claimed,
        Handover::ClaimedByReply,
        Handover::Assigned,
        Handover::HandedOff,
        Handover::Released,
        Handover::Escalated,
    ] {
        assert!(
            handovers.contains(&format!("{how:?}")),
            "{how:?} in {handovers:?}"
        );
    }
    let bys: BTreeSet<String> = pulled
        .events
        .iter()
        .map(|e| match e.event.by {
            By::Member(_) => "member".to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        bys,
        BTreeSet::from([
            "Customer".to_owned(),
            "WhatsApp".to_owned(),
            "member".to_owned()
        ])
    );

    // The workspace copy: colleagues (Ana away, Bruno online), teams, inboxes, the library.
    pulled.assert_everyone_named_is_a_colleague();
    let members = pulled.members();
    for (person, name) in [(ana, "Ana"), (bruno, "Bruno"), (sara, "Sara")] {
        assert_eq!(members[&person].name, name);
    }
    assert_eq!(members[&ana].availability, v1::domain::Availability::Away);
    assert_eq!(
        members[&bruno].availability,
        v1::domain::Availability::Online
    );
    assert_eq!(members[&sara].role, v1::domain::Role::Supervisor);
    assert_eq!(members[&ana].role, v1::domain::Role::Agent);
    let workspace = pulled.workspace.as_ref().expect("the workspace");
    assert!(workspace.teams.iter().any(|t| t.name == "North"));
    assert!(workspace.inboxes.iter().any(|i| i.name == "Main"));
    assert!(workspace.templates.iter().any(|t| t.name == "follow_up"
        && t.status == v1::domain::TemplateStatus::Approved
        && t.category == v1::domain::TemplateCategory::Utility));
    assert!(
        workspace
            .canned_replies
            .iter()
            .any(|r| r.shortcut == desk.canned_shortcut
                && matches!(r.scope, v1::domain::CannedScope::Team(t) if t.0 == desk.server.north.as_uuid()))
    );
}

/// A supervisor's and an agent's v1 phones pull a busy desk from cursor 0, page by page to
/// the end: every page decodes with the frozen v1 types, and together they hold every North
/// conversation (none of South's) with its customer, every kind of message, the notes with
/// their mentions, every kind of timeline event and handover, and a workspace copy naming
/// everyone any of it names. A pull from the end brings nothing; a phone naming
/// `relaydesk-protocol: 1` is served the same, and told so.
async fn a_v1_phone_decodes_every_page_of_a_busy_desk(backend: Backend) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let desk = BusyDesk::after_a_busy_morning(server).await;
    for who in [&desk.ana, &desk.sara] {
        let phone = desk.v1_phone(who).await;
        let pages = phone.pull_to_the_end(0, PAGE).await;
        assert!(pages.len() >= 5, "{} pages of {PAGE}", pages.len());
        assert!(
            pages
                .iter()
                .all(|p| !p.value.reset && p.value.last_mutation_id == 0)
        );
        let pulled = Pulled::of(&pages);
        assert_the_busy_desk_is_all_there(&desk, &pulled, who);

        let again = phone.pull_to_the_end(pulled.cursor, PAGE).await;
        let nothing = Pulled::of(&again);
        assert!(
            nothing.conversations.is_empty() && nothing.events.is_empty(),
            "nothing changed since: {nothing:?}"
        );

        let named = desk.v1_phone(who).await.naming_protocol("1");
        let named_pages = named.pull_to_the_end(0, PAGE).await;
        let named_pull = Pulled::of(&named_pages);
        assert_eq!(named_pull.conversations, pulled.conversations);
        assert_eq!(named_pull.messages, pulled.messages);
        assert_eq!(named_pull.notes, pulled.notes);
        assert_eq!(named_pull.events, pulled.events);
        assert_eq!(named_pull.workspace, pulled.workspace);
    }
}

fn mutation(id: u64, command: v1::domain::Command) -> v1::sync::Mutation {
    v1::sync::Mutation { id, command }
}

fn rejection(outcome: &MutationOutcome) -> &v1::domain::Rejection {
    match outcome {
        MutationOutcome::Rejected { rejection } => rejection,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// An agent's v1 phone pushes a batch of commands — some applied, some refused for every
/// reason a phone meets (taken by a colleague, window closed, a handoff without a note, an
/// escalation waiting, not hers to decide, already withdrawn, not found, a bad label, not the
/// owner) — and decodes each outcome with the frozen types; pushed again, the same batch
/// answers the same. A supervisor's phone, naming protocol 1, is refused a reassignment
/// without a reason and applies it with one, and approves the agent's escalation. The pull
/// that follows decodes and shows what was applied.
async fn a_v1_phone_decodes_its_push_answers(backend: Backend) {
    use v1::domain::{Command, Priority, Rejection, ReplyBody, Severity};
    use v1::ids::{ConversationId, EscalationId, MessageId, NoteId};
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let desk = BusyDesk::after_a_busy_morning(server).await;
    let c = desk.c;
    let id = |c: relaydesk_core::domain::ConversationId| ConversationId(c.as_uuid());
    let (ana, bruno, sara) = (user(&desk.ana), user(&desk.bruno), user(&desk.sara));
    let waiting = id(c.waiting);
    let escalation = EscalationId(uuid::Uuid::now_v7());
    let text = |conversation, body: &str| Command::Reply {
        conversation,
        message: MessageId(uuid::Uuid::now_v7()),
        body: ReplyBody::Text { text: body.into() },
        in_reply_to: None,
    };
    let unknown = ConversationId(uuid::Uuid::now_v7());
    let batch = vec![
        mutation(
            1,
            Command::Claim {
                conversation: waiting,
            },
        ),
        mutation(2, text(waiting, "Hello! How can I help?")),
        mutation(
            3,
            Command::AddNote {
                conversation: waiting,
                note: NoteId(uuid::Uuid::now_v7()),
                body: "@sara this one may need you".into(),
            },
        ),
        mutation(
            4,
            Command::AddLabel {
                conversation: waiting,
                label: "refund".into(),
            },
        ),
        mutation(
            5,
            Command::SetPriority {
                conversation: waiting,
                priority: Priority::Low,
            },
        ),
        mutation(
            6,
            Command::RequestEscalation {
                conversation: waiting,
                escalation,
                reason: "a large refund".into(),
                severity: Severity::Critical,
                target: v1::domain::EscalationTarget::Person(sara),
            },
        ),
        mutation(
            7,
            Command::Claim {
                conversation: id(c.photo),
            },
        ),
        mutation(8, text(id(c.old), "still there?")),
        mutation(
            9,
            Command::Assign {
                conversation: id(c.late),
                to: v1::domain::AssignTarget::Agent(bruno),
                reason: None,
                note: None,
            },
        ),
        mutation(
            10,
            Command::SetStatus {
                conversation: waiting,
                status: Status::Resolved,
            },
        ),
        mutation(
            11,
            Command::ApproveEscalation {
                escalation,
                note: None,
            },
        ),
        mutation(
            12,
            Command::CancelEscalation {
                escalation: EscalationId(desk.cancelled_escalation),
            },
        ),
        mutation(
            13,
            Command::Claim {
                conversation: unknown,
            },
        ),
        mutation(
            14,
            Command::AddLabel {
                conversation: waiting,
                label: "no/slashes".into(),
            },
        ),
        mutation(15, text(id(c.choice), "I can help too")),
    ];
    let phone = desk.v1_phone(&desk.ana).await;
    let answer = phone.push(batch.clone()).await;
    assert_eq!(answer.served.as_deref(), Some("1"), "served protocol 1");
    let answer = answer.value;
    assert_eq!(answer.last_mutation_id, 15);
    assert_eq!(
        answer.results.iter().map(|r| r.id).collect::<Vec<_>>(),
        (1..=15).collect::<Vec<_>>()
    );
    let outcome = |n: u64| &answer.results[(n - 1) as usize].outcome;
    for n in 1..=6 {
        assert_eq!(outcome(n), &MutationOutcome::Applied, "mutation {n}");
    }
    assert_eq!(
        rejection(outcome(7)),
        &Rejection::AlreadyOwned {
            owner: bruno,
            owner_name: "Bruno".into()
        }
    );
    assert!(matches!(
        rejection(outcome(8)),
        Rejection::WindowClosed { closed_at: Some(_) }
    ));
    assert_eq!(rejection(outcome(9)), &Rejection::HandoffNoteRequired);
    assert_eq!(
        rejection(outcome(10)),
        &Rejection::EscalationPending { escalation }
    );
    assert!(
        matches!(rejection(outcome(11)), Rejection::Forbidden { reason } if !reason.is_empty())
    );
    assert_eq!(
        rejection(outcome(12)),
        &Rejection::EscalationClosed {
            escalation: EscalationId(desk.cancelled_escalation),
            state: "cancelled".into()
        }
    );
    assert!(matches!(
        rejection(outcome(13)),
        Rejection::NotFound { what: v1::domain::Entity::Conversation, id } if *id == unknown.0.to_string()
    ));
    assert!(matches!(rejection(outcome(14)), Rejection::Invalid { field, .. } if field == "label"));
    assert_eq!(
        rejection(outcome(15)),
        &Rejection::NotOwner {
            owner: sara,
            owner_name: "Sara".into()
        }
    );

    // The answer was lost: the phone pushes the same batch again, and is told the same.
    let again = phone.push(batch).await.value;
    assert_eq!(again, answer, "a repeat answers its first outcomes");

    // A supervisor's phone, naming protocol 1.
    let supervisor = desk.v1_phone(&desk.sara).await.naming_protocol("1");
    let take = |reason: Option<&str>| Command::Assign {
        conversation: id(c.photo),
        to: v1::domain::AssignTarget::Agent(ana),
        reason: reason.map(str::to_owned),
        note: None,
    };
    let answer = supervisor
        .push(vec![
            mutation(1, take(None)),
            mutation(2, take(Some("Bruno went home ill"))),
            mutation(
                3,
                Command::ApproveEscalation {
                    escalation,
                    note: Some("approved".into()),
                },
            ),
        ])
        .await;
    assert_eq!(answer.served.as_deref(), Some("1"));
    let outcomes: Vec<&MutationOutcome> = answer.value.results.iter().map(|r| &r.outcome).collect();
    assert_eq!(rejection(outcomes[0]), &Rejection::ReasonRequired);
    assert_eq!(
        outcomes[1..],
        [&MutationOutcome::Applied, &MutationOutcome::Applied]
    );

    // The agent's next pull decodes and shows what was applied.
    let pulled = Pulled::of(&phone.pull_to_the_end(0, PAGE).await);
    let now = pulled.conversation(c.waiting);
    assert_eq!(
        now.assignee,
        Some(sara),
        "the approved escalation gave it to Sara"
    );
    assert_eq!(
        now.labels.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        ["refund"]
    );
    assert!(matches!(
        &now.escalation.as_ref().expect("escalated").state,
        EscalationState::Approved { by, .. } if *by == sara
    ));
    assert_eq!(pulled.conversation(c.photo).assignee, Some(ana));
    assert!(
        pulled
            .notes
            .values()
            .any(|n| n.body.starts_with("@sara") && n.mentions == BTreeSet::from([sara]))
    );
    pulled.assert_everyone_named_is_a_colleague();
}

/// Reads `stream` until `until` holds of what was decoded (or `wait` passes with nothing new),
/// decoding every `change` message as a v1 `LiveChange` and every `reset` as a `LiveReset`.
async fn read_live(
    stream: &mut LiveStream,
    decoded: &mut Vec<v1::live::LiveChange>,
    until: impl Fn(&[v1::live::LiveChange]) -> bool,
) -> Vec<v1::live::LiveReset> {
    let mut resets = Vec::new();
    while !until(decoded) {
        let Some(message) = stream.next(Duration::from_secs(20)).await else {
            panic!(
                "the live stream went quiet before the story's changes arrived; decoded: {:?}",
                decoded
                    .iter()
                    .flat_map(|c| c.events.iter().map(|e| kind(&e.change)))
                    .collect::<Vec<_>>()
            );
        };
        match message.event.as_str() {
            v1::live::CHANGE_EVENT => {
                let change: v1::live::LiveChange = serde_json::from_str(&message.data)
                    .unwrap_or_else(|e| {
                        panic!(
                            "a v1 phone cannot decode a live change: {e}\n{}",
                            message.data
                        )
                    });
                assert_eq!(message.id, Some(change.version.to_string()), "its SSE id");
                if let Some(before) = decoded.last() {
                    assert!(change.version > before.version, "versions in order");
                }
                decoded.push(change);
            }
            v1::live::RESET_EVENT => {
                let reset: v1::live::LiveReset = serde_json::from_str(&message.data)
                    .unwrap_or_else(|e| {
                        panic!(
                            "a v1 phone cannot decode a live reset: {e}\n{}",
                            message.data
                        )
                    });
                resets.push(reset);
            }
            other => panic!("an SSE event a v1 phone does not know: {other}"),
        }
    }
    resets
}

fn kinds_heard(changes: &[v1::live::LiveChange]) -> BTreeSet<&'static str> {
    changes
        .iter()
        .flat_map(|c| c.events.iter().map(|e| kind(&e.change)))
        .collect()
}

/// An agent's and a supervisor's v1 phones read the live stream: replayed from the start of a
/// busy desk, every change message decodes with the frozen `LiveChange`; then, while a new
/// customer writes, the agent claims, notes, labels and escalates from her v1 phone and the
/// supervisor approves from his, each stream hears every change and decodes it, every person
/// it names a colleague.
async fn a_v1_phone_decodes_the_live_stream(backend: Backend) {
    use v1::domain::{Command, Severity};
    use v1::ids::{ConversationId, EscalationId, NoteId};
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let desk = BusyDesk::after_a_busy_morning(server).await;
    let latest = desk.server.store.version().await.expect("db");
    let ana_phone: V1Phone = desk.v1_phone(&desk.ana).await;
    let sara_phone: V1Phone = desk.v1_phone(&desk.sara).await.naming_protocol("1");
    let colleagues = Pulled::of(&ana_phone.pull_to_the_end(0, PAGE).await);
    let members = colleagues.members();

    // The whole morning, replayed.
    for phone in [&ana_phone, &sara_phone] {
        let mut replay = phone.live(Some(0)).await;
        assert_eq!(replay.served.as_deref(), Some("1"));
        let mut decoded = Vec::new();
        let resets = read_live(&mut replay, &mut decoded, |d| {
            d.last().is_some_and(|c| c.version >= latest)
        })
        .await;
        assert!(
            resets.is_empty(),
            "a short history is replayed, not reset: {resets:?}"
        );
        let kinds = kinds_heard(&decoded);
        for expected in [
            "conversation_opened",
            "customer_message_received",
            "reply_queued",
            "delivery_updated",
            "assignment_changed",
            "note_added",
            "escalation_approved",
            "escalation_rejected",
            "escalation_cancelled",
            "reaction_changed",
            "availability_changed",
            "team_changed",
        ] {
            assert!(
                kinds.contains(expected),
                "no {expected} replayed: {kinds:?}"
            );
        }
        for event in decoded.iter().flat_map(|c| &c.events) {
            for person in people_in_event(event) {
                assert!(members.contains_key(&person), "{person} is a colleague");
            }
        }
    }

    // Live: changes happen while both listen.
    let mut ana_live = ana_phone.live(None).await;
    let mut sara_live = sara_phone.live(None).await;
    assert_eq!(
        ana_live.served.as_deref(),
        Some("1"),
        "no header: served v1"
    );
    assert_eq!(
        sara_live.served.as_deref(),
        Some("1"),
        "asked for 1: served 1"
    );
    let fresh = desk
        .customer_sends(
            relaydesk_e2e::desk::NUMBER_NORTH,
            "5511900000299",
            chrono::Utc::now(),
            serde_json::json!({"type": "text", "text": {"body": "I need help now"}}),
        )
        .await;
    let fresh = ConversationId(fresh.as_uuid());
    let escalation = EscalationId(uuid::Uuid::now_v7());
    let pushed = ana_phone
        .push(vec![
            mutation(
                1,
                Command::Claim {
                    conversation: fresh,
                },
            ),
            mutation(
                2,
                Command::AddNote {
                    conversation: fresh,
                    note: NoteId(uuid::Uuid::now_v7()),
                    body: "@sara a VIP, please look".into(),
                },
            ),
            mutation(
                3,
                Command::AddLabel {
                    conversation: fresh,
                    label: "vip".into(),
                },
            ),
            mutation(
                4,
                Command::RequestEscalation {
                    conversation: fresh,
                    escalation,
                    reason: "a VIP".into(),
                    severity: Severity::High,
                    target: v1::domain::EscalationTarget::Person(user(&desk.sara)),
                },
            ),
        ])
        .await
        .value;
    assert!(
        pushed
            .results
            .iter()
            .all(|r| r.outcome == MutationOutcome::Applied),
        "{pushed:?}"
    );
    let approved = sara_phone
        .push(vec![mutation(
            1,
            Command::ApproveEscalation {
                escalation,
                note: None,
            },
        )])
        .await
        .value;
    assert_eq!(approved.results[0].outcome, MutationOutcome::Applied);

    let story = [
        "conversation_opened",
        "customer_message_received",
        "assignment_changed",
        "note_added",
        "label_added",
        "escalation_requested",
        "escalation_approved",
    ];
    for live in [&mut ana_live, &mut sara_live] {
        let mut decoded = Vec::new();
        let resets = read_live(live, &mut decoded, |d| {
            let kinds = kinds_heard(d);
            story.iter().all(|k| kinds.contains(k))
        })
        .await;
        assert!(resets.is_empty());
        assert!(
            decoded.iter().all(|c| c.version > latest),
            "only what happened since"
        );
        for event in decoded.iter().flat_map(|c| &c.events) {
            assert_eq!(
                event.conversation,
                Some(fresh),
                "only the story's conversation"
            );
            for person in people_in_event(event) {
                assert!(members.contains_key(&person), "{person} is a colleague");
            }
        }
    }
}

relaydesk_e2e::on_both_backends!(
    a_v1_phone_decodes_every_page_of_a_busy_desk,
    a_v1_phone_decodes_its_push_answers,
    a_v1_phone_decodes_the_live_stream,
);

/// The frozen copy stays as strict as the phones it stands for: a kind of change, an outcome
/// or a refusal v1 did not know fails to decode (a `#[serde(other)]` or `Unknown` added here
/// would hide exactly the breakage this suite exists to find), while a field v1 did not know
/// is ignored, as serde did on those phones.
#[test]
fn the_frozen_v1_types_are_as_strict_as_v1_phones() {
    let event = |change: &str| {
        format!(
            r#"{{"conversation":null,"at":"2026-12-01T10:00:00Z","by":{{"kind":"customer"}},"change":{change}}}"#
        )
    };
    let known: v1::domain::Event =
        serde_json::from_str(&event(r#"{"event":"label_added","label":"vip"}"#))
            .expect("a change v1 knew");
    assert!(matches!(known.change, Change::LabelAdded { .. }));
    for unknown in [
        event(r#"{"event":"rule_fired","rule":"Out of hours"}"#),
        event(r#"{"event":"label_added","label":"no/slashes"}"#),
        r#"{"conversation":null,"at":"2026-12-01T10:00:00Z","by":{"kind":"automation","id":"x"},"change":{"event":"label_added","label":"vip"}}"#.to_owned(),
    ] {
        assert!(
            serde_json::from_str::<v1::domain::Event>(&unknown).is_err(),
            "v1 refuses {unknown}"
        );
    }
    assert!(
        serde_json::from_str::<MutationOutcome>(r#"{"outcome":"deferred"}"#).is_err(),
        "an outcome v1 did not know"
    );
    assert!(
        serde_json::from_str::<v1::domain::Rejection>(r#"{"code":"rate_limited"}"#).is_err(),
        "a refusal v1 did not know"
    );
    let with_words: MutationOutcome = serde_json::from_str(
        r#"{"outcome":"rejected","rejection":{"code":"reason_required"},"message":"needs a reason"}"#,
    )
    .expect("a field v1 did not know is ignored");
    assert_eq!(
        with_words,
        MutationOutcome::Rejected {
            rejection: v1::domain::Rejection::ReasonRequired
        }
    );
}
