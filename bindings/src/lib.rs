//! `relaydesk-ffi`: the UniFFI surface of `relaydesk-core`'s phone client for Kotlin and Swift.
//!
//! Thin by rule: each exported type wraps a core type and adds no logic.
//! - `client`: [`client::RelaydeskClient`] (sign in, sync, pushes, live, and the objects
//!   below), the [`client::UiListener`] the app implements and the handles that stop it.
//! - `queue`: [`queue::Queue`] (views with counts) and [`queue::Outbox`].
//! - `conversation`: [`conversation::ConversationHandle`] (thread, side facts, canned
//!   replies, and every command on a conversation: claim, hand off, assign, release, reply,
//!   note, status, snooze, labels, priority, read receipts, escalate) and
//!   [`conversation::EscalationHandle`] (approve, reject, cancel).
//! - `records`: what screens show, as plain records and enums.
//! - `error`: [`error::AppError`], the cases an app acts on differently.
//!
//! A panic inside is caught by UniFFI's scaffolding and arrives as an internal error, never a
//! crash of the app.

uniffi::setup_scaffolding!();

pub mod client;
pub mod conversation;
pub mod error;
pub mod queue;
pub mod records;

/// The version of the Relaydesk core compiled into this library.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Test hook (feature `test-hooks`, never in app builds): panics inside the library, so the
/// Kotlin suite can show that a panic arrives as an exception and the library keeps working.
#[cfg(feature = "test-hooks")]
#[uniffi::export]
pub fn panic_for_test() -> Result<(), error::AppError> {
    panic!("a deliberate panic for the containment test")
}
