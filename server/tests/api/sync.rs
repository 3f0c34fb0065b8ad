//! Phone sync, server side: pushed commands consumed in order and exactly once (a repeated push
//! answers the first outcomes; a lost claim names who won), pulls that page through everything
//! a person may see and then only what changed, removals, and a reset when their teams change.

use relaydesk_core::domain::*;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::{Api, Person};

fn client() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn push(api: &Api, who: &Person, client: &str, mutations: Value) -> crate::client::Answer {
    api.post(
        who,
        "/api/v1/sync/push",
        json!({ "client_id": client, "mutations": mutations }),
    )
    .await
}

async fn pull(api: &Api, who: &Person, client: &str, query: &str) -> Value {
    let answer = api
        .get(
            who,
            &format!("/api/v1/sync/pull?client_id={client}&{query}"),
        )
        .await;
    assert_eq!(answer.status, 200, "{query}: {:?}", answer.body);
    answer.body
}

fn outcomes(answer: &crate::client::Answer) -> Vec<String> {
    answer.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let outcome = r["outcome"]["outcome"]
                .as_str()
                .expect("outcome")
                .to_owned();
            match r["outcome"]["rejection"]["code"].as_str() {
                Some(code) => format!("{outcome}:{code}"),
                None => outcome,
            }
        })
        .collect()
}

async fn a_repeated_push_applies_nothing_twice_and_answers_the_same(api: Api) {
    let c = api.customer_writes("5511900000091", "hello").await;
    let phone = client();
    let mutations = json!([
        { "id": 1, "command": { "command": "claim", "conversation": c } },
        { "id": 2, "command": { "command": "add_note", "conversation": c, "note": NoteId::new(), "body": "called back" } },
        { "id": 3, "command": { "command": "set_priority", "conversation": "not-an-id", "priority": "high" } },
    ]);
    let bad = push(&api, &api.ana, &phone, mutations).await;
    assert_eq!(
        (bad.status, bad.code()),
        (422, "invalid"),
        "an unreadable command is refused whole"
    );

    let mutations = json!([
        { "id": 1, "command": { "command": "claim", "conversation": c } },
        { "id": 2, "command": { "command": "add_note", "conversation": c, "note": NoteId::new(), "body": "called back" } },
        { "id": 3, "command": { "command": "set_status", "conversation": c, "status": { "status": "snoozed", "until": "2020-01-01T00:00:00Z" } } },
    ]);
    let first = push(&api, &api.ana, &phone, mutations.clone()).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(outcomes(&first), ["applied", "applied", "rejected:invalid"]);
    let refused = &first.body["results"][2]["outcome"];
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("snooze") || m.len() > 10),
        "a refusal comes in words too, for a phone that does not know its code: {refused}"
    );
    assert_eq!(
        first.body["last_mutation_id"], 3,
        "a refused command is consumed too"
    );
    let events_before = api.store.events_of(c).await.expect("db").len();

    // The answer was lost; the phone pushes the same again.
    let again = push(&api, &api.ana, &phone, mutations).await;
    assert_eq!(again.status, 200);
    assert_eq!(outcomes(&again), outcomes(&first));
    assert_eq!(
        api.store.events_of(c).await.expect("db").len(),
        events_before,
        "nothing twice"
    );

    let gap = push(
        &api,
        &api.ana,
        &phone,
        json!([{ "id": 5, "command": { "command": "claim", "conversation": c } }]),
    )
    .await;
    assert_eq!((gap.status, gap.code()), (409, "mutation_gap"));
    assert_eq!(gap.body["error"]["expected"], 4);
    let someone_elses = push(
        &api,
        &api.bruno,
        &phone,
        json!([{ "id": 4, "command": { "command": "claim", "conversation": c } }]),
    )
    .await;
    assert_eq!(someone_elses.status, 403);
    let from_whatsapp = push(&api, &api.ana, &client(), json!([{ "id": 1, "command": {
        "command": "record_delivery", "message": { "ours": null, "wamid": "wamid.X" }, "wamid": null,
        "report": { "status": "read" }, "at": "2026-01-01T00:00:00Z" } }])).await;
    assert!(from_whatsapp.status == 422, "{:?}", from_whatsapp.body);
}

/// A phone built against a newer server may send a value this one does not know (a new
/// priority): the command reads (so the rest of the push goes on) and is refused alone, with
/// the field named; nothing changes.
async fn a_value_this_server_does_not_know_is_refused_by_that_command_alone(api: Api) {
    let c = api.customer_writes("5511900000092", "hello").await;
    let phone = client();
    let mutations = json!([
        { "id": 1, "command": { "command": "claim", "conversation": c } },
        { "id": 2, "command": { "command": "set_priority", "conversation": c, "priority": "critical" } },
        { "id": 3, "command": { "command": "set_availability", "availability": "in_a_meeting" } },
        { "id": 4, "command": { "command": "add_label", "conversation": c, "label": "vip" } },
    ]);
    let answer = push(&api, &api.ana, &phone, mutations).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        outcomes(&answer),
        ["applied", "rejected:invalid", "rejected:invalid", "applied"]
    );
    assert_eq!(
        answer.body["results"][1]["outcome"]["rejection"]["field"],
        "priority"
    );
    assert_eq!(
        answer.body["results"][2]["outcome"]["rejection"]["field"],
        "availability"
    );
    let conversation = api.store.conversation(c).await.expect("db").expect("there");
    assert_eq!(conversation.priority, Priority::Normal, "unchanged");
}

async fn an_offline_claim_loses_to_an_online_one_and_is_told_who_won(api: Api) {
    let c = api.customer_writes("5511900000092", "hello").await;
    let online = api
        .post(
            &api.bruno,
            &format!("/api/v1/conversations/{c}/claim"),
            Value::Null,
        )
        .await;
    assert_eq!(online.status, 200);
    let phone = client();
    let late = push(
        &api,
        &api.ana,
        &phone,
        json!([{ "id": 1, "command": { "command": "claim", "conversation": c } }]),
    )
    .await;
    assert_eq!(outcomes(&late), ["rejected:already_owned"]);
    assert_eq!(
        late.body["results"][0]["outcome"]["rejection"]["owner_name"],
        "Bruno"
    );
    let state = pull(&api, &api.ana, &phone, "cursor=0").await;
    assert_eq!(state["last_mutation_id"], 1);
    let seen = state["conversations"]
        .as_array()
        .expect("list")
        .iter()
        .find(|x| x["id"] == c.to_string())
        .expect("still visible to Ana");
    assert_eq!(
        seen["assignee"],
        api.bruno.id.to_string(),
        "server truth: Bruno owns it"
    );
}

async fn a_first_pull_pages_through_everything_then_only_changes_come(api: Api) {
    let mut all = Vec::new();
    for i in 0..7 {
        all.push(
            api.customer_writes(&format!("55119000009{i:02}"), "hello")
                .await
                .to_string(),
        );
    }
    let phone = client();
    let mut seen = Vec::new();
    let mut query = "cursor=0&limit=3".to_owned();
    let mut pages = 0;
    let cursor = loop {
        let page = pull(&api, &api.ana, &phone, &query).await;
        pages += 1;
        for c in page["conversations"].as_array().expect("list") {
            seen.push(c["id"].as_str().expect("id").to_owned());
        }
        assert_eq!(
            page["messages"].as_array().expect("messages").len(),
            page["conversations"].as_array().expect("list").len(),
            "each with its message"
        );
        if pages == 1 {
            assert!(
                page["workspace"]["members"]
                    .as_array()
                    .is_some_and(|m| m.len() == 5 + 1),
                "the workspace comes first: five people and, for this version 1 pull, Relaydesk \
                 itself as a colleague (what an older phone names the system's acts by)"
            );
        }
        match page["next_page"].as_str() {
            Some(next) => query = format!("cursor=0&limit=3&page={next}"),
            None => break page["cursor"].as_i64().expect("cursor"),
        }
    };
    assert_eq!(pages, 3);
    seen.sort();
    all.sort();
    assert_eq!(seen, all);

    let nothing = pull(&api, &api.ana, &phone, &format!("cursor={cursor}")).await;
    assert!(
        nothing["conversations"]
            .as_array()
            .expect("list")
            .is_empty()
    );
    assert!(
        nothing["workspace"].is_null(),
        "the workspace did not change"
    );

    let note = api
        .post(
            &api.bruno,
            &format!("/api/v1/conversations/{}/notes", all[0]),
            json!({ "body": "@ana look" }),
        )
        .await;
    assert_eq!(note.status, 200);
    let changed = pull(&api, &api.ana, &phone, &format!("cursor={cursor}")).await;
    let ids: Vec<&str> = changed["conversations"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [all[0].as_str()]);
    assert_eq!(changed["notes"][0]["body"], "@ana look");
    assert!(
        changed["messages"].as_array().expect("messages").is_empty(),
        "no message changed"
    );
    assert_eq!(changed["events"].as_array().expect("events").len(), 1);
    assert!(changed["cursor"].as_i64().expect("cursor") > cursor);

    // Sol (South) has nothing of North's.
    let sol = pull(&api, &api.sol, &client(), "cursor=0").await;
    assert!(sol["conversations"].as_array().expect("list").is_empty());
}

async fn what_leaves_sight_is_removed_and_a_team_change_resets_the_copy(api: Api) {
    // A South customer, escalated by Sol to Sara (a North supervisor): Sara sees it while the
    // escalation waits for her.
    let c = api.customer_writes_to_south("5511900000099", "hola").await;
    assert_eq!(
        api.post(
            &api.sol,
            &format!("/api/v1/conversations/{c}/claim"),
            Value::Null
        )
        .await
        .status,
        200
    );
    let escalation = EscalationId::new();
    let asked = api
        .post(
            &api.sol,
            &format!("/api/v1/conversations/{c}/escalations"),
            json!({ "id": escalation, "reason": "needs Sara", "severity": "low",
                "target": { "kind": "person", "id": api.sara.id } }),
        )
        .await;
    assert_eq!(asked.status, 200, "{:?}", asked.body);

    let phone = client();
    let first = pull(&api, &api.sara, &phone, "cursor=0").await;
    assert!(
        first["conversations"]
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["id"] == c.to_string())
    );
    let cursor = first["cursor"].as_i64().expect("cursor");

    let rejected = api
        .post(
            &api.sara,
            &format!("/api/v1/escalations/{escalation}/reject"),
            json!({ "reason": "South can handle it" }),
        )
        .await;
    assert_eq!(rejected.status, 200, "{:?}", rejected.body);
    let after = pull(&api, &api.sara, &phone, &format!("cursor={cursor}")).await;
    assert_eq!(
        after["removed"],
        json!([c.to_string()]),
        "it left Sara's sight"
    );
    assert!(after["conversations"].as_array().expect("list").is_empty());
    assert_eq!(after["reset"], false);

    // Ana's teams change: what she may see changed as a whole.
    let ana_phone = client();
    let ana_first = pull(&api, &api.ana, &ana_phone, "cursor=0").await;
    let ana_cursor = ana_first["cursor"].as_i64().expect("cursor");
    let moved = api
        .call(
            Some(&api.admin),
            "PATCH",
            &format!("/api/v1/admin/users/{}", api.ana.id),
            Some(json!({ "teams": [api.south] })),
        )
        .await;
    assert_eq!(moved.status, 200);
    let reset = pull(&api, &api.ana, &ana_phone, &format!("cursor={ana_cursor}")).await;
    assert_eq!(reset["reset"], true);
    assert!(
        reset["conversations"]
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["id"] == c.to_string()),
        "now in South, she sees South's customer"
    );
}

async fn a_deleted_canned_reply_leaves_the_phones_too(api: Api) {
    let made = api
        .post(
            &api.sara,
            "/api/v1/canned-replies",
            json!({ "shortcut": "bye", "title": "Bye", "body": "Bye!",
                    "scope": { "kind": "team", "id": api.north } }),
        )
        .await;
    assert_eq!(made.status, 201);
    let phone = client();
    let first = pull(&api, &api.ana, &phone, "cursor=0").await;
    assert_eq!(
        first["workspace"]["canned_replies"]
            .as_array()
            .expect("list")
            .len(),
        1
    );
    let cursor = first["cursor"].as_i64().expect("cursor");
    let id = made.body["id"].as_str().expect("id");
    let gone = api
        .call(
            Some(&api.sara),
            "DELETE",
            &format!("/api/v1/canned-replies/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    let after = pull(&api, &api.ana, &phone, &format!("cursor={cursor}")).await;
    assert_eq!(
        after["workspace"]["canned_replies"],
        json!([]),
        "the workspace comes again, without it"
    );
}

/// A phone that was offline for a very long time pushes its first commands again: the server
/// consumed them long ago and keeps outcomes only for the last thousand, so it says it does not
/// know how they went — never "applied" for what it cannot vouch for.
async fn a_command_consumed_a_thousand_commands_ago_answers_unknown_outcome(api: Api) {
    let c = api.customer_writes("5511900000092", "hello").await;
    let phone = client();
    let mut next = 1;
    for _ in 0..3 {
        let batch: Vec<_> = (next..next + 350)
            .map(|id| json!({ "id": id, "command": { "command": "add_label", "conversation": c, "label": format!("batch {}", id % 7) } }))
            .collect();
        next += 350;
        let answer = push(&api, &api.ana, &phone, Value::Array(batch)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    // The first command again (with the last, whose outcome is still kept).
    let again = push(
        &api,
        &api.ana,
        &phone,
        json!([
            { "id": 1, "command": { "command": "add_label", "conversation": c, "label": "batch 1" } },
        ]),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(outcomes(&again), ["unknown_outcome"]);
    let recent = push(
        &api,
        &api.ana,
        &phone,
        json!([
            { "id": next - 1, "command": { "command": "add_label", "conversation": c, "label": "batch 1" } },
        ]),
    )
    .await;
    assert_eq!(
        outcomes(&recent),
        ["applied"],
        "a recent one still answers its outcome"
    );
}

/// Sol works South. A North conversation changes hands twice while Sol's phone syncs: Sol's
/// pull never names it, not even as a removal — its id is none of South's business.
async fn a_pull_never_names_a_conversation_the_caller_could_not_see(api: Api) {
    let phone = client();
    let first = pull(&api, &api.sol, &phone, "cursor=0").await;
    let cursor = first["cursor"].as_i64().expect("cursor");
    let c = api
        .customer_writes("5511900000093", "where is my order?")
        .await;
    let path = format!("/api/v1/conversations/{c}");
    assert_eq!(
        api.post(&api.ana, &format!("{path}/claim"), Value::Null)
            .await
            .status,
        200
    );
    let moved = api
        .post(
            &api.sara,
            &format!("{path}/assign"),
            json!({ "to": { "kind": "agent", "id": api.bruno.id }, "reason": "Ana is at lunch" }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let after = pull(&api, &api.sol, &phone, &format!("cursor={cursor}")).await;
    let named = after.to_string();
    assert!(
        !named.contains(&c.to_string()),
        "Sol's pull names nothing of it: {named}"
    );
}

/// `count` messages from `phone` to number A in one delivery, `first` second onwards.
fn many_from(phone: &str, count: usize, first: i64) -> Vec<u8> {
    let messages: Vec<Value> = (0..count)
        .map(|i| {
            json!({
                "from": phone,
                "id": format!("wamid.{}", uuid::Uuid::now_v7().simple()),
                "timestamp": (first + i as i64).to_string(),
                "type": "text",
                "text": { "body": format!("line {i}") },
            })
        })
        .collect();
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "310984726155302", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "12125550142", "phone_number_id": crate::harness::BUSINESS_A },
            "contacts": [{ "profile": { "name": "Talkative" }, "wa_id": phone }],
            "messages": messages,
        }}]}],
    })
    .to_string()
    .into_bytes()
}

/// Every page of a pull from `cursor`, in order.
async fn pull_pages(api: &Api, who: &Person, phone: &str, cursor: i64, limit: i64) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut query = format!("cursor={cursor}&limit={limit}");
    loop {
        let page = pull(api, who, phone, &query).await;
        let next = page["next_page"].as_str().map(str::to_owned);
        assert_eq!(
            page["has_more"],
            next.is_some(),
            "has_more says whether a page follows"
        );
        pages.push(page);
        match next {
            Some(next) => query = format!("cursor={cursor}&limit={limit}&page={next}"),
            None => return pages,
        }
    }
}

fn ids_in(pages: &[Value], list: &str) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p[list].as_array().expect("list").clone())
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Sol works South (number B) while North (number A) is busy: every page of Sol's pull is
/// full of South's conversations — the others are left out by the query, not read and
/// dropped — and a pull after North changed again brings only South's change.
async fn a_pull_page_is_filled_with_what_the_person_may_see(api: Api) {
    let mut south = Vec::new();
    for i in 0..9 {
        let phone = format!("55119000007{i:02}");
        if i % 3 == 0 {
            south.push(
                api.customer_writes_to_south(&phone, "hola")
                    .await
                    .to_string(),
            );
        } else {
            api.customer_writes(&phone, "hello").await;
        }
    }
    let phone = client();
    let pages = pull_pages(&api, &api.sol, &phone, 0, 2).await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p["conversations"].as_array().expect("list").len())
        .collect();
    assert_eq!(sizes, [2, 1], "two full pages of South's, no empty ones");
    let mut seen = ids_in(&pages, "conversations");
    seen.sort();
    south.sort();
    assert_eq!(seen, south);
    let cursor = pages[pages.len() - 1]["cursor"].as_i64().expect("cursor");

    for i in 0..5 {
        api.customer_writes(&format!("55119000008{i:02}"), "more")
            .await;
    }
    let note = api
        .post(
            &api.sol,
            &format!("/api/v1/conversations/{}/notes", south[1]),
            json!({ "body": "called her back" }),
        )
        .await;
    assert_eq!(note.status, 200, "{}", note.body);
    let pages = pull_pages(&api, &api.sol, &phone, cursor, 1).await;
    assert_eq!(pages.len(), 1, "one page: North's changes are not Sol's");
    assert_eq!(ids_in(&pages, "conversations"), [south[1].clone()]);
    assert_eq!(pages[0]["notes"][0]["body"], "called her back");
}

/// A customer who wrote 1,100 times has a longer history than one page carries: the pull
/// cuts it between two versions and continues it on the next page; the phone gets every
/// message once and the conversation on both pages.
async fn a_long_history_is_carried_over_pages_of_bounded_size(api: Api) {
    let start = chrono::Utc::now().timestamp() - 3_600;
    for batch in 0..11 {
        let report = api
            .store
            .ingest_webhook(
                many_from("5511900000077", 100, start + batch * 100),
                chrono::Utc::now(),
            )
            .await
            .expect("ingest");
        assert_eq!(report.messages_stored, 100, "{report:?}");
    }
    let talkative = crate::harness::conversation_of(&api.store, "5511900000077")
        .await
        .id
        .to_string();
    api.customer_writes("5511900000078", "just one").await;
    let pages = pull_pages(&api, &api.ana, &client(), 0, 200).await;
    assert!(pages.len() >= 2, "the history does not fit one page");
    for page in &pages {
        let items = ["messages", "notes", "events"]
            .iter()
            .map(|list| page[*list].as_array().expect("list").len())
            .sum::<usize>();
        assert!(
            items <= 2_000,
            "a page carries at most 2,000 items, not {items}"
        );
    }
    let mut messages = ids_in(&pages, "messages");
    let count = messages.len();
    messages.sort();
    messages.dedup();
    assert_eq!((count, messages.len()), (1_101, 1_101), "each message once");
    let carrying: Vec<usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p["conversations"]
                .as_array()
                .expect("list")
                .iter()
                .any(|c| c["id"] == talkative.as_str())
        })
        .map(|(i, _)| i)
        .collect();
    assert!(
        carrying.len() >= 2,
        "the long conversation comes with each of its pages"
    );
    let events = ids_in_events(&pages);
    let distinct: std::collections::BTreeSet<_> = events.iter().collect();
    assert_eq!(events.len(), distinct.len(), "no event twice");
}

fn ids_in_events(pages: &[Value]) -> Vec<(i64, i64)> {
    pages
        .iter()
        .flat_map(|p| p["events"].as_array().expect("events").clone())
        .map(|e| {
            (
                e["version"].as_i64().expect("v"),
                e["seq"].as_i64().expect("seq"),
            )
        })
        .collect()
}

/// Phones name the protocol they speak; the server answers in the one it serves: a phone from
/// before the header gets version 1, a newer phone gets the newest this server knows (and
/// reads which from the answer), and a header that names no version is refused in the JSON
/// error shape.
async fn every_answer_names_the_protocol_it_was_served_in(api: Api) {
    let ask = |version: Option<&'static str>| {
        let mut request = api
            .http
            .get(format!("{}/api/v1/me", api.base))
            .bearer_auth(&api.ana.token);
        if let Some(version) = version {
            request = request.header("relaydesk-protocol", version);
        }
        async move {
            let answer = request.send().await.expect("answers");
            let served = answer
                .headers()
                .get("relaydesk-protocol")
                .map(|v| v.to_str().expect("text").to_owned());
            let status = answer.status().as_u16();
            let body: Value = answer.json().await.unwrap_or(Value::Null);
            (status, served, body)
        }
    };
    let (status, served, _) = ask(None).await;
    assert_eq!((status, served.as_deref()), (200, Some("1")));
    let (status, served, _) = ask(Some("1")).await;
    assert_eq!((status, served.as_deref()), (200, Some("1")));
    let (status, served, _) = ask(Some("42")).await;
    assert_eq!(
        (status, served.as_deref()),
        (200, Some("2")),
        "the newest known"
    );
    let (status, _, body) = ask(Some("two")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("protocol")),
        "{body}"
    );
}

api_stories!(
    a_value_this_server_does_not_know_is_refused_by_that_command_alone,
    every_answer_names_the_protocol_it_was_served_in,
    a_pull_page_is_filled_with_what_the_person_may_see,
    a_long_history_is_carried_over_pages_of_bounded_size,
    a_pull_never_names_a_conversation_the_caller_could_not_see,
    a_command_consumed_a_thousand_commands_ago_answers_unknown_outcome,
    a_deleted_canned_reply_leaves_the_phones_too,
    a_repeated_push_applies_nothing_twice_and_answers_the_same,
    an_offline_claim_loses_to_an_online_one_and_is_told_who_won,
    a_first_pull_pages_through_everything_then_only_changes_come,
    what_leaves_sight_is_removed_and_a_team_change_resets_the_copy,
);
