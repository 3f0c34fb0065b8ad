//! The web view over HTTP on both backends: signing in sets an HttpOnly cookie, every form
//! needs its token, forms become the same commands as the API (a lost claim names the
//! winner), and what a person may not see is not found. Chromium drives the same pages in
//! `tests/web/` (scripts/web-test); these stories pin the server's side of the contract.

use relaydesk_core::domain::*;

use crate::api_stories;
use crate::client::{Api, PASSWORD};

/// A browser without a browser: its own cookie jar, redirects not followed.
pub(crate) struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) html: String,
}

impl Browser {
    pub(crate) fn new(base: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
            base: base.to_owned(),
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let answer = request
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("answers");
        let set_cookies: Vec<String> = answer
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().expect("text").to_owned())
            .collect();
        for cookie in &set_cookies {
            let (pair, _) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        Page {
            status: answer.status().as_u16(),
            location: answer
                .headers()
                .get("location")
                .map(|v| v.to_str().expect("text").to_owned()),
            set_cookies,
            html: answer.text().await.expect("a body"),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).expect("a form");
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    /// Signs in through the form; answers the token the pages' forms carry.
    pub(crate) async fn sign_in(&mut self, email: &str) -> String {
        let form = self.get("/login").await;
        let token = csrf(&form.html);
        let signed = self
            .post(
                "/login",
                &[("_csrf", &token), ("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(signed.status, 303, "{}", signed.html);
        csrf(&self.get("/").await.html)
    }
}

/// The token a page's forms carry.
pub(crate) fn csrf(html: &str) -> String {
    let (_, rest) = html
        .split_once(r#"name="_csrf" value=""#)
        .expect("a form with its token");
    rest.split('"').next().expect("a value").to_owned()
}

async fn a_browser_signs_in_with_an_http_only_cookie_and_claims_through_a_form(api: Api) {
    let id = api
        .customer_writes(
            "5511900000701",
            "<script>alert(1)</script> where is my order",
        )
        .await;
    let mut ana = Browser::new(&api.base);
    let away = ana.get("/").await;
    assert_eq!(away.status, 303);
    assert_eq!(away.location.as_deref(), Some("/login?next=%2F"));

    let form = ana.get("/login").await;
    assert!(form.set_cookies[0].contains("HttpOnly"));
    let token = csrf(&form.html);
    let wrong = ana
        .post(
            "/login",
            &[
                ("_csrf", &token),
                ("email", &api.ana.email),
                ("password", "not it at all"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.html.contains("Wrong email or password."));
    let signed = ana
        .post(
            "/login",
            &[
                ("_csrf", &token),
                ("email", &api.ana.email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed.status, 303);
    let session = signed
        .set_cookies
        .iter()
        .find(|c| c.starts_with("relaydesk_session=rdt_"))
        .expect("a session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );

    let queue = ana.get("/").await;
    assert_eq!(queue.status, 200);
    let shown = queue
        .html
        .split("class=\"last\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        shown.contains("&#60;script&#62;alert(1)&#60;/script&#62; where is my order"),
        "{shown}"
    );
    assert!(!queue.html.contains("<script>alert(1)"));
    let token = csrf(&queue.html);
    let path = format!("/conversations/{id}");

    let forged = ana.post(&path, &[("action", "claim")]).await;
    assert_eq!(forged.status, 403);
    let conversation = api
        .store
        .conversation(id)
        .await
        .expect("db")
        .expect("there");
    assert_eq!(
        conversation.assignee, None,
        "a refused form changes nothing"
    );

    let claimed = ana
        .post(&path, &[("_csrf", &token), ("action", "claim")])
        .await;
    assert_eq!(claimed.status, 303);
    assert_eq!(claimed.location.as_deref(), Some(path.as_str()));
    let conversation = api
        .store
        .conversation(id)
        .await
        .expect("db")
        .expect("there");
    assert_eq!(conversation.assignee, Some(api.ana.id));

    let mut bruno = Browser::new(&api.base);
    let token = bruno.sign_in(&api.bruno.email).await;
    let lost = bruno
        .post(&path, &[("_csrf", &token), ("action", "claim")])
        .await;
    assert_eq!(lost.status, 409);
    assert!(lost.html.contains("already taken by Ana"), "{}", lost.html);
    let reply = bruno
        .post(
            &path,
            &[
                ("_csrf", &token),
                ("action", "reply"),
                ("message_id", &MessageId::new().to_string()),
                ("text", "let me help"),
            ],
        )
        .await;
    assert_eq!(reply.status, 409);
    assert!(
        reply.html.contains("only the owner (Ana)"),
        "{}",
        reply.html
    );
    assert!(reply.html.contains("let me help") || reply.html.contains("owns this conversation"));

    // Signing out ends the session; the old cookie opens nothing.
    let token = csrf(&ana.get("/").await.html);
    let cookie = ana.cookie_header();
    assert_eq!(ana.post("/logout", &[("_csrf", &token)]).await.status, 303);
    let replay = api
        .http
        .get(format!("{}/", api.base))
        .header("cookie", cookie)
        .send()
        .await
        .expect("answers");
    assert!(replay.url().path().starts_with("/login"));
}

async fn what_a_person_may_not_see_is_not_found_on_the_web_too(api: Api) {
    let id = api.customer_writes("5511900000702", "hello north").await;
    let mut sol = Browser::new(&api.base);
    sol.sign_in(&api.sol.email).await;
    let page = sol.get(&format!("/conversations/{id}")).await;
    assert_eq!(page.status, 404);
    assert!(!page.html.contains("hello north"));
    let queue = sol.get("/?view=all").await;
    assert!(!queue.html.contains(&id.to_string()));
    let message = api.last_inbound(id).await;
    assert_eq!(sol.get(&format!("/media/{message}")).await.status, 404);
    let bad = sol.get("/?view=everything").await;
    assert_eq!(bad.status, 422);
    assert!(bad.html.contains("view"));
    let nonsense = sol.get("/conversations/not-an-id").await;
    assert_eq!(nonsense.status, 404);
}

async fn pages_carry_a_policy_that_runs_no_inline_script(api: Api) {
    let mut sara = Browser::new(&api.base);
    sara.sign_in(&api.sara.email).await;
    let answer = api
        .http
        .get(format!("{}/escalations", api.base))
        .header("cookie", sara.cookie_header())
        .send()
        .await
        .expect("answers");
    let headers = answer.headers().clone();
    let policy = headers
        .get("content-security-policy")
        .expect("a policy")
        .to_str()
        .expect("text");
    assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"));
    assert_eq!(
        headers.get("x-frame-options").map(|v| v.as_bytes()),
        Some(&b"DENY"[..])
    );
    assert_eq!(
        headers.get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    let html = answer.text().await.expect("a page");
    assert!(html.contains("Nothing waits for your decision"));
}

/// The value of the sign-in form's hidden `next` field.
fn next_field(html: &str) -> String {
    let (_, rest) = html
        .split_once(r#"name="next" value=""#)
        .expect("a sign-in form with next");
    rest.split('"').next().expect("a value").to_owned()
}

async fn a_sign_in_link_to_another_site_brings_ana_back_to_the_desk(api: Api) {
    // The link a phisher mails: a tab the browser would drop turns `/\t/` into `//`.
    let mut ana = Browser::new(&api.base);
    let form = ana.get("/login?next=/%09/evil.example").await;
    assert_eq!(form.status, 200);
    assert_eq!(next_field(&form.html), "/");

    let tricks = [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "/./\\evil.example",
    ];
    for next in tricks {
        let mut browser = Browser::new(&api.base);
        let form = browser
            .get(&format!(
                "/login?{}",
                serde_urlencoded::to_string([("next", next)]).expect("a query")
            ))
            .await;
        assert_eq!(next_field(&form.html), "/", "the form keeps no {next:?}");
        let token = csrf(&form.html);
        let signed = browser
            .post(
                "/login",
                &[
                    ("_csrf", &token),
                    ("email", &api.ana.email),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(signed.status, 303, "{}", signed.html);
        assert_eq!(
            signed.location.as_deref(),
            Some("/"),
            "after signing in with next = {next:?} Ana is on the desk"
        );
    }

    // A link to a page of the desk still brings her there.
    let id = api.customer_writes("5511900000703", "hello").await;
    let path = format!("/conversations/{id}");
    let mut browser = Browser::new(&api.base);
    let away = browser.get(&path).await;
    let back = away.location.expect("sent to sign in");
    let form = browser.get(&back).await;
    assert_eq!(next_field(&form.html), path);
    let token = csrf(&form.html);
    let signed = browser
        .post(
            "/login",
            &[
                ("_csrf", &token),
                ("email", &api.ana.email),
                ("password", PASSWORD),
                ("next", &path),
            ],
        )
        .await;
    assert_eq!(signed.location.as_deref(), Some(path.as_str()));
}

async fn ana_signs_out_of_the_web_before_choosing_her_new_password(api: Api) {
    let reset = api
        .post(
            &api.admin,
            &format!("/api/v1/admin/users/{}/reset-password", api.ana.id),
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(reset.status, 200, "{:?}", reset.body);
    let one_time = reset.body["one_time_password"].as_str().expect("shown");

    let mut ana = Browser::new(&api.base);
    let form = ana.get("/login").await;
    let signed = ana
        .post(
            "/login",
            &[
                ("_csrf", &csrf(&form.html)),
                ("email", &api.ana.email),
                ("password", one_time),
            ],
        )
        .await;
    assert_eq!(signed.location.as_deref(), Some("/password"));
    let page = ana.get("/password").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        api.store.sessions_of(api.ana.id).await.expect("db").len(),
        1
    );

    // She walks away from a shared computer without choosing a password: sign out.
    let cookie = ana.cookie_header();
    let out = ana.post("/logout", &[("_csrf", &csrf(&page.html))]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert!(
        api.store
            .sessions_of(api.ana.id)
            .await
            .expect("db")
            .is_empty(),
        "the server ended the session"
    );
    let replay = api
        .http
        .get(format!("{}/password", api.base))
        .header("cookie", cookie)
        .send()
        .await
        .expect("answers");
    assert!(
        replay.url().path().starts_with("/login"),
        "the old cookie opens nothing: {}",
        replay.url()
    );
}

async fn a_planted_sign_in_cookie_opens_no_form_but_the_sign_in_form(api: Api) {
    let id = api.customer_writes("5511900000704", "hello").await;
    let mut ana = Browser::new(&api.base);
    ana.sign_in(&api.ana.email).await;
    // Someone able to set cookies for the site (a sibling subdomain, say) plants a sign-in
    // token of their choosing and submits Ana's forms with it.
    ana.cookies
        .push(("relaydesk_login".into(), "planted-by-mallory".into()));
    let path = format!("/conversations/{id}");
    let forged = ana
        .post(
            &path,
            &[("_csrf", "planted-by-mallory"), ("action", "claim")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let out = ana
        .post("/logout", &[("_csrf", "planted-by-mallory")])
        .await;
    assert_eq!(out.status, 403);
    let conversation = api
        .store
        .conversation(id)
        .await
        .expect("db")
        .expect("there");
    assert_eq!(conversation.assignee, None, "nothing was claimed");
    assert_eq!(
        api.store.sessions_of(api.ana.id).await.expect("db").len(),
        2
    );

    // The sign-in form itself still takes its token.
    let mut bruno = Browser::new(&api.base);
    let form = bruno.get("/login").await;
    let signed = bruno
        .post(
            "/login",
            &[
                ("_csrf", &csrf(&form.html)),
                ("email", &api.bruno.email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed.status, 303);
}

async fn a_customers_file_shown_on_the_web_is_not_kept_by_the_browser(api: Api) {
    use chrono::Utc;
    use relaydesk_server::store::MediaOutcome;
    use relaydesk_server::whatsapp::media::path_of;

    let body = crate::harness::fixture("inbound-image.json");
    api.store
        .ingest_webhook(body, Utc::now())
        .await
        .expect("ingest");
    let conversation = crate::harness::conversation_of(&api.store, "12025550147")
        .await
        .id;
    let image = api.last_inbound(conversation).await;
    let claim = api
        .store
        .claim_media(Utc::now(), std::time::Duration::from_secs(60), 10)
        .await
        .expect("db")
        .into_iter()
        .find(|c| c.job.message_id == image)
        .expect("queued");
    std::fs::create_dir_all(api.media_dir.path()).expect("folder");
    std::fs::write(path_of(api.media_dir.path(), image), b"\xff\xd8\xff jpeg").expect("file");
    api.store
        .finish_media(
            claim,
            MediaOutcome::Fetched {
                mime_type: "image/jpeg".into(),
                size: 8,
            },
            Utc::now(),
        )
        .await
        .expect("db");

    let mut ana = Browser::new(&api.base);
    ana.sign_in(&api.ana.email).await;
    let answer = api
        .http
        .get(format!("{}/media/{image}", api.base))
        .header("cookie", ana.cookie_header())
        .send()
        .await
        .expect("answers");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "image/jpeg");
    assert_eq!(answer.headers()["cache-control"], "no-store");
}

async fn without_an_access_token_a_customers_photo_is_a_line_on_the_page_not_a_broken_image(
    api: Api,
) {
    api.store
        .ingest_webhook(
            crate::harness::fixture("inbound-image.json"),
            chrono::Utc::now(),
        )
        .await
        .expect("ingest");
    let id = crate::harness::conversation_of(&api.store, "12025550147")
        .await
        .id;
    let mut ana = Browser::new(&api.base);
    ana.sign_in(&api.ana.email).await;
    let page = ana.get(&format!("/conversations/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html
            .contains("File not fetched: no access token configured"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains("The box arrived like this"),
        "the caption stays"
    );
    assert!(!page.html.contains("<img"), "no image that cannot load");
    assert!(
        !page.html.contains("/media/"),
        "no link to a file we do not have"
    );
}

async fn a_pages_forms_hold_the_same_length_limits_the_rules_do(api: Api) {
    use relaydesk_core::domain::limits::*;
    let id = api.customer_writes("5511900000703", "hello").await;
    let mut ana = Browser::new(&api.base);
    ana.sign_in(&api.ana.email).await;
    let page = ana.get(&format!("/conversations/{id}")).await;
    for (field, max) in [
        ("id=\"reply-text\"", MAX_OUTBOUND_TEXT_CHARS),
        ("id=\"note-text\"", MAX_NOTE_CHARS),
        ("id=\"label-new\"", MAX_LABEL_CHARS),
        ("id=\"escalate-reason\"", MAX_REASON_CHARS),
    ] {
        let (_, tag) = page.html.split_once(field).expect(field);
        let tag = tag.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(&format!("maxlength=\"{max}\"")),
            "{field}: {tag}"
        );
    }
}

api_stories!(
    a_sign_in_link_to_another_site_brings_ana_back_to_the_desk,
    ana_signs_out_of_the_web_before_choosing_her_new_password,
    a_planted_sign_in_cookie_opens_no_form_but_the_sign_in_form,
    a_customers_file_shown_on_the_web_is_not_kept_by_the_browser,
    a_pages_forms_hold_the_same_length_limits_the_rules_do,
    a_browser_signs_in_with_an_http_only_cookie_and_claims_through_a_form,
    what_a_person_may_not_see_is_not_found_on_the_web_too,
    pages_carry_a_policy_that_runs_no_inline_script,
    without_an_access_token_a_customers_photo_is_a_line_on_the_page_not_a_broken_image,
);
