//! The one error an app handles: each variant a case it acts on differently.

use relaydesk_core::client::ClientError;

/// Why a call failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum AppError {
    /// Nobody is signed in (or the server ended the session): show the sign-in screen.
    #[error("sign in first: {message}")]
    NotLoggedIn { message: String },
    /// The server cannot be reached: keep working offline, it syncs later.
    #[error("the server cannot be reached: {message}")]
    NetworkUnavailable { message: String },
    /// The server refused (its stable `code`, e.g. `invalid_credentials`, `mutation_gap`).
    #[error("refused ({code}): {message}")]
    Rejected { code: String, message: String },
    /// The app passed something that cannot be (an id that is not one …).
    #[error("{message}")]
    InvalidInput { message: String },
    /// Something broke inside (storage, an answer not understood): report it.
    #[error("{message}")]
    Internal { message: String },
}

impl From<ClientError> for AppError {
    fn from(error: ClientError) -> Self {
        let message = error.to_string();
        match error {
            ClientError::NotLoggedIn | ClientError::Unauthorized(_) => {
                AppError::NotLoggedIn { message }
            }
            ClientError::Network(_) => AppError::NetworkUnavailable { message },
            ClientError::Server { code, message, .. } => AppError::Rejected { code, message },
            ClientError::InvalidInput(_) => AppError::InvalidInput { message },
            ClientError::InvalidResponse(_) | ClientError::Internal(_) => {
                AppError::Internal { message }
            }
        }
    }
}

/// Reads an id the app passes as text.
pub(crate) fn id<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::InvalidInput {
        message: format!("{field}: not an id ({raw:?})"),
    })
}
