//! One owner: claims, handoffs, supervisor reassignment, release.

use relaydesk_core::domain::*;

use crate::world::*;

#[test]
fn the_first_agent_to_claim_owns_it_and_the_second_is_told_who_won() {
    let mut w = World::new();
    let c = w.customer_writes("Where is my order?");
    let events = w.ok(w.ana, claim(c));
    assert_eq!(
        World::handovers(&events),
        vec![(None, Some(w.ana), Handover::Claimed)]
    );

    let lost = w.run(w.bruno, claim(c));
    assert_eq!(
        lost,
        Err(Rejection::AlreadyOwned {
            owner: w.ana,
            owner_name: "Ana".into()
        })
    );
    assert_eq!(w.conversation(c).assignee, Some(w.ana));
}

#[test]
fn a_supervisor_claiming_an_owned_conversation_is_refused_too_they_must_reassign() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    assert_eq!(outcome(&w.run(w.sofia, claim(c))), "already_owned");
}

#[test]
fn claiming_what_you_already_own_changes_nothing() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    assert_eq!(w.run(w.ana, claim(c)), Ok(vec![]));
}

#[test]
fn an_agent_of_another_team_cannot_even_find_the_conversation() {
    let mut w = World::new();
    let c = w.customer_writes("Hi");
    assert!(matches!(
        w.run(w.carla, claim(c)),
        Err(Rejection::NotFound {
            what: Entity::Conversation,
            ..
        })
    ));
}

#[test]
fn a_deactivated_member_can_do_nothing() {
    let mut w = World::new();
    let c = w.customer_writes("Hi");
    w.desk
        .workspace
        .members
        .get_mut(&w.bruno)
        .expect("bruno")
        .active = false;
    assert_eq!(outcome(&w.run(w.bruno, claim(c))), "forbidden");
}

#[test]
fn the_owner_handing_off_must_leave_a_note_for_the_next_person() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let without_note = Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(w.bruno),
        reason: Some("end of my shift".into()),
        note: None,
    };
    assert_eq!(
        w.run(w.ana, without_note),
        Err(Rejection::HandoffNoteRequired)
    );
    let blank_note = Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(w.bruno),
        reason: None,
        note: handoff_note("   "),
    };
    assert_eq!(
        w.run(w.ana, blank_note),
        Err(Rejection::HandoffNoteRequired)
    );

    let with_note = Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(w.bruno),
        reason: None,
        note: handoff_note("Refund approved, waiting for the bank reference"),
    };
    let events = w.ok(w.ana, with_note);
    assert!(
        matches!(events[0].change, Change::NoteAdded { .. }),
        "the note comes first on the timeline"
    );
    assert_eq!(
        World::handovers(&events),
        vec![(Some(w.ana), Some(w.bruno), Handover::HandedOff)]
    );
    assert_eq!(w.conversation(c).assignee, Some(w.bruno));
    assert_eq!(w.desk.notes.len(), 1);
}

#[test]
fn a_supervisor_taking_a_conversation_from_its_owner_must_say_why() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let no_reason = Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(w.bruno),
        reason: None,
        note: None,
    };
    assert_eq!(w.run(w.sofia, no_reason), Err(Rejection::ReasonRequired));

    let with_reason = Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(w.bruno),
        reason: Some("Ana is out sick".into()),
        note: None,
    };
    let events = w.ok(w.sofia, with_reason);
    assert_eq!(events.len(), 1);
    match &events[0].change {
        Change::AssignmentChanged {
            from,
            to,
            how,
            reason,
        } => {
            assert_eq!(
                (*from, *to, *how),
                (Some(w.ana), Some(w.bruno), Handover::Assigned)
            );
            assert_eq!(reason.as_deref(), Some("Ana is out sick"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(events[0].by, By::Member(w.sofia));
}

#[test]
fn a_supervisor_dispatching_unassigned_work_needs_no_reason() {
    let mut w = World::new();
    let c = w.customer_writes("Hi");
    let dispatch = Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(w.ana),
        reason: None,
        note: None,
    };
    assert_eq!(
        World::handovers(&w.ok(w.sofia, dispatch)),
        vec![(None, Some(w.ana), Handover::Assigned)]
    );
}

#[test]
fn an_agent_cannot_assign_an_unassigned_conversation_to_a_colleague() {
    let mut w = World::new();
    let c = w.customer_writes("Hi");
    let push = Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(w.bruno),
        reason: None,
        note: None,
    };
    assert_eq!(outcome(&w.run(w.ana, push)), "forbidden");
}

#[test]
fn nobody_can_be_given_a_conversation_their_teams_do_not_work_except_by_an_admin() {
    let mut w = World::new();
    let c = w.customer_writes("Hi");
    let carla = w.carla;
    let to_carla = || Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(carla),
        reason: None,
        note: None,
    };
    assert!(
        matches!(w.run(w.sofia, to_carla()), Err(Rejection::Invalid { field, .. }) if field == "to")
    );
    w.ok(w.ada, to_carla());
    assert_eq!(w.conversation(c).assignee, Some(w.carla));
    assert_eq!(
        w.run(w.sofia, to_carla()),
        Ok(vec![]),
        "giving it to its owner again changes nothing"
    );
}

#[test]
fn assigning_to_a_team_puts_it_unassigned_in_that_teams_queue() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let to_south = Command::Assign {
        conversation: c,
        to: AssignTarget::Team(w.south),
        reason: Some("billing question, South handles billing".into()),
        note: None,
    };
    let events = w.ok(w.sofia, to_south);
    assert!(
        events
            .iter()
            .any(|e| matches!(e.change, Change::TeamChanged { to: Some(t), .. } if t == w.south))
    );
    let conversation = w.conversation(c);
    assert_eq!(
        (conversation.team, conversation.assignee),
        (Some(w.south), None)
    );
    assert!(
        can_see(w.member(w.carla), conversation, &w.desk.workspace),
        "South can now work it"
    );
}

#[test]
fn the_owner_releasing_back_to_the_queue_leaves_a_note_a_supervisor_gives_a_reason() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let bare = Command::Release {
        conversation: c,
        note: None,
        reason: None,
    };
    assert_eq!(
        w.run(w.ana, bare.clone()),
        Err(Rejection::HandoffNoteRequired)
    );
    assert_eq!(outcome(&w.run(w.bruno, bare.clone())), "not_owner");
    assert_eq!(w.run(w.sofia, bare), Err(Rejection::ReasonRequired));

    let released = Command::Release {
        conversation: c,
        note: handoff_note("Customer will call back tomorrow"),
        reason: None,
    };
    let events = w.ok(w.ana, released);
    assert_eq!(
        World::handovers(&events),
        vec![(Some(w.ana), None, Handover::Released)]
    );
    assert_eq!(w.conversation(c).assignee, None);
    assert_eq!(
        w.run(
            w.ana,
            Command::Release {
                conversation: c,
                note: None,
                reason: None
            }
        ),
        Ok(vec![])
    );
}

#[test]
fn twenty_agents_racing_to_claim_leave_exactly_one_owner() {
    let mut w = World::new();
    let c = w.customer_writes("Hi");
    let racers: Vec<UserId> = (0..20)
        .map(|i| {
            let mut m = w.member(w.ana).clone();
            m.id = UserId::new();
            m.handle = format!("racer{i}");
            let id = m.id;
            w.desk.workspace.members.insert(id, m);
            id
        })
        .collect();
    let results: Vec<_> = racers.iter().map(|r| w.run(*r, claim(c))).collect();
    assert_eq!(results.iter().filter(|r| outcome(r) == "ok").count(), 1);
    assert!(
        results[1..].iter().all(
            |r| matches!(r, Err(Rejection::AlreadyOwned { owner, .. }) if *owner == racers[0])
        )
    );
}

#[test]
fn an_agent_cannot_move_their_conversation_to_another_team_that_is_an_escalation() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let to_south = Command::Assign {
        conversation: c,
        to: AssignTarget::Team(w.south),
        reason: None,
        note: handoff_note("South should take this"),
    };
    assert!(
        matches!(w.run(w.ana, to_south), Err(Rejection::Forbidden { reason }) if reason.contains("escalation"))
    );
    let back_to_north = Command::Assign {
        conversation: c,
        to: AssignTarget::Team(w.north),
        reason: None,
        note: handoff_note("Going on leave, anyone in North can take it"),
    };
    let events = w.ok(w.ana, back_to_north);
    assert_eq!(
        World::handovers(&events),
        vec![(Some(w.ana), None, Handover::HandedOff)]
    );
}

#[test]
fn a_handoff_note_may_name_the_person_it_is_handed_to() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let to_carla = Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(w.carla),
        reason: Some("Carla speaks Portuguese".into()),
        note: handoff_note("@carla the customer prefers Portuguese"),
    };
    let events = w.ok(w.ada, to_carla);
    assert!(
        matches!(&events[0].change, Change::NoteAdded { note } if note.mentions.contains(&w.carla))
    );
}

#[test]
fn an_owner_may_hand_back_to_any_team_working_the_number_even_when_no_team_was_chosen_yet() {
    let mut w = World::new();
    let (north, south, main) = (w.north, w.south, w.main_inbox);
    w.desk
        .workspace
        .inboxes
        .get_mut(&main)
        .expect("inbox")
        .teams
        .insert(south);
    let c = w.owned_by(w.ana);
    assert_eq!(
        w.conversation(c).team,
        None,
        "two teams work the number: nobody picked yet"
    );
    let to_north = Command::Assign {
        conversation: c,
        to: AssignTarget::Team(north),
        reason: None,
        note: handoff_note("North handles refunds"),
    };
    w.ok(w.ana, to_north);
    assert_eq!(w.conversation(c).team, Some(north));
}
