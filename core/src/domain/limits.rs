//! How long free text may be: one limit per kind of field, in characters (Unicode scalar
//! values, not bytes — "ação" is four), the same at every door. The decisions check them, so
//! a form, a REST body and a phone's sync push are refused alike; the OpenAPI document states
//! them as `maxLength` from these very constants; the web view's `maxlength` attributes
//! repeat them for the browser's sake.
//!
//! WhatsApp's own limits (text, captions, template parameters) are WhatsApp's; the others are
//! ours: long enough for what a person writes there, short enough that no field becomes a
//! place to store documents or to flood a timeline.

use super::rejection::Rejection;

/// A free-form reply (WhatsApp's limit for one text message).
pub const MAX_OUTBOUND_TEXT_CHARS: usize = 4096;

/// A caption on an image, video or document (WhatsApp's limit).
pub const MAX_CAPTION_CHARS: usize = 1024;

/// One template parameter's value (WhatsApp's limit).
pub const MAX_PARAM_CHARS: usize = 1024;

/// A template's name (WhatsApp's limit) when a reply names one.
pub const MAX_TEMPLATE_NAME_CHARS: usize = 512;

/// A template's language code (`en_US`, `pt_BR`, `zh_HK`).
pub const MAX_LANGUAGE_CHARS: usize = 15;

/// An internal note, handoff notes included: context, not a document.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// A reason: for assigning or releasing someone else's conversation, for requesting or
/// rejecting an escalation; and a supervisor's note when approving one.
pub const MAX_REASON_CHARS: usize = 1_000;

/// A label.
pub const MAX_LABEL_CHARS: usize = 50;
/// What a label of the catalogue is for, in a sentence.
pub const MAX_LABEL_DESCRIPTION_CHARS: usize = 200;

/// A document's file name on a reply.
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// WhatsApp's id of an uploaded file (digits today; room for what Meta may change).
pub const MAX_MEDIA_ID_CHARS: usize = 128;

/// A reaction: one emoji, which may be a sequence (a family, a flag, a skin tone).
pub const MAX_EMOJI_CHARS: usize = 16;

/// A person's, team's or number's display name.
pub const MAX_NAME_CHARS: usize = 100;

/// An `@handle`.
pub const MAX_HANDLE_CHARS: usize = 40;

/// A canned reply's `/shortcut`.
pub const MAX_SHORTCUT_CHARS: usize = 40;

/// A canned reply's title.
pub const MAX_TITLE_CHARS: usize = 100;

/// A canned reply's body (filled, it is sent as one WhatsApp text).
pub const MAX_CANNED_BODY_CHARS: usize = 4096;

/// An email address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// A new password's shortest length.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A password (long passphrases welcome; hashing a megabyte is not).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A phone number, a phone number id or a WhatsApp Business Account id: digits (E.164 numbers
/// have at most 15; Meta's ids about as many).
pub const MAX_NUMBER_ID_CHARS: usize = 32;

/// What a session is called in its owner's list ("Pixel 8", "office laptop").
pub const MAX_DEVICE_NAME_CHARS: usize = 100;

/// A phone's push token (FCM's are ~160 characters, APNs' 64).
pub const MAX_PUSH_TOKEN_CHARS: usize = 4096;

/// Refuses `text` (as the decision would keep it) when it is longer than `max` characters:
/// invalid `field`, "too long (at most N characters)".
pub(crate) fn at_most(field: &str, text: &str, max: usize) -> Result<(), Rejection> {
    if text.chars().count() > max {
        return Err(Rejection::invalid(
            field,
            format!("too long (at most {max} characters)"),
        ));
    }
    Ok(())
}

/// The limits as OpenAPI schemas, for `#[schema(schema_with = …)]` on the fields they bound,
/// so the document states exactly what the decisions check. Required text must hold something
/// besides spaces (the decisions trim), so it carries `minLength: 1` and a pattern saying so.
#[cfg(feature = "openapi")]
pub mod schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
    use utoipa::openapi::{Object, RefOr, Schema};

    use super::*;

    /// Something besides white space.
    const NOT_BLANK: &str = r"\S";

    fn text(max: usize, nullable: bool) -> ObjectBuilder {
        let kind = if nullable {
            SchemaType::from_iter([Type::String, Type::Null])
        } else {
            SchemaType::new(Type::String)
        };
        ObjectBuilder::new().schema_type(kind).max_length(Some(max))
    }

    fn required(max: usize) -> Object {
        text(max, false)
            .min_length(Some(1))
            .pattern(Some(NOT_BLANK))
            .build()
    }

    fn optional(max: usize) -> Object {
        text(max, true).build()
    }

    /// Left out or `null` keeps what there is; given, it must hold something.
    fn optional_but_not_blank(max: usize) -> Object {
        text(max, true)
            .min_length(Some(1))
            .pattern(Some(NOT_BLANK))
            .build()
    }

    fn shaped(max: usize, nullable: bool, pattern: &str) -> Object {
        text(max, nullable)
            .min_length(Some(1))
            .pattern(Some(pattern))
            .build()
    }

    macro_rules! schemas {
        ($($(#[$doc:meta])* $name:ident => $schema:expr;)*) => {
            $($(#[$doc])* pub fn $name() -> Object { $schema })*
        };
    }

    /// Labels: letters, digits, spaces, `-`, `_` and `:` (stored lowercase, trimmed).
    const LABEL: &str = r"^[\w :-]*[\w:-][\w :-]*$";
    /// Handles and shortcuts: letters, digits and a few marks, no spaces.
    const HANDLE: &str = r"^@?[\w.-]+$";
    const SHORTCUT: &str = r"^/?[\w-]+$";
    /// A person's name: a letter or digit somewhere (the `@handle` is made from them).
    const PERSON: &str = r"[^\W_]";
    /// Digits, a `+` allowed in front.
    const DIGITS: &str = r"^\+?[0-9]+$";
    /// No white space anywhere.
    const TOKEN: &str = r"^\S+$";

    schemas! {
        /// A note (handoff notes too).
        note => required(MAX_NOTE_CHARS);
        optional_note => optional(MAX_NOTE_CHARS);
        /// A reason, or an approval's note.
        reason => required(MAX_REASON_CHARS);
        optional_reason => optional(MAX_REASON_CHARS);
        label => shaped(MAX_LABEL_CHARS, false, LABEL);
        reply_text => required(MAX_OUTBOUND_TEXT_CHARS);
        template_name => required(MAX_TEMPLATE_NAME_CHARS);
        language => required(MAX_LANGUAGE_CHARS);
        media_id => required(MAX_MEDIA_ID_CHARS);
        caption => optional(MAX_CAPTION_CHARS);
        file_name => optional(MAX_FILE_NAME_CHARS);
        emoji => optional(MAX_EMOJI_CHARS);
        name => required(MAX_NAME_CHARS);
        /// A new person's name, from which their `@handle` is made when none is given.
        person_name => shaped(MAX_NAME_CHARS, false, PERSON);
        optional_name => optional_but_not_blank(MAX_NAME_CHARS);
        handle => shaped(MAX_HANDLE_CHARS, true, HANDLE);
        shortcut => shaped(MAX_SHORTCUT_CHARS, false, SHORTCUT);
        optional_shortcut => shaped(MAX_SHORTCUT_CHARS, true, SHORTCUT);
        title => required(MAX_TITLE_CHARS);
        optional_title => optional_but_not_blank(MAX_TITLE_CHARS);
        canned_body => required(MAX_CANNED_BODY_CHARS);
        optional_canned_body => optional_but_not_blank(MAX_CANNED_BODY_CHARS);
        number_id => shaped(MAX_NUMBER_ID_CHARS, false, DIGITS);
        push_token => shaped(MAX_PUSH_TOKEN_CHARS, false, TOKEN);
        device_name => optional(MAX_DEVICE_NAME_CHARS);
        /// A password being signed in with (any length up to the longest).
        password => text(MAX_PASSWORD_CHARS, false).build();
        /// A new password.
        new_password => text(MAX_PASSWORD_CHARS, false)
            .min_length(Some(MIN_PASSWORD_CHARS))
            .build();
        optional_new_password => text(MAX_PASSWORD_CHARS, true)
            .min_length(Some(MIN_PASSWORD_CHARS))
            .build();
        email => text(MAX_EMAIL_CHARS, false)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .build();
        /// An id a client mints once (a UUID).
        client_id => ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            .build();
    }

    /// A template's parameters: `"<component>.<slot>"` → its value.
    pub fn template_params() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(RefOr::T(Schema::Object(optional_value()))))
            .build()
    }

    fn optional_value() -> Object {
        text(MAX_PARAM_CHARS, false).build()
    }
}
