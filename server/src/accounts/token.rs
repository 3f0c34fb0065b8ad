//! Bearer tokens: 32 random bytes, shown to the client once; the server stores only their
//! SHA-256, so a leaked database holds no usable token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Every token starts with this, so a leaked one is recognisable in logs and scanners.
pub const PREFIX: &str = "rdt_";

/// A new token and its hash.
pub fn mint() -> anyhow::Result<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hashed = hash(&token);
    Ok((token, hashed))
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_only_as_hashes() {
        let (a, hash_a) = mint().unwrap();
        let (b, _) = mint().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX));
        assert_eq!(hash(&a), hash_a);
        assert!(!hash_a.contains(&a[PREFIX.len()..]));
        assert_eq!(hash_a.len(), 64);
    }
}
