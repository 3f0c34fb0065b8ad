//! The long-running tasks of an instance, above the store and the channels: each follows the
//! database (a queue, the event log, due timers), does its work, and records the outcome
//! through the store. Several instances on one PostgreSQL run them all; the store's claims
//! (`SKIP LOCKED`, leases, follower rows) make each piece of work one instance's.
//!
//! - [`whatsapp_sender`]: drains the send queue into the Graph API, paced per number;
//! - [`media_fetcher`]: downloads inbound media into the blob store;
//! - [`templates`]: reads the approved templates from Meta at start and every six hours;
//! - [`pushes`]: the push dispatcher (a follower) and the sender through FCM;
//! - [`followers`]: runs any follower of the event log, woken when the watermark moves;
//! - [`timers`]: the timer wheel, firing durable timers as they come due (snoozes ending).

pub mod followers;
pub mod media_fetcher;
pub mod pushes;
pub mod templates;
pub mod timers;
pub mod whatsapp_sender;
