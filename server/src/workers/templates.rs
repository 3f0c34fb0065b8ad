//! Keeps the approved WhatsApp templates in step with Meta: read at start and every six hours
//! (admins can also sync at once, `crate::library::sync_templates`).

use std::time::Duration;

use crate::store::Store;
use crate::whatsapp::GraphApi;

/// How often the templates are read again.
const EVERY: Duration = Duration::from_secs(6 * 3600);

/// Runs until the process stops.
pub async fn keep_in_sync(store: Store, graph: GraphApi) {
    // Relaydesk itself reads them: the configuration log names it.
    let relaydesk = crate::store::Provenance::relaydesk();
    loop {
        match crate::library::sync_templates(&store, &relaydesk, &graph).await {
            Ok(report) => {
                for account in report.accounts {
                    tracing::info!(
                        waba_id = %account.waba_id,
                        synced = account.synced,
                        disabled = account.disabled,
                        skipped = account.skipped.len(),
                        error = account.error.as_deref().unwrap_or(""),
                        "templates synced"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "templates could not be synced"),
        }
        tokio::time::sleep(EVERY).await;
    }
}
