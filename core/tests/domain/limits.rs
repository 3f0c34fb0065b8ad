//! Every free-text field has a length limit, counted in characters, and the decision refuses
//! what is longer — so a form, a REST body and a phone's sync push meet the same limit.

use relaydesk_core::domain::limits::*;
use relaydesk_core::domain::*;

use crate::world::*;

/// The refusal a text over its limit gets.
fn too_long(field: &str, max: usize) -> Rejection {
    Rejection::Invalid {
        field: field.to_owned(),
        reason: format!("too long (at most {max} characters)"),
    }
}

#[test]
fn sofias_reason_for_taking_a_conversation_counts_characters_not_bytes() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let bruno = w.bruno;
    let reassign = |reason: String| Command::Assign {
        conversation: c,
        to: AssignTarget::Agent(bruno),
        reason: Some(reason),
        note: None,
    };
    // 1,001 "ç" are 2,002 bytes: refused for being 1,001 characters, not for the bytes.
    let refused = w.run(w.sofia, reassign("ç".repeat(MAX_REASON_CHARS + 1)));
    assert_eq!(refused, Err(too_long("reason", MAX_REASON_CHARS)));
    assert_eq!(w.conversation(c).assignee, Some(w.ana), "nothing changed");

    w.ok(w.sofia, reassign("ç".repeat(MAX_REASON_CHARS)));
    assert_eq!(w.conversation(c).assignee, Some(w.bruno));
}

#[test]
fn a_supervisor_releasing_someone_elses_conversation_keeps_the_reason_short() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let refused = w.run(
        w.sofia,
        Command::Release {
            conversation: c,
            note: None,
            reason: Some("x".repeat(MAX_REASON_CHARS + 1)),
        },
    );
    assert_eq!(refused, Err(too_long("reason", MAX_REASON_CHARS)));
    assert_eq!(w.conversation(c).assignee, Some(w.ana));
}

#[test]
fn a_handoff_note_is_a_note_and_has_the_notes_limit() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let refused = w.run(
        w.ana,
        Command::Release {
            conversation: c,
            note: handoff_note(&"n".repeat(MAX_NOTE_CHARS + 1)),
            reason: None,
        },
    );
    assert!(
        matches!(&refused, Err(Rejection::Invalid { field, reason })
            if field == "note" && reason.contains(&MAX_NOTE_CHARS.to_string())),
        "{refused:?}"
    );
    assert_eq!(w.conversation(c).assignee, Some(w.ana));
}

#[test]
fn an_escalation_is_asked_for_and_decided_in_words_of_bounded_length() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let (e, request) = escalate(c, EscalationTarget::Team(w.south));
    let Command::RequestEscalation {
        conversation,
        escalation,
        severity,
        target,
        ..
    } = request.clone()
    else {
        unreachable!("escalate() builds a request")
    };
    let long_request = Command::RequestEscalation {
        conversation,
        escalation,
        reason: "r".repeat(MAX_REASON_CHARS + 1),
        severity,
        target,
    };
    assert_eq!(
        w.run(w.ana, long_request),
        Err(too_long("reason", MAX_REASON_CHARS))
    );
    assert!(w.conversation(c).escalation.is_none(), "nothing requested");

    w.ok(w.ana, request);
    let long_note = Command::ApproveEscalation {
        escalation: e,
        note: Some("a".repeat(MAX_REASON_CHARS + 1)),
    };
    assert_eq!(
        w.run(w.sam, long_note),
        Err(too_long("note", MAX_REASON_CHARS))
    );
    let long_rejection = Command::RejectEscalation {
        escalation: e,
        reason: "no".repeat(MAX_REASON_CHARS),
    };
    assert_eq!(
        w.run(w.sam, long_rejection),
        Err(too_long("reason", MAX_REASON_CHARS))
    );
    assert!(
        w.conversation(c)
            .pending_escalation()
            .is_some_and(|p| p.id == e),
        "still waiting for a decision"
    );
    w.ok(
        w.sam,
        Command::RejectEscalation {
            escalation: e,
            reason: "n".repeat(MAX_REASON_CHARS),
        },
    );
}

#[test]
fn a_reply_with_a_file_names_it_and_its_media_id_within_their_limits() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let send = |media_id: String, filename: Option<String>| Command::Reply {
        conversation: c,
        message: MessageId::new(),
        body: ReplyBody::Media {
            kind: MediaKind::Document,
            whatsapp_media_id: media_id,
            caption: None,
            filename,
        },
        in_reply_to: None,
    };
    assert_eq!(
        w.run(w.ana, send("7".repeat(MAX_MEDIA_ID_CHARS + 1), None)),
        Err(too_long("media", MAX_MEDIA_ID_CHARS))
    );
    // A file name of 255 "é" (510 bytes) is fine; one more character is not.
    assert_eq!(
        w.run(
            w.ana,
            send(
                "1098765".into(),
                Some(format!("{}.pdf", "é".repeat(MAX_FILE_NAME_CHARS - 3)))
            )
        ),
        Err(too_long("filename", MAX_FILE_NAME_CHARS))
    );
    w.ok(
        w.ana,
        send(
            "1098765".into(),
            Some(format!("{}.pdf", "é".repeat(MAX_FILE_NAME_CHARS - 4))),
        ),
    );
}

#[test]
fn a_reaction_is_one_emoji_not_a_paragraph() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let customer = w
        .desk
        .messages_of(c)
        .find(|m| m.direction == Direction::Inbound)
        .expect("the customer wrote")
        .id;
    let react = |emoji: &str| Command::Reply {
        conversation: c,
        message: MessageId::new(),
        body: ReplyBody::Reaction {
            to: customer,
            emoji: Some(emoji.to_owned()),
        },
        in_reply_to: None,
    };
    assert_eq!(
        w.run(w.ana, react(&"👍".repeat(MAX_EMOJI_CHARS + 1))),
        Err(too_long("emoji", MAX_EMOJI_CHARS))
    );
    // A family is one emoji of seven characters.
    w.ok(w.ana, react("👨‍👩‍👧‍👦"));
}

#[test]
fn a_template_reply_names_its_template_and_language_within_their_limits() {
    let mut w = World::new();
    let c = w.owned_by(w.ana);
    let template = |name: String, language: String| Command::Reply {
        conversation: c,
        message: MessageId::new(),
        body: ReplyBody::Template {
            name,
            language,
            params: TemplateParams::new(),
        },
        in_reply_to: None,
    };
    assert_eq!(
        w.run(
            w.ana,
            template("t".repeat(MAX_TEMPLATE_NAME_CHARS + 1), "en_US".into())
        ),
        Err(too_long("template", MAX_TEMPLATE_NAME_CHARS))
    );
    assert_eq!(
        w.run(
            w.ana,
            template("order_update".into(), "e".repeat(MAX_LANGUAGE_CHARS + 1))
        ),
        Err(too_long("language", MAX_LANGUAGE_CHARS))
    );
}
