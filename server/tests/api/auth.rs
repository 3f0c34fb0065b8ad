//! Signing in and out: one-time passwords, devices and their sessions, rate limits, resets,
//! deactivation, and bad requests answered in the one JSON error shape.

use chrono::Utc;
use relaydesk_server::accounts;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::{Api, PASSWORD, Person, login};

async fn the_first_admin_must_change_the_one_time_password_before_anything_else(api: Api) {
    // The workspace already has accounts, so a restart creates no second admin.
    assert!(
        accounts::ensure_first_admin(&api.store, Utc::now())
            .await
            .expect("db")
            .is_none()
    );
    // A person created without a password gets a one-time password, as the first admin does.
    let created = api
        .post(
            &api.admin,
            "/api/v1/admin/users",
            json!({ "email": "Nia@Example.test ", "name": "Nia Costa", "role": "agent",
                    "teams": [api.north] }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["user"]["email"], "nia@example.test");
    assert_eq!(created.body["user"]["handle"], "nia.costa");
    assert_eq!(created.body["user"]["must_change_password"], true);
    let one_time = created.body["one_time_password"]
        .as_str()
        .expect("shown once");

    let nia = Person {
        id: serde_json::from_value(created.body["user"]["id"].clone()).expect("id"),
        email: "nia@example.test".into(),
        token: login(&api.http, &api.base, "nia@example.test", one_time).await,
    };
    let queue = api.get(&nia, "/api/v1/conversations").await;
    assert_eq!(queue.status, 403);
    assert_eq!(queue.code(), "password_change_required");
    let me = api.get(&nia, "/api/v1/me").await;
    assert_eq!(me.status, 200, "who one is can be read before changing");

    let weak = api
        .post(
            &nia,
            "/api/v1/auth/password",
            json!({ "current_password": one_time, "new_password": "short" }),
        )
        .await;
    assert_eq!(weak.status, 422);
    assert_eq!(weak.body["error"]["field"], "new_password");
    let changed = api
        .post(
            &nia,
            "/api/v1/auth/password",
            json!({ "current_password": one_time, "new_password": "a much better secret" }),
        )
        .await;
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    assert_eq!(api.get(&nia, "/api/v1/conversations").await.status, 200);
    let again = api
        .call(
            None,
            "POST",
            "/api/v1/auth/login",
            Some(json!({ "email": "nia@example.test", "password": one_time })),
        )
        .await;
    assert_eq!(again.status, 401, "the one-time password is spent");
}

async fn each_device_has_its_own_session_that_its_owner_can_end(api: Api) {
    let phone = Person {
        token: login(&api.http, &api.base, &api.ana.email, PASSWORD).await,
        ..api.ana.clone()
    };
    let sessions = api.get(&api.ana, "/api/v1/auth/sessions").await;
    assert_eq!(sessions.status, 200);
    let list = sessions.body.as_array().expect("a list");
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(
        list.iter().filter(|s| s["current"] == true).count(),
        1,
        "the session asking is marked"
    );
    let other = list
        .iter()
        .find(|s| s["current"] == false)
        .expect("the phone's session");

    // Bruno cannot end Ana's session: to him it does not exist.
    let path = format!(
        "/api/v1/auth/sessions/{}",
        other["id"].as_str().expect("id")
    );
    let foreign = api.call(Some(&api.bruno), "DELETE", &path, None).await;
    assert_eq!(foreign.status, 404);
    assert_eq!(api.get(&phone, "/api/v1/me").await.status, 200);

    let revoked = api.call(Some(&api.ana), "DELETE", &path, None).await;
    assert_eq!(revoked.status, 204);
    let dead = api.get(&phone, "/api/v1/me").await;
    assert_eq!(dead.status, 401);
    assert_eq!(dead.code(), "unauthenticated");

    let out = api
        .call(Some(&api.ana), "POST", "/api/v1/auth/logout", None)
        .await;
    assert_eq!(out.status, 204);
    assert_eq!(api.get(&api.ana, "/api/v1/me").await.status, 401);
}

async fn repeated_wrong_passwords_pause_the_account_with_a_clear_answer(api: Api) {
    let attempt = |password: &'static str| {
        let api = &api;
        async move {
            api.call(
                None,
                "POST",
                "/api/v1/auth/login",
                Some(json!({ "email": "bruno@example.test", "password": password })),
            )
            .await
        }
    };
    for _ in 0..accounts::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS {
        let wrong = attempt("not the password").await;
        assert_eq!(wrong.status, 401);
        assert_eq!(wrong.code(), "invalid_credentials");
    }
    let paused = attempt(PASSWORD).await;
    assert_eq!(paused.status, 429, "even the right password waits");
    assert_eq!(paused.code(), "too_many_attempts");
    let retry = paused.body["error"]["retry_after_secs"]
        .as_i64()
        .expect("says when");
    assert!(retry > 0 && retry <= accounts::FAILURE_WINDOW.num_seconds());

    // An unknown email is refused exactly like a wrong password.
    let unknown = api
        .call(
            None,
            "POST",
            "/api/v1/auth/login",
            Some(json!({ "email": "nobody@example.test", "password": PASSWORD })),
        )
        .await;
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.code(), "invalid_credentials");
    // Others sign in as usual (the address limit is higher than the account limit).
    login(&api.http, &api.base, &api.ana.email, PASSWORD).await;
}

async fn a_burst_of_simultaneous_guesses_gets_no_more_tries_than_the_limit(api: Api) {
    let mut guesses = Vec::new();
    for i in 0..20 {
        let (http, base) = (api.http.clone(), api.base.clone());
        guesses.push(tokio::spawn(async move {
            http.post(format!("{base}/api/v1/auth/login"))
                .json(&json!({ "email": "bruno@example.test", "password": format!("guess {i}") }))
                .send()
                .await
                .expect("answers")
                .status()
                .as_u16()
        }));
    }
    let mut checked = 0;
    for guess in guesses {
        match guess.await.expect("task") {
            401 => checked += 1,
            429 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        checked,
        accounts::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
        "each guess is counted before its password is checked"
    );
}

async fn many_failures_from_one_address_pause_that_address_only(api: Api) {
    let fail = |base: String, email: String, forwarded: Option<&'static str>| {
        let http = api.http.clone();
        async move {
            let mut request = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({ "email": email, "password": "guess" }));
            if let Some(address) = forwarded {
                request = request.header("x-forwarded-for", format!("10.0.0.9, {address}"));
            }
            request.send().await.expect("answers").status().as_u16()
        }
    };
    // Someone tries many accounts from one address: each account stays under its own limit,
    // the address does not.
    for i in 0..accounts::MAX_FAILURES_PER_ADDRESS {
        assert_eq!(
            fail(api.base.clone(), format!("probe{i}@example.test"), None).await,
            401
        );
    }
    let paused = api
        .call(
            None,
            "POST",
            "/api/v1/auth/login",
            Some(json!({ "email": api.ana.email, "password": PASSWORD })),
        )
        .await;
    assert_eq!((paused.status, paused.code()), (429, "too_many_attempts"));

    // Behind a proxy, the address is the one the proxy appended: one client's failures do not
    // pause everyone who shares the proxy.
    let proxied = crate::client::serve_behind_proxy(api.store.clone()).await;
    for i in 0..accounts::MAX_FAILURES_PER_ADDRESS {
        let status = fail(
            proxied.clone(),
            format!("other{i}@example.test"),
            Some("203.0.113.7"),
        )
        .await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        fail(
            proxied.clone(),
            "x@example.test".into(),
            Some("203.0.113.7")
        )
        .await,
        429
    );
    let elsewhere = api
        .http
        .post(format!("{proxied}/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.20")
        .json(&json!({ "email": api.bruno.email, "password": PASSWORD }))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        elsewhere.status(),
        200,
        "another client behind the proxy signs in"
    );
}

async fn an_admin_reset_or_deactivation_signs_the_person_out_everywhere(api: Api) {
    let reset = api
        .post(
            &api.admin,
            &format!("/api/v1/admin/users/{}/reset-password", api.bruno.id),
            Value::Null,
        )
        .await;
    assert_eq!(reset.status, 200, "{:?}", reset.body);
    assert_eq!(api.get(&api.bruno, "/api/v1/me").await.status, 401);
    let one_time = reset.body["one_time_password"].as_str().expect("shown");
    login(&api.http, &api.base, &api.bruno.email, one_time).await;

    let off = api
        .call(
            Some(&api.admin),
            "PATCH",
            &format!("/api/v1/admin/users/{}", api.ana.id),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(off.status, 200, "{:?}", off.body);
    assert_eq!(api.get(&api.ana, "/api/v1/me").await.status, 401);
    let refused = api
        .call(
            None,
            "POST",
            "/api/v1/auth/login",
            Some(json!({ "email": api.ana.email, "password": PASSWORD })),
        )
        .await;
    assert_eq!(refused.status, 401);

    // The last admin cannot be demoted.
    let demote = api
        .call(
            Some(&api.admin),
            "PATCH",
            &format!("/api/v1/admin/users/{}", api.admin.id),
            Some(json!({ "role": "agent" })),
        )
        .await;
    assert_eq!(demote.status, 409);
    assert_eq!(demote.code(), "conflict");
}

async fn bad_requests_get_the_json_error_shape_and_never_a_500(api: Api) {
    let raw = |body: &'static str, content_type: &'static str| {
        let api = &api;
        async move {
            let response = api
                .http
                .post(format!("{}/api/v1/auth/login", api.base))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("answers");
            let status = response.status().as_u16();
            let body: Value = response.json().await.expect("a JSON error");
            (status, body)
        }
    };
    let (status, body) = raw("{not json", "application/json").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let (status, body) = raw(r#"{"email":"a@b.c"}"#, "application/json").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid"))
    );
    let (status, body) = raw(r#"{"email":"a@b.c","password":"x"}"#, "text/plain").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );

    let forged = Person {
        token: "rdt_forged".into(),
        ..api.ana.clone()
    };
    let answer = api.get(&forged, "/api/v1/conversations").await;
    assert_eq!((answer.status, answer.code()), (401, "unauthenticated"));
    let answer = api.get(&api.ana, "/api/v1/conversations/not-a-uuid").await;
    assert_eq!((answer.status, answer.code()), (404, "not_found"));
    let answer = api
        .get(&api.ana, "/api/v1/conversations?view=everything")
        .await;
    assert_eq!((answer.status, answer.code()), (422, "invalid"));
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .expect("a message")
            .contains("unassigned"),
        "names the views that exist: {:?}",
        answer.body
    );
    let answer = api
        .post(
            &api.admin,
            "/api/v1/admin/users",
            json!({ "email": "not an email", "name": "X", "role": "agent" }),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (422, "invalid"));
    assert_eq!(answer.body["error"]["field"], "email");
    let answer = api
        .post(
            &api.admin,
            "/api/v1/admin/users",
            json!({ "email": "ana@example.test", "name": "Ana Two", "role": "agent",
                    "password": "long enough secret" }),
        )
        .await;
    assert_eq!((answer.status, answer.code()), (409, "conflict"));
}

/// Signs in through a server behind a proxy, as the client at `address`.
async fn sign_in_from(
    api: &Api,
    proxied: &str,
    address: &str,
    email: &str,
    password: &str,
) -> (u16, Value) {
    let answer = api
        .http
        .post(format!("{proxied}/api/v1/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("answers");
    let status = answer.status().as_u16();
    (status, answer.json().await.expect("JSON"))
}

const ANAS_DESK: &str = "198.51.100.10";
const ATTACKER: &str = "203.0.113.66";

async fn an_attacker_guessing_ana_s_password_does_not_lock_ana_out_at_her_desk(api: Api) {
    let proxied = crate::client::serve_behind_proxy(api.store.clone()).await;
    for i in 0..accounts::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS {
        let (status, body) = sign_in_from(
            &api,
            &proxied,
            ATTACKER,
            &api.ana.email,
            &format!("guess {i}"),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("invalid_credentials"))
        );
    }
    let (status, body) = sign_in_from(&api, &proxied, ATTACKER, &api.ana.email, PASSWORD).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("too_many_attempts")),
        "the guesser's address is paused for Ana's account, even with the right password"
    );

    // Ana at her desk signs in as every morning.
    let (status, body) = sign_in_from(&api, &proxied, ANAS_DESK, &api.ana.email, PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    // Her signing in gives the guesser no new tries.
    let (status, _) = sign_in_from(&api, &proxied, ATTACKER, &api.ana.email, "guess 9").await;
    assert_eq!(status, 429);
    // A typo of hers at her desk is hers alone: she still has her own tries left.
    let (status, _) = sign_in_from(&api, &proxied, ANAS_DESK, &api.ana.email, "typo").await;
    assert_eq!(status, 401);
    let (status, _) = sign_in_from(&api, &proxied, ANAS_DESK, &api.ana.email, PASSWORD).await;
    assert_eq!(status, 200);
}

async fn an_admin_reset_lets_a_person_paused_at_an_address_back_in(api: Api) {
    // Bruno forgot his password and tried it too often from the office.
    let proxied = crate::client::serve_behind_proxy(api.store.clone()).await;
    let office = "192.0.2.40";
    for _ in 0..accounts::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS {
        let (status, _) = sign_in_from(&api, &proxied, office, &api.bruno.email, "old one?").await;
        assert_eq!(status, 401);
    }
    let (status, _) = sign_in_from(&api, &proxied, office, &api.bruno.email, PASSWORD).await;
    assert_eq!(status, 429);

    let reset = api
        .post(
            &api.admin,
            &format!("/api/v1/admin/users/{}/reset-password", api.bruno.id),
            Value::Null,
        )
        .await;
    assert_eq!(reset.status, 200, "{:?}", reset.body);
    let one_time = reset.body["one_time_password"].as_str().expect("shown");
    let (status, body) = sign_in_from(&api, &proxied, office, &api.bruno.email, one_time).await;
    assert_eq!(status, 200, "the reset forgot his failures: {body}");
    assert_eq!(body["user"]["must_change_password"], true);
}

async fn an_overlong_email_or_password_is_refused_before_any_work(api: Api) {
    let attempt = |email: String, password: String| {
        let api = &api;
        async move {
            api.call(
                None,
                "POST",
                "/api/v1/auth/login",
                Some(json!({ "email": email, "password": password })),
            )
            .await
        }
    };
    let long_email = format!("{}@example.test", "b".repeat(accounts::MAX_EMAIL_CHARS));
    let long_password = "p".repeat(accounts::MAX_PASSWORD_CHARS + 1);
    for _ in 0..accounts::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS + 1 {
        let answer = attempt(api.bruno.email.clone(), long_password.clone()).await;
        assert_eq!((answer.status, answer.code()), (422, "invalid"));
        assert_eq!(answer.body["error"]["field"], "password");
        let answer = attempt(long_email.clone(), PASSWORD.into()).await;
        assert_eq!((answer.status, answer.code()), (422, "invalid"));
        assert_eq!(answer.body["error"]["field"], "email");
    }
    // None of them was counted as a try: Bruno is not paused.
    let answer = attempt(api.bruno.email.clone(), PASSWORD.into()).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    // The longest password that can be anyone's is still checked (and is wrong).
    let answer = attempt(
        api.bruno.email.clone(),
        "p".repeat(accounts::MAX_PASSWORD_CHARS),
    )
    .await;
    assert_eq!((answer.status, answer.code()), (401, "invalid_credentials"));
}

api_stories!(
    an_attacker_guessing_ana_s_password_does_not_lock_ana_out_at_her_desk,
    an_admin_reset_lets_a_person_paused_at_an_address_back_in,
    an_overlong_email_or_password_is_refused_before_any_work,
    the_first_admin_must_change_the_one_time_password_before_anything_else,
    each_device_has_its_own_session_that_its_owner_can_end,
    repeated_wrong_passwords_pause_the_account_with_a_clear_answer,
    many_failures_from_one_address_pause_that_address_only,
    a_burst_of_simultaneous_guesses_gets_no_more_tries_than_the_limit,
    an_admin_reset_or_deactivation_signs_the_person_out_everywhere,
    bad_requests_get_the_json_error_shape_and_never_a_500,
);

/// On an empty database the server makes an admin with a one-time password, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_workspace_gets_one_admin_with_a_one_time_password() {
    let fresh = crate::harness::sqlite().await;
    let store = fresh.store.clone();
    let first = accounts::ensure_first_admin(&store, Utc::now())
        .await
        .expect("db")
        .expect("an admin is made");
    assert!(first.user.must_change_password);
    assert_eq!(first.user.role, relaydesk_core::domain::Role::Admin);
    let password = first.one_time_password.expect("printed once");
    assert!(
        accounts::ensure_first_admin(&store, Utc::now())
            .await
            .expect("db")
            .is_none(),
        "a restart makes no second admin"
    );
    let base = crate::client::serve(store).await;
    let token = login(&reqwest::Client::new(), &base, &first.user.email, &password).await;
    assert!(token.starts_with(accounts::token::PREFIX));
}
