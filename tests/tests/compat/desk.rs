//! The busy desk the compatibility stories read, and a v1 phone to read it with: customers
//! write every kind of message through the real ingest (the store's, which the webhook route
//! hands each verified body to), people work it through the real REST API (claims, replies
//! in text, as a voice note and from a template, notes with @mentions, labels, priority,
//! snooze, waiting, resolve, handoffs, assignments, a move to another team, releases,
//! escalations approved, rejected and cancelled, availability, read receipts), the send
//! queue delivers the replies to a fake Graph API and WhatsApp's delivery reports come back.
//! [`V1Phone`] speaks to the server over HTTP as a phone installed before issue 15 does, and
//! decodes what it is answered with the frozen types of `compat/v1`, nothing else.

use chrono::{Duration, Utc};
use relaydesk_core::domain::{ConversationId, Direction, MessageId, Timestamp, UserId};
use relaydesk_e2e::desk::{DeskServer, NUMBER_NORTH, NUMBER_SOUTH, PASSWORD};
use serde_json::{Value, json};

use super::v1;

/// The protocol header a v1 phone never sends (and a current one sends as `1`).
pub const PROTOCOL_HEADER: &str = "relaydesk-protocol";

/// A signed-in person acting through today's REST API (the desk's side of a story).
#[derive(Debug, Clone)]
pub struct Person {
    pub name: &'static str,
    pub id: UserId,
    token: String,
}

async fn sign_in(http: &reqwest::Client, server: &DeskServer, who: &str) -> String {
    let answer = http
        .post(format!("{}/api/v1/auth/login", server.url()))
        .json(&json!({
            "email": format!("{who}@example.test"),
            "password": PASSWORD,
            "device": "compat suite",
        }))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(answer.status(), 200, "{who} signs in");
    let body: Value = answer.json().await.expect("JSON");
    body["token"].as_str().expect("a token").to_owned()
}

/// The customers of the busy desk, by what they did.
#[derive(Debug, Clone, Copy)]
pub struct Conversations {
    /// Text; Ana claims, replies (delivered, read, priced, reacted to) and sends a voice note
    /// (played), notes with an
    /// @mention of Bruno, labels (one added and removed again), raises the priority, marks
    /// the customer's message read and snoozes it.
    pub late: ConversationId,
    /// An image, a sticker and a contact card; Bruno claims and replies (the reply fails:
    /// 131026, the customer is unreachable) and resolves it.
    pub photo: ConversationId,
    /// A button reply, a list reply and a template's quick reply; Ana claims and escalates
    /// to Sara, who approves: Sara owns it, urgent.
    pub choice: ConversationId,
    /// A location and an unsupported message; Bruno claims, escalates, Sara rejects; Bruno
    /// waits on the customer.
    pub pin: ConversationId,
    /// A text from a click-to-WhatsApp ad (a referral); Ana claims, escalates and withdraws.
    pub ad: ConversationId,
    /// A voice note; Ana claims and hands it to Bruno with a note, Sara gives it back to Ana
    /// with a reason, Ana releases it to the queue with a note.
    pub voice: ConversationId,
    /// A text from 30 hours ago (window closed); Ana claims and sends the approved template.
    pub old: ConversationId,
    /// A video; Bruno replies without claiming (which claims it); Sara moves it to South's
    /// queue with a reason (North still reads it: its inbox is North's).
    pub video: ConversationId,
    /// A text nobody touched: unassigned in North's queue.
    pub waiting: ConversationId,
    /// South's: Sol claims it. Nobody in North sees it.
    pub south: ConversationId,
}

/// The desk after a busy morning.
#[derive(Debug)]
pub struct BusyDesk {
    pub server: DeskServer,
    pub http: reqwest::Client,
    pub sara: Person,
    pub ana: Person,
    pub bruno: Person,
    pub sol: Person,
    pub c: Conversations,
    /// The escalation Ana withdrew on `ad`.
    pub cancelled_escalation: uuid::Uuid,
    /// Mentioned in Ana's note on `late`.
    pub mention_note: &'static str,
    pub handoff_note: &'static str,
    pub canned_shortcut: &'static str,
}

/// Every wamid minted here is new.
fn wamid() -> String {
    format!("wamid.COMPAT{}", uuid::Uuid::now_v7().simple())
}

/// The webhook body WhatsApp posts for `messages` (or `statuses`) of `number`.
fn webhook(number: &str, value: Value) -> Vec<u8> {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({"display_phone_number": "12125550142", "phone_number_id": number});
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "310984726155302", "changes": [{"field": "messages", "value": value}]}]
    })
    .to_string()
    .into_bytes()
}

impl BusyDesk {
    /// The customer with `phone` sends `message` (WhatsApp's message object without `from`,
    /// `id` and `timestamp`) to `number` at `at`; answers their conversation there.
    pub async fn customer_sends(
        &self,
        number: &str,
        phone: &str,
        at: Timestamp,
        mut message: Value,
    ) -> ConversationId {
        message["from"] = json!(phone);
        message["id"] = json!(wamid());
        message["timestamp"] = json!(at.timestamp().to_string());
        let body = webhook(
            number,
            json!({
                "contacts": [{"profile": {"name": format!("Customer {phone}")}, "wa_id": phone}],
                "messages": [message],
            }),
        );
        self.server
            .store
            .ingest_webhook(body, Utc::now())
            .await
            .expect("ingest");
        let contact = self
            .server
            .store
            .contact_by_phone(phone.into())
            .await
            .expect("db")
            .expect("the customer wrote");
        self.server
            .store
            .conversations()
            .await
            .expect("db")
            .into_iter()
            .filter(|c| c.contact_id == contact.id)
            .find(|c| number == NUMBER_SOUTH || c.inbox_id == self.server.north_inbox)
            .expect("a conversation")
            .id
    }

    /// WhatsApp reports on our message `wamid` to `phone`: `status` (with `extra` fields).
    pub async fn whatsapp_reports(&self, wamid: &str, phone: &str, status: &str, extra: Value) {
        let mut report = json!({
            "id": wamid,
            "status": status,
            "timestamp": Utc::now().timestamp().to_string(),
            "recipient_id": phone,
        });
        if let (Some(report), Value::Object(extra)) = (report.as_object_mut(), extra) {
            report.extend(extra);
        }
        self.server
            .store
            .ingest_webhook(
                webhook(NUMBER_NORTH, json!({"statuses": [report]})),
                Utc::now(),
            )
            .await
            .expect("ingest");
    }

    /// `who` does something through the REST API; it must be applied.
    pub async fn act(&self, who: &Person, method: reqwest::Method, path: &str, body: Value) {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.server.url()))
            .bearer_auth(&who.token);
        if !body.is_null() {
            request = request.json(&body);
        }
        let answer = request.send().await.expect("the server answers");
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "{} {method} {path} {body}: {status} {text}",
            who.name
        );
    }

    pub async fn post(&self, who: &Person, path: &str, body: Value) {
        self.act(who, reqwest::Method::POST, path, body).await;
    }

    /// The send queue delivers everything due to a fake Graph API (each send gets a wamid).
    pub async fn send_queue_runs(&self) {
        let graph = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .respond_with(|_: &wiremock::Request| {
                wiremock::ResponseTemplate::new(200).set_body_json(json!({
                    "messaging_product": "whatsapp",
                    "messages": [{ "id": wamid() }],
                    "success": true,
                }))
            })
            .mount(&graph)
            .await;
        let sender = relaydesk_server::workers::whatsapp_sender::Sender::new(
            self.server.store.clone(),
            relaydesk_server::whatsapp::GraphApi {
                base_url: graph.uri(),
                version: "v25.0".into(),
                access_token: relaydesk_server::config::Secret::new("test"),
                timeout: std::time::Duration::from_secs(10),
            },
            100,
        )
        .expect("a sender");
        while sender.send_due(Utc::now()).await.expect("db") > 0 {}
    }

    /// Our replies on `conversation`, in order: (id, wamid once WhatsApp accepted it).
    pub async fn replies(&self, conversation: ConversationId) -> Vec<(MessageId, Option<String>)> {
        self.server
            .store
            .messages_of(conversation)
            .await
            .expect("db")
            .into_iter()
            .filter(|m| m.direction == Direction::Outbound)
            .map(|m| (m.id, m.wamid.map(|w| w.as_str().to_owned())))
            .collect()
    }

    /// The customer's first message on `conversation`.
    pub async fn first_inbound(&self, conversation: ConversationId) -> MessageId {
        self.server
            .store
            .messages_of(conversation)
            .await
            .expect("db")
            .into_iter()
            .find(|m| m.direction == Direction::Inbound)
            .expect("the customer wrote")
            .id
    }

    /// A v1 phone of `who` (a fresh install: its own client id), naming no protocol.
    pub async fn v1_phone(&self, who: &Person) -> V1Phone {
        V1Phone {
            http: self.http.clone(),
            base: self.server.url(),
            token: sign_in(&self.http, &self.server, &who.name.to_lowercase()).await,
            client_id: uuid::Uuid::now_v7().to_string(),
            protocol: None,
        }
    }

    /// A busy desk on `server`: see [`Conversations`] for what each customer and person did.
    pub async fn after_a_busy_morning(server: DeskServer) -> BusyDesk {
        let http = reqwest::Client::new();
        let mut people = Vec::new();
        for (name, login) in [
            ("Sara", "sara"),
            ("Ana", "ana"),
            ("Bruno", "bruno"),
            ("Sol", "sol"),
        ] {
            people.push(Person {
                name,
                id: server.person(login),
                token: sign_in(&http, &server, login).await,
            });
        }
        let [sara, ana, bruno, sol] = <[Person; 4]>::try_from(people).expect("four people");
        let placeholder = ConversationId::new();
        let mut desk = BusyDesk {
            server,
            http,
            sara,
            ana,
            bruno,
            sol,
            c: Conversations {
                late: placeholder,
                photo: placeholder,
                choice: placeholder,
                pin: placeholder,
                ad: placeholder,
                voice: placeholder,
                old: placeholder,
                video: placeholder,
                waiting: placeholder,
                south: placeholder,
            },
            cancelled_escalation: uuid::Uuid::nil(),
            mention_note: "@bruno can you check the warehouse? It left on Monday.",
            handoff_note: "Prefers Portuguese; the refund form is half filled. Over to you.",
            canned_shortcut: "parcel-late",
        };
        desk.customers_write().await;
        desk.people_work().await;
        desk.whatsapp_reports_back().await;
        desk
    }

    async fn customers_write(&mut self) {
        let n = NUMBER_NORTH;
        let start = Utc::now() - Duration::minutes(30);
        let at = |k: i64| start + Duration::seconds(k);
        let text = |body: &str| json!({"type": "text", "text": {"body": body}});
        let mut c = self.c;
        c.late = self
            .customer_sends(n, "5511900000201", at(1), text("my order is late"))
            .await;
        let photo = "5511900000202";
        c.photo = self
            .customer_sends(
                n,
                photo,
                at(2),
                json!({"type": "image", "image": {
                    "caption": "The box arrived like this", "mime_type": "image/jpeg",
                    "sha256": "rfn8SEjR4c/xPavdFFReT3q8/I3BipGJbEVldZ/H8o8=", "id": "3488878938564047"}}),
            )
            .await;
        self.customer_sends(
            n,
            photo,
            at(3),
            json!({"type": "sticker", "sticker": {
                "mime_type": "image/webp", "sha256": "Vt0Mw3Ol1zUKcD5aT0zv9V5Qx1yIuCzL1YH0aP5lKxw=",
                "id": "1184736651720493", "animated": false}}),
        )
        .await;
        self.customer_sends(
            n,
            photo,
            at(4),
            json!({"type": "contacts", "contacts": [{
                "name": {"formatted_name": "Rui Courier", "first_name": "Rui"},
                "phones": [{"phone": "+1 202-555-0163", "wa_id": "12025550163", "type": "WORK"}],
                "emails": [{"email": "rui@example.com", "type": "WORK"}],
                "org": {"company": "Example Couriers"}}]}),
        )
        .await;
        let choice = "5511900000203";
        c.choice = self
            .customer_sends(
                n,
                choice,
                at(5),
                json!({"type": "interactive", "interactive": {"type": "button_reply",
                    "button_reply": {"id": "handoff_agent", "title": "Talk to an agent"}}}),
            )
            .await;
        self.customer_sends(
            n,
            choice,
            at(6),
            json!({"type": "interactive", "interactive": {"type": "list_reply",
                "list_reply": {"id": "ret_refund_card", "title": "Refund to card",
                "description": "3-5 business days"}}}),
        )
        .await;
        self.customer_sends(
            n,
            choice,
            at(7),
            json!({"type": "button", "button": {"payload": "REDELIVERY_RESCHEDULE",
                "text": "Reschedule delivery"}}),
        )
        .await;
        let pin = "5511900000204";
        c.pin = self
            .customer_sends(
                n,
                pin,
                at(8),
                json!({"type": "location", "location": {"address": "12 Example Walk",
                    "latitude": 51.50332, "longitude": -0.11964,
                    "name": "Riverside Parcel Locker 14", "url": "https://example.com/lockers/14"}}),
            )
            .await;
        self.customer_sends(
            n,
            pin,
            at(9),
            json!({"type": "unsupported", "unsupported": {"type": "poll_creation"},
                "errors": [{"code": 131051, "title": "Message type unknown",
                "message": "Message type unknown",
                "error_data": {"details": "Message type is currently not supported."}}]}),
        )
        .await;
        c.ad = self
            .customer_sends(
                n,
                "5511900000205",
                at(10),
                json!({"type": "text", "text": {"body": "Can I get more info about this?"},
                    "referral": {"source_url": "https://fb.me/8xQpZ2mLk",
                    "source_id": "120231558760410244", "source_type": "ad",
                    "body": "Loose-leaf tea, shipped in 48 hours.",
                    "headline": "Chat with our tea team", "media_type": "image",
                    "ctwa_clid": "LHYemu2j97F-brYUUTTNx9pua9bqoW9qizDVe8pkDWj4wIXRYYn"}}),
            )
            .await;
        c.voice = self
            .customer_sends(
                n,
                "5511900000206",
                at(11),
                json!({"type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus",
                    "sha256": "AHVhtRQN8d9zRDng2XcnETiUQkICLqQHn/BeodTciSU=",
                    "id": "5933786067970493", "voice": true}}),
            )
            .await;
        c.old = self
            .customer_sends(
                n,
                "5511900000207",
                Utc::now() - Duration::hours(30),
                text("is anyone there?"),
            )
            .await;
        c.video = self
            .customer_sends(
                n,
                "5511900000208",
                at(12),
                json!({"type": "video", "video": {"caption": "Watch the courier",
                    "mime_type": "video/mp4", "sha256": "1ukZ8yWWW4f9OiO6aJt1A6DmH9jWq/F1bXdkkrZq1PQ=",
                    "id": "1023842190771635"}}),
            )
            .await;
        c.waiting = self
            .customer_sends(n, "5511900000209", at(13), text("hello? anyone?"))
            .await;
        c.south = self
            .customer_sends(NUMBER_SOUTH, "5511900000210", at(14), text("hola"))
            .await;
        self.c = c;
    }
}

impl BusyDesk {
    async fn people_work(&mut self) {
        let (sara, ana, bruno, sol) = (
            self.sara.clone(),
            self.ana.clone(),
            self.bruno.clone(),
            self.sol.clone(),
        );
        let c = self.c;
        let on = |conversation: ConversationId, what: &str| {
            format!("/api/v1/conversations/{conversation}/{what}")
        };
        let text = |body: &str| json!({"id": uuid::Uuid::now_v7(), "body": {"type": "text", "text": body}});
        let to_sara = json!({"kind": "person", "id": sara.id});

        // The team's canned reply; availability.
        self.post(
            &sara,
            "/api/v1/canned-replies",
            json!({"shortcut": self.canned_shortcut, "title": "Parcel late",
                "body": "Hi {{contact.name}}, your parcel is on its way.",
                "scope": {"kind": "team", "id": self.server.north}}),
        )
        .await;
        self.post(
            &ana,
            "/api/v1/me/availability",
            json!({"availability": "away"}),
        )
        .await;
        self.post(
            &bruno,
            "/api/v1/me/availability",
            json!({"availability": "online"}),
        )
        .await;

        // late: claim, reply, note with a mention, labels, priority, read receipt, snooze.
        self.post(&ana, &on(c.late, "claim"), Value::Null).await;
        self.post(&ana, &on(c.late, "messages"), text("Sorry! Checking now."))
            .await;
        self.post(
            &ana,
            &on(c.late, "messages"),
            json!({"id": uuid::Uuid::now_v7(), "body": {"type": "media", "kind": "audio",
                "whatsapp_media_id": "5933786067970777", "caption": null, "filename": null}}),
        )
        .await;
        self.post(
            &ana,
            &on(c.late, "notes"),
            json!({"body": self.mention_note}),
        )
        .await;
        for label in ["late-delivery", "vip"] {
            self.post(&ana, &on(c.late, "labels"), json!({"label": label}))
                .await;
        }
        self.act(
            &ana,
            reqwest::Method::DELETE,
            &on(c.late, "labels/vip"),
            Value::Null,
        )
        .await;
        self.post(&ana, &on(c.late, "priority"), json!({"priority": "high"}))
            .await;
        let first = self.first_inbound(c.late).await;
        self.post(&ana, &on(c.late, &format!("read/{first}")), Value::Null)
            .await;
        self.post(
            &ana,
            &on(c.late, "status"),
            json!({"status": "snoozed", "until": Utc::now() + Duration::hours(2)}),
        )
        .await;

        // photo: Bruno claims, replies, resolves.
        self.post(&bruno, &on(c.photo, "claim"), Value::Null).await;
        self.post(
            &bruno,
            &on(c.photo, "messages"),
            text("Thanks for the photo, a new box is on its way."),
        )
        .await;
        self.post(
            &bruno,
            &on(c.photo, "status"),
            json!({"status": "resolved"}),
        )
        .await;

        // choice: escalated to Sara, approved.
        self.post(&ana, &on(c.choice, "claim"), Value::Null).await;
        let approved = uuid::Uuid::now_v7();
        self.post(
            &ana,
            &on(c.choice, "escalations"),
            json!({"id": approved, "reason": "wants a refund to a card we do not know",
                "severity": "high", "target": to_sara}),
        )
        .await;
        self.post(
            &sara,
            &format!("/api/v1/escalations/{approved}/approve"),
            json!({"note": "I'll call them"}),
        )
        .await;

        // pin: escalated, rejected; waiting on the customer.
        self.post(&bruno, &on(c.pin, "claim"), Value::Null).await;
        let rejected = uuid::Uuid::now_v7();
        self.post(
            &bruno,
            &on(c.pin, "escalations"),
            json!({"id": rejected, "reason": "customer wants a discount",
                "severity": "medium", "target": to_sara}),
        )
        .await;
        self.post(
            &sara,
            &format!("/api/v1/escalations/{rejected}/reject"),
            json!({"reason": "no discounts on sale items"}),
        )
        .await;
        self.post(&bruno, &on(c.pin, "status"), json!({"status": "pending"}))
            .await;

        // ad: escalated, withdrawn.
        self.post(&ana, &on(c.ad, "claim"), Value::Null).await;
        let cancelled = uuid::Uuid::now_v7();
        self.post(
            &ana,
            &on(c.ad, "escalations"),
            json!({"id": cancelled, "reason": "a wholesale enquiry",
                "severity": "low", "target": to_sara}),
        )
        .await;
        self.post(
            &ana,
            &format!("/api/v1/escalations/{cancelled}/cancel"),
            Value::Null,
        )
        .await;
        self.cancelled_escalation = cancelled;

        // voice: handed off with a note, reassigned with a reason, released with a note.
        self.post(&ana, &on(c.voice, "claim"), Value::Null).await;
        self.post(
            &ana,
            &on(c.voice, "assign"),
            json!({"to": {"kind": "agent", "id": bruno.id}, "note": self.handoff_note}),
        )
        .await;
        self.post(
            &sara,
            &on(c.voice, "assign"),
            json!({"to": {"kind": "agent", "id": ana.id}, "reason": "Bruno is at lunch"}),
        )
        .await;
        self.post(
            &ana,
            &on(c.voice, "release"),
            json!({"note": "Back to the queue: I am off at noon."}),
        )
        .await;

        // old: the window is closed, the approved template goes.
        self.post(&ana, &on(c.old, "claim"), Value::Null).await;
        self.post(
            &ana,
            &on(c.old, "messages"),
            json!({"id": uuid::Uuid::now_v7(), "body": {"type": "template",
                "name": "follow_up", "language": "en_US", "params": {"body.1": "Rui"}}}),
        )
        .await;

        // video: a reply claims it.
        self.post(
            &bruno,
            &on(c.video, "messages"),
            text("We will look at the video."),
        )
        .await;

        // ...and Sara moves it to South's queue (South handles couriers).
        self.post(
            &sara,
            &on(c.video, "assign"),
            json!({"to": {"kind": "team", "id": self.server.south},
                "reason": "South handles the couriers"}),
        )
        .await;

        // South's own.
        self.post(&sol, &on(c.south, "claim"), Value::Null).await;

        self.automation_acts().await;
    }

    /// Issue 15: a rule ("Out of hours", set up for the story — rules arrive with their own
    /// issue) answers the untouched `waiting` without taking it and notes it for the morning
    /// shift, and Relaydesk itself labels `old` and ends its snooze: acts a v1 phone has no
    /// word for, served to it as colleagues' acts.
    async fn automation_acts(&self) {
        use relaydesk_core::domain::{
            Actor, Automation, Automaton, Command, NoteId, ReplyBody, RuleId,
        };
        let rule = Automaton::Rule(RuleId::new());
        self.server
            .store
            .setup(relaydesk_server::store::Setup::Automation(Automation {
                automaton: rule,
                name: "Out of hours".into(),
                replies_when_owned: false,
                active: true,
            }))
            .await
            .expect("the rule is set up");
        let c = self.c.waiting;
        for (actor, command) in [
            (
                rule,
                Command::Reply {
                    conversation: c,
                    message: MessageId::new(),
                    body: ReplyBody::Text {
                        text: "We are closed; we answer from 9:00.".into(),
                    },
                    in_reply_to: None,
                },
            ),
            (
                rule,
                Command::AddNote {
                    conversation: c,
                    note: NoteId::new(),
                    body: "Wrote at night; told we open at 9.".into(),
                },
            ),
            (
                Automaton::System,
                Command::AddLabel {
                    conversation: self.c.old,
                    label: "after-hours".into(),
                },
            ),
        ] {
            self.server
                .store
                .execute(Actor::Automation(actor), Utc::now(), command)
                .await
                .expect("the database")
                .expect("automation may do this");
        }
        // Sara puts `old` aside for an hour; when the hour is up Relaydesk's timer ends the
        // snooze (`snooze_ended`, which a v1 phone is told as the status change it is).
        self.server
            .store
            .execute(
                Actor::Member(self.sara.id),
                Utc::now(),
                Command::SetStatus {
                    conversation: self.c.old,
                    status: relaydesk_core::domain::Status::Snoozed {
                        until: Utc::now() + Duration::hours(1),
                    },
                },
            )
            .await
            .expect("the database")
            .expect("a supervisor snoozes");
        let ended = self
            .server
            .store
            .fire_timers(Utc::now() + Duration::minutes(90), 64)
            .await
            .expect("the database");
        assert_eq!(ended.len(), 1, "only old's snooze has run out: {ended:?}");
    }

    /// The send queue runs; WhatsApp reports delivery, reads, prices, a failure; a customer
    /// reacts to our reply.
    async fn whatsapp_reports_back(&self) {
        self.send_queue_runs().await;
        let c = self.c;
        let late = self.replies(c.late).await;
        let late_wamid = late[0].1.clone().expect("sent: WhatsApp named it");
        let pricing = json!({"pricing": {"billable": false, "pricing_model": "PMP",
            "type": "free_customer_service", "category": "service"}});
        self.whatsapp_reports(&late_wamid, "5511900000201", "sent", pricing.clone())
            .await;
        self.whatsapp_reports(&late_wamid, "5511900000201", "delivered", pricing)
            .await;
        self.whatsapp_reports(&late_wamid, "5511900000201", "read", json!({}))
            .await;
        let voice_wamid = late[1].1.clone().expect("sent: WhatsApp named it");
        self.whatsapp_reports(&voice_wamid, "5511900000201", "played", json!({}))
            .await;
        let photo = self.replies(c.photo).await;
        let photo_wamid = photo[0].1.clone().expect("sent: WhatsApp named it");
        self.whatsapp_reports(
            &photo_wamid,
            "5511900000202",
            "failed",
            json!({"errors": [{"code": 131026, "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "Message Undeliverable."}}]}),
        )
        .await;
        self.customer_sends(
            NUMBER_NORTH,
            "5511900000201",
            Utc::now(),
            json!({"type": "reaction", "reaction": {"message_id": late_wamid, "emoji": "❤️"}}),
        )
        .await;
    }
}

/// A phone installed before issue 15: it names no protocol (unless told to) and decodes every
/// answer with the frozen v1 types.
#[derive(Debug, Clone)]
pub struct V1Phone {
    http: reqwest::Client,
    base: String,
    token: String,
    pub client_id: String,
    protocol: Option<&'static str>,
}

/// An answer a v1 phone decoded, and the protocol the server said it served.
#[derive(Debug)]
pub struct Decoded<T> {
    pub value: T,
    pub served: Option<String>,
}

impl V1Phone {
    /// The same phone naming `version` in the protocol header.
    pub fn naming_protocol(mut self, version: &'static str) -> V1Phone {
        self.protocol = Some(version);
        self
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        match self.protocol {
            Some(version) => request.header(PROTOCOL_HEADER, version),
            None => request,
        }
    }

    /// Reads a 200 answer and decodes it as a v1 phone does, or fails naming what broke.
    async fn decode<T: serde::de::DeserializeOwned>(
        what: &str,
        answer: reqwest::Response,
    ) -> Decoded<T> {
        let status = answer.status();
        let served = answer
            .headers()
            .get(PROTOCOL_HEADER)
            .map(|v| v.to_str().expect("a text header").to_owned());
        let bytes = answer.bytes().await.expect("the whole answer");
        assert_eq!(status, 200, "{what}: {}", String::from_utf8_lossy(&bytes));
        match serde_json::from_slice::<T>(&bytes) {
            Ok(value) => Decoded { value, served },
            Err(error) => panic!(
                "a v1 phone cannot decode {what}: {error}\n{}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }

    /// One page of a pull.
    pub async fn pull_page(
        &self,
        cursor: i64,
        page: Option<&str>,
        limit: u32,
    ) -> Decoded<v1::sync::PullResponse> {
        let mut query = vec![
            ("client_id", self.client_id.clone()),
            ("cursor", cursor.to_string()),
            ("limit", limit.to_string()),
        ];
        if let Some(page) = page {
            query.push(("page", page.to_owned()));
        }
        let answer = self
            .request(reqwest::Method::GET, "/api/v1/sync/pull")
            .query(&query)
            .send()
            .await
            .expect("the server answers");
        Self::decode(&format!("a pull page (cursor {cursor})"), answer).await
    }

    /// Every page from `cursor` to the end, each decoded.
    pub async fn pull_to_the_end(
        &self,
        cursor: i64,
        limit: u32,
    ) -> Vec<Decoded<v1::sync::PullResponse>> {
        let mut pages: Vec<Decoded<v1::sync::PullResponse>> = Vec::new();
        loop {
            let next = pages.last().and_then(|p| p.value.next_page.clone());
            let page = self.pull_page(cursor, next.as_deref(), limit).await;
            let more = page.value.has_more;
            pages.push(page);
            if !more {
                return pages;
            }
            assert!(pages.len() < 1000, "a pull that never ends");
        }
    }

    /// Pushes `mutations` and decodes the answer.
    pub async fn push(
        &self,
        mutations: Vec<v1::sync::Mutation>,
    ) -> Decoded<v1::sync::PushResponse> {
        let request = v1::sync::PushRequest {
            client_id: self.client_id.clone(),
            mutations,
        };
        let answer = self
            .request(reqwest::Method::POST, "/api/v1/sync/push")
            .json(&request)
            .send()
            .await
            .expect("the server answers");
        Self::decode("a push answer", answer).await
    }

    /// Opens the live stream (after `since`, or from now).
    pub async fn live(&self, since: Option<i64>) -> LiveStream {
        let mut request = self.request(reqwest::Method::GET, "/api/v1/events");
        if let Some(since) = since {
            request = request.query(&[("since", since.to_string())]);
        }
        let answer = request.send().await.expect("the stream opens");
        assert_eq!(answer.status(), 200, "the live stream opens");
        let served = answer
            .headers()
            .get(PROTOCOL_HEADER)
            .map(|v| v.to_str().expect("a text header").to_owned());
        LiveStream {
            answer,
            buffer: Vec::new(),
            served,
        }
    }
}

/// One Server-Sent-Events message.
#[derive(Debug, Clone, Default)]
pub struct SseMessage {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

/// A live stream being read.
#[derive(Debug)]
pub struct LiveStream {
    answer: reqwest::Response,
    buffer: Vec<u8>,
    pub served: Option<String>,
}

impl LiveStream {
    /// The next message with data (keep-alive comments skipped); `None` if nothing comes
    /// within `wait`.
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<SseMessage> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let block = String::from_utf8(block).expect("SSE is UTF-8");
                let mut message = SseMessage {
                    event: "message".into(),
                    ..SseMessage::default()
                };
                let mut data = Vec::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        message.event = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("id:") {
                        message.id = Some(value.trim().to_owned());
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
                    }
                }
                if !data.is_empty() {
                    message.data = data.join("\n");
                    return Some(message);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.answer.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buffer.extend_from_slice(&bytes),
                Ok(Ok(None)) => panic!("the live stream ended"),
                Ok(Err(error)) => panic!("the live stream broke: {error}"),
                Err(_) => return None,
            }
        }
    }
}
