//! The WhatsApp Cloud API channel, as Meta speaks it. Pure: webhook signatures
//! ([`signature`]), the webhook notification turned into domain terms ([`notification`], over
//! Meta's JSON `shapes`), Graph API requests and what their answers mean ([`outbound`]).
//! With I/O: the [`sender`] that drains the send queue and the [`media`] fetcher.

pub mod media;
pub mod notification;
pub mod outbound;
pub mod sender;
mod shapes;
pub mod signature;
pub mod templates;
