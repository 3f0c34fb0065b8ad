//! The storage contract: one suite, run against SQLite always and PostgreSQL when
//! `RELAYDESK_TEST_DATABASE_URL` is set (CI sets it). Each test gets a fresh database (a temp
//! SQLite file, or a new PostgreSQL schema), so tests run in parallel.

mod configuration;
mod desk;
mod fixtures;
mod following;
mod harness;
mod media;
mod sending;
mod timers;
mod webhooks;
