//! Context that stays on the thread: notes with @mentions, labels, status, priority; and a
//! member's availability.

use chrono::Duration;
use relaydesk_core::domain::*;

use crate::world::*;

fn noted(events: &[Event]) -> &Note {
    match &events[0].change {
        Change::NoteAdded { note } => note,
        other => panic!("expected a note, got {other:?}"),
    }
}

#[test]
fn any_teammate_may_leave_a_note_and_mentions_are_found_in_the_text() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let events = w.ok(
        w.bruno,
        note(
            c,
            "@Ana, @sofia: customer says the courier was rude. Mail them at ana@example.com.",
        ),
    );
    let note = noted(&events);
    assert_eq!(note.author, By::Member(w.bruno));
    assert_eq!(note.mentions, [w.ana, w.sofia].into_iter().collect());
    assert_eq!(w.desk.notes.len(), 1);
}

#[test]
fn an_email_address_or_an_unknown_handle_mentions_nobody() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let events = w.ok(
        w.ana,
        note(
            c,
            "write to bruno@example.com, support@ana, xana or @nobody",
        ),
    );
    assert!(noted(&events).mentions.is_empty());
}

#[test]
fn mentioning_someone_who_cannot_see_the_conversation_is_refused_with_what_to_do() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let refused = w.run(w.ana, note(c, "@carla can you check the South warehouse?"));
    assert!(
        matches!(refused, Err(Rejection::Invalid { field, reason }) if field == "mentions" && reason.contains("escalate"))
    );
}

#[test]
fn an_empty_note_is_refused_and_a_retried_note_is_kept_once() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    assert_eq!(outcome(&w.run(w.ana, note(c, " "))), "invalid");
    assert_eq!(
        outcome(&w.run(w.ana, note(c, &"n".repeat(10_001)))),
        "invalid"
    );
    w.ok(w.ana, note(c, &"n".repeat(10_000)));
    let command = note(c, "VIP customer");
    w.ok(w.ana, command.clone());
    assert_eq!(w.run(w.ana, command), Ok(vec![]));
    assert_eq!(w.desk.notes.len(), 2);
}

#[test]
fn labels_are_normalised_and_adding_twice_or_removing_an_absent_one_changes_nothing() {
    let mut w = World::new();
    let c = w.customer_writes("refund please");
    let add = |label: &str| Command::AddLabel {
        conversation: c,
        label: label.into(),
    };
    w.ok(w.bruno, add("  Refund "));
    assert_eq!(w.run(w.bruno, add("refund")), Ok(vec![]));
    assert_eq!(
        w.conversation(c)
            .labels
            .iter()
            .map(Label::as_str)
            .collect::<Vec<_>>(),
        vec!["refund"]
    );
    assert_eq!(
        w.run(
            w.bruno,
            Command::RemoveLabel {
                conversation: c,
                label: "vip".into()
            }
        ),
        Ok(vec![])
    );
    w.ok(
        w.bruno,
        Command::RemoveLabel {
            conversation: c,
            label: "REFUND".into(),
        },
    );
    assert!(w.conversation(c).labels.is_empty());
    assert_eq!(outcome(&w.run(w.bruno, add("<script>"))), "invalid");
    assert_eq!(outcome(&w.run(w.bruno, add(&"a".repeat(51)))), "invalid");
    w.ok(w.bruno, add(&"a".repeat(50)));
    let label = Label::parse(" Late-Delivery ").expect("valid");
    assert_eq!(
        (label.to_string(), format!("{label:?}")),
        ("late-delivery".into(), "Label(late-delivery)".into())
    );
}

#[test]
fn only_the_owner_or_a_supervisor_changes_status_and_priority() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let resolve = Command::SetStatus {
        conversation: c,
        status: Status::Resolved,
    };
    let urgent = Command::SetPriority {
        conversation: c,
        priority: Priority::Urgent,
    };
    assert_eq!(outcome(&w.run(w.bruno, resolve.clone())), "not_owner");
    assert_eq!(outcome(&w.run(w.bruno, urgent.clone())), "not_owner");
    w.ok(w.sofia, urgent);
    w.ok(w.ana, resolve.clone());
    assert_eq!(w.conversation(c).status, Status::Resolved);
    assert_eq!(w.conversation(c).priority, Priority::Urgent);
    assert_eq!(
        w.run(w.ana, resolve),
        Ok(vec![]),
        "resolving twice changes nothing"
    );
}

#[test]
fn an_agent_must_claim_before_resolving_an_unassigned_conversation() {
    let mut w = World::new();
    let c = w.customer_writes("spam spam");
    let resolve = Command::SetStatus {
        conversation: c,
        status: Status::Resolved,
    };
    assert!(
        matches!(w.run(w.ana, resolve), Err(Rejection::Forbidden { reason }) if reason.contains("claim"))
    );
}

#[test]
fn a_snooze_must_end_in_the_future_and_comes_back_open_when_it_ends() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let past = Command::SetStatus {
        conversation: c,
        status: Status::Snoozed { until: w.now },
    };
    assert_eq!(outcome(&w.run(w.ana, past)), "invalid");
    let until = w.now + Duration::hours(2);
    w.ok(
        w.ana,
        Command::SetStatus {
            conversation: c,
            status: Status::Snoozed { until },
        },
    );
    assert_eq!(
        w.conversation(c).status.at(w.now),
        Status::Snoozed { until }
    );
    assert_eq!(w.conversation(c).status.at(until), Status::Open);
}

#[test]
fn a_customer_writing_again_reopens_a_waiting_snoozed_or_resolved_conversation() {
    for status in [
        Status::Pending,
        Status::Snoozed {
            until: t0() + Duration::days(1),
        },
        Status::Resolved,
    ] {
        let mut w = World::new();
        let c = w.owned_by(w.ana);
        w.ok(
            w.ana,
            Command::SetStatus {
                conversation: c,
                status,
            },
        );
        let contact = w.conversation(c).contact_id;
        w.advance(Duration::minutes(5));
        let again = w.customer_writes_to(w.main_inbox, contact, "Hello again");
        assert_eq!(again, c, "the same thread continues");
        assert_eq!(w.conversation(c).status, Status::Open, "from {status:?}");
        assert_eq!(
            w.conversation(c).assignee,
            Some(w.ana),
            "the owner keeps it"
        );
    }
}

#[test]
fn members_set_their_own_availability() {
    let mut w = World::new();
    let events = w.ok(
        w.ana,
        Command::SetAvailability {
            availability: Availability::Away,
        },
    );
    assert_eq!(events[0].conversation, None);
    assert_eq!(w.member(w.ana).availability, Availability::Away);
    assert_eq!(
        w.run(
            w.ana,
            Command::SetAvailability {
                availability: Availability::Away
            }
        ),
        Ok(vec![])
    );
}
