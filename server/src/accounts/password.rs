//! Passwords: Argon2id hashes (PHC strings), verification off the async threads, one-time
//! passwords for new accounts and resets, and the minimum a password must be.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Shortest password accepted.
pub const MIN_CHARS: usize = relaydesk_core::domain::limits::MIN_PASSWORD_CHARS;
/// Longest password accepted (hashing cost must not be a denial of service).
pub const MAX_CHARS: usize = relaydesk_core::domain::limits::MAX_PASSWORD_CHARS;

/// Why a new password is refused.
pub fn weakness(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Some(format!("use at least {MIN_CHARS} characters"));
    }
    if chars > MAX_CHARS {
        return Some(format!("use at most {MAX_CHARS} characters"));
    }
    None
}

/// At most this many Argon2 computations at once (19 MiB and a core each): a burst of logins
/// waits its turn instead of exhausting memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Hashes with Argon2id (the crate's default parameters: 19 MiB, 2 passes), a fresh salt.
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _turn = HASHING.acquire().await?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("cannot hash a password: {e}"))
    })
    .await?
}

/// Whether `password` matches `stored` (a PHC string). A malformed stored hash never matches.
pub async fn verify(password: String, stored: String) -> bool {
    let Ok(_turn) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A real hash of a random password nobody knows, verified against when the email is
/// unknown so that a wrong email takes as long as a wrong password (no account probing by
/// timing).
pub async fn decoy_hash() -> String {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_init(|| async {
            let secret = one_time().unwrap_or_else(|_| "decoy-without-randomness".into());
            hash(secret).await.unwrap_or_default()
        })
        .await
        .clone()
}

/// A one-time password: 20 characters from an alphabet without look-alikes, in groups of
/// five so it can be read out over the phone.
pub fn one_time() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let stored = hash("correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), stored.clone()).await);
        assert!(!verify("correct horse battery!".into(), stored).await);
        assert!(!verify("anything".into(), decoy_hash().await).await);
        assert!(decoy_hash().await.starts_with("$argon2id$"));
        assert!(!verify("anything".into(), "not a hash".into()).await);
    }

    #[test]
    fn one_time_passwords_are_long_enough_and_differ() {
        let a = one_time().unwrap();
        let b = one_time().unwrap();
        assert_eq!(a.len(), 23);
        assert!(weakness(&a).is_none());
        assert_ne!(a, b);
        assert_eq!(
            weakness("short").as_deref(),
            Some("use at least 10 characters")
        );
    }
}
