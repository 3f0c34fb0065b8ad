//! Actors who are not people: a rule set up in the workspace (a test-only automaton — rules
//! and bots arrive with their own issues) acts through the same write path as members, within
//! what automation may do, and every door names it: the REST thread, the web view, a current
//! phone's pull (as automation) and an older phone's (as a colleague named after it).

use chrono::Utc;
use relaydesk_core::domain::*;
use relaydesk_server::store::Setup;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::Api;
use crate::web::Browser;

fn text(conversation: ConversationId, body: &str) -> Command {
    Command::Reply {
        conversation,
        message: MessageId::new(),
        body: ReplyBody::Text { text: body.into() },
        in_reply_to: None,
    }
}

async fn pull(api: &Api, protocol: Option<&str>) -> Value {
    let mut request = api
        .http
        .get(format!(
            "{}/api/v1/sync/pull?client_id={}&cursor=0",
            api.base,
            uuid::Uuid::now_v7()
        ))
        .bearer_auth(&api.ana.token);
    if let Some(protocol) = protocol {
        request = request.header("relaydesk-protocol", protocol);
    }
    let answer = request.send().await.expect("answers");
    assert_eq!(answer.status(), 200);
    answer.json().await.expect("json")
}

async fn a_rule_answers_out_of_hours_without_taking_the_conversation_and_every_door_names_it(
    api: Api,
) {
    let rule = Automaton::Rule(RuleId::new());
    api.store
        .setup(Setup::Automation(Automation {
            automaton: rule,
            name: "Out of hours".into(),
            replies_when_owned: false,
            active: true,
        }))
        .await
        .expect("set up");
    let by_rule = Actor::Automation(rule);
    let c = api
        .customer_writes("5511900000801", "Anyone there at midnight?")
        .await;
    let run = |command: Command| {
        let store = api.store.clone();
        async move {
            store
                .execute(by_rule, Utc::now(), command)
                .await
                .expect("db")
        }
    };

    // It answers and leaves a note for the morning shift; the conversation stays unowned.
    run(text(c, "We are closed; we answer from 9:00."))
        .await
        .expect("a rule replies to an unowned conversation");
    run(Command::AddNote {
        conversation: c,
        note: NoteId::new(),
        body: "Asked at midnight; told we open at 9.".into(),
    })
    .await
    .expect("notes");
    run(Command::AddLabel {
        conversation: c,
        label: "after-hours".into(),
    })
    .await
    .expect("labels");
    let after = api.store.conversation(c).await.expect("db").expect("there");
    assert_eq!(after.assignee, None, "a rule's reply claims nothing");

    // What only people do stays with people.
    for refused in [
        Command::Claim { conversation: c },
        Command::MarkRead {
            conversation: c,
            message: api.last_inbound(c).await,
        },
        Command::SetAvailability {
            availability: Availability::Online,
        },
    ] {
        assert!(
            matches!(run(refused.clone()).await, Err(Rejection::Forbidden { .. })),
            "{refused:?}"
        );
    }

    // Once Ana owns it, the rule (set up not to) does not reply over her.
    let claimed = api
        .post(
            &api.ana,
            &format!("/api/v1/conversations/{c}/claim"),
            Value::Null,
        )
        .await;
    assert_eq!(claimed.status, 200, "{}", claimed.body);
    let over_her = run(text(c, "Still closed!")).await;
    assert!(
        matches!(&over_her, Err(Rejection::Forbidden { reason }) if reason.contains("Ana")),
        "{over_her:?}"
    );

    // The REST thread names the rule as the note's and the reply's author.
    let thread = api
        .get(&api.ana, &format!("/api/v1/conversations/{c}/timeline"))
        .await;
    assert_eq!(thread.status, 200, "{}", thread.body);
    let automation = json!({"kind": "automation", "id": {"kind": "rule", "id": rule_id(rule)}});
    let dump = thread.body.to_string();
    assert!(dump.contains(&automation.to_string()), "{dump}");

    // The web view says who did it in words.
    let mut browser = Browser::new(&api.base);
    browser.sign_in(&api.ana.email).await;
    let page = browser.get(&format!("/conversations/{c}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("rule &#39;Out of hours&#39;")
            || page.html.contains("rule 'Out of hours'"),
        "{}",
        page.html
    );

    // A current phone reads automation as automation, and the rule among the workspace's.
    let current = pull(&api, Some("2")).await;
    let note = &current["notes"][0];
    assert_eq!(note["author"], automation, "{note}");
    assert_eq!(
        current["workspace"]["automations"][0]["name"], "Out of hours",
        "{}",
        current["workspace"]
    );

    // An older phone is shown a colleague named after the rule, in its own shape.
    let older = pull(&api, None).await;
    let colleague = rule.colleague_id().to_string();
    assert_eq!(older["notes"][0]["author"], json!(colleague));
    let members = older["workspace"]["members"].as_array().expect("members");
    assert!(
        members
            .iter()
            .any(|m| m["id"] == json!(colleague) && m["name"] == "Out of hours (rule)"),
        "{members:?}"
    );
    assert!(
        !older.to_string().contains("\"automation\""),
        "nothing a version 1 phone does not know: {older}"
    );
}

fn rule_id(rule: Automaton) -> String {
    match rule {
        Automaton::Rule(id) => id.to_string(),
        other => panic!("not a rule: {other:?}"),
    }
}

api_stories!(a_rule_answers_out_of_hours_without_taking_the_conversation_and_every_door_names_it);
