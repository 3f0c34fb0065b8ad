//! Protocol v1, frozen: the wire types a phone installed before issue 15 decodes, copied from
//! commit `fa32822` (the last commit before issue 15 began) with only their serde shape kept —
//! every `#[serde(...)]` attribute as it was, no OpenAPI attributes, no methods beyond the few
//! the attributes call, no rules. Strict as those phones are: no `#[serde(other)]`, no
//! `Unknown` variants, nothing v1 did not have. An unknown variant fails to decode here exactly
//! as it fails on such a phone.
//!
//! Frozen: never edit these files to make a test pass. A server that no longer decodes here
//! breaks phones in the field; the fix belongs in the server (downgrading what it serves a v1
//! client). A new protocol version gets its own folder beside this one (`v2/`), and the stories
//! in `tests/tests/compat.rs` run against each version still served.
//!
//! Map: [`ids`] (identifiers), [`domain`] (what `core/src/domain/` put on the wire: the
//! conversation, its messages, notes, timeline events, escalations, templates, canned replies,
//! refusals and the commands a phone pushes), [`sync`] (`core/src/protocol/sync.rs` and
//! `directory.rs`'s colleague: pushes and pulls), [`live`] (`core/src/protocol/live.rs`: the
//! event stream's messages).

// A frozen shape is decoded whole; the stories read only some of its fields.
#![allow(dead_code)]

pub mod domain;
pub mod ids;
pub mod live;
pub mod sync;
