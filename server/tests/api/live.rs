//! The live stream: what a person may see arrives as it commits, resumes after a break without
//! gaps or repeats, ends with the session, and crosses server instances on PostgreSQL; so do
//! ephemeral signals (who is viewing), which take no version.

use std::time::Duration;

use chrono::Utc;
use relaydesk_core::domain::*;
use relaydesk_core::protocol::live::{LiveChange, Signal, SignalKind};
use relaydesk_server::http::live_streams::LiveLimits;
use relaydesk_server::signals::{SignalError, Signals};
use relaydesk_server::store::Store;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::{Api, Person};

/// Long enough for any healthy machine; only a hang reaches it.
const PATIENCE: Duration = Duration::from_secs(20);

/// An open SSE connection.
pub struct Live {
    response: reqwest::Response,
    buffer: String,
}

/// One message of the stream: its event name, SSE id and data.
#[derive(Debug)]
pub struct Message {
    pub event: String,
    pub id: String,
    pub data: Value,
}

/// A refused stream: status, `Retry-After` and the JSON error.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Value,
}

impl Live {
    pub async fn open(base: &str, who: &Person, last_event_id: Option<&str>) -> Live {
        Live::try_open(base, who, last_event_id, None)
            .await
            .expect("the stream opens")
    }

    /// Opens `/api/v1/events` (after `Last-Event-ID`, or `?since=`), or says why not.
    pub async fn try_open(
        base: &str,
        who: &Person,
        last_event_id: Option<&str>,
        since: Option<&str>,
    ) -> Result<Live, Refused> {
        let query = since.map_or_else(String::new, |s| format!("?since={s}"));
        let mut request = reqwest::Client::new()
            .get(format!("{base}/api/v1/events{query}"))
            .bearer_auth(&who.token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("the server answers");
        if response.status() != 200 {
            return Err(Refused {
                status: response.status().as_u16(),
                retry_after: response
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().expect("text").to_owned()),
                body: response.json().await.expect("a JSON error"),
            });
        }
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an SSE stream"
        );
        Ok(Live {
            response,
            buffer: String::new(),
        })
    }

    /// The next change message: its SSE id and data. `None` when the server ended the stream.
    pub async fn next(&mut self) -> Option<(String, LiveChange)> {
        let message = self.message().await?;
        assert_eq!(message.event, "change", "expected a change: {message:?}");
        let change = serde_json::from_value(message.data).expect("change JSON");
        Some((message.id, change))
    }

    /// The next message, waiting as long as the caller does.
    pub async fn message_raw(&mut self) -> Option<Message> {
        self.read().await
    }

    /// The next message of any kind (`change`, `reset`, `signal`); `None` when the stream ended.
    pub async fn message(&mut self) -> Option<Message> {
        tokio::time::timeout(PATIENCE, self.read())
            .await
            .expect("a message arrives in time")
    }

    async fn read(&mut self) -> Option<Message> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, None, String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                let Some(event) = event else {
                    continue; // a keep-alive comment
                };
                return Some(Message {
                    // A signal takes no version, so it carries no id; everything else does.
                    id: id.unwrap_or_else(|| {
                        assert_eq!(event, "signal", "every {event} has an id");
                        String::new()
                    }),
                    data: serde_json::from_str(&data).expect("JSON data"),
                    event,
                });
            }
            let chunk = self.response.chunk().await.expect("the stream reads")?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

fn kinds(change: &LiveChange) -> Vec<String> {
    change
        .events
        .iter()
        .map(|e| {
            serde_json::to_value(&e.change).expect("json")["event"]
                .as_str()
                .expect("kind")
                .to_owned()
        })
        .collect()
}

async fn changes_reach_those_who_may_see_them_and_no_one_else(api: Api) {
    let mut ana = Live::open(&api.base, &api.ana, None).await;
    let mut sol = Live::open(&api.base, &api.sol, None).await;
    let id = api.customer_writes("5511900000071", "hello, live?").await;
    let (_, change) = ana.next().await.expect("a change");
    assert_eq!(
        kinds(&change),
        ["conversation_opened", "customer_message_received"]
    );
    assert_eq!(change.events[0].conversation, Some(id));

    // Sol (South) was not told about North's customer: his first message is the next thing
    // he may see, a colleague's availability.
    let away = api
        .post(
            &api.bruno,
            "/api/v1/me/availability",
            json!({ "availability": "away" }),
        )
        .await;
    assert_eq!(away.status, 204);
    let (_, first_for_sol) = sol.next().await.expect("a change");
    assert_eq!(kinds(&first_for_sol), ["availability_changed"]);
    let (_, next_for_ana) = ana.next().await.expect("a change");
    assert_eq!(kinds(&next_for_ana), ["availability_changed"]);

    let claimed = api
        .post(
            &api.ana,
            &format!("/api/v1/conversations/{id}/claim"),
            Value::Null,
        )
        .await;
    assert_eq!(claimed.status, 200);
    let (_, change) = ana.next().await.expect("a change");
    assert_eq!(kinds(&change), ["assignment_changed"]);

    let metrics = api
        .http
        .get(format!("{}/metrics", api.base))
        .send()
        .await
        .expect("metrics");
    let text = metrics.text().await.expect("text");
    assert!(text.contains("relaydesk_sse_clients 2"), "{text}");
    assert!(
        text.contains(r#"relaydesk_http_requests_total{method="POST",route="/api/v1/conversations/{id}/claim",status="200"} 1"#),
        "requests are counted by route template: {text}"
    );
}

async fn a_reconnecting_client_resumes_without_gaps_or_repeats(api: Api) {
    let mut ana = Live::open(&api.base, &api.ana, None).await;
    let first = api.customer_writes("5511900000072", "one").await;
    let (id_1, _) = ana.next().await.expect("change 1");
    let note = |body: &str| json!({ "body": body });
    let path = format!("/api/v1/conversations/{first}/notes");
    assert_eq!(api.post(&api.ana, &path, note("a")).await.status, 200);
    let (id_2, _) = ana.next().await.expect("change 2");
    drop(ana);

    // While Ana is away: two notes, and a change she may not see in between.
    assert_eq!(api.post(&api.ana, &path, note("b")).await.status, 200);
    let away = api
        .post(
            &api.sara,
            &format!("/api/v1/conversations/{first}/notes"),
            note("c"),
        )
        .await;
    assert_eq!(away.status, 200);

    let mut again = Live::open(&api.base, &api.ana, Some(&id_2)).await;
    let (id_3, change_3) = again.next().await.expect("change 3");
    let (id_4, change_4) = again.next().await.expect("change 4");
    let ids: Vec<i64> = [&id_1, &id_2, &id_3, &id_4]
        .iter()
        .map(|i| i.parse().expect("a version"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let body = |c: &LiveChange| match &c.events[0].change {
        Change::NoteAdded { note } => note.body.clone(),
        other => panic!("expected a note, got {other:?}"),
    };
    assert_eq!((body(&change_3), body(&change_4)), ("b".into(), "c".into()));

    let bad = api
        .http
        .get(format!("{}/api/v1/events", api.base))
        .bearer_auth(&api.ana.token)
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .expect("answers");
    assert_eq!(bad.status(), 422);
}

async fn the_owner_hears_that_a_conversation_left_her_and_then_nothing_more(api: Api) {
    // Ana owns a North conversation, then moves to South: she still sees it as its owner.
    let id = api.customer_writes("5511900000075", "hello").await;
    let path = format!("/api/v1/conversations/{id}");
    assert_eq!(
        api.post(&api.ana, &format!("{path}/claim"), Value::Null)
            .await
            .status,
        200
    );
    let moved = api
        .call(
            Some(&api.admin),
            "PATCH",
            &format!("/api/v1/admin/users/{}", api.ana.id),
            Some(json!({ "teams": [api.south] })),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    let mut ana = Live::open(&api.base, &api.ana, None).await;

    let reassigned = api
        .post(&api.sara, &format!("{path}/assign"),
            json!({ "to": { "kind": "agent", "id": api.bruno.id }, "reason": "Ana moved to South" }))
        .await;
    assert_eq!(reassigned.status, 200, "{:?}", reassigned.body);
    let (_, change) = ana.next().await.expect("a change");
    assert_eq!(
        kinds(&change),
        ["assignment_changed"],
        "Ana is told it left her"
    );
    assert_eq!(
        api.get(&api.ana, &path).await.status,
        404,
        "and it is no longer hers to see"
    );

    // Bruno's note there is none of Ana's business: her next message is the next thing she
    // may see.
    let note = api
        .post(
            &api.bruno,
            &format!("{path}/notes"),
            json!({ "body": "on it" }),
        )
        .await;
    assert_eq!(note.status, 200);
    let away = api
        .post(
            &api.bruno,
            "/api/v1/me/availability",
            json!({ "availability": "away" }),
        )
        .await;
    assert_eq!(away.status, 204);
    let (_, next) = ana.next().await.expect("a change");
    assert_eq!(kinds(&next), ["availability_changed"]);
}

/// Ana's phone was out of reach while she noted something on her conversation and her
/// supervisor then gave it to Bruno. When it reconnects it hears both — her note, then the
/// change that took the conversation from her — although by then it is no longer hers.
async fn a_stream_that_fell_behind_hears_what_happened_before_a_conversation_left_her(api: Api) {
    let id = api.customer_writes("5511900000076", "hello").await;
    let path = format!("/api/v1/conversations/{id}");
    assert_eq!(
        api.post(&api.ana, &format!("{path}/claim"), Value::Null)
            .await
            .status,
        200
    );
    let moved = api
        .call(
            Some(&api.admin),
            "PATCH",
            &format!("/api/v1/admin/users/{}", api.ana.id),
            Some(json!({ "teams": [api.south] })),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    let offline_since = api.store.version().await.expect("W");
    let note = api
        .post(
            &api.ana,
            &format!("{path}/notes"),
            json!({ "body": "Called her, she will send the receipt" }),
        )
        .await;
    assert_eq!(note.status, 200, "{:?}", note.body);
    let reassigned = api
        .post(&api.sara, &format!("{path}/assign"),
            json!({ "to": { "kind": "agent", "id": api.bruno.id }, "reason": "Ana moved to South" }))
        .await;
    assert_eq!(reassigned.status, 200, "{:?}", reassigned.body);

    let mut ana = Live::open(&api.base, &api.ana, Some(&offline_since.to_string())).await;
    let (_, first) = ana.next().await.expect("a change");
    assert_eq!(
        kinds(&first),
        ["note_added"],
        "her own note, made while she owned it"
    );
    let (_, second) = ana.next().await.expect("a change");
    assert_eq!(
        kinds(&second),
        ["assignment_changed"],
        "then that it left her"
    );
}

/// A South conversation comes to North for a moment and goes back. Ana's stream, catching
/// up on all of it at once, tells her it came and that it left — and nothing South said
/// before it came (Sol's note): she could not see it then, and cannot now.
async fn a_stream_catching_up_shows_nothing_from_before_a_conversation_was_in_sight(api: Api) {
    let id = api.customer_writes_to_south("5511900000077", "hola").await;
    let path = format!("/api/v1/conversations/{id}");
    let before = api.store.version().await.expect("W");
    let note = api
        .post(
            &api.sol,
            &format!("{path}/notes"),
            json!({ "body": "South only: VIP, handle with care" }),
        )
        .await;
    assert_eq!(note.status, 200, "{:?}", note.body);
    for (team, reason) in [
        (api.north, "English after all?"),
        (api.south, "No, Spanish"),
    ] {
        let moved = api
            .post(
                &api.admin,
                &format!("{path}/assign"),
                json!({ "to": { "kind": "team", "id": team }, "reason": reason }),
            )
            .await;
        assert_eq!(moved.status, 200, "{:?}", moved.body);
    }

    let mut ana = Live::open(&api.base, &api.ana, Some(&before.to_string())).await;
    let (_, came) = ana.next().await.expect("a change");
    assert_eq!(
        kinds(&came),
        ["team_changed"],
        "first that it came to North — South's note before it is not hers to read"
    );
    let (_, left) = ana.next().await.expect("a change");
    assert_eq!(kinds(&left), ["team_changed"], "then that it left");
}

async fn a_revoked_session_ends_its_stream(api: Api) {
    let mut bruno = Live::open(&api.base, &api.bruno, None).await;
    let out = api
        .call(Some(&api.bruno), "POST", "/api/v1/auth/logout", None)
        .await;
    assert_eq!(out.status, 204);
    // The next commit wakes the stream, which finds the session gone and closes.
    api.customer_writes("5511900000073", "anyone?").await;
    assert!(bruno.next().await.is_none(), "the stream ended");
}

/// A session signed out on a quiet desk (nothing commits, so no change wakes the stream): the
/// next signal finds the session over and ends the stream instead of being heard.
async fn a_signed_out_sessions_stream_hears_no_more_signals(api: Api) {
    let mut bruno = Live::open(&api.base, &api.bruno, None).await;
    let signals = Signals::start(api.store.clone());
    let present = |who: &Person| Signal {
        kind: SignalKind::Present,
        member: who.id,
        conversation: None,
        expires_at: Utc::now() + chrono::TimeDelta::seconds(30),
    };
    signals
        .publish(&present(&api.ana), Utc::now())
        .await
        .expect("sent");
    assert_eq!(bruno.message().await.expect("a signal").event, "signal");
    let out = api
        .call(Some(&api.bruno), "POST", "/api/v1/auth/logout", None)
        .await;
    assert_eq!(out.status, 204);
    // The stream reads the session again at most every five seconds.
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    signals
        .publish(&present(&api.sara), Utc::now())
        .await
        .expect("sent");
    assert!(
        bruno.message().await.is_none(),
        "the stream ended, nothing more heard"
    );
}

/// Tries to open a stream until it opens (a place frees when another stream's end is
/// noticed, at the next commit); only a hang reaches the patience.
async fn open_when_free(base: &str, who: &Person) -> Live {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match Live::try_open(base, who, None, None).await {
                Ok(live) => return live,
                Err(refused) => assert_eq!(refused.status, 429, "{refused:?}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a place frees")
}

async fn a_session_opening_stream_after_stream_is_refused_with_a_clear_answer(api: Api) {
    let limited = crate::client::serve_with_live_limits(
        api.store.clone(),
        LiveLimits {
            per_session: 2,
            per_instance: 3,
            ..LiveLimits::default()
        },
    )
    .await;
    // A script of Ana's opens stream after stream with one session.
    let _first = Live::open(&limited, &api.ana, None).await;
    let _second = Live::open(&limited, &api.ana, None).await;
    let refused = Live::try_open(&limited, &api.ana, None, None)
        .await
        .err()
        .expect("a third is refused");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"]["code"], "too_many_streams");
    assert_eq!(refused.body["error"]["scope"], "session");
    assert_eq!(refused.body["error"]["limit"], 2);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .expect("words")
            .contains("close one"),
        "{refused:?}"
    );
    let wait: i64 = refused
        .retry_after
        .as_deref()
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!(wait > 0);

    // Bruno has a session of his own: he gets the instance's last place, then Sol gets none.
    let mut bruno = Live::open(&limited, &api.bruno, None).await;
    let refused = Live::try_open(&limited, &api.sol, None, None)
        .await
        .err()
        .expect("the instance is full");
    assert_eq!(
        (refused.status, &refused.body["error"]["scope"]),
        (429, &Value::from("instance"))
    );
    assert!(refused.retry_after.is_some());

    // Bruno signs out: his stream ends at the next commit and gives its place back.
    let out = api
        .call(Some(&api.bruno), "POST", "/api/v1/auth/logout", None)
        .await;
    assert_eq!(out.status, 204);
    api.customer_writes("5511900000076", "anyone?").await;
    assert!(bruno.message().await.is_none(), "his stream ended");
    let mut sol = open_when_free(&limited, &api.sol).await;
    let away = api
        .post(
            &api.sara,
            "/api/v1/me/availability",
            json!({ "availability": "away" }),
        )
        .await;
    assert_eq!(away.status, 204);
    let (_, change) = sol.next().await.expect("Sol's stream is live");
    assert_eq!(kinds(&change), ["availability_changed"]);
}

async fn a_stream_asked_to_replay_all_history_gets_one_reset_then_goes_on_live(api: Api) {
    let limited = crate::client::serve_with_live_limits(
        api.store.clone(),
        LiveLimits {
            catch_up_versions: 3,
            ..LiveLimits::default()
        },
    )
    .await;
    let id = api.customer_writes("5511900000077", "hello").await;
    let notes = format!("/api/v1/conversations/{id}/notes");
    for body in ["one", "two", "three", "four"] {
        assert_eq!(
            api.post(&api.ana, &notes, json!({ "body": body }))
                .await
                .status,
            200
        );
    }
    let latest = api.store.version().await.expect("db");

    // `since=0`: not the whole history, one reset naming where the stream goes on.
    let mut from_zero = Live::try_open(&limited, &api.ana, None, Some("0"))
        .await
        .expect("opens");
    let reset = from_zero.message().await.expect("a message");
    assert_eq!(reset.event, "reset");
    assert_eq!(reset.id, latest.to_string());
    assert_eq!(reset.data, json!({ "version": latest }));

    // A resume point far in the past, or one this server never sent: the same.
    let mut stale = Live::open(&limited, &api.ana, Some("1")).await;
    let reset = stale.message().await.expect("a message");
    assert_eq!(
        (reset.event.as_str(), reset.id.clone()),
        ("reset", latest.to_string())
    );
    let mut unknown = Live::open(&limited, &api.ana, Some("999999999")).await;
    let reset = unknown.message().await.expect("a message");
    assert_eq!(
        (reset.event.as_str(), reset.id.clone()),
        ("reset", latest.to_string())
    );

    // A short break is replayed as before, nothing reset.
    let recent = (latest - 2).to_string();
    let mut resumed = Live::open(&limited, &api.ana, Some(&recent)).await;
    let (first, _) = resumed.next().await.expect("a replayed change");
    assert!(first.parse::<i64>().expect("a version") > latest - 2);

    // After its reset each stream goes on live.
    assert_eq!(
        api.post(&api.ana, &notes, json!({ "body": "five" }))
            .await
            .status,
        200
    );
    for live in [&mut from_zero, &mut stale, &mut unknown] {
        let (version, change) = live.next().await.expect("the next change");
        assert!(version.parse::<i64>().expect("a version") > latest);
        assert_eq!(kinds(&change), ["note_added"]);
    }
}

fn viewing(who: &Person, conversation: ConversationId, seconds: i64) -> Signal {
    Signal {
        kind: SignalKind::Viewing,
        member: who.id,
        conversation: Some(conversation),
        expires_at: Utc::now() + chrono::TimeDelta::seconds(seconds),
    }
}

async fn who_is_viewing_a_conversation_reaches_those_who_may_see_it_and_is_never_stored(api: Api) {
    let id = api
        .customer_writes("5511900000081", "is anyone there?")
        .await;
    let version = api.store.version().await.expect("db");
    let mut ana = Live::open(&api.base, &api.ana, None).await;
    let mut sol = Live::open(&api.base, &api.sol, None).await;
    let signals = Signals::start(api.store.clone());
    signals
        .publish(&viewing(&api.bruno, id, 30), Utc::now())
        .await
        .expect("sent");
    let present = Signal {
        kind: SignalKind::Present,
        member: api.bruno.id,
        conversation: None,
        expires_at: Utc::now() + chrono::TimeDelta::seconds(30),
    };
    signals.publish(&present, Utc::now()).await.expect("sent");

    let heard = ana.message().await.expect("a signal");
    assert_eq!((heard.event.as_str(), heard.id.as_str()), ("signal", ""));
    let said: Signal = serde_json::from_value(heard.data).expect("a Signal");
    assert_eq!(
        (said.kind, said.member, said.conversation),
        (SignalKind::Viewing, api.bruno.id, Some(id))
    );
    let next: Signal =
        serde_json::from_value(ana.message().await.expect("presence").data).expect("a Signal");
    assert_eq!(next.kind, SignalKind::Present);
    // Sol (South) may not see the North conversation: the first thing she hears is Bruno's
    // presence, not what he is looking at.
    let first: Signal =
        serde_json::from_value(sol.message().await.expect("presence").data).expect("a Signal");
    assert_eq!(
        (first.kind, first.conversation),
        (SignalKind::Present, None)
    );
    assert_eq!(
        api.store.version().await.expect("db"),
        version,
        "a signal takes no version and writes nothing"
    );
}

async fn a_signal_must_expire_soon_and_a_stream_that_opens_is_told_the_live_ones(api: Api) {
    let id = api.customer_writes("5511900000082", "hello?").await;
    let signals = Signals::start(api.store.clone());
    let now = Utc::now();
    let mut stale = viewing(&api.bruno, id, 30);
    stale.expires_at = now - chrono::TimeDelta::seconds(1);
    assert!(matches!(
        signals.publish(&stale, now).await,
        Err(SignalError::Expiry)
    ));
    let forever = viewing(&api.bruno, id, 3_600);
    assert!(matches!(
        signals.publish(&forever, now).await,
        Err(SignalError::Expiry)
    ));
    let mut unknown = viewing(&api.bruno, id, 30);
    unknown.kind = SignalKind::Unknown;
    assert!(matches!(
        signals.publish(&unknown, now).await,
        Err(SignalError::UnknownKind)
    ));
    // The store refuses payloads PostgreSQL's NOTIFY could not carry.
    assert!(api.store.send_signal("x".repeat(8_000)).await.is_err());

    signals
        .publish(&viewing(&api.bruno, id, 30), Utc::now())
        .await
        .expect("sent");
    // The hub of the serving instance has it once it arrived; a stream that opens now hears it.
    let mut ana = None;
    for _ in 0..100 {
        let mut opened = Live::open(&api.base, &api.ana, None).await;
        if let Ok(Some(message)) =
            tokio::time::timeout(std::time::Duration::from_millis(300), opened.message_raw()).await
        {
            ana = Some(message);
            break;
        }
    }
    let message = ana.expect("a stream that opens is told the live signals");
    assert_eq!(message.event, "signal");
    let said: Signal = serde_json::from_value(message.data).expect("a Signal");
    assert_eq!(
        (said.kind, said.conversation),
        (SignalKind::Viewing, Some(id))
    );
}

api_stories!(
    a_session_opening_stream_after_stream_is_refused_with_a_clear_answer,
    a_stream_asked_to_replay_all_history_gets_one_reset_then_goes_on_live,
    changes_reach_those_who_may_see_them_and_no_one_else,
    a_reconnecting_client_resumes_without_gaps_or_repeats,
    a_revoked_session_ends_its_stream,
    the_owner_hears_that_a_conversation_left_her_and_then_nothing_more,
    a_stream_that_fell_behind_hears_what_happened_before_a_conversation_left_her,
    a_stream_catching_up_shows_nothing_from_before_a_conversation_was_in_sight,
    who_is_viewing_a_conversation_reaches_those_who_may_see_it_and_is_never_stored,
    a_signal_must_expire_soon_and_a_stream_that_opens_is_told_the_live_ones,
    a_signed_out_sessions_stream_hears_no_more_signals,
);

/// Two server instances on one PostgreSQL database: a change committed through one reaches
/// the live streams of the other (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_change_on_one_instance_reaches_streams_of_another() {
    let Some((fresh, database)) = crate::harness::postgres_database().await else {
        return;
    };
    let api = Api::start(fresh).await;
    let second = Store::open(&database)
        .await
        .expect("a second instance opens");
    let second_base = crate::client::serve(second.clone()).await;
    let mut on_second = Live::open(&second_base, &api.ana, None).await;

    // Committed through the first instance (its store and its HTTP door).
    let id = api
        .customer_writes("5511900000074", "via instance one")
        .await;
    let (_, change) = on_second.next().await.expect("a change");
    assert_eq!(change.events[0].conversation, Some(id));
    let claimed = api
        .post(
            &api.ana,
            &format!("/api/v1/conversations/{id}/claim"),
            Value::Null,
        )
        .await;
    assert_eq!(claimed.status, 200);
    let (_, change) = on_second.next().await.expect("a change");
    assert!(matches!(
        change.events[0].change,
        Change::AssignmentChanged { to: Some(to), .. } if to == api.ana.id
    ));
}

/// Two server instances on one PostgreSQL database: a signal sent on one reaches the streams
/// of the other (NOTIFY on the signals' own channel), and takes no version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_signal_sent_on_one_instance_reaches_streams_of_another() {
    let Some((fresh, database)) = crate::harness::postgres_database().await else {
        return;
    };
    let api = Api::start(fresh).await;
    let id = api.customer_writes("5511900000083", "hi").await;
    let second = Store::open(&database)
        .await
        .expect("a second instance opens");
    let second_base = crate::client::serve(second.clone()).await;
    let mut on_second = Live::open(&second_base, &api.ana, None).await;
    let version = api.store.version().await.expect("db");
    Signals::start(api.store.clone())
        .publish(&viewing(&api.bruno, id, 30), Utc::now())
        .await
        .expect("sent");
    let heard = on_second.message().await.expect("a signal");
    assert_eq!(heard.event, "signal");
    let said: Signal = serde_json::from_value(heard.data).expect("a Signal");
    assert_eq!((said.member, said.conversation), (api.bruno.id, Some(id)));
    assert_eq!(api.store.version().await.expect("db"), version);
}
