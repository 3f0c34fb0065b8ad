//! The configuration's history over REST: an admin renames a team and changes a person
//! through the API, Ana changes her availability from the API, and the admin reads who did
//! what, through which door and session, before → after — filtered, paged — and the
//! configuration as it was before the rename. Bad filters get clear errors.

use serde_json::{Value, json};

use crate::api_stories;
use crate::client::Api;

async fn an_admin_reads_who_changed_the_configuration_and_how_it_was(api: Api) {
    let before_anything = chrono::Utc::now();
    let since = before_anything.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let team = api
        .post(
            &api.admin,
            "/api/v1/admin/teams",
            json!({ "name": "Night" }),
        )
        .await;
    assert_eq!(team.status, 201, "{}", team.body);
    let team_id = team.body["id"].as_str().expect("id").to_owned();
    let changed = api
        .call(
            Some(&api.admin),
            "PATCH",
            &format!("/api/v1/admin/users/{}", api.bruno.id),
            Some(json!({ "capacity": 4 })),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let away = api
        .call(
            Some(&api.ana),
            "POST",
            "/api/v1/me/availability",
            Some(json!({ "availability": "away" })),
        )
        .await;
    assert!(away.status < 300, "{} {}", away.status, away.body);

    let teams = api
        .get(&api.admin, "/api/v1/admin/config-log?kind=team")
        .await;
    assert_eq!(teams.status, 200, "{}", teams.body);
    let night: Vec<&Value> = teams.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["item"] == team_id.as_str())
        .collect();
    assert_eq!(night.len(), 1, "{}", teams.body);
    let entry = night[0];
    assert_eq!(entry["by"], json!({ "kind": "member", "id": api.admin.id }));
    assert_eq!(entry["door"], "rest");
    let sessions = api.store.sessions_of(api.admin.id).await.expect("db");
    assert!(
        sessions.iter().any(|s| entry["session"] == s.id.as_str()),
        "the admin's session: {entry}"
    );
    assert_eq!(entry["before"], Value::Null);
    assert_eq!(entry["after"]["name"], "Night");

    let by_ana = api
        .get(
            &api.admin,
            &format!("/api/v1/admin/config-log?actor={}", api.ana.id),
        )
        .await;
    let entries = by_ana.body["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{}", by_ana.body);
    assert_eq!(entries[0]["kind"], "member");
    assert_eq!(entries[0]["before"]["availability"], "offline");
    assert_eq!(entries[0]["after"]["availability"], "away");

    // Paged one at a time, newest first: Ana's availability, Bruno's capacity, the team.
    let first = api
        .get(
            &api.admin,
            &format!("/api/v1/admin/config-log?limit=1&since={since}"),
        )
        .await;
    assert_eq!(first.body["entries"][0]["item"], api.ana.id.to_string());
    let next = first.body["next"].as_str().expect("a next page");
    let second = api
        .get(
            &api.admin,
            &format!("/api/v1/admin/config-log?limit=1&since={since}&before={next}"),
        )
        .await;
    assert_eq!(second.body["entries"][0]["item"], api.bruno.id.to_string());
    assert_eq!(second.body["entries"][0]["after"]["capacity"], 4);

    let then = api
        .get(&api.admin, &format!("/api/v1/admin/config?at={since}"))
        .await;
    assert_eq!(then.status, 200, "{}", then.body);
    assert!(
        then.body["workspace"]["teams"].get(&team_id).is_none(),
        "the team came later"
    );
    assert_eq!(
        then.body["workspace"]["members"][api.ana.id.to_string()]["availability"],
        "offline"
    );
    let now = api.get(&api.admin, "/api/v1/admin/config").await;
    assert_eq!(now.body["workspace"]["teams"][&team_id]["name"], "Night");
    assert_eq!(now.body["known_from"], Value::Null);
}

async fn bad_filters_are_refused_with_the_field_named(api: Api) {
    for (query, field) in [
        ("kind=planet", "kind"),
        ("actor=someone", "actor"),
        ("since=yesterday", "since"),
        ("until=2026-13-01", "until"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("before=not-a-cursor", "before"),
        // A cursor's shape with a control character in it: refused, not a database error.
        ("before=WzEsMSwidGVhbSIsImFcdTAwMDBiIiwxXQ", "before"),
    ] {
        let answer = api
            .get(&api.admin, &format!("/api/v1/admin/config-log?{query}"))
            .await;
        assert_eq!(answer.status, 422, "{query}: {}", answer.body);
        assert_eq!(
            answer.body["error"]["field"], field,
            "{query}: {}",
            answer.body
        );
    }
    let answer = api.get(&api.admin, "/api/v1/admin/config?at=soon").await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.body["error"]["field"], "at");
}

api_stories!(
    an_admin_reads_who_changed_the_configuration_and_how_it_was,
    bad_filters_are_refused_with_the_field_named,
);
