//! The wire: what the REST API, the sync endpoints and the event stream carry, as types both
//! the server (which answers with them) and the phone client (which reads them) compile
//! against. Plain serde records; the rules stay in [`crate::domain`].
//!
//! - [`auth`]: login, sessions (one bearer token per device), the signed-in user.
//! - [`queue`]: a page of a queue view with counts per view.
//! - [`thread`]: one conversation and its timeline.
//! - [`requests`]: the bodies of command routes (claim, assign, reply …).
//! - [`admin`]: managing people, teams and inboxes; [`directory`]: who is who.
//! - [`sync`]: phone sync, push and pull.
//! - [`live`]: the Server-Sent-Events stream of changes.
//! - [`library`]: canned replies and templates.
//! - [`errors`]: the one error shape.
//! - [`version`]: which protocol a client speaks (the `Relaydesk-Protocol` header);
//!   [`older`]: what a phone of an older protocol is served instead.

pub mod admin;
pub mod auth;
pub mod devices;
pub mod directory;
pub mod errors;
pub mod library;
pub mod live;
pub mod older;
pub mod queue;
pub mod requests;
pub mod sync;
pub mod thread;
pub mod version;
