//! The WhatsApp Cloud API channel, as Meta speaks it. Pure: webhook signatures
//! ([`signature`]), the webhook notification turned into domain terms ([`notification`], over
//! Meta's JSON `shapes`), Graph API requests and what their answers mean ([`outbound`]), the
//! limits of inbound [`media`], where the Graph API is ([`graph`]). With I/O: the template
//! listing ([`templates`]). The tasks that send and fetch are in `crate::workers`.

pub mod graph;
pub mod media;
pub mod notification;
pub mod outbound;
mod shapes;
pub mod signature;
pub mod templates;

pub use graph::GraphApi;
