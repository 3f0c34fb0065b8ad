//! What people read: one-line summaries for queues and notifications, and WhatsApp errors
//! explained in an agent's words.

use relaydesk_core::domain::*;

fn media(kind: MediaKind, caption: Option<&str>) -> Content {
    Content::Media(Media {
        kind,
        whatsapp_media_id: "1".into(),
        mime_type: None,
        sha256: None,
        filename: None,
        caption: caption.map(str::to_owned),
        voice: false,
        animated: false,
    })
}

#[test]
fn every_kind_of_message_has_a_readable_one_line_summary() {
    let cases = [
        (
            Content::Text {
                body: "Hi 👋".into(),
            },
            "Hi 👋",
        ),
        (
            media(MediaKind::Image, Some("my receipt")),
            "[image] my receipt",
        ),
        (media(MediaKind::Video, Some("  ")), "[video]"),
        (media(MediaKind::Audio, None), "[audio]"),
        (media(MediaKind::Document, None), "[document]"),
        (media(MediaKind::Sticker, None), "[sticker]"),
        (
            Content::InteractiveReply(InteractiveReply::Button {
                id: "handoff_agent".into(),
                title: "Talk to a person".into(),
            }),
            "Talk to a person",
        ),
        (
            Content::InteractiveReply(InteractiveReply::Flow {
                name: None,
                body: None,
                response_json: "{}".into(),
                fields: None,
            }),
            "[form submitted]",
        ),
        (
            Content::TemplateButton {
                payload: "REDELIVERY_RESCHEDULE".into(),
                text: "Reschedule".into(),
            },
            "Reschedule",
        ),
        (
            Content::Reaction {
                target: Wamid::new("wamid.X"),
                emoji: None,
            },
            "removed a reaction",
        ),
        (
            Content::Location {
                latitude: 1.0,
                longitude: 2.0,
                name: Some("Depot".into()),
                address: None,
                url: None,
            },
            "[location] Depot",
        ),
        (Content::RequestWelcome, "[opened the chat]"),
        (
            Content::Unsupported {
                whatsapp_type: "poll_creation".into(),
                error: None,
            },
            "[the customer sent a poll_creation message that cannot be shown here]",
        ),
        (
            Content::Unsupported {
                whatsapp_type: "unknown".into(),
                error: None,
            },
            "[the customer sent an unsupported message that cannot be shown here]",
        ),
        (
            Content::Unsupported {
                whatsapp_type: "interactive".into(),
                error: None,
            },
            "[the customer sent an interactive message that cannot be shown here]",
        ),
    ];
    for (content, expected) in cases {
        assert_eq!(content.summary(), expected);
    }
}

#[test]
fn whatsapp_errors_are_explained_with_what_to_do() {
    let error = |code: i64, details: Option<&str>| WhatsAppError {
        code,
        title: "Title".into(),
        details: details.map(str::to_owned),
    };
    assert!(
        error(131047, None)
            .explanation()
            .contains("send an approved template")
    );
    assert!(
        error(131026, None)
            .explanation()
            .contains("reach them another way")
    );
    assert!(error(131051, None).explanation().contains("not supported"));
    assert!(
        error(132001, None)
            .explanation()
            .starts_with("The template was refused")
    );
    assert_eq!(
        error(131000, Some("try later")).explanation(),
        "Title (try later)"
    );
    assert_eq!(error(131000, Some("")).explanation(), "Title");
}

#[test]
fn ids_print_as_plain_text_where_people_and_logs_see_them() {
    let wamid = Wamid::new("wamid.HBgL");
    assert_eq!(
        (wamid.as_str(), wamid.to_string(), format!("{wamid:?}")),
        (
            "wamid.HBgL",
            "wamid.HBgL".into(),
            "Wamid(wamid.HBgL)".into()
        )
    );
    assert_eq!(Role::Supervisor.to_string(), "supervisor");
    let id = UserId::new();
    assert_eq!(id.to_string().parse::<UserId>(), Ok(id));
}

fn inbound(content: Content, context: MessageContext) -> Message {
    Message {
        id: MessageId::new(),
        conversation_id: ConversationId::new(),
        direction: Direction::Inbound,
        author: None,
        wamid: Some(Wamid::new("wamid.R")),
        content,
        context,
        at: chrono::Utc::now(),
        delivery: DeliveryStatus::Delivered,
        played: false,
        reaction: None,
        reaction_at: None,
        read_by_us: false,
        pricing_category: None,
    }
}

#[test]
fn phones_and_the_web_read_orders_forms_quotes_and_notices_the_same_way() {
    let order = inbound(
        Content::Order {
            catalog_id: "c".into(),
            text: None,
            items: vec![
                OrderItem {
                    product_retailer_id: "MUG".into(),
                    quantity: 3,
                    item_price: 2.5,
                    currency: "BRL".into(),
                },
                OrderItem {
                    product_retailer_id: "TEA".into(),
                    quantity: 1,
                    item_price: 10.0,
                    currency: "BRL".into(),
                },
            ],
        },
        MessageContext::default(),
    );
    let read = reading::read(&order);
    assert_eq!(read.tag.as_deref(), Some("Order"));
    assert_eq!(
        read.lines,
        [
            "3 × MUG — 2.50 BRL",
            "1 × TEA — 10.00 BRL",
            "Total: 17.50 BRL"
        ]
    );

    let form = inbound(
        Content::InteractiveReply(InteractiveReply::Flow {
            name: Some("flow".into()),
            body: Some("Sent".into()),
            response_json: "{}".into(),
            fields: Some(vec![FlowField {
                name: "date".into(),
                value: "Friday".into(),
            }]),
        }),
        MessageContext {
            reply_to: Some(Wamid::new("wamid.OURS")),
            forwarded: Forwarded::Forwarded,
            ..MessageContext::default()
        },
    );
    let read = reading::read(&form);
    assert_eq!(read.lines, ["date: Friday"]);
    assert_eq!(read.quotes, Some(Wamid::new("wamid.OURS")));
    assert_eq!(read.marks, ["Forwarded"]);

    let moved = Content::System {
        kind: "user_changed_number".into(),
        body: "…".into(),
        new_phone: Some("15550002".into()),
        new_bsuid: None,
        old_phone: Some("15550001".into()),
    };
    assert_eq!(
        reading::notice_line(&moved).as_deref(),
        Some("The customer's number changed from +15550001 to +15550002")
    );
    assert_eq!(
        reading::notice_line(&Content::Text { body: "hi".into() }),
        None
    );
}
