//! A small support desk to tell stories in: two teams (North works the main number, South the
//! second), agents Ana and Bruno (North) and Carla (South), supervisors Sofia (North) and
//! Sam (South), admin Ada, and a clock that only moves when a story says so.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, TimeZone, Utc};
use relaydesk_core::domain::*;

pub struct World {
    pub desk: Desk,
    pub now: Timestamp,
    pub north: TeamId,
    pub south: TeamId,
    pub main_inbox: InboxId,
    pub south_inbox: InboxId,
    pub ana: UserId,
    pub bruno: UserId,
    pub carla: UserId,
    pub sofia: UserId,
    pub sam: UserId,
    pub ada: UserId,
    wamids: u32,
}

pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0)
        .single()
        .expect("valid time")
}

fn member(name: &str, role: Role, teams: &[TeamId]) -> Member {
    Member {
        id: UserId::new(),
        name: name.to_owned(),
        handle: name.to_lowercase(),
        role,
        teams: teams.iter().copied().collect(),
        availability: Availability::Online,
        capacity: Capacity::default(),
        active: true,
    }
}

impl World {
    pub fn new() -> World {
        let north = Team {
            id: TeamId::new(),
            name: "North".into(),
        };
        let south = Team {
            id: TeamId::new(),
            name: "South".into(),
        };
        let people = [
            member("Ana", Role::Agent, &[north.id]),
            member("Bruno", Role::Agent, &[north.id]),
            member("Carla", Role::Agent, &[south.id]),
            member("Sofia", Role::Supervisor, &[north.id]),
            member("Sam", Role::Supervisor, &[south.id]),
            member("Ada", Role::Admin, &[]),
        ];
        let main_inbox = Inbox {
            id: InboxId::new(),
            name: "Main number".into(),
            phone_number_id: "410593826617204".into(),
            display_phone_number: "12125550142".into(),
            waba_id: "310984726155302".into(),
            teams: BTreeSet::from([north.id]),
        };
        let south_inbox = Inbox {
            id: InboxId::new(),
            name: "South number".into(),
            phone_number_id: "410593826617388".into(),
            display_phone_number: "13055550188".into(),
            waba_id: "310984726155419".into(),
            teams: BTreeSet::from([south.id]),
        };
        let order_update = Template {
            id: TemplateId::new(),
            waba_id: main_inbox.waba_id.clone(),
            name: "order_update".into(),
            language: "en_US".into(),
            category: TemplateCategory::Utility,
            status: TemplateStatus::Approved,
            header: None,
            body: "Hi {{1}}, your order {{2}} is on its way.".into(),
            footer: None,
            buttons: vec![TemplateButton::Url {
                text: "Track".into(),
                url: "https://shop.example/track/{{1}}".into(),
            }],
        };
        let paused = Template {
            id: TemplateId::new(),
            name: "spring_sale".into(),
            status: TemplateStatus::Paused,
            category: TemplateCategory::Marketing,
            body: "Spring sale!".into(),
            buttons: vec![],
            ..order_update.clone()
        };
        let ids: Vec<UserId> = people.iter().map(|m| m.id).collect();
        let workspace = Workspace {
            members: people.into_iter().map(|m| (m.id, m)).collect(),
            teams: BTreeMap::from([(north.id, north.clone()), (south.id, south.clone())]),
            inboxes: BTreeMap::from([
                (main_inbox.id, main_inbox.clone()),
                (south_inbox.id, south_inbox.clone()),
            ]),
            templates: BTreeMap::from([(order_update.id, order_update), (paused.id, paused)]),
            automations: Vec::new(),
            canned_replies: BTreeMap::new(),
            labels: BTreeMap::new(),
        };
        World {
            desk: Desk::new(workspace),
            now: t0(),
            north: north.id,
            south: south.id,
            main_inbox: main_inbox.id,
            south_inbox: south_inbox.id,
            ana: ids[0],
            bruno: ids[1],
            carla: ids[2],
            sofia: ids[3],
            sam: ids[4],
            ada: ids[5],
            wamids: 0,
        }
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    /// A fresh wamid, as WhatsApp would mint one.
    pub fn next_wamid(&mut self) -> Wamid {
        self.wamids += 1;
        Wamid::new(format!("wamid.TEST{:06}", self.wamids))
    }

    /// What WhatsApp would deliver for `contact` writing `content` on `inbox` now.
    pub fn inbound_on(
        &mut self,
        inbox: InboxId,
        contact: ContactId,
        content: Content,
    ) -> InboundMessage {
        InboundMessage {
            inbox,
            contact,
            new_conversation: ConversationId::new(),
            message_id: MessageId::new(),
            wamid: self.next_wamid(),
            sent_at: self.now,
            content,
            context: MessageContext::default(),
        }
    }

    pub fn receive(&mut self, inbound: &InboundMessage) -> Result<Vec<Event>, Rejection> {
        let command = Command::ReceiveCustomerMessage(Box::new(inbound.clone()));
        self.desk.execute(Actor::WhatsApp, self.now, &command)
    }

    /// A new customer writes `text` to the main number; returns their conversation.
    pub fn customer_writes(&mut self, text: &str) -> ConversationId {
        self.customer_writes_to(self.main_inbox, ContactId::new(), text)
    }

    pub fn customer_writes_to(
        &mut self,
        inbox: InboxId,
        contact: ContactId,
        text: &str,
    ) -> ConversationId {
        let inbound = self.inbound_on(inbox, contact, text_content(text));
        self.receive(&inbound)
            .expect("an inbound message is accepted");
        self.desk
            .conversation_of_contact(inbox, contact)
            .expect("the message lands on a conversation")
            .id
    }

    /// `who` issues `command` now.
    pub fn run(&mut self, who: UserId, command: Command) -> Result<Vec<Event>, Rejection> {
        self.desk.execute(Actor::Member(who), self.now, &command)
    }

    /// `who` issues `command` and it must be accepted.
    pub fn ok(&mut self, who: UserId, command: Command) -> Vec<Event> {
        match self.run(who, command.clone()) {
            Ok(events) => events,
            Err(rejection) => panic!("{command:?} was refused: {rejection:?}"),
        }
    }

    pub fn conversation(&self, id: ConversationId) -> &Conversation {
        &self.desk.conversations[&id]
    }

    pub fn member(&self, id: UserId) -> &Member {
        &self.desk.workspace.members[&id]
    }

    /// A conversation from a new customer, owned by `owner`.
    pub fn owned_by(&mut self, owner: UserId) -> ConversationId {
        let id = self.customer_writes("Hello, my parcel has not arrived");
        self.ok(owner, claim(id));
        id
    }

    /// The assignments the events made, as (from, to, how).
    pub fn handovers(events: &[Event]) -> Vec<(Option<UserId>, Option<UserId>, Handover)> {
        events
            .iter()
            .filter_map(|e| match &e.change {
                Change::AssignmentChanged { from, to, how, .. } => Some((*from, *to, *how)),
                _ => None,
            })
            .collect()
    }
}

pub fn text_content(text: &str) -> Content {
    Content::Text {
        body: text.to_owned(),
    }
}

pub fn claim(conversation: ConversationId) -> Command {
    Command::Claim { conversation }
}

pub fn reply(conversation: ConversationId, text: &str) -> Command {
    Command::Reply {
        conversation,
        message: MessageId::new(),
        body: ReplyBody::Text {
            text: text.to_owned(),
        },
        in_reply_to: None,
    }
}

pub fn note(conversation: ConversationId, body: &str) -> Command {
    Command::AddNote {
        conversation,
        note: NoteId::new(),
        body: body.to_owned(),
    }
}

pub fn handoff_note(body: &str) -> Option<HandoffNote> {
    Some(HandoffNote {
        id: NoteId::new(),
        body: body.to_owned(),
    })
}

pub fn escalate(conversation: ConversationId, target: EscalationTarget) -> (EscalationId, Command) {
    let id = EscalationId::new();
    (
        id,
        Command::RequestEscalation {
            conversation,
            escalation: id,
            reason: "customer threatens a chargeback".into(),
            severity: Severity::High,
            target,
        },
    )
}

/// The stable code of an outcome: "ok" (events), "noop" (accepted, nothing changed) or the
/// rejection's code.
pub fn outcome(result: &Result<Vec<Event>, Rejection>) -> &'static str {
    match result {
        Ok(events) if events.is_empty() => "noop",
        Ok(_) => "ok",
        Err(rejection) => rejection.code(),
    }
}
