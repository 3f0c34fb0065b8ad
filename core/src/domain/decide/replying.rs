//! Replies to the customer: only the owner replies (a reply to an unassigned conversation
//! claims it first, in the same decision); free text only inside the 24-hour window;
//! templates at any time, if approved and filled exactly.

use super::super::access::not_working_reason;
use super::super::command::ReplyBody;
use super::super::content::{
    Content, MAX_CAPTION_CHARS, MAX_OUTBOUND_TEXT_CHARS, Media, MediaKind, MessageContext,
};
use super::super::conversation::Conversation;
use super::super::delivery::DeliveryStatus;
use super::super::event::{Change, Event, Handover};
use super::super::ids::{ConversationId, MessageId};
use super::super::limits::{
    MAX_EMOJI_CHARS, MAX_FILE_NAME_CHARS, MAX_LANGUAGE_CHARS, MAX_MEDIA_ID_CHARS,
    MAX_TEMPLATE_NAME_CHARS, at_most,
};
use super::super::message::{Direction, Message};
use super::super::rejection::{Entity, Rejection};
use super::super::template::TemplateStatus;
use super::{Decider, Doer};

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
        match (&self.who, conversation.assignee) {
            // Automation answers an unowned conversation without taking it; one someone owns
            // only when its setup says so.
            (Doer::Automation(_), None) => {}
            (Doer::Automation(a), Some(_)) if a.replies_when_owned => {}
            (Doer::Automation(a), Some(owner)) => {
                return Err(Rejection::forbidden(format!(
                    "{} does not reply to conversations someone owns ({} owns this one)",
                    a.words(),
                    self.name_of(owner)
                )));
            }
            // Replying to an unassigned conversation claims it: only who may work it.
            (Doer::Member(_), None) if !self.works_it(conversation) => {
                return Err(Rejection::forbidden(not_working_reason(
                    conversation,
                    &self.desk.workspace,
                )));
            }
            (Doer::Member(member), None) => events.push(self.ownership(
                conversation,
                Some(member.id),
                Handover::ClaimedByReply,
                None,
            )),
            (Doer::Member(member), Some(owner)) if owner == member.id => {}
            (Doer::Member(_), Some(owner)) => return Err(self.not_owner(owner)),
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
            author: Some(self.by()),
            wamid: None,
            content,
            context,
            at: self.now,
            delivery: DeliveryStatus::Queued,
            played: false,
            reaction: None,
            reaction_at: None,
            read_by_us: false,
            pricing_category: None,
        };
        events.push(self.event(
            id,
            Change::ReplyQueued {
                message: Box::new(message),
            },
        ));
        Ok(events)
    }

    /// Only the owner tells the customer their message was seen: a read receipt from a
    /// supervisor glancing at the queue would promise an answer nobody is writing.
    pub(super) fn mark_read(
        &self,
        id: ConversationId,
        message: MessageId,
    ) -> Result<Vec<Event>, Rejection> {
        let conversation = self.visible(id)?;
        match conversation.assignee {
            Some(owner) if self.is_me(owner) => {}
            Some(owner) => return Err(self.not_owner(owner)),
            None => return Err(Rejection::forbidden("claim the conversation first")),
        }
        let target = self
            .desk
            .message(message)
            .filter(|m| m.conversation_id == id)
            .ok_or_else(|| Rejection::not_found(Entity::Message, message))?;
        if target.direction != Direction::Inbound || target.wamid.is_none() {
            return Err(Rejection::invalid(
                "message",
                "only the customer's messages can be marked read",
            ));
        }
        if target.read_by_us {
            return Ok(vec![]);
        }
        Ok(vec![self.event(id, Change::ReadReceiptQueued { message })])
    }

    /// Free-form messages (anything but a template) only while the window is open.
    fn require_window(&self, conversation: &Conversation) -> Result<(), Rejection> {
        if conversation.window_is_open(self.now) {
            Ok(())
        } else {
            Err(Rejection::WindowClosed {
                closed_at: conversation.window_closes_at(),
            })
        }
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
                self.require_window(conversation)?;
                Ok(Content::Text { body: text.clone() })
            }
            ReplyBody::Media {
                kind,
                whatsapp_media_id,
                caption,
                filename,
            } => {
                if whatsapp_media_id.trim().is_empty() {
                    return Err(Rejection::invalid(
                        "media",
                        "upload the file first: its media id is missing",
                    ));
                }
                at_most("media", whatsapp_media_id.trim(), MAX_MEDIA_ID_CHARS)?;
                at_most(
                    "filename",
                    filename.as_deref().unwrap_or_default(),
                    MAX_FILE_NAME_CHARS,
                )?;
                let caption = caption.as_deref().map(str::trim).filter(|c| !c.is_empty());
                if caption.is_some() && matches!(kind, MediaKind::Audio | MediaKind::Sticker) {
                    return Err(Rejection::invalid(
                        "caption",
                        format!("WhatsApp shows no caption on {}", kind.as_str()),
                    ));
                }
                if caption.is_some_and(|c| c.chars().count() > MAX_CAPTION_CHARS) {
                    return Err(Rejection::invalid(
                        "caption",
                        format!("a caption has at most {MAX_CAPTION_CHARS} characters"),
                    ));
                }
                self.require_window(conversation)?;
                Ok(Content::Media(Media {
                    kind: *kind,
                    whatsapp_media_id: whatsapp_media_id.trim().to_owned(),
                    mime_type: None,
                    sha256: None,
                    filename: filename.clone().filter(|_| *kind == MediaKind::Document),
                    caption: caption.map(str::to_owned),
                    voice: false,
                    animated: false,
                }))
            }
            ReplyBody::Reaction { to, emoji } => {
                at_most(
                    "emoji",
                    emoji.as_deref().unwrap_or_default(),
                    MAX_EMOJI_CHARS,
                )?;
                let target = self
                    .desk
                    .message(*to)
                    .filter(|m| m.conversation_id == conversation.id)
                    .ok_or_else(|| Rejection::not_found(Entity::Message, to))?;
                let wamid = match (&target.direction, &target.wamid, &target.content) {
                    (_, _, Content::Reaction { .. }) => {
                        return Err(Rejection::invalid("to", "a reaction cannot be reacted to"));
                    }
                    (Direction::Inbound, Some(wamid), _) => wamid.clone(),
                    _ => {
                        return Err(Rejection::invalid(
                            "to",
                            "only the customer's messages can be reacted to",
                        ));
                    }
                };
                self.require_window(conversation)?;
                Ok(Content::Reaction {
                    target: wamid,
                    emoji: emoji.clone().filter(|e| !e.trim().is_empty()),
                })
            }
            ReplyBody::Template {
                name,
                language,
                params,
            } => {
                at_most("template", name, MAX_TEMPLATE_NAME_CHARS)?;
                at_most("language", language, MAX_LANGUAGE_CHARS)?;
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
