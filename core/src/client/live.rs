//! Live while in the foreground: the server's event stream (`GET /api/v1/events`) pokes a sync
//! on every change, and on a `reset` (the server skipped what this stream missed instead of
//! replaying it: the pull brings the phone up to date); a broken or refused connection is
//! retried with growing pauses (1 s, 2 s, 4 s … up to a minute) and the connection state is
//! reported to listeners. Dropping the handle stops it.

use std::sync::Arc;
use std::time::Duration;

use super::listeners::Connection;
use super::{Client, ClientError};
use crate::protocol::live::{CHANGE_EVENT, RESET_EVENT};

/// Keeps the client live until dropped.
#[derive(Debug)]
pub struct LiveHandle {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LiveHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Longest pause between reconnections.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

pub(crate) fn start(client: &Arc<Client>) -> LiveHandle {
    let client = client.clone();
    LiveHandle {
        task: tokio::spawn(async move {
            let mut backoff = Duration::from_secs(1);
            loop {
                client.listeners.connection(Connection::Connecting);
                match follow(&client).await {
                    // The server ended the stream (restart, session ended): reconnect soon.
                    Ok(()) => backoff = Duration::from_secs(1),
                    Err(ClientError::NotLoggedIn | ClientError::Unauthorized(_)) => {
                        client.listeners.connection(Connection::Offline);
                        return;
                    }
                    Err(_) => {}
                }
                client.listeners.connection(Connection::Offline);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }),
    }
}

/// Follows the stream until it ends; syncs once connected and on every change.
async fn follow(client: &Arc<Client>) -> Result<(), ClientError> {
    let session = client.session()?;
    let mut response = client.api.events(&session.token).await?;
    client.listeners.connection(Connection::Live);
    // What happened while disconnected.
    let _ = client.sync().await;
    let mut buffer = String::new();
    loop {
        let chunk = response
            .chunk()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let Some(chunk) = chunk else { return Ok(()) };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        let mut poked = false;
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            poked |= pokes_a_sync(&block);
        }
        if poked {
            let _ = client.sync().await;
        }
    }
}

/// Whether one SSE message asks for a sync: a change, or a reset (what was missed is not
/// replayed, so only a pull brings the copy up to date). Keep-alives and unknown events do not.
fn pokes_a_sync(block: &str) -> bool {
    block
        .lines()
        .filter_map(|line| line.strip_prefix("event:"))
        .any(|name| matches!(name.trim(), CHANGE_EVENT | RESET_EVENT))
}

#[cfg(test)]
mod tests {
    use super::pokes_a_sync;

    #[test]
    fn a_change_or_a_reset_makes_the_phone_pull_and_nothing_else_does() {
        assert!(pokes_a_sync(
            "event: change\nid: 7\ndata: {\"version\":7,\"events\":[]}\n\n"
        ));
        assert!(pokes_a_sync(
            "event: reset\nid: 912\ndata: {\"version\":912}\n\n"
        ));
        assert!(!pokes_a_sync(": keep-alive\n\n"));
        assert!(!pokes_a_sync("event: typing\ndata: {}\n\n"));
        assert!(!pokes_a_sync("event: changed_somehow\ndata: {}\n\n"));
    }
}
