//! The WhatsApp Cloud API channel, as Meta speaks it: webhook signatures ([`signature`]) and
//! the webhook notification turned into domain terms ([`notification`]). Storage, routes and
//! the send queue build on these; nothing here does I/O.

pub mod media;
pub mod notification;
pub mod outbound;
pub mod sender;
pub mod signature;
