//! `X-Hub-Signature-256`: HMAC-SHA256 of the **raw request bytes**, keyed with the Meta app's
//! secret, sent as `sha256=<lowercase hex>`.
//!
//! It must be checked on the bytes exactly as received: Meta signs its own escaping (`\u00e9`
//! for `é`, surrogate pairs for emoji), so re-serialised JSON fails as soon as a customer writes
//! an accent or an emoji. Comparison is constant-time (`Mac::verify_slice`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Why a signature was refused (for the log and the counter, never for the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the X-Hub-Signature-256 header is not `sha256=<hex>`")]
    Malformed,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks `header` (the `X-Hub-Signature-256` value, if any) against `body` with `secret`.
pub fn verify(secret: &[u8], header: Option<&[u8]>, body: &[u8]) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .strip_prefix(b"sha256=")
        .ok_or(SignatureError::Malformed)?;
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// The header value Meta would send for `body` (for tests, the demo's simulator and load tools).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"app-secret";

    #[test]
    fn a_body_signed_with_the_secret_passes_and_any_change_fails() {
        // Meta escapes non-ASCII; the signature covers those exact bytes.
        let body = br#"{"text":{"body":"J'ai mang\u00e9 des p\u00e2tes \ud83c\udf5d @home"}}"#;
        let header = sign(SECRET, body);
        assert_eq!(verify(SECRET, Some(header.as_bytes()), body), Ok(()));

        let reserialised = r#"{"text":{"body":"J'ai mangé des pâtes 🍝 @home"}}"#;
        assert_eq!(
            verify(SECRET, Some(header.as_bytes()), reserialised.as_bytes()),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other-secret", Some(header.as_bytes()), body),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_or_malformed_headers_are_named() {
        assert_eq!(verify(SECRET, None, b"{}"), Err(SignatureError::Missing));
        assert_eq!(
            verify(SECRET, Some(b"sha1=abcd"), b"{}"),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some(b"sha256=not-hex"), b"{}"),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some(b"sha256=abcd"), b"{}"),
            Err(SignatureError::Mismatch)
        );
    }
}
