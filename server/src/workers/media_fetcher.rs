//! The media fetcher: downloads inbound media promptly (WhatsApp's URLs live 5 minutes, media
//! ids 7 days) into the blob store under the data directory, so agents are never handed
//! WhatsApp's token-protected links. Two authenticated calls per item: media id → URL (with
//! size and hash), then URL → bytes. Files over the per-kind limit are refused; the hash
//! WhatsApp sent is checked; a file appears in the store only whole (written, then renamed).

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use relaydesk_core::domain::Timestamp;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::store::{DbError, MediaClaim, MediaOutcome, Store};
use crate::whatsapp::GraphApi;
use crate::whatsapp::media::{KEPT_BY_WHATSAPP, max_bytes, path_of};

/// Fetches queued media.
#[derive(Debug, Clone)]
pub struct MediaFetcher {
    store: Store,
    graph: GraphApi,
    client: reqwest::Client,
    dir: PathBuf,
}

#[derive(Deserialize)]
struct MediaInfo {
    url: String,
    mime_type: Option<String>,
    sha256: Option<String>,
    file_size: Option<u64>,
}

const ROUND: i64 = 8;
const LEASE: Duration = Duration::from_secs(300);

impl MediaFetcher {
    /// A fetcher storing files in `dir` (created if missing).
    pub fn new(store: Store, graph: GraphApi, dir: PathBuf) -> std::io::Result<MediaFetcher> {
        std::fs::create_dir_all(&dir)?;
        let client = reqwest::Client::builder()
            .timeout(graph.timeout.max(Duration::from_secs(60)))
            .build()
            .map_err(std::io::Error::other)?;
        Ok(MediaFetcher {
            store,
            graph,
            client,
            dir,
        })
    }

    /// Fetches what is due at `now` (one round); returns how many items were tried.
    pub async fn fetch_due(&self, now: Timestamp) -> Result<usize, DbError> {
        let claimed = self.store.claim_media(now, LEASE, ROUND).await?;
        let count = claimed.len();
        for claim in claimed {
            let outcome = self.fetch(&claim).await;
            let message = claim.job.message_id;
            let state = self
                .store
                .finish_media(claim, outcome.clone(), Utc::now())
                .await?;
            if state != "fetched" {
                tracing::warn!(%message, state, ?outcome, "a media item was not fetched");
            }
        }
        Ok(count)
    }

    /// Runs until the process stops.
    pub async fn run(self) {
        loop {
            match self.fetch_due(Utc::now()).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(500)).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "the media fetcher cannot reach the database; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    async fn fetch(&self, claim: &MediaClaim) -> MediaOutcome {
        let job = &claim.job;
        // Queued while no access token was configured, and WhatsApp has let it go since.
        if job
            .queued_at
            .is_some_and(|queued| Utc::now() - queued > KEPT_BY_WHATSAPP)
        {
            return MediaOutcome::Failed {
                reason: "expired: WhatsApp keeps media 7 days and it was not fetched in time"
                    .into(),
            };
        }
        let limit = max_bytes(job.kind);
        let info_url = format!(
            "{}/{}/{}",
            self.graph.base_url.trim_end_matches('/'),
            self.graph.version,
            job.whatsapp_media_id
        );
        let info = match self
            .client
            .get(info_url)
            .bearer_auth(self.graph.access_token.expose())
            .send()
            .await
        {
            Err(error) => {
                return MediaOutcome::Retry {
                    reason: format!("media lookup failed: {error}"),
                };
            }
            Ok(response) if response.status().is_success() => {
                match response.json::<MediaInfo>().await {
                    Ok(info) => info,
                    Err(error) => {
                        return MediaOutcome::Retry {
                            reason: format!("media lookup unreadable: {error}"),
                        };
                    }
                }
            }
            Ok(response)
                if response.status().is_server_error() || response.status().as_u16() == 429 =>
            {
                return MediaOutcome::Retry {
                    reason: format!("media lookup: HTTP {}", response.status()),
                };
            }
            Ok(response) => {
                return MediaOutcome::Failed {
                    reason: format!(
                        "WhatsApp no longer has this media (HTTP {})",
                        response.status()
                    ),
                };
            }
        };
        if info.file_size.is_some_and(|size| size > limit) {
            return MediaOutcome::Failed {
                reason: format!("the file is larger than {} MiB", limit / 1024 / 1024),
            };
        }
        // The URL needs the same token; a 404 means it expired: the next attempt asks again.
        let mut response = match self
            .client
            .get(&info.url)
            .bearer_auth(self.graph.access_token.expose())
            .send()
            .await
        {
            Ok(response) if response.status().is_success() => response,
            Ok(response) => {
                return MediaOutcome::Retry {
                    reason: format!("download: HTTP {}", response.status()),
                };
            }
            Err(error) => {
                return MediaOutcome::Retry {
                    reason: format!("download failed: {error}"),
                };
            }
        };
        let final_path = path_of(&self.dir, job.message_id);
        let partial = final_path.with_extension("partial");
        let mut file = match tokio::fs::File::create(&partial).await {
            Ok(file) => file,
            Err(error) => {
                return MediaOutcome::Retry {
                    reason: format!("cannot write the blob store: {error}"),
                };
            }
        };
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len() as u64;
                    if size > limit {
                        let _ = tokio::fs::remove_file(&partial).await;
                        return MediaOutcome::Failed {
                            reason: format!("the file is larger than {} MiB", limit / 1024 / 1024),
                        };
                    }
                    hasher.update(&chunk);
                    if let Err(error) = file.write_all(&chunk).await {
                        let _ = tokio::fs::remove_file(&partial).await;
                        return MediaOutcome::Retry {
                            reason: format!("cannot write the blob store: {error}"),
                        };
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    let _ = tokio::fs::remove_file(&partial).await;
                    return MediaOutcome::Retry {
                        reason: format!("download interrupted: {error}"),
                    };
                }
            }
        }
        let digest = base64::engine::general_purpose::STANDARD.encode(hasher.finalize());
        let expected = info.sha256.or_else(|| job.sha256.clone());
        if expected
            .as_ref()
            .is_some_and(|expected| *expected != digest)
        {
            let _ = tokio::fs::remove_file(&partial).await;
            return MediaOutcome::Retry {
                reason: "the downloaded file does not match WhatsApp's hash".into(),
            };
        }
        if let Err(error) = file
            .sync_all()
            .await
            .and(tokio::fs::rename(&partial, &final_path).await)
        {
            return MediaOutcome::Retry {
                reason: format!("cannot store the file: {error}"),
            };
        }
        MediaOutcome::Fetched {
            mime_type: info
                .mime_type
                .unwrap_or_else(|| "application/octet-stream".into()),
            size,
        }
    }
}
