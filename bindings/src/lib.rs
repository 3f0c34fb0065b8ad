//! `relaydesk-ffi`: the UniFFI surface of `relaydesk-core`'s phone client for Kotlin and Swift.
//!
//! Thin by rule: each exported type wraps a core type and adds no logic. The full surface
//! (client, queue views, commands, listeners) arrives with issues 5 and 6; today it exports the
//! core's version so the packaging and the generated bindings can be exercised end to end.

uniffi::setup_scaffolding!();

/// The version of the Relaydesk core compiled into this library.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
