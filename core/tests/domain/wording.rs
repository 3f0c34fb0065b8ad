//! Who did what, in words: the lines a timeline shows for its changes, the same on the web
//! view and the phone — every actor named as the workspace names them (a colleague, a rule),
//! and what an approved escalation carried out said as the escalation's, not the approver's.

use relaydesk_core::domain::wording::Narrator;
use relaydesk_core::domain::*;

use crate::world::*;

#[test]
fn a_timeline_says_who_did_what_naming_a_rule_and_an_approvals_moves_as_the_escalations() {
    let mut w = World::new();
    let rule = Automaton::Rule(RuleId::new());
    w.desk.workspace.automations.push(Automation {
        automaton: rule,
        name: "Out of hours".into(),
        replies_when_owned: false,
        active: true,
    });
    let inbound = w.inbound_on(
        w.main_inbox,
        ContactId::new(),
        text_content("anyone there?"),
    );
    let c = inbound.new_conversation;
    let (ana, sam) = (Actor::Member(w.ana), Actor::Member(w.sam));
    let mut timeline: Vec<Vec<Event>> = vec![w.receive(&inbound).expect("accepted")];
    let mut act = |w: &mut World, actor: Actor, command: Command| {
        let events = w
            .desk
            .execute(actor, w.now, &command)
            .unwrap_or_else(|refused| panic!("{command:?}: {refused:?}"));
        timeline.push(events);
    };
    act(
        &mut w,
        Actor::Automation(rule),
        reply(c, "We are closed; we answer from 9:00."),
    );
    act(
        &mut w,
        Actor::Automation(rule),
        Command::AddLabel {
            conversation: c,
            label: "after-hours".into(),
        },
    );
    act(&mut w, ana, claim(c));
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    act(&mut w, ana, request);
    act(
        &mut w,
        sam,
        Command::ApproveEscalation {
            escalation: e,
            note: Some("Carla knows this customer".into()),
        },
    );

    // Each change is one version, its events in order.
    let placed: Vec<(i64, &Event)> = timeline
        .iter()
        .zip(1..)
        .flat_map(|(events, version)| events.iter().map(move |e| (version, e)))
        .collect();
    let lines = Narrator::lines(&w.desk.workspace, placed.iter().copied());
    let words: Vec<&str> = lines.iter().map(|l| l.words.as_str()).collect();
    assert_eq!(
        words,
        [
            "Conversation opened",
            "rule 'Out of hours' added label “after-hours”",
            "Ana claimed it",
            "Ana asked to escalate to team South (high severity; approval makes it urgent priority) because: customer threatens a chargeback",
            "Sam approved the escalation: Carla knows this customer",
            "Escalation: moved from North to South",
            "Escalation: Ana → nobody",
            "Escalation: priority normal → urgent",
        ],
        "the customer's message and the rule's reply are not lines: each screen shows them as themselves"
    );
    assert!(lines.iter().all(|l| l.at == w.now), "{lines:?}");

    // The same moves, recorded on their own (not with an approval), are said as acts.
    let moved = timeline.last().expect("the approval");
    let alone: Vec<String> = moved[1..]
        .iter()
        .filter_map(|e| wording::event_line(&w.desk.workspace, &e.by, &e.change, false))
        .collect();
    assert_eq!(
        alone,
        [
            "Moved from North to South by Sam",
            "Escalated: Ana → nobody by Sam",
            "Sam changed the priority: normal → urgent",
        ]
    );
}
