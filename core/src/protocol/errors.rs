//! The one error shape every route answers with: `{"error":{"code","message",…}}`.

use serde::{Deserialize, Serialize};

/// The body of every error answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable `code` to act on, a `message` for a person, and for a refused
/// command the rejection's own fields (`owner`, `owner_name`, `closed_at`, `field` …).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(flatten)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// Every code an error answer carries: the domain's refusals ([`crate::domain::Rejection`])
/// and the doors' own. The server answers with these and clients match on these — never on
/// spelled-out strings on either side.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // The domain's refusals.
    NotFound,
    Forbidden,
    AlreadyOwned,
    NotOwner,
    WindowClosed,
    Invalid,
    HandoffNoteRequired,
    ReasonRequired,
    EscalationPending,
    EscalationClosed,
    // Getting in.
    Unauthenticated,
    InvalidCredentials,
    TooManyAttempts,
    PasswordChangeRequired,
    // Requests.
    BadRequest,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    MethodNotAllowed,
    /// A sync push skipped numbers: the server does not know this client's numbering.
    MutationGap,
    /// Too many live streams for this session or this instance.
    TooManyStreams,
    // Files.
    MediaNotReady,
    MediaNotFetched,
    MediaUnavailable,
    // WhatsApp and operations.
    BadSignature,
    WhatsappNotConfigured,
    StorageFailed,
    DatabaseUnavailable,
    Internal,
}

impl ErrorCode {
    /// Every code, for tables and tests.
    pub const ALL: [ErrorCode; 29] = [
        ErrorCode::NotFound,
        ErrorCode::Forbidden,
        ErrorCode::AlreadyOwned,
        ErrorCode::NotOwner,
        ErrorCode::WindowClosed,
        ErrorCode::Invalid,
        ErrorCode::HandoffNoteRequired,
        ErrorCode::ReasonRequired,
        ErrorCode::EscalationPending,
        ErrorCode::EscalationClosed,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::TooManyAttempts,
        ErrorCode::PasswordChangeRequired,
        ErrorCode::BadRequest,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::MethodNotAllowed,
        ErrorCode::MutationGap,
        ErrorCode::TooManyStreams,
        ErrorCode::MediaNotReady,
        ErrorCode::MediaNotFetched,
        ErrorCode::MediaUnavailable,
        ErrorCode::BadSignature,
        ErrorCode::WhatsappNotConfigured,
        ErrorCode::StorageFailed,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::Internal,
    ];

    /// The word on the wire (`already_owned`, `mutation_gap` …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::AlreadyOwned => "already_owned",
            ErrorCode::NotOwner => "not_owner",
            ErrorCode::WindowClosed => "window_closed",
            ErrorCode::Invalid => "invalid",
            ErrorCode::HandoffNoteRequired => "handoff_note_required",
            ErrorCode::ReasonRequired => "reason_required",
            ErrorCode::EscalationPending => "escalation_pending",
            ErrorCode::EscalationClosed => "escalation_closed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::MutationGap => "mutation_gap",
            ErrorCode::TooManyStreams => "too_many_streams",
            ErrorCode::MediaNotReady => "media_not_ready",
            ErrorCode::MediaNotFetched => "media_not_fetched",
            ErrorCode::MediaUnavailable => "media_unavailable",
            ErrorCode::BadSignature => "bad_signature",
            ErrorCode::WhatsappNotConfigured => "whatsapp_not_configured",
            ErrorCode::StorageFailed => "storage_failed",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    /// The code a wire word names (`None`: a code this build does not know — a newer server).
    pub fn parse(word: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == word)
    }
}

impl From<&crate::domain::Rejection> for ErrorCode {
    fn from(rejection: &crate::domain::Rejection) -> ErrorCode {
        use crate::domain::Rejection;
        match rejection {
            Rejection::NotFound { .. } => ErrorCode::NotFound,
            Rejection::Forbidden { .. } => ErrorCode::Forbidden,
            Rejection::AlreadyOwned { .. } => ErrorCode::AlreadyOwned,
            Rejection::NotOwner { .. } => ErrorCode::NotOwner,
            Rejection::WindowClosed { .. } => ErrorCode::WindowClosed,
            Rejection::Invalid { .. } => ErrorCode::Invalid,
            Rejection::HandoffNoteRequired => ErrorCode::HandoffNoteRequired,
            Rejection::ReasonRequired => ErrorCode::ReasonRequired,
            Rejection::EscalationPending { .. } => ErrorCode::EscalationPending,
            Rejection::EscalationClosed { .. } => ErrorCode::EscalationClosed,
            // A newer server's reason: refused all the same (its message says why).
            Rejection::Unknown => ErrorCode::Forbidden,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_from_its_word_and_refusals_keep_their_domain_code() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert_eq!(
                serde_json::to_value(code).expect("json"),
                serde_json::Value::String(code.as_str().to_owned())
            );
        }
        use crate::domain::{Entity, EscalationId, Rejection, UserId};
        let refusals = [
            Rejection::not_found(Entity::Conversation, "x"),
            Rejection::forbidden("no"),
            Rejection::AlreadyOwned {
                owner: UserId::new(),
                owner_name: "Ana".into(),
            },
            Rejection::NotOwner {
                owner: UserId::new(),
                owner_name: "Ana".into(),
            },
            Rejection::WindowClosed { closed_at: None },
            Rejection::invalid("field", "why"),
            Rejection::HandoffNoteRequired,
            Rejection::ReasonRequired,
            Rejection::EscalationPending {
                escalation: EscalationId::new(),
            },
            Rejection::EscalationClosed {
                escalation: EscalationId::new(),
                state: "approved".into(),
            },
        ];
        for refused in refusals {
            assert_eq!(
                ErrorCode::from(&refused).as_str(),
                refused.code(),
                "{refused:?}"
            );
        }
        assert_eq!(ErrorCode::parse("a_code_from_a_newer_server"), None);
    }
}
