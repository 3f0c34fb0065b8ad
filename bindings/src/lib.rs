//! `relaydesk-ffi`: the UniFFI surface of `relaydesk-core`'s phone client for Kotlin and Swift.
//!
//! Thin by rule: each exported type wraps a core type and adds no logic.
//! - `client`: [`client::RelaydeskClient`] (sign in, views, threads, offline commands, sync,
//!   pushes, live), the [`client::UiListener`] the app implements and the handles that stop it.
//! - `records`: what screens show, as plain records and enums.
//! - `error`: [`error::AppError`], the cases an app acts on differently.
//!
//! A panic inside is caught by UniFFI's scaffolding and arrives as an internal error, never a
//! crash of the app.

uniffi::setup_scaffolding!();

pub mod client;
pub mod error;
pub mod records;

/// The version of the Relaydesk core compiled into this library.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
