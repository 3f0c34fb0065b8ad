//! `relaydesk-core`: what the server and the phone share.
//!
//! - [`domain`]: the pure rules of the support desk (commands, decisions, events, visibility).
//! - [`protocol`]: the wire types of the REST, sync and event APIs.
//! - [`client`] (feature `client`): the phone side — local store, outbox, sync.
//!
//! Layers point down: `domain` knows nothing of SQL, HTTP or FFI.

#[cfg(feature = "client")]
pub mod client;
pub mod domain;
pub mod protocol;
