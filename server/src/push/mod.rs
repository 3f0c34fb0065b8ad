//! Push notifications to phones through FCM HTTP v1, so field agents and supervisors know when
//! something needs them with the app closed.
//!
//! - [`alerts`]: who is woken and who is alerted by a change, and the words (pure);
//! - [`message`]: the FCM message objects (data for `handle_push`, Android and APNs options);
//! - [`fcm`]: the service-account token and the send call, and what FCM's answers mean;
//! - [`dispatcher`]: the follower of the event log that turns changes into queued pushes.
//!
//! The tasks that run the dispatcher and send the pushes are in `crate::workers::pushes`.

pub mod alerts;
pub mod dispatcher;
pub mod fcm;
pub mod message;
