//! Commands, events and rejections travel (REST, sync, the event stream) and are stored: each
//! must come back from JSON exactly as it left.

use relaydesk_core::domain::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::world::*;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("serialises");
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, value, "{json}");
}

#[test]
fn a_days_commands_events_and_rejections_survive_json() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let contact = w.conversation(c).contact_id;
    let commands = vec![
        (w.ana, note(c, "@bruno VIP")),
        (
            w.ana,
            Command::AddLabel {
                conversation: c,
                label: "vip".into(),
            },
        ),
        (
            w.ana,
            Command::SetStatus {
                conversation: c,
                status: Status::Snoozed {
                    until: w.now + chrono::Duration::hours(1),
                },
            },
        ),
        (
            w.ana,
            Command::SetPriority {
                conversation: c,
                priority: Priority::High,
            },
        ),
        (w.ana, reply(c, "Hello ✨")),
        (w.ana, escalate(c, EscalationTarget::Team(w.south)).1),
        (
            w.ana,
            Command::SetAvailability {
                availability: Availability::Away,
            },
        ),
    ];
    let mut events = Vec::new();
    for (who, command) in commands {
        round_trip(&command);
        events.extend(w.ok(who, command));
    }
    let escalation = w.conversation(c).escalation.as_ref().expect("requested").id;
    events.extend(w.ok(
        w.sam,
        Command::ApproveEscalation {
            escalation,
            note: Some("ok".into()),
        },
    ));
    let contents = [
        Content::Media(Media {
            kind: MediaKind::Document,
            whatsapp_media_id: "1".into(),
            mime_type: Some("application/pdf".into()),
            sha256: None,
            filename: Some("Facture_été.pdf".into()),
            caption: None,
            voice: false,
            animated: false,
        }),
        Content::InteractiveReply(InteractiveReply::List {
            id: "ret_refund_card".into(),
            title: "Refund".into(),
            description: None,
        }),
        Content::Location {
            latitude: 51.5,
            longitude: -0.12,
            name: None,
            address: None,
            url: None,
        },
        Content::Unsupported {
            whatsapp_type: "poll_creation".into(),
            error: None,
        },
    ];
    for content in contents {
        let inbound = w.inbound_on(w.main_inbox, contact, content);
        round_trip(&Command::ReceiveCustomerMessage(Box::new(inbound.clone())));
        events.extend(w.receive(&inbound).expect("accepted"));
    }
    for event in &events {
        round_trip(event);
    }
    round_trip(&w.desk);
    round_trip(&Rejection::HandoffNoteRequired);
    round_trip(&Rejection::AlreadyOwned {
        owner: w.ana,
        owner_name: "Ana".into(),
    });
    assert_eq!(
        serde_json::to_value(Rejection::WindowClosed { closed_at: None }).expect("json")["code"],
        "window_closed",
        "the wire code is the same as Rejection::code()"
    );
}

#[test]
fn the_words_stored_for_statuses_and_priorities_are_the_words_on_the_wire() {
    let snoozed = Status::Snoozed { until: t0() };
    for status in [Status::Open, Status::Pending, snoozed, Status::Resolved] {
        assert_eq!(
            serde_json::to_value(status).expect("json")["status"],
            status.as_str()
        );
    }
    for priority in [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ] {
        assert_eq!(
            serde_json::to_value(priority).expect("json"),
            priority.as_str()
        );
    }
    let failed = DeliveryStatus::Failed {
        error: WhatsAppError {
            code: 1,
            title: "x".into(),
            details: None,
        },
    };
    for delivery in [
        DeliveryStatus::Queued,
        DeliveryStatus::Accepted,
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
        DeliveryStatus::Read,
        failed,
    ] {
        assert_eq!(
            serde_json::to_value(&delivery).expect("json")["state"],
            delivery.as_str()
        );
    }
    for role in [Role::Agent, Role::Supervisor, Role::Admin] {
        assert_eq!(serde_json::to_value(role).expect("json"), role.as_str());
    }
}
