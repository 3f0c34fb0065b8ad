//! The queue: views with counts, both orders, cursor pages, filters — and the database's
//! views agreeing with the domain's definition for every person.

use chrono::{Duration, Utc};
use relaydesk_core::domain::*;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::{Api, Person};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn view(api: &Api, who: &Person, query: &str) -> Value {
    let answer = api
        .get(who, &format!("/api/v1/conversations?{query}"))
        .await;
    assert_eq!(answer.status, 200, "{query}: {:?}", answer.body);
    answer.body
}

async fn ok(api: &Api, who: &Person, path: &str, body: Value) {
    let answer = api.post(who, path, body).await;
    assert_eq!(answer.status, 200, "{path}: {:?}", answer.body);
}

async fn each_view_holds_what_its_name_says_with_counts(api: Api) {
    let fresh = api
        .customer_writes("5511900000001", "is anyone there?")
        .await;
    let ana_owns = api.customer_writes("5511900000002", "my order").await;
    let waiting = api.customer_writes("5511900000003", "I'll check").await;
    let snoozed = api.customer_writes("5511900000004", "next week").await;
    let resolved = api.customer_writes("5511900000005", "thanks!").await;
    let escalated = api
        .customer_writes("5511900000006", "I want a refund")
        .await;
    let c = |id: ConversationId| format!("/api/v1/conversations/{id}");

    ok(
        &api,
        &api.ana,
        &format!("{}/claim", c(ana_owns)),
        Value::Null,
    )
    .await;
    for id in [waiting, snoozed, resolved] {
        ok(&api, &api.bruno, &format!("{}/claim", c(id)), Value::Null).await;
    }
    ok(
        &api,
        &api.bruno,
        &format!("{}/status", c(waiting)),
        json!({ "status": "pending" }),
    )
    .await;
    let until = Utc::now() + Duration::days(7);
    ok(
        &api,
        &api.bruno,
        &format!("{}/status", c(snoozed)),
        json!({ "status": "snoozed", "until": until }),
    )
    .await;
    ok(
        &api,
        &api.bruno,
        &format!("{}/status", c(resolved)),
        json!({ "status": "resolved" }),
    )
    .await;
    ok(
        &api,
        &api.ana,
        &format!("{}/claim", c(escalated)),
        Value::Null,
    )
    .await;
    ok(
        &api,
        &api.ana,
        &format!("{}/escalations", c(escalated)),
        json!({ "reason": "refund over the limit", "severity": "high",
                "target": { "kind": "team", "id": api.north } }),
    )
    .await;

    let page = view(&api, &api.ana, "view=unassigned").await;
    assert_eq!(ids(&page), [fresh.to_string()]);
    let counts = &page["counts"];
    assert_eq!(counts["unassigned"], 1, "{counts}");
    assert_eq!(counts["mine"], 2, "{counts}");
    assert_eq!(
        counts["team"], 3,
        "open in North: fresh, ana's two: {counts}"
    );
    assert_eq!(counts["escalations"], 1, "the one Ana requested: {counts}");
    assert_eq!(counts["waiting"], 1, "{counts}");
    assert_eq!(counts["snoozed"], 1, "{counts}");
    assert_eq!(counts["resolved"], 1, "{counts}");
    assert_eq!(counts["all"], 6, "{counts}");

    let mine = view(&api, &api.ana, "view=mine").await;
    let mut got = ids(&mine);
    got.sort();
    let mut want = vec![ana_owns.to_string(), escalated.to_string()];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        ids(&view(&api, &api.sara, "view=escalations").await),
        [escalated.to_string()]
    );
    assert_eq!(
        ids(&view(&api, &api.bruno, "view=escalations").await),
        Vec::<String>::new(),
        "an agent who neither asked nor owns nor decides"
    );
    assert_eq!(
        ids(&view(&api, &api.ana, "view=waiting").await),
        [waiting.to_string()]
    );
    assert_eq!(
        ids(&view(&api, &api.ana, "view=snoozed").await),
        [snoozed.to_string()]
    );
    assert_eq!(
        ids(&view(&api, &api.ana, "view=resolved").await),
        [resolved.to_string()]
    );

    // Sol works South: none of North's conversations, not even counted.
    let sol = view(&api, &api.sol, "view=all").await;
    assert!(ids(&sol).is_empty());
    assert_eq!(sol["counts"]["all"], 0);
    // The admin sees everything.
    assert_eq!(view(&api, &api.admin, "view=all").await["counts"]["all"], 6);

    // Summaries carry what a row shows.
    let row = &view(&api, &api.ana, "view=mine").await["items"][0];
    assert_eq!(row["assignee_name"], "Ana");
    assert_eq!(row["window_open"], true);
    assert!(
        row["contact_name"]
            .as_str()
            .expect("name")
            .starts_with("Customer")
    );
}

async fn longest_waiting_first_and_window_closing_soonest(api: Api) {
    let now = Utc::now();
    let two_hours = api
        .customer_writes_at("5511900000011", "hello", now - Duration::hours(2))
        .await;
    let three_hours = api
        .customer_writes_at("5511900000012", "hello", now - Duration::hours(3))
        .await;
    let one_hour = api
        .customer_writes_at("5511900000013", "hello", now - Duration::hours(1))
        .await;
    let closed = api
        .customer_writes_at("5511900000014", "hello", now - Duration::hours(30))
        .await;
    // Answered: nobody waits on us there any more, so it goes after the waiting ones.
    let answered = api
        .customer_writes_at("5511900000015", "hello", now - Duration::hours(5))
        .await;
    let reply = json!({ "id": MessageId::new(), "body": { "type": "text", "text": "On it" } });
    ok(
        &api,
        &api.ana,
        &format!("/api/v1/conversations/{answered}/messages"),
        reply,
    )
    .await;
    ok(
        &api,
        &api.ana,
        &format!("/api/v1/conversations/{answered}/release"),
        json!({ "note": "replied, waiting for their answer" }),
    )
    .await;

    let waiting = view(&api, &api.bruno, "view=unassigned").await;
    assert_eq!(
        ids(&waiting),
        [closed, three_hours, two_hours, one_hour, answered].map(|c| c.to_string())
    );
    assert_eq!(waiting["sort"], "longest_waiting");
    let closing = view(
        &api,
        &api.bruno,
        "view=unassigned&sort=window_closing_soonest",
    )
    .await;
    assert_eq!(
        ids(&closing),
        [answered, three_hours, two_hours, one_hour, closed].map(|c| c.to_string()),
        "open windows by closing time, the closed one last"
    );
    assert_eq!(closing["items"][4]["window_open"], false);
}

async fn pages_follow_the_cursor_without_gaps_or_repeats(api: Api) {
    let now = Utc::now();
    let mut expected = Vec::new();
    for i in 0..7 {
        let phone = format!("55119000001{i:02}");
        expected.push(
            api.customer_writes_at(&phone, "hi", now - Duration::minutes(70 - i))
                .await
                .to_string(),
        );
    }
    let mut seen = Vec::new();
    let mut query = "view=unassigned&limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page = view(&api, &api.ana, &query).await;
        pages += 1;
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("view=unassigned&limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);

    let bad = api
        .get(&api.ana, "/api/v1/conversations?cursor=bm9wZQ")
        .await;
    assert_eq!((bad.status, bad.code()), (422, "invalid"));
    let too_many = api.get(&api.ana, "/api/v1/conversations?limit=5000").await;
    assert_eq!((too_many.status, too_many.code()), (422, "invalid"));
}

async fn filters_narrow_by_label_priority_assignee_and_inbox(api: Api) {
    let vip = api.customer_writes("5511900000021", "hello").await;
    let urgent = api.customer_writes("5511900000022", "hello").await;
    let brunos = api.customer_writes("5511900000023", "hello").await;
    ok(
        &api,
        &api.ana,
        &format!("/api/v1/conversations/{vip}/labels"),
        json!({ "label": "VIP " }),
    )
    .await;
    ok(
        &api,
        &api.sara,
        &format!("/api/v1/conversations/{urgent}/priority"),
        json!({ "priority": "urgent" }),
    )
    .await;
    ok(
        &api,
        &api.bruno,
        &format!("/api/v1/conversations/{brunos}/claim"),
        Value::Null,
    )
    .await;

    assert_eq!(
        ids(&view(&api, &api.sara, "view=all&label=vip").await),
        [vip.to_string()]
    );
    assert_eq!(
        ids(&view(&api, &api.sara, "view=all&priority=urgent").await),
        [urgent.to_string()]
    );
    let by_bruno = view(
        &api,
        &api.sara,
        &format!("view=all&assignee={}", api.bruno.id),
    )
    .await;
    assert_eq!(ids(&by_bruno), [brunos.to_string()]);
    assert_eq!(by_bruno["counts"]["all"], 1, "counts follow the filters");
    assert_eq!(
        view(
            &api,
            &api.sara,
            &format!("view=all&inbox={}", api.main_inbox)
        )
        .await["counts"]["all"],
        3
    );
    assert_eq!(
        view(&api, &api.sara, &format!("view=all&team={}", api.south)).await["counts"]["all"],
        0
    );
    let bad = api
        .get(&api.sara, "/api/v1/conversations?priority=whenever")
        .await;
    assert_eq!((bad.status, bad.code()), (422, "invalid"));
}

async fn the_database_views_agree_with_the_domains_definition(api: Api) {
    // A mixed desk: owned, released, pending, snoozed (one due already), resolved, escalated.
    let mut all = Vec::new();
    for i in 0..12 {
        all.push(
            api.customer_writes(&format!("55119000003{i:02}"), "hello")
                .await,
        );
    }
    let c = |i: usize| format!("/api/v1/conversations/{}", all[i]);
    ok(&api, &api.ana, &format!("{}/claim", c(0)), Value::Null).await;
    for i in 1..=4 {
        ok(&api, &api.bruno, &format!("{}/claim", c(i)), Value::Null).await;
    }
    ok(
        &api,
        &api.bruno,
        &format!("{}/status", c(2)),
        json!({ "status": "pending" }),
    )
    .await;
    ok(
        &api,
        &api.bruno,
        &format!("{}/status", c(3)),
        json!({ "status": "snoozed", "until": Utc::now() + Duration::hours(3) }),
    )
    .await;
    ok(
        &api,
        &api.bruno,
        &format!("{}/status", c(4)),
        json!({ "status": "resolved" }),
    )
    .await;
    ok(&api, &api.ana, &format!("{}/claim", c(5)), Value::Null).await;
    ok(
        &api,
        &api.ana,
        &format!("{}/escalations", c(5)),
        json!({ "reason": "legal", "severity": "critical",
                "target": { "kind": "team", "id": api.south } }),
    )
    .await;
    ok(
        &api,
        &api.sara,
        &format!("{}/assign", c(6)),
        json!({ "to": { "kind": "team", "id": api.south }, "reason": "Spanish speaker" }),
    )
    .await;
    ok(&api, &api.bruno, &format!("{}/claim", c(7)), Value::Null).await;
    ok(
        &api,
        &api.bruno,
        &format!("{}/escalations", c(7)),
        json!({ "reason": "needs Sara", "severity": "low",
                "target": { "kind": "person", "id": api.sara.id } }),
    )
    .await;

    let workspace = api.store.workspace().await.expect("db");
    let conversations = api.store.conversations().await.expect("db");
    let now = Utc::now();
    for who in [&api.admin, &api.sara, &api.ana, &api.bruno, &api.sol] {
        let member = &workspace.members[&who.id];
        for v in View::ALL {
            let page = view(&api, who, &format!("view={v}&limit=200")).await;
            let mut got = ids(&page);
            got.sort();
            let mut want: Vec<String> = conversations
                .iter()
                .filter(|c| v.includes(member, c, &workspace, now))
                .map(|c| c.id.to_string())
                .collect();
            want.sort();
            assert_eq!(got, want, "{} / {v}", member.name);
            assert_eq!(
                page["counts"][v.as_str()],
                want.len(),
                "{} / {v} count",
                member.name
            );
        }
    }
}

async fn a_conversation_reads_whole_and_its_timeline_pages_in_order(api: Api) {
    let id = api
        .customer_writes("5511900000041", "my parcel is late")
        .await;
    let path = format!("/api/v1/conversations/{id}");
    ok(&api, &api.ana, &format!("{path}/claim"), Value::Null).await;
    ok(
        &api,
        &api.ana,
        &format!("{path}/notes"),
        json!({ "body": "@bruno you had this one?" }),
    )
    .await;
    ok(
        &api,
        &api.ana,
        &format!("{path}/labels"),
        json!({ "label": "late-delivery" }),
    )
    .await;
    ok(
        &api,
        &api.ana,
        &format!("{path}/messages"),
        json!({ "id": MessageId::new(), "body": { "type": "text", "text": "Checking now" } }),
    )
    .await;

    let detail = api.get(&api.bruno, &path).await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    assert_eq!(detail.body["owner_name"], "Ana");
    assert_eq!(detail.body["team_name"], "North");
    assert_eq!(detail.body["inbox_name"], "Main");
    assert_eq!(detail.body["contact"]["phone"], "5511900000041");
    assert_eq!(detail.body["window_open"], true);
    assert_eq!(
        detail.body["conversation"]["labels"],
        json!(["late-delivery"])
    );

    let mut kinds = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = api
            .get(&api.bruno, &format!("{path}/timeline?limit=2{cursor}"))
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        for entry in page.body["entries"].as_array().expect("entries") {
            kinds.push(
                entry["event"]["change"]["event"]
                    .as_str()
                    .expect("kind")
                    .to_owned(),
            );
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(
        kinds,
        [
            "conversation_opened",
            "customer_message_received",
            "assignment_changed",
            "note_added",
            "label_added",
            "reply_queued"
        ]
    );
    // Sol, of South, is told it does not exist.
    assert_eq!(api.get(&api.sol, &path).await.status, 404);
    assert_eq!(
        api.get(&api.sol, &format!("{path}/timeline")).await.status,
        404
    );
}

api_stories!(
    each_view_holds_what_its_name_says_with_counts,
    longest_waiting_first_and_window_closing_soonest,
    pages_follow_the_cursor_without_gaps_or_repeats,
    filters_narrow_by_label_priority_assignee_and_inbox,
    the_database_views_agree_with_the_domains_definition,
    a_conversation_reads_whole_and_its_timeline_pages_in_order,
);
