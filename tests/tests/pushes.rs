//! Pushes end to end: a real server sending through a fake FCM to phones running the real
//! phone core. A supervisor's phone, closed in a pocket, is told an escalation awaits; the
//! tapped notification syncs it and names the conversation; the supervisor approves from the
//! phone, and the agent's phone is told. On SQLite and PostgreSQL.

use std::time::Duration;

use relaydesk_core::client::Client;
use relaydesk_core::domain::*;
use relaydesk_core::protocol::devices::Platform;
use relaydesk_e2e::desk::{Backend, DeskServer, PASSWORD};
use relaydesk_e2e::fcm::FakeFcm;

async fn phone(server: &DeskServer, who: &str, dir: &std::path::Path, token: &str) -> Client {
    let client = Client::open(&server.url(), dir).expect("the app opens");
    client
        .login(&format!("{who}@example.test"), PASSWORD, "test phone")
        .await
        .expect("signs in");
    client
        .register_push_token(token, Platform::Android)
        .await
        .expect("registered");
    client
}

async fn an_escalation_reaches_the_supervisors_pocket_and_the_decision_the_agents(
    backend: Backend,
) {
    let Some(server) = DeskServer::start(backend).await else {
        return;
    };
    let fcm = FakeFcm::start().await;
    relaydesk_server::workers::pushes::start(server.store.clone(), fcm.settings());
    let (sara_dir, ana_dir, sol_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let sara = phone(&server, "sara", sara_dir.path(), "sara-pixel").await;
    let ana = phone(&server, "ana", ana_dir.path(), "ana-iphone").await;
    let _sol = phone(&server, "sol", sol_dir.path(), "sol-phone").await;

    let c = server
        .customer_writes("5511900000901", "I was charged twice")
        .await;
    // The new conversation wakes North's phones (a data message: sync).
    let wake = fcm
        .wait_for(Duration::from_secs(10), |r| {
            r.token() == "ana-iphone" && r.kind() == "sync"
        })
        .await
        .expect("Ana's phone is woken");
    assert!(
        wake.message.get("notification").is_none(),
        "a wake-up shows nothing"
    );
    ana.handle_push(&wake.data()).await.expect("synced");
    ana.submit(Command::Claim { conversation: c })
        .expect("queued");
    let escalation = EscalationId::new();
    ana.submit(Command::RequestEscalation {
        conversation: c,
        escalation,
        reason: "Double charge: refund needed".into(),
        severity: Severity::High,
        target: EscalationTarget::Team(server.north),
    })
    .expect("queued");
    ana.sync().await.expect("pushed");

    let alert = fcm
        .wait_for(Duration::from_secs(10), |r| {
            r.token() == "sara-pixel" && r.kind() == "escalation_awaits"
        })
        .await
        .expect("Sara's phone shows the escalation");
    assert_eq!(alert.title(), "Escalation awaits your approval");
    assert_eq!(
        alert.message["notification"]["body"],
        "Ana: Double charge: refund needed"
    );
    assert_eq!(alert.message["android"]["priority"], "HIGH");

    // Sara taps it: the app syncs and opens the conversation it names.
    let open = sara.handle_push(&alert.data()).await.expect("synced");
    assert_eq!(open, Some(c));
    let thread = sara.thread(c).expect("thread").expect("on the phone");
    assert!(thread.conversation.pending_escalation().is_some());
    sara.submit(Command::ApproveEscalation {
        escalation,
        note: Some("Refund approved".into()),
    })
    .expect("queued");
    sara.sync().await.expect("pushed");

    let decided = fcm
        .wait_for(Duration::from_secs(10), |r| {
            r.token() == "ana-iphone" && r.kind() == "escalation_decided"
        })
        .await
        .expect("Ana's phone hears the decision");
    assert_eq!(decided.title(), "Your escalation was approved");
    assert_eq!(decided.message["data"]["conversation"], c.to_string());
    assert_eq!(
        ana.handle_push(&decided.data()).await.expect("synced"),
        Some(c)
    );

    // South's agent never heard of any of it.
    assert!(fcm.received().iter().all(|r| r.token() != "sol-phone"));
}

relaydesk_e2e::on_both_backends!(
    an_escalation_reaches_the_supervisors_pocket_and_the_decision_the_agents
);
