//! The README's first run: `relaydesk serve --demo` brings up a workspace where simulated
//! customers write in, an agent answers, and the stand-in for WhatsApp reports the reply
//! delivered and read; overnight, the "Out of hours" rule answered a customer and left a note
//! for the morning shift — the real binary, over real HTTP, with no Meta account.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Long enough for a loaded CI machine; only a broken loop reaches it.
const PATIENCE: Duration = Duration::from_secs(60);

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls `check` every 200 ms until it gives a value.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < PATIENCE, "{what} did not happen");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_customers_arriving_and_a_reply_delivered_and_read() {
    let data = tempfile::tempdir().expect("a data dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_relaydesk"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the relaydesk binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let _server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = Vec::new();
    let address = loop {
        let line = lines.next().expect("the server prints").expect("a line");
        if let Some(address) = line.strip_prefix("relaydesk listening on ") {
            break address.to_owned();
        }
        printed.push(line);
    };
    let mut password = None;
    for line in lines.by_ref() {
        let line = line.expect("a line");
        if line.contains("ana@demo.relaydesk") {
            password = line.split("password: ").nth(1).map(str::to_owned);
            break;
        }
    }
    let password = password.expect("the demo prints Ana's login");
    // Keep reading stdout so the server never blocks on it.
    std::thread::spawn(move || for _ in lines {});

    let http = reqwest::Client::new();
    let signed: Value = http
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({ "email": "ana@demo.relaydesk", "password": password }))
        .send()
        .await
        .expect("login answers")
        .json()
        .await
        .expect("JSON");
    let token = signed["token"].as_str().expect("Ana signs in").to_owned();
    let get = |path: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            http.get(path)
                .bearer_auth(token)
                .send()
                .await
                .ok()?
                .json::<Value>()
                .await
                .ok()
        }
    };

    let (night_name, _) = relaydesk_server::demo::NIGHT_CUSTOMER;
    let conversation = eventually("a simulated customer writing in", || {
        let page = get(format!("{address}/api/v1/conversations?view=unassigned"));
        async move {
            page.await?["items"]
                .as_array()?
                .iter()
                .find(|c| c["contact_name"] != night_name)?["id"]
                .as_str()
                .map(str::to_owned)
        }
    })
    .await;

    // Overnight, the rule answered the night customer (its reply claimed nothing), noted it
    // for the morning shift and labelled it.
    let unassigned = get(format!("{address}/api/v1/conversations?view=unassigned"))
        .await
        .expect("the queue");
    let night = unassigned["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["contact_name"] == night_name)
        .expect("the night customer waits for the morning shift, unowned");
    assert_eq!(night["labels"], json!(["after-hours"]), "{night}");
    let night_id = night["id"].as_str().expect("an id");
    let timeline = get(format!(
        "{address}/api/v1/conversations/{night_id}/timeline?limit=200"
    ))
    .await
    .expect("the night customer's timeline");
    let by_rule: Vec<&str> = timeline["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["event"]["by"]["kind"] == "automation")
        .filter_map(|e| e["event"]["change"]["event"].as_str())
        .collect();
    assert_eq!(
        by_rule,
        ["reply_queued", "note_added", "label_added"],
        "{timeline}"
    );
    // The stand-in only takes sends from the server's own sender.
    let forged = http
        .post(format!(
            "{address}/demo/graph/v25.0/{}/messages",
            relaydesk_server::demo::PHONE_NUMBER_ID
        ))
        .json(&json!({ "to": "+15550001111", "biz_opaque_callback_data": "anything" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(forged.status(), 401);

    // Templates come through the real sync, from the stand-in's listing.
    eventually("templates synced from the stand-in", || {
        let templates = get(format!("{address}/api/v1/templates"));
        async move { (!templates.await?.as_array()?.is_empty()).then_some(()) }
    })
    .await;

    let ours = uuid::Uuid::now_v7().to_string();
    let reply = http
        .post(format!(
            "{address}/api/v1/conversations/{conversation}/messages"
        ))
        .bearer_auth(&token)
        .json(&json!({ "id": ours, "body": { "type": "text", "text": "On it!" } }))
        .send()
        .await
        .expect("reply answers");
    assert_eq!(reply.status(), 200);

    eventually("the reply reported read by the stand-in", || {
        let timeline = get(format!(
            "{address}/api/v1/conversations/{conversation}/timeline?limit=200"
        ));
        let ours = ours.clone();
        async move {
            let timeline = timeline.await?;
            timeline["entries"]
                .as_array()?
                .iter()
                .any(|e| {
                    e["event"]["change"]["message"] == ours.as_str()
                        && e["event"]["change"]["status"]["state"] == "read"
                })
                .then_some(())
        }
    })
    .await;
}
