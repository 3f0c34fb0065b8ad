//! The team API through real HTTP: a server on a loopback port over SQLite and PostgreSQL,
//! people signed in with real passwords, and the stories of who may do what.

#[allow(dead_code)]
#[path = "../store/harness.rs"]
mod harness;

mod auth;
mod automation;
mod client;
mod commands;
mod concurrency;
mod config_log;
mod errors;
mod labels;
mod library;
mod limits;
mod live;
mod media;
mod openapi;
mod order;
mod parity;
mod provenance;
mod push;
mod queue;
mod rbac;
mod sync;
mod web;
mod working;
