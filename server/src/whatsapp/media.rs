//! Inbound media as WhatsApp keeps it and as Relaydesk stores it: the largest file accepted
//! per kind, how long a media id stays downloadable, and where a message's file lives in the
//! blob store under the data directory. The fetcher that downloads it is
//! `crate::workers::media_fetcher`.

use std::path::{Path, PathBuf};

use relaydesk_core::domain::{MediaKind, MessageId};

/// Largest file accepted per kind (WhatsApp's inbound maximum is 100 MB).
pub fn max_bytes(kind: MediaKind) -> u64 {
    const MIB: u64 = 1024 * 1024;
    match kind {
        MediaKind::Sticker => MIB,
        MediaKind::Image => 16 * MIB,
        MediaKind::Audio => 32 * MIB,
        MediaKind::Video | MediaKind::Document => 100 * MIB,
        // Never sent: a reply naming an unknown kind is refused.
        MediaKind::Unknown => 0,
    }
}

/// Where a message's media file lives in the blob store.
pub fn path_of(media_dir: &Path, message: MessageId) -> PathBuf {
    media_dir.join(message.to_string())
}

/// How long WhatsApp keeps a media id downloadable.
pub const KEPT_BY_WHATSAPP: chrono::TimeDelta = chrono::TimeDelta::days(7);
