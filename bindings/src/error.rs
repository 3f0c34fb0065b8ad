//! The one error an app handles: each variant a case it acts on differently.

use relaydesk_core::client::ClientError;

/// Why a call failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum AppError {
    /// Nobody is signed in (or the server ended the session): show the sign-in screen.
    #[error("sign in first: {reason}")]
    NotLoggedIn { reason: String },
    /// The server cannot be reached: keep working offline, it syncs later.
    #[error("the server cannot be reached: {reason}")]
    NetworkUnavailable { reason: String },
    /// The server refused (its stable `code`, e.g. `invalid_credentials`, `already_owned`;
    /// `reason` is for a person: "already taken by Bruno").
    #[error("refused ({code}): {reason}")]
    Rejected { code: String, reason: String },
    /// The app passed something that cannot be (an id that is not one …).
    #[error("{reason}")]
    InvalidInput { reason: String },
    /// Something broke inside (storage, an answer not understood): report it.
    #[error("{reason}")]
    Internal { reason: String },
}

impl From<ClientError> for AppError {
    fn from(error: ClientError) -> Self {
        let reason = error.to_string();
        match error {
            ClientError::NotLoggedIn | ClientError::Unauthorized(_) => {
                AppError::NotLoggedIn { reason }
            }
            ClientError::Network(_) => AppError::NetworkUnavailable { reason },
            ClientError::Server { code, message, .. } | ClientError::Refused { code, message } => {
                AppError::Rejected {
                    code,
                    reason: message,
                }
            }
            ClientError::InvalidInput(_) => AppError::InvalidInput { reason },
            ClientError::InvalidResponse(_) | ClientError::Internal(_) => {
                AppError::Internal { reason }
            }
        }
    }
}

/// Reads an id the app passes as text.
pub(crate) fn id<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::InvalidInput {
        reason: format!("{field}: not an id ({raw:?})"),
    })
}
