//! Every real-shaped WhatsApp webhook in tests/fixtures/whatsapp read into domain terms, as
//! fixtures/INDEX.md says a correct support server must read it; then the malformed inputs
//! Meta (or an attacker with the secret) could send.

use chrono::{TimeZone, Utc};
use relaydesk_core::domain::*;
use relaydesk_server::whatsapp::notification::{
    InboundItem, Notification, NotificationError, StatusItem, read,
};

const BUSINESS_A: &str = "410593826617204";
const BUSINESS_B: &str = "410593826617388";

fn received_at() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 9, 14, 12, 0, 0)
        .single()
        .expect("time")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/whatsapp")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn notification(name: &str) -> Notification {
    let n = read(&fixture(name), received_at()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(n.skipped.is_empty(), "{name} skipped {:?}", n.skipped);
    n
}

/// The one message of a one-message fixture.
fn only_message(name: &str) -> InboundItem {
    let n = notification(name);
    assert_eq!(n.numbers.len(), 1, "{name}");
    assert_eq!(n.numbers[0].phone_number_id, BUSINESS_A);
    assert_eq!(n.numbers[0].messages.len(), 1, "{name}");
    n.numbers[0].messages[0].clone()
}

fn statuses(name: &str) -> Vec<StatusItem> {
    notification(name).numbers.remove(0).statuses
}

#[test]
fn a_plain_text_arrives_with_sender_name_number_and_time() {
    let m = only_message("inbound-text.json");
    assert_eq!(m.from.phone.as_deref(), Some("12025550147"));
    assert_eq!(m.from.profile_name.as_deref(), Some("Marisol Quintero"));
    assert_eq!(m.sent_at.timestamp(), 1789412411);
    assert!(
        matches!(m.content, Content::Text { ref body } if body.starts_with("Hi, my order A-20931"))
    );
    assert!(m.wamid.as_str().starts_with("wamid."));
}

#[test]
fn emoji_only_and_very_long_texts_are_kept_untouched() {
    let emoji = only_message("inbound-text-emoji-only.json");
    assert_eq!(
        emoji.content,
        Content::Text {
            body: "🙏🏽👍".into()
        }
    );
    let long = only_message("inbound-text-very-long.json");
    let Content::Text { body } = long.content else {
        panic!("text")
    };
    assert!(body.chars().count() > 4096, "not truncated");
    assert!(body.contains('\n') && body.contains('*'));
}

#[test]
fn reply_context_forwarding_and_ad_referrals_are_read() {
    let reply = only_message("inbound-text-reply-context.json");
    assert_eq!(
        reply.context.reply_to.as_ref().map(Wamid::as_str),
        Some("wamid.HBgLMTIwMjU1NTAxNDcVAgARGBIzRUEzQjAyM0REM0U0NkVBMjQA")
    );
    let forwarded = only_message("inbound-text-forwarded.json");
    assert_eq!(
        (forwarded.context.forwarded, forwarded.context.reply_to),
        (Forwarded::Forwarded, None)
    );
    let ad = only_message("inbound-text-ctwa-referral.json");
    let referral = ad.context.referral.expect("ad attribution");
    assert_eq!(referral.source_id.as_deref(), Some("120231558760410244"));
    assert!(referral.ctwa_clid.is_some_and(|c| c.starts_with("LHYemu")));
    assert!(
        !matches!(ad.content, Content::Text { ref body } if body.contains("Loose-leaf")),
        "the ad body is not customer text"
    );
}

#[test]
fn a_contact_without_a_profile_still_has_a_number() {
    let m = only_message("inbound-text-no-profile-name.json");
    assert_eq!(
        (m.from.phone.as_deref(), m.from.profile_name),
        (Some("447700900999"), None)
    );
}

#[test]
fn media_of_every_kind_keeps_id_type_caption_and_flags() {
    let image = only_message("inbound-image.json");
    let Content::Media(media) = image.content else {
        panic!("image")
    };
    assert_eq!(
        (media.kind, media.whatsapp_media_id.as_str()),
        (MediaKind::Image, "3488878938564047")
    );
    assert_eq!(media.caption.as_deref(), Some("The box arrived like this"));
    assert_eq!(media.mime_type.as_deref(), Some("image/jpeg"));

    let Content::Media(voice) = only_message("inbound-audio-voice.json").content else {
        panic!("audio")
    };
    assert!(voice.kind == MediaKind::Audio && voice.voice);
    let Content::Media(video) = only_message("inbound-video.json").content else {
        panic!("video")
    };
    assert_eq!(
        video.caption.as_deref(),
        Some("Unboxing — the lid was already cracked")
    );
    let Content::Media(sticker) = only_message("inbound-sticker.json").content else {
        panic!("sticker")
    };
    assert!(sticker.kind == MediaKind::Sticker && !sticker.animated);
}

#[test]
fn locations_and_shared_contact_cards_are_read_whole() {
    let Content::Location {
        latitude,
        longitude,
        name,
        address,
        url,
    } = only_message("inbound-location.json").content
    else {
        panic!("location")
    };
    assert_eq!((latitude, longitude), (51.50332, -0.11964));
    assert_eq!(name.as_deref(), Some("Riverside Parcel Locker 14"));
    assert!(address.is_some() && url.is_some());

    let Content::Contacts { cards } = only_message("inbound-contacts.json").content else {
        panic!("contacts")
    };
    assert_eq!(cards[0].formatted_name, "Jonas Eberhardt");
    assert_eq!(cards[0].organization.as_deref(), Some("Example Logistics"));
    assert_eq!(cards[0].phones.len(), 2, "both phones kept");
    assert_eq!(
        cards[0].phones.iter().filter(|p| p.wa_id.is_some()).count(),
        1,
        "only one is on WhatsApp"
    );
}

#[test]
fn interactive_replies_and_template_buttons_keep_the_ids_to_route_on() {
    let button = only_message("inbound-interactive-button-reply.json").content;
    assert_eq!(
        button,
        Content::InteractiveReply(InteractiveReply::Button {
            id: "handoff_agent".into(),
            title: "Talk to an agent".into()
        })
    );
    let Content::InteractiveReply(InteractiveReply::List {
        id, description, ..
    }) = only_message("inbound-interactive-list-reply.json").content
    else {
        panic!("list reply")
    };
    assert_eq!(
        (id.as_str(), description.as_deref()),
        ("ret_refund_card", Some("3-5 business days"))
    );
    let quick = only_message("inbound-button-template-quick-reply.json");
    assert_eq!(
        quick.content,
        Content::TemplateButton {
            payload: "REDELIVERY_RESCHEDULE".into(),
            text: "Reschedule delivery".into()
        }
    );
    assert!(quick.context.reply_to.is_some());
}

#[test]
fn reactions_and_their_removal_name_the_message_they_decorate() {
    let target = Wamid::new("wamid.HBgMNDQ3NzAwOTAwNDYxFQIAERgSMTc2MEMzNjlBNjQyNzNDODYyAA==");
    assert_eq!(
        only_message("inbound-reaction.json").content,
        Content::Reaction {
            target: target.clone(),
            emoji: Some("❤️".into())
        }
    );
    assert_eq!(
        only_message("inbound-reaction-removed.json").content,
        Content::Reaction {
            target,
            emoji: None
        }
    );
}

#[test]
fn unsupported_messages_become_a_placeholder_with_whatsapps_reason() {
    let Content::Unsupported {
        whatsapp_type,
        error,
    } = only_message("inbound-unsupported.json").content
    else {
        panic!("placeholder")
    };
    assert_eq!(whatsapp_type, "poll_creation");
    assert_eq!(error.map(|e| e.code), Some(131051));
}

#[test]
fn every_message_of_a_batch_is_read_and_matched_to_its_contact_by_number() {
    let n = notification("batch-two-messages-two-contacts.json");
    let messages = &n.numbers[0].messages;
    assert_eq!(messages.len(), 2);
    // The contacts are listed in the other order: matching by position would swap the names.
    assert_eq!(messages[0].from.phone.as_deref(), Some("13125550163"));
    assert_eq!(messages[0].from.profile_name.as_deref(), Some("Dev Okafor"));
    assert!(matches!(
        messages[0].content,
        Content::Location {
            name: None,
            address: None,
            ..
        }
    ));
    assert_eq!(
        messages[1].from.profile_name.as_deref(),
        Some("Aiko Tanaka")
    );

    let both = notification("batch-multiple-entries.json");
    let numbers: Vec<&str> = both
        .numbers
        .iter()
        .map(|n| n.phone_number_id.as_str())
        .collect();
    assert_eq!(numbers, [BUSINESS_A, BUSINESS_B]);
    assert_eq!(
        both.numbers[1].messages[0].context.forwarded,
        Forwarded::FrequentlyForwarded
    );
    assert_eq!(
        both.numbers[1].messages[0].from.profile_name.as_deref(),
        Some("Ольга Смирнова")
    );
}

#[test]
fn duplicates_inside_one_batch_are_both_read_the_store_keeps_one() {
    let n = notification("inbound-duplicate-same-wamid.json");
    let messages = &n.numbers[0].messages;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].wamid, messages[1].wamid);
}

#[test]
fn messages_and_statuses_in_one_change_are_both_read() {
    let n = notification("mixed-messages-and-statuses.json");
    assert_eq!(
        (n.numbers[0].messages.len(), n.numbers[0].statuses.len()),
        (1, 1)
    );
}

#[test]
fn statuses_carry_their_step_time_pricing_and_failure_reason() {
    let sent = &statuses("status-sent.json")[0];
    assert_eq!(
        sent.report,
        DeliveryReport::Status {
            status: DeliveryStatus::Sent
        }
    );
    assert_eq!(sent.pricing_category.as_deref(), Some("utility"));
    assert_eq!(
        sent.ours, None,
        "someone else's callback data is not one of our ids"
    );
    assert_eq!(sent.recipient.phone.as_deref(), Some("12025550181"));

    let delivered = &statuses("status-delivered.json")[0];
    assert_eq!(
        delivered.report,
        DeliveryReport::Status {
            status: DeliveryStatus::Delivered
        }
    );
    let read_only = &statuses("status-read-no-conversation.json")[0];
    assert_eq!(
        read_only.report,
        DeliveryReport::Status {
            status: DeliveryStatus::Read
        }
    );

    for (name, code) in [
        ("status-failed-131047.json", 131047),
        ("status-failed-131026.json", 131026),
    ] {
        let DeliveryReport::Status {
            status: DeliveryStatus::Failed { error },
        } = &statuses(name)[0].report
        else {
            panic!("{name} is a failure")
        };
        assert_eq!(error.code, code);
        assert!(error.details.is_some(), "{name} keeps error_data.details");
    }

    let steps: Vec<&str> = statuses("status-out-of-order.json")
        .iter()
        .map(|s| match &s.report {
            DeliveryReport::Status { status } => status.as_str(),
            DeliveryReport::Played => "played",
        })
        .collect();
    assert_eq!(
        steps,
        ["read", "delivered", "sent", "delivered"],
        "in the order WhatsApp sent them"
    );
}

#[test]
fn account_level_errors_are_read_with_nothing_to_store() {
    let n = notification("errors-value-level-130429.json");
    assert_eq!(n.numbers[0].errors[0].code, 130429);
    assert!(n.numbers[0].messages.is_empty() && n.numbers[0].statuses.is_empty());
}

#[test]
fn our_own_id_in_callback_data_identifies_the_message_before_its_wamid_is_known() {
    let ours = MessageId::new();
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{
            "messaging_product":"whatsapp","metadata":{{"display_phone_number":"1","phone_number_id":"{BUSINESS_A}"}},
            "statuses":[{{"id":"wamid.X","status":"delivered","timestamp":"1789413900","recipient_id":"1",
            "biz_opaque_callback_data":"{ours}"}},{{"id":"wamid.X","status":"deleted","timestamp":"1"}},
            {{"id":"wamid.X","status":"played","timestamp":"1789413999"}}]}}}}]}}]}}"#
    );
    let n = read(body.as_bytes(), received_at()).expect("readable");
    let statuses = &n.numbers[0].statuses;
    assert_eq!(statuses.len(), 2, "an unknown status is a no-op");
    assert_eq!(statuses[0].ours, Some(ours));
    assert_eq!(statuses[1].report, DeliveryReport::Played);
}

#[test]
fn bad_bodies_are_named_and_bad_items_are_skipped_without_losing_the_good_ones() {
    let at = received_at();
    assert!(matches!(read(b"", at), Err(NotificationError::NotJson(_))));
    assert!(matches!(
        read(br#"{"object":"whatsapp_business_account","entry":[{"#, at),
        Err(NotificationError::NotJson(_))
    ));
    assert!(matches!(
        read(br#"[1,2,3]"#, at),
        Err(NotificationError::NotJson(_))
    ));
    assert_eq!(
        read(br#"{"object":"page","entry":[]}"#, at),
        Err(NotificationError::NotWhatsApp("page".into()))
    );
    assert_eq!(
        read(br#"{"object":"whatsapp_business_account"}"#, at),
        Err(NotificationError::NoEntries)
    );

    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[
          {{"field":"message_template_status_update","value":{{"event":"APPROVED"}}}},
          {{"field":"messages","value":{{"metadata":{{"display_phone_number":"1","phone_number_id":"{BUSINESS_A}"}},
            "contacts":[{{"wa_id":"15550001"}}],
            "messages":[
              {{"from":"15550001","id":"wamid.GOOD","timestamp":"1789413900","type":"text","text":{{"body":"still here"}}}},
              {{"from":"15550001","id":"wamid.NOTEXT","timestamp":"1789413901","type":"text"}},
              {{"from":"15550001","id":"wamid.NEWTYPE","timestamp":"oops","type":"hologram","hologram":{{}}}},
              {{"from":"15550001","timestamp":"1789413903","type":"text","text":{{"body":"no id"}}}},
              {{"from_user_id":"US.134912","id":"wamid.NOPHONE","timestamp":1789413904,"type":"text","text":{{"body":"username user"}}}}
            ],
            "statuses":[{{"status":"read"}}]}}}}]}}]}}"#
    );
    let n = read(body.as_bytes(), at).expect("readable");
    assert_eq!(n.ignored_fields, ["message_template_status_update"]);
    assert_eq!(
        n.skipped.len(),
        2,
        "the message without id and the status without id: {:?}",
        n.skipped
    );
    let messages = &n.numbers[0].messages;
    let wamids: Vec<&str> = messages.iter().map(|m| m.wamid.as_str()).collect();
    assert_eq!(
        wamids,
        [
            "wamid.GOOD",
            "wamid.NOTEXT",
            "wamid.NEWTYPE",
            "wamid.NOPHONE"
        ]
    );
    assert!(
        matches!(&messages[1].content, Content::Unsupported { whatsapp_type, .. } if whatsapp_type == "text")
    );
    assert!(
        matches!(&messages[2].content, Content::Unsupported { whatsapp_type, .. } if whatsapp_type == "hologram")
    );
    assert_eq!(
        messages[2].sent_at, at,
        "a garbled timestamp falls back to when we received it"
    );
    assert_eq!(
        (
            messages[3].from.phone.clone(),
            messages[3].from.bsuid.as_deref()
        ),
        (None, Some("US.134912"))
    );
}
