//! Who sees what and who may do what: the tables are the documentation.

use relaydesk_core::domain::*;

use crate::world::*;

/// The people of the world, by name, in table order.
fn cast(w: &World) -> [(&'static str, UserId); 6] {
    [
        ("ana", w.ana),
        ("bruno", w.bruno),
        ("carla", w.carla),
        ("sofia", w.sofia),
        ("sam", w.sam),
        ("ada", w.ada),
    ]
}

#[test]
fn visibility_by_role_team_inbox_and_assignment() {
    let mut w = World::new();
    let unassigned_main = w.customer_writes("main number, nobody yet");
    let south_number = w.customer_writes_to(w.south_inbox, ContactId::new(), "south number");
    let main_given_to_carla = w.customer_writes("main number, given to Carla");
    w.ok(
        w.ada,
        Command::Assign {
            conversation: main_given_to_carla,
            to: AssignTarget::Agent(w.carla),
            reason: None,
            note: None,
        },
    );
    let main_moved_to_south = w.customer_writes("main number, moved to South");
    w.ok(
        w.sofia,
        Command::Assign {
            conversation: main_moved_to_south,
            to: AssignTarget::Team(w.south),
            reason: None,
            note: None,
        },
    );

    //             conversation          ana    bruno  carla  sofia  sam    ada
    let table = [
        (unassigned_main, [true, true, false, true, false, true]),
        (south_number, [false, false, true, false, true, true]),
        (main_given_to_carla, [true, true, true, true, false, true]),
        (main_moved_to_south, [true, true, true, true, true, true]),
    ];
    for (conversation, expected) in table {
        for ((name, id), visible) in cast(&w).into_iter().zip(expected) {
            assert_eq!(
                can_see(
                    w.member(id),
                    w.conversation(conversation),
                    &w.desk.workspace
                ),
                visible,
                "{name} on {:?}",
                w.desk
                    .messages_of(conversation)
                    .next()
                    .map(|m| m.content.summary())
            );
        }
    }
}

#[test]
fn a_deactivated_member_sees_nothing() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    w.desk
        .workspace
        .members
        .get_mut(&w.ana)
        .expect("ana")
        .active = false;
    assert!(!can_see(
        w.member(w.ana),
        w.conversation(c),
        &w.desk.workspace
    ));
}

type CommandFor = fn(&World, ConversationId) -> Command;

/// Every member command × role × ownership state. "ok" = accepted with events, "noop" =
/// accepted with nothing to change, otherwise the rejection code.
#[test]
fn who_may_issue_which_command() {
    let commands: [(&str, CommandFor); 10] = [
        ("claim", |_, c| claim(c)),
        ("reply", |_, c| reply(c, "Hello")),
        ("note", |_, c| note(c, "context")),
        ("label", |_, c| Command::AddLabel {
            conversation: c,
            label: "vip".into(),
        }),
        ("status", |_, c| Command::SetStatus {
            conversation: c,
            status: Status::Pending,
        }),
        ("priority", |_, c| Command::SetPriority {
            conversation: c,
            priority: Priority::High,
        }),
        ("assign", |w, c| Command::Assign {
            conversation: c,
            to: AssignTarget::Agent(w.bruno),
            reason: Some("balancing load".into()),
            note: handoff_note("handing over"),
        }),
        ("release", |_, c| Command::Release {
            conversation: c,
            note: handoff_note("back to queue"),
            reason: Some("balancing".into()),
        }),
        ("escalate", |w, c| {
            escalate(c, EscalationTarget::Team(w.south)).1
        }),
        ("to_team", |w, c| Command::Assign {
            conversation: c,
            to: AssignTarget::Team(w.south),
            reason: Some("South's case".into()),
            note: handoff_note("handing over"),
        }),
    ];
    // Rows: command; columns: ana, bruno (both North agents), carla (South agent),
    // sofia (North supervisor), sam (South supervisor), ada (admin).
    let unassigned: [[&str; 6]; 10] = [
        ["ok", "ok", "not_found", "ok", "not_found", "ok"], // claim
        ["ok", "ok", "not_found", "ok", "not_found", "ok"], // reply claims
        ["ok", "ok", "not_found", "ok", "not_found", "ok"], // note
        ["ok", "ok", "not_found", "ok", "not_found", "ok"], // label
        [
            "forbidden",
            "forbidden",
            "not_found",
            "ok",
            "not_found",
            "ok",
        ], // status
        [
            "forbidden",
            "forbidden",
            "not_found",
            "ok",
            "not_found",
            "ok",
        ], // priority
        [
            "forbidden",
            "forbidden",
            "not_found",
            "ok",
            "not_found",
            "ok",
        ], // assign
        ["noop", "noop", "not_found", "noop", "not_found", "noop"], // release
        [
            "forbidden",
            "forbidden",
            "not_found",
            "ok",
            "not_found",
            "ok",
        ], // escalate
        [
            "forbidden",
            "forbidden",
            "not_found",
            "ok",
            "not_found",
            "ok",
        ], // to_team
    ];
    let owned_by_ana: [[&str; 6]; 10] = [
        [
            "noop",
            "already_owned",
            "not_found",
            "already_owned",
            "not_found",
            "already_owned",
        ],
        [
            "ok",
            "not_owner",
            "not_found",
            "not_owner",
            "not_found",
            "not_owner",
        ],
        ["ok", "ok", "not_found", "ok", "not_found", "ok"],
        ["ok", "ok", "not_found", "ok", "not_found", "ok"],
        ["ok", "not_owner", "not_found", "ok", "not_found", "ok"],
        ["ok", "not_owner", "not_found", "ok", "not_found", "ok"],
        ["ok", "not_owner", "not_found", "ok", "not_found", "ok"],
        ["ok", "not_owner", "not_found", "ok", "not_found", "ok"],
        ["ok", "not_owner", "not_found", "ok", "not_found", "ok"],
        [
            "forbidden",
            "not_owner",
            "not_found",
            "ok",
            "not_found",
            "ok",
        ], // to_team: escalate instead
    ];
    for (state, table) in [("unassigned", unassigned), ("owned by ana", owned_by_ana)] {
        for ((command_name, make), row) in commands.iter().zip(table) {
            for (column, expected) in row.iter().enumerate() {
                let mut w = World::new();
                let c = if state == "unassigned" {
                    w.customer_writes("Hi")
                } else {
                    w.owned_by(w.ana)
                };
                let (who, actor) = cast(&w)[column];
                let result = w.run(actor, make(&w, c));
                assert_eq!(
                    outcome(&result),
                    *expected,
                    "{command_name} by {who} when {state}: {result:?}"
                );
            }
        }
    }
}
