//! The rules of a support desk, shared by the server and the phone. Pure: no I/O, no async,
//! no SQL, no clock (callers pass `now`).
//!
//! Every change of state is a [`Command`]. [`decide`] judges it against the [`Desk`] (the
//! state it reads), the [`Actor`] and the time, and returns the [`Event`]s that follow or a
//! typed [`Rejection`]. [`apply`] folds events into a desk. The server runs both inside one
//! database transaction; the phone runs them optimistically on its local copy. REST handlers,
//! web-view forms and sync pushes are three doors into the same pair, so every rule —
//! ownership, the 24-hour window, handoff notes, escalations, visibility — holds at every door.
//!
//! Map: identities ([`ids`]), people and teams ([`people`], [`workspace`]), customers and numbers
//! ([`contact`]), the thread ([`conversation`], [`message`], [`content`], [`delivery`],
//! [`escalation`], [`timeline`] order, how a message [`reading`] reads and who did what in
//! [`wording`]), reusable text
//! ([`template`], [`canned`]), time ([`window`], due work: [`timer`]), who may see and work what ([`access`]), the
//! queue's views ([`queue`]), how long free text may be ([`limits`]), and the machinery
//! ([`command`], [`event`], [`rejection`], [`desk`], `decide`, [`apply()`]).

pub mod access;
mod apply;
pub mod automation;
pub mod canned;
pub mod command;
pub mod config;
pub mod contact;
pub mod content;
pub mod conversation;
mod decide;
pub mod delivery;
pub mod desk;
pub mod escalation;
pub mod event;
pub mod ids;
pub mod label;
pub mod limits;
pub mod message;
pub mod people;
mod placeholders;
pub mod queue;
pub mod reading;
pub mod rejection;
pub mod template;
pub mod timeline;
pub mod timer;
mod tolerant;
pub mod window;
pub mod wording;
pub mod workspace;

pub use access::{
    Sight, can_see, gained_sight, leads, lost_sight, may_decide, may_work, moves_sight, sight,
};
pub use apply::apply;
pub use automation::{Automation, Automaton, automation_may};
pub use canned::{CannedReply, CannedScope, FilledReply, MissingVariables, Variables};
pub use command::{
    Actor, AssignTarget, Command, HandoffNote, InboundMessage, MessageRef, Needs, ReplyBody,
};
pub use contact::{Contact, CustomerIdentity, Inbox};
pub use content::{
    Content, FlowField, Forwarded, InteractiveReply, Media, MediaKind, MessageContext, OrderItem,
    Referral, ReferredProduct, SharedContact, SharedPhone, WhatsAppError,
};
pub use conversation::{Conversation, Label, Priority, Status};
pub use decide::decide;
pub use delivery::{DeliveryChange, DeliveryReport, DeliveryStatus, delivery_change};
pub use desk::Desk;
pub use escalation::{Escalation, EscalationState, EscalationTarget, Severity};
pub use event::{By, Change, Event, Handover, Touched};
pub use ids::{
    BotId, CannedReplyId, ContactId, ConversationId, EscalationId, InboxId, LabelId, MessageId,
    NoteId, RuleId, TeamId, TemplateId, UserId, Wamid,
};
pub use label::LabelDefinition;
pub use message::{Direction, Message, Note};
pub use people::{Availability, Capacity, Member, Role, Team};
pub use queue::{Order, View};
pub use rejection::{Entity, Rejection};
pub use template::{
    ParamsError, Template, TemplateButton, TemplateCategory, TemplateParams, TemplateStatus,
};
pub use timeline::Place;
pub use timer::Timer;
pub use window::{Timestamp, WINDOW, window_closes_at, window_is_open, window_time_left};
pub use workspace::Workspace;
