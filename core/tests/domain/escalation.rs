//! Escalations keep the thread: requested by the owner or a supervisor, decided by a supervisor
//! of the target, and approval moves the same conversation.

use relaydesk_core::domain::*;

use crate::world::*;

#[test]
fn the_owner_escalates_to_south_and_sams_approval_moves_the_same_conversation() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let conversations_before = w.desk.conversations.len();
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.ana, request);
    assert_eq!(
        w.conversation(c).pending_escalation().map(|x| x.id),
        Some(e)
    );
    assert!(
        can_see(w.member(w.sam), w.conversation(c), &w.desk.workspace),
        "the approver sees what awaits them"
    );

    let events = w.ok(
        w.sam,
        Command::ApproveEscalation {
            escalation: e,
            note: Some("Carla knows this customer".into()),
        },
    );
    assert!(matches!(
        events[0].change,
        Change::EscalationApproved { .. }
    ));
    assert!(
        events.iter().all(|ev| ev.conversation == Some(c)),
        "every event is on the same thread"
    );
    let moved = w.conversation(c);
    assert_eq!(moved.team, Some(w.south));
    assert_eq!(moved.assignee, None, "into South's queue");
    assert_eq!(
        moved.priority,
        Priority::Urgent,
        "high severity raises the priority"
    );
    assert!(
        matches!(&moved.escalation, Some(Escalation { state: EscalationState::Approved { by, .. }, .. }) if *by == By::Member(w.sam))
    );
    assert_eq!(
        w.desk.conversations.len(),
        conversations_before,
        "no new conversation"
    );
}

#[test]
fn escalating_to_a_person_makes_them_the_owner_on_approval() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Person(w.sofia));
    w.ok(w.ana, request);
    let events = w.ok(
        w.sofia,
        Command::ApproveEscalation {
            escalation: e,
            note: None,
        },
    );
    assert_eq!(
        World::handovers(&events),
        vec![(Some(w.ana), Some(w.sofia), Handover::Escalated)]
    );
}

#[test]
fn only_the_owner_or_a_supervisor_may_request_an_escalation() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (_, by_colleague) = escalate(c, EscalationTarget::Team(w.south));
    assert_eq!(outcome(&w.run(w.bruno, by_colleague)), "not_owner");
    let (_, by_supervisor) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.sofia, by_supervisor);
}

#[test]
fn only_a_supervisor_of_the_target_or_an_admin_decides() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.ana, request);
    let approve = || Command::ApproveEscalation {
        escalation: e,
        note: None,
    };
    assert_eq!(
        outcome(&w.run(w.ana, approve())),
        "forbidden",
        "not the requester"
    );
    assert_eq!(
        outcome(&w.run(w.sofia, approve())),
        "forbidden",
        "not North's supervisor"
    );
    assert_eq!(
        outcome(&w.run(w.carla, approve())),
        "not_found",
        "a South agent is not asked"
    );
    w.ok(w.ada, approve());
}

#[test]
fn one_pending_escalation_at_a_time() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (first, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.ana, request.clone());
    assert_eq!(
        w.run(w.ana, request),
        Ok(vec![]),
        "a retried request changes nothing"
    );
    let (_, second) = escalate(c, EscalationTarget::Person(w.sofia));
    assert_eq!(
        w.run(w.ana, second),
        Err(Rejection::EscalationPending { escalation: first })
    );
    let resolve = Command::SetStatus {
        conversation: c,
        status: Status::Resolved,
    };
    assert_eq!(
        w.run(w.ana, resolve),
        Err(Rejection::EscalationPending { escalation: first })
    );
}

#[test]
fn a_rejection_says_why_and_leaves_the_conversation_with_its_owner() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.ana, request);
    let without_reason = Command::RejectEscalation {
        escalation: e,
        reason: " ".into(),
    };
    assert_eq!(w.run(w.sam, without_reason), Err(Rejection::ReasonRequired));
    w.ok(
        w.sam,
        Command::RejectEscalation {
            escalation: e,
            reason: "North can refund this itself".into(),
        },
    );
    let after = w.conversation(c);
    assert_eq!((after.assignee, after.team), (Some(w.ana), Some(w.north)));
    assert!(
        matches!(&after.escalation, Some(Escalation { state: EscalationState::Rejected { reason, .. }, .. }) if reason == "North can refund this itself")
    );

    let late_approval = w.run(
        w.ada,
        Command::ApproveEscalation {
            escalation: e,
            note: None,
        },
    );
    assert_eq!(
        late_approval,
        Err(Rejection::EscalationClosed {
            escalation: e,
            state: "rejected".into()
        })
    );
    let sam_again = w.run(
        w.sam,
        Command::ApproveEscalation {
            escalation: e,
            note: None,
        },
    );
    assert_eq!(
        outcome(&sam_again),
        "not_found",
        "once decided, South no longer sees North's thread"
    );
}

#[test]
fn the_requester_may_cancel_while_it_waits_and_then_escalate_again() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.ana, request);
    assert_eq!(
        outcome(&w.run(w.bruno, Command::CancelEscalation { escalation: e })),
        "forbidden"
    );
    w.ok(w.ana, Command::CancelEscalation { escalation: e });
    assert!(w.conversation(c).pending_escalation().is_none());
    let (_, again) = escalate(c, EscalationTarget::Person(w.sofia));
    w.ok(w.ana, again);
}

#[test]
fn an_escalation_needs_a_reason_and_a_real_target() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let blank = Command::RequestEscalation {
        conversation: c,
        escalation: EscalationId::new(),
        reason: "".into(),
        severity: Severity::Low,
        target: EscalationTarget::Team(w.south),
    };
    assert_eq!(outcome(&w.run(w.ana, blank)), "invalid");
    let (_, to_nobody) = escalate(c, EscalationTarget::Team(TeamId::new()));
    assert_eq!(outcome(&w.run(w.ana, to_nobody)), "invalid");
    let (_, to_self) = escalate(c, EscalationTarget::Person(w.ana));
    assert_eq!(outcome(&w.run(w.ana, to_self)), "invalid");
}

#[test]
fn approval_to_a_person_who_has_since_left_is_refused_so_nobody_owns_a_ghost() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Person(w.bruno));
    w.ok(w.ana, request);
    w.desk
        .workspace
        .members
        .get_mut(&w.bruno)
        .expect("bruno")
        .active = false;
    let approval = w.run(
        w.sofia,
        Command::ApproveEscalation {
            escalation: e,
            note: None,
        },
    );
    assert!(matches!(approval, Err(Rejection::Invalid { field, .. }) if field == "target"));
    assert_eq!(w.conversation(c).assignee, Some(w.ana));
}

#[test]
fn a_person_target_is_decided_by_a_supervisor_sharing_their_team_or_by_themselves() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Person(w.bruno));
    w.ok(w.ana, request);
    let approve = || Command::ApproveEscalation {
        escalation: e,
        note: None,
    };
    assert_eq!(
        outcome(&w.run(w.sam, approve())),
        "not_found",
        "South's supervisor is not asked"
    );
    w.ok(w.sofia, approve());
    assert_eq!(w.conversation(c).assignee, Some(w.bruno));

    // A supervisor in no team, named personally, decides their own escalation.
    let mut zoe = w.member(w.sofia).clone();
    zoe.id = UserId::new();
    zoe.handle = "zoe".into();
    zoe.teams.clear();
    let zoe_id = zoe.id;
    w.desk.workspace.members.insert(zoe_id, zoe);
    let (e, request) = escalate(c, EscalationTarget::Person(zoe_id));
    w.ok(w.bruno, request);
    w.ok(
        zoe_id,
        Command::ApproveEscalation {
            escalation: e,
            note: None,
        },
    );
    assert_eq!(w.conversation(c).assignee, Some(zoe_id));
}

#[test]
fn approval_changes_only_what_was_asked_and_never_lowers_priority() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    w.ok(
        w.ana,
        Command::SetStatus {
            conversation: c,
            status: Status::Pending,
        },
    );
    w.ok(
        w.ana,
        Command::SetPriority {
            conversation: c,
            priority: Priority::Urgent,
        },
    );
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.ana, request);
    assert_eq!(
        w.conversation(c)
            .pending_escalation()
            .and_then(|e| e.raises_priority_to),
        None,
        "already urgent: the request raises nothing"
    );
    let events = w.ok(
        w.sam,
        Command::ApproveEscalation {
            escalation: e,
            note: None,
        },
    );
    assert!(
        !events.iter().any(|ev| matches!(
            ev.change,
            Change::PriorityChanged { .. } | Change::StatusChanged { .. }
        )),
        "neither priority nor status was asked for: {events:?}"
    );
    assert_eq!(
        w.conversation(c).status,
        Status::Pending,
        "still waiting on the customer, now in South's queue"
    );
    assert_eq!(w.conversation(c).priority, Priority::Urgent);
}

#[test]
fn the_request_says_which_priority_approval_brings_and_the_reason_is_said_once() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    let requested = w.ok(w.ana, request);
    let Change::EscalationRequested { escalation } = &requested[0].change else {
        panic!("{requested:?}");
    };
    assert_eq!(
        escalation.raises_priority_to,
        Some(Priority::Urgent),
        "high severity: the request itself says the priority will become urgent"
    );
    let events = w.ok(
        w.sam,
        Command::ApproveEscalation {
            escalation: e,
            note: None,
        },
    );
    for event in &events {
        match &event.change {
            Change::TeamChanged { reason, .. } | Change::AssignmentChanged { reason, .. } => {
                assert_eq!(
                    reason, &None,
                    "the reason is the request's, shown with it: {event:?}"
                );
            }
            Change::EscalationApproved { .. } | Change::PriorityChanged { .. } => {}
            other => panic!("approval did something it was not asked: {other:?}"),
        }
    }
    assert_eq!(w.conversation(c).priority, Priority::Urgent);
}

#[test]
fn after_escalation_to_south_north_agents_read_it_but_only_south_takes_it() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.ana, request);
    w.ok(
        w.sam,
        Command::ApproveEscalation {
            escalation: e,
            note: None,
        },
    );
    let moved = w.conversation(c).clone();
    let workspace = w.desk.workspace.clone();
    // Bruno works North, which feeds this number: he still reads the thread…
    assert!(can_see(w.member(w.bruno), &moved, &workspace));
    // …but it is not North's work any more.
    assert!(!may_work(w.member(w.bruno), &moved, &workspace));
    assert!(!View::Unassigned.includes(w.member(w.bruno), &moved, &workspace, w.now));
    let refused = w.run(w.bruno, claim(c));
    assert_eq!(outcome(&refused), "forbidden", "{refused:?}");
    assert!(
        format!("{refused:?}").contains("South"),
        "the refusal names the team whose queue it is: {refused:?}"
    );
    assert_eq!(
        outcome(&w.run(w.bruno, reply(c, "I can help"))),
        "forbidden"
    );
    // Carla works South: it is hers to take.
    assert!(View::Unassigned.includes(w.member(w.carla), &moved, &workspace, w.now));
    w.ok(w.carla, claim(c));
    assert_eq!(w.conversation(c).assignee, Some(w.carla));
}

#[test]
fn a_supervisor_moves_it_back_and_north_takes_it_again() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.ana, request);
    w.ok(
        w.sam,
        Command::ApproveEscalation {
            escalation: e,
            note: None,
        },
    );
    w.ok(
        w.sofia,
        Command::Assign {
            conversation: c,
            to: AssignTarget::Team(w.north),
            reason: Some("South says this is an ordinary order question".into()),
            note: None,
        },
    );
    assert_eq!(w.conversation(c).team, Some(w.north));
    w.ok(w.bruno, claim(c));
    assert_eq!(w.conversation(c).assignee, Some(w.bruno));
}

#[test]
fn a_conversation_with_no_team_is_worked_by_any_team_of_its_inbox_until_it_gets_one() {
    let mut w = World::new();
    // The main number is shared by North and South.
    let main = w.main_inbox;
    w.desk
        .workspace
        .inboxes
        .get_mut(&main)
        .expect("main inbox")
        .teams
        .insert(w.south);
    let c = w.customer_writes("Hello");
    assert_eq!(w.conversation(c).team, None, "a shared number: no team yet");
    let workspace = w.desk.workspace.clone();
    let waiting = w.conversation(c).clone();
    for someone in [w.bruno, w.carla] {
        assert!(may_work(w.member(someone), &waiting, &workspace));
        assert!(View::Unassigned.includes(w.member(someone), &waiting, &workspace, w.now));
    }
    // A supervisor puts it in North's queue: South still sees it, but no longer takes it.
    w.ok(
        w.sofia,
        Command::Assign {
            conversation: c,
            to: AssignTarget::Team(w.north),
            reason: None,
            note: None,
        },
    );
    let placed = w.conversation(c).clone();
    assert!(can_see(w.member(w.carla), &placed, &workspace));
    assert!(!View::Unassigned.includes(w.member(w.carla), &placed, &workspace, w.now));
    assert_eq!(outcome(&w.run(w.carla, claim(c))), "forbidden");
    w.ok(w.bruno, claim(c));
}

#[test]
fn the_owner_or_a_supervisor_may_cancel_an_escalation_someone_else_requested() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.sofia, request);
    w.ok(w.ana, Command::CancelEscalation { escalation: e });
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    w.ok(w.ana, request);
    w.ok(w.sofia, Command::CancelEscalation { escalation: e });
    assert!(
        matches!(&w.conversation(c).escalation, Some(Escalation { state: EscalationState::Cancelled { by, .. }, .. }) if *by == By::Member(w.sofia))
    );
}

#[test]
fn an_escalation_id_already_naming_another_conversations_escalation_is_refused() {
    let mut w = World::new();
    let first = w.owned_by(w.ana);
    let (e, request) = escalate(first, EscalationTarget::Team(w.south));
    w.ok(w.ana, request);
    let second = w.owned_by(w.ana);
    let reuse = Command::RequestEscalation {
        conversation: second,
        escalation: e,
        reason: "same id, other thread".into(),
        severity: Severity::Low,
        target: EscalationTarget::Team(w.south),
    };
    assert_eq!(
        w.run(w.ana, reuse),
        Err(Rejection::Invalid {
            field: "escalation".into(),
            reason: "this id already names another escalation".into()
        })
    );
    assert_eq!(w.conversation(second).escalation, None);
}
