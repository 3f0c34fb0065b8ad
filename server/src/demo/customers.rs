//! Simulated customers: a handful of people with their own stories (a late parcel, a refund, a
//! wrong size, a question in Spanish, a shared location …) writing in through the signed
//! webhook, a few at once at start, then one message every ten to twenty-five seconds.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Demo, webhook};

/// One customer and what they say, in order.
struct Customer {
    name: &'static str,
    phone: &'static str,
    lines: &'static [&'static str],
}

const CUSTOMERS: &[Customer] = &[
    Customer {
        name: "Marisol Quintero",
        phone: "5215512345678",
        lines: &[
            "Hi! My order #4471 was supposed to arrive yesterday 📦",
            "Can you tell me where it is?",
            "Thanks. Will it come today?",
        ],
    },
    Customer {
        name: "Daniel Okafor",
        phone: "2348031234567",
        lines: &[
            "Hello, I returned a jacket two weeks ago and I still have no refund",
            "The return number is R-20931",
            "This is the third time I'm asking 😠",
        ],
    },
    Customer {
        name: "Yuki Tanaka",
        phone: "819012345678",
        lines: &[
            "Do you have the blue running shoes in size 42?",
            "And do you ship to Osaka?",
        ],
    },
    Customer {
        name: "Lucía Fernández",
        phone: "34612345678",
        lines: &[
            "Hola, ¿puedo cambiar la talla de mi pedido?",
            "Es el pedido 5583, quiero una M en vez de una S",
        ],
    },
    Customer {
        name: "Priya Raman",
        phone: "919812345678",
        lines: &[
            "The courier says nobody was home but I was here all day",
            "LOCATION",
            "Can they come back tomorrow morning?",
        ],
    },
    Customer {
        name: "Tom Becker",
        phone: "4915112345678",
        lines: &[
            "I was charged twice for order 6120",
            "Here is the bank reference: TX-88213",
        ],
    },
];

/// Meta's message object for one line of a customer's story.
fn message(line: &str) -> Value {
    if line == "LOCATION" {
        return json!({ "type": "location", "location": {
            "latitude": 13.0827, "longitude": 80.2707, "name": "Home", "address": "12 Anna Salai, Chennai" } });
    }
    json!({ "type": "text", "text": { "body": line } })
}

/// A pause of `min`–`max` seconds, from the system's randomness.
fn jitter(min: u64, max: u64) -> Duration {
    let mut byte = [0u8; 1];
    let _ = getrandom::fill(&mut byte);
    Duration::from_secs(min + u64::from(byte[0]) % (max - min + 1))
}

pub(super) async fn run(demo: Demo) {
    let client = reqwest::Client::new();
    let mut next_line = vec![0usize; CUSTOMERS.len()];
    let mut turn = 0usize;
    tokio::time::sleep(Duration::from_secs(1)).await;
    loop {
        let who = turn % CUSTOMERS.len();
        let customer = &CUSTOMERS[who];
        let line = customer.lines[next_line[who] % customer.lines.len()];
        next_line[who] += 1;
        let payload = webhook::customer_message(customer.name, customer.phone, message(line));
        webhook::post(&client, &demo, &payload).await;
        turn += 1;
        // The first few arrive together so the queue is not empty when someone looks.
        let pause = if turn < 4 {
            Duration::from_millis(300)
        } else {
            jitter(10, 25)
        };
        tokio::time::sleep(pause).await;
    }
}
