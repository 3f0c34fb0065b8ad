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
