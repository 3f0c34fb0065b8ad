//! The domain's rules told as stories of a small support desk, one file per family of rules,
//! plus property tests of the invariants that must hold whatever happens.

mod access;
mod context;
mod escalation;
mod inbound;
mod limits;
mod ownership;
mod presentation;
mod properties;
mod replies_library;
mod replying;
mod wire;
mod wording;
mod world;
