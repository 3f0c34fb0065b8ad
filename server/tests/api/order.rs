//! Time and order as WhatsApp really delivers: out of order, late, twice. The timeline is in
//! the order things happened (a customer's message at its WhatsApp time), pages read as of one
//! version never repeat or skip an entry, a late message reaches a reader on the live stream
//! from that version, and the queue's wait counts from the earliest unanswered message.

use chrono::{Duration, Utc};
use relaydesk_core::domain::*;
use serde_json::{Value, json};

use crate::api_stories;
use crate::client::Api;
use crate::live::Live;

/// The customer texts of a timeline read page by page with `limit`, and the first page's
/// `as_of`; asserts that every page keeps that `as_of`.
async fn customer_texts(api: &Api, c: ConversationId, limit: usize) -> (Vec<String>, i64) {
    let mut texts = Vec::new();
    let mut cursor: Option<String> = None;
    let mut as_of = None;
    loop {
        let path = match &cursor {
            Some(cursor) => {
                format!("/api/v1/conversations/{c}/timeline?limit={limit}&cursor={cursor}")
            }
            None => format!("/api/v1/conversations/{c}/timeline?limit={limit}"),
        };
        let page = api.get(&api.ana, &path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let page_as_of = page.body["as_of"].as_i64().expect("as_of");
        assert_eq!(
            *as_of.get_or_insert(page_as_of),
            page_as_of,
            "later pages keep as_of"
        );
        for entry in page.body["entries"].as_array().expect("entries") {
            if entry["event"]["change"]["event"] == "customer_message_received" {
                let message = &entry["event"]["change"]["message"];
                assert_eq!(
                    entry["happened_at"], message["at"],
                    "a customer's message happened when WhatsApp says it was sent"
                );
                texts.push(
                    message["content"]["body"]
                        .as_str()
                        .expect("text")
                        .to_owned(),
                );
            }
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    (texts, as_of.expect("one page at least"))
}

async fn deliver(
    api: &Api,
    phone: &str,
    text: &str,
    sent: chrono::DateTime<Utc>,
) -> ConversationId {
    api.customer_writes_at(phone, text, sent).await
}

async fn an_out_of_order_morning_reads_in_the_order_the_customer_wrote(api: Api) {
    let start = Utc::now() - Duration::minutes(30);
    let phone = "5511990000001";
    // Sent at 0, 1, 2, 3 minutes; WhatsApp delivers them 2, 0, 3, 1.
    let texts = [
        "hello",
        "my order 1234",
        "has not arrived",
        "can you check?",
    ];
    let mut c = None;
    for i in [2usize, 0, 3, 1] {
        c = Some(deliver(&api, phone, texts[i], start + Duration::minutes(i as i64)).await);
    }
    let c = c.expect("a conversation");
    for limit in [1, 2, 50] {
        let (read, _) = customer_texts(&api, c, limit).await;
        assert_eq!(
            read, texts,
            "pages of {limit} read in the order the customer wrote"
        );
    }
    // The wait is from the earliest message, whichever came first.
    let queue = api
        .get(
            &api.ana,
            "/api/v1/conversations?view=unassigned&sort=longest_waiting",
        )
        .await;
    let row = queue.body["items"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == json!(c))
        .expect("in the queue")
        .clone();
    let waiting: chrono::DateTime<Utc> =
        serde_json::from_value(row["awaiting_reply_since"].clone()).expect("a time");
    assert_eq!(waiting.timestamp(), start.timestamp(), "{row}");
}

async fn a_late_message_between_two_pages_comes_on_the_live_stream_not_as_a_repeat(api: Api) {
    let start = Utc::now() - Duration::minutes(30);
    let phone = "5511990000002";
    let c = deliver(&api, phone, "one", start).await;
    deliver(&api, phone, "three", start + Duration::minutes(3)).await;
    deliver(&api, phone, "four", start + Duration::minutes(4)).await;
    let first = api
        .get(
            &api.ana,
            &format!("/api/v1/conversations/{c}/timeline?limit=2"),
        )
        .await;
    let as_of = first.body["as_of"].as_i64().expect("as_of");
    let cursor = first.body["next_cursor"].as_str().expect("more").to_owned();
    // While Ana reads, a message sent between "one" and "three" arrives.
    deliver(&api, phone, "two", start + Duration::minutes(2)).await;
    let rest = api
        .get(
            &api.ana,
            &format!("/api/v1/conversations/{c}/timeline?limit=50&cursor={cursor}"),
        )
        .await;
    let bodies = |page: &Value| -> Vec<String> {
        page["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["event"]["change"]["message"]["content"]["body"].as_str())
            .map(str::to_owned)
            .collect()
    };
    let mut read = bodies(&first.body);
    read.extend(bodies(&rest.body));
    assert_eq!(
        read,
        ["one", "three", "four"],
        "pages as of one version: no repeat, no surprise"
    );
    // The live stream resumed from `as_of` brings exactly the late one, with its place.
    let mut live = Live::open(&api.base, &api.ana, Some(&as_of.to_string())).await;
    let (_, change) = live.next().await.expect("the late message");
    let late: Vec<_> = change
        .events
        .iter()
        .filter_map(|e| match &e.change {
            Change::CustomerMessageReceived { message } => Some(message.content.summary()),
            _ => None,
        })
        .collect();
    assert_eq!(late, ["two"]);
    // A fresh read places it where it belongs.
    let (texts, _) = customer_texts(&api, c, 2).await;
    assert_eq!(texts, ["one", "two", "three", "four"]);
}

async fn a_reply_answers_what_had_arrived_and_a_late_question_still_waits(api: Api) {
    let start = Utc::now() - Duration::minutes(30);
    let phone = "5511990000003";
    let c = deliver(&api, phone, "where is my parcel?", start).await;
    let claimed = api
        .post(
            &api.ana,
            &format!("/api/v1/conversations/{c}/claim"),
            json!({}),
        )
        .await;
    assert_eq!(claimed.status, 200, "{}", claimed.body);
    let replied = api
        .post(
            &api.ana,
            &format!("/api/v1/conversations/{c}/messages"),
            json!({ "id": MessageId::new(), "body": { "type": "text", "text": "It left today." } }),
        )
        .await;
    assert_eq!(replied.status, 200, "{}", replied.body);
    let detail = api
        .get(&api.ana, &format!("/api/v1/conversations/{c}"))
        .await;
    assert!(
        detail.body["conversation"]["awaiting_reply_since"].is_null(),
        "{}",
        detail.body
    );
    // Sent a minute before our reply was written, delivered after it.
    let sent = Utc::now() - Duration::minutes(1);
    deliver(&api, phone, "and can I change the address?", sent).await;
    let detail = api
        .get(&api.ana, &format!("/api/v1/conversations/{c}"))
        .await;
    let waiting: chrono::DateTime<Utc> =
        serde_json::from_value(detail.body["conversation"]["awaiting_reply_since"].clone())
            .expect("the late question waits");
    assert_eq!(waiting.timestamp(), sent.timestamp());
}

api_stories!(
    an_out_of_order_morning_reads_in_the_order_the_customer_wrote,
    a_late_message_between_two_pages_comes_on_the_live_stream_not_as_a_repeat,
    a_reply_answers_what_had_arrived_and_a_late_question_still_waits,
);
