//! Replies to the customer: only the owner replies (a reply to an unassigned conversation
//! claims it first, in the same decision); free text only inside the 24-hour window;
//! templates at any time, if approved and filled exactly.

use super::super::command::ReplyBody;
use super::super::content::{Content, MAX_OUTBOUND_TEXT_CHARS, MessageContext};
use super::super::conversation::Conversation;
use super::super::delivery::DeliveryStatus;
use super::super::event::{Change, Event, Handover};
use super::super::ids::{ConversationId, MessageId};
use super::super::message::{Direction, Message};
use super::super::rejection::{Entity, Rejection};
use super::super::template::TemplateStatus;
use super::Decider;

impl Decider<'_> {
    pub(super) fn reply(
        &self,
        id: ConversationId,
        message_id: MessageId,
        body: &ReplyBody,
        in_reply_to: Option<MessageId>,
    ) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        if let Some(existing) = self.desk.message(message_id) {
            // The message id is the reply's idempotency key: a retry sends nothing twice.
            return if existing.conversation_id == id && existing.direction == Direction::Outbound {
                Ok(vec![])
            } else {
                Err(Rejection::invalid(
                    "message",
                    "this id is already used by another message",
                ))
            };
        }

        let mut events = Vec::new();
        match conversation.assignee {
            None => events.push(self.ownership(
                conversation,
                Some(self.member.id),
                Handover::ClaimedByReply,
                None,
            )),
            Some(owner) if owner == self.member.id => {}
            Some(owner) => return Err(self.not_owner(owner)),
        }

        let content = self.reply_content(conversation, body)?;
        let context = MessageContext {
            reply_to: match in_reply_to {
                None => None,
                Some(target) => self
                    .desk
                    .message(target)
                    .filter(|m| m.conversation_id == id)
                    .ok_or_else(|| Rejection::not_found(Entity::Message, target))?
                    .wamid
                    .clone(),
            },
            ..MessageContext::default()
        };
        let message = Message {
            id: message_id,
            conversation_id: id,
            direction: Direction::Outbound,
            author: Some(self.member.id),
            wamid: None,
            content,
            context,
            at: self.now,
            delivery: DeliveryStatus::Queued,
            played: false,
            reaction: None,
            reaction_at: None,
        };
        events.push(self.event(
            id,
            Change::ReplyQueued {
                message: Box::new(message),
            },
        ));
        Ok(events)
    }

    fn reply_content(
        &self,
        conversation: &Conversation,
        body: &ReplyBody,
    ) -> Result<Content, Rejection> {
        match body {
            ReplyBody::Text { text } => {
                if text.trim().is_empty() {
                    return Err(Rejection::invalid("text", "a reply cannot be empty"));
                }
                if text.chars().count() > MAX_OUTBOUND_TEXT_CHARS {
                    return Err(Rejection::invalid(
                        "text",
                        format!(
                            "WhatsApp takes at most {MAX_OUTBOUND_TEXT_CHARS} characters per message"
                        ),
                    ));
                }
                if !conversation.window_is_open(self.now) {
                    return Err(Rejection::WindowClosed {
                        closed_at: conversation.window_closes_at(),
                    });
                }
                Ok(Content::Text { body: text.clone() })
            }
            ReplyBody::Template {
                name,
                language,
                params,
            } => {
                let workspace = &self.desk.workspace;
                let inbox = workspace
                    .inboxes
                    .get(&conversation.inbox_id)
                    .ok_or_else(|| Rejection::not_found(Entity::Inbox, conversation.inbox_id))?;
                let template = workspace.template(inbox, name, language).ok_or_else(|| {
                    Rejection::invalid(
                        "template",
                        format!("this number has no template {name:?} in language {language:?}"),
                    )
                })?;
                if template.status != TemplateStatus::Approved {
                    return Err(Rejection::invalid(
                        "template",
                        format!("template {name:?} is not approved ({:?})", template.status),
                    ));
                }
                template
                    .check_params(params)
                    .map_err(|e| Rejection::invalid("params", e.to_string()))?;
                Ok(Content::Template {
                    name: name.clone(),
                    language: language.clone(),
                    params: params.clone(),
                    preview: template.preview(params),
                })
            }
        }
    }
}
