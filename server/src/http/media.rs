//! `GET /api/v1/media/{message}`: a customer's (or our) file, only to people who may see its
//! conversation. Served as an attachment with its recorded type and `nosniff`, so a file
//! can never run as a page of ours.
//!
//! A file not fetched yet is "coming" (409) while this server can fetch it; without a WhatsApp
//! access token nothing fetches it, so it is "not fetched: no access token configured" (410),
//! for as long as that lasts — the item stays queued, and a server started with a token
//! fetches it then (WhatsApp keeps media 7 days; older items are marked expired unasked).

use axum::body::Body as HttpBody;
use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use relaydesk_core::domain::{Content, MessageId};
use relaydesk_core::protocol::errors::ErrorBody;
use relaydesk_core::protocol::errors::ErrorCode;

use super::ApiError;
use super::conversations::visible;
use super::extract::{Id, Signed};
use crate::state::AppState;
use crate::store::MediaState;
use crate::whatsapp::media::path_of;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(media))
}

/// Why a file is missing when no access token is configured.
pub const NOT_FETCHED: &str = "not fetched: no access token configured";

/// Where a message's file stands for the person asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// In the media folder.
    Ready,
    /// Queued or being fetched.
    Coming,
    /// Nothing on this server fetches files: no WhatsApp access token ([`NOT_FETCHED`]).
    NotFetched,
    /// WhatsApp could not give it to us (too large, expired, removed).
    Unavailable,
}

/// What `media` means on a server that can (`fetching`) or cannot fetch files.
pub fn availability(media: &MediaState, fetching: bool) -> Availability {
    match media.state.as_str() {
        "fetched" => Availability::Ready,
        "failed" => Availability::Unavailable,
        _ if fetching => Availability::Coming,
        _ => Availability::NotFetched,
    }
}

/// A MIME type safe to echo in a header (`type/subtype`, no parameters or odd characters).
fn safe_mime(raw: Option<&str>) -> &str {
    raw.filter(|m| {
        m.split_once('/')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
            && m.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '+' | '-'))
    })
    .unwrap_or("application/octet-stream")
}

/// `attachment; filename*=UTF-8''…` with the customer's file name percent-encoded.
fn disposition(filename: Option<&str>) -> String {
    match filename.filter(|f| !f.trim().is_empty()) {
        Some(name) => {
            let encoded: String = name
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("attachment; filename*=UTF-8''{encoded}")
        }
        None => "attachment".to_owned(),
    }
}

#[utoipa::path(get, path = "/api/v1/media/{message}", tag = "queue", params(("message" = MessageId, Path)), responses((status = 200, description = "The file, as an attachment", content_type = "application/octet-stream", body = Vec<u8>), (status = 409, description = "`media_not_ready`: still being fetched from WhatsApp", body = ErrorBody), (status = 410, description = "`media_unavailable`: WhatsApp could not give us the file; `media_not_fetched`: not fetched, no access token configured", body = ErrorBody), (status = "default", description = "An error: `{\"error\":{\"code\",\"message\",…}}`", body = ErrorBody)))]
async fn media(
    State(state): State<AppState>,
    Signed(who): Signed,
    Id(id): Id<MessageId>,
) -> Result<Response, ApiError> {
    file(&state, &who, id).await
}

/// The file of message `id`, if `who` may see its conversation (the web view's image previews
/// and downloads come here too).
pub(crate) async fn file(
    state: &AppState,
    who: &crate::accounts::Signed,
    id: MessageId,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("file", id);
    let message = state.store.message(id).await?.ok_or_else(not_found)?;
    visible(state, who, message.conversation_id)
        .await
        .map_err(|_| not_found())?;
    let Content::Media(attachment) = &message.content else {
        return Err(not_found());
    };
    let media = state.store.media_state(id).await?.ok_or_else(not_found)?;
    match availability(&media, state.whatsapp.graph.is_some()) {
        Availability::Ready => {}
        Availability::Unavailable => {
            // The fetcher's own error (URLs, WhatsApp's words) stays in the server's logs.
            return Err(ApiError::new(
                StatusCode::GONE,
                ErrorCode::MediaUnavailable,
                "WhatsApp could not give us this file (too large, expired or removed)",
            ));
        }
        Availability::NotFetched => {
            return Err(ApiError::new(
                StatusCode::GONE,
                ErrorCode::MediaNotFetched,
                NOT_FETCHED,
            ));
        }
        Availability::Coming => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::MediaNotReady,
                "the file is still being fetched from WhatsApp; try again shortly",
            ));
        }
    }
    // Streamed from disk, never read whole into memory (videos reach 100 MB).
    let file = tokio::fs::File::open(path_of(&state.media_dir, id))
        .await
        .map_err(|error| {
            tracing::error!(%error, message = %id, "a fetched file is missing from the media folder");
            ApiError::new(
                StatusCode::GONE,
                ErrorCode::MediaUnavailable,
                "the file is missing on the server",
            )
        })?;
    let length = file.metadata().await.ok().map(|m| m.len());
    let body = HttpBody::from_stream(tokio_util::io::ReaderStream::new(file));
    let mut response = Response::new(body);
    if let Some(length) = length {
        response.headers_mut().insert(
            axum::http::header::CONTENT_LENGTH,
            HeaderValue::from(length),
        );
    }
    let headers = response.headers_mut();
    let mime = safe_mime(
        media
            .mime_type
            .as_deref()
            .or(attachment.mime_type.as_deref()),
    );
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition(attachment.filename.as_deref())) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Opened directly, a customer's file is a sandboxed document that can run nothing.
    headers.insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_types_from_customers_cannot_break_headers() {
        assert_eq!(safe_mime(Some("image/jpeg")), "image/jpeg");
        assert_eq!(
            safe_mime(Some("text/html\r\nX-Evil: 1")),
            "application/octet-stream"
        );
        assert_eq!(safe_mime(None), "application/octet-stream");
        assert_eq!(
            disposition(Some("fac\"tura\r\n.pdf")),
            "attachment; filename*=UTF-8''fac%22tura%0D%0A.pdf"
        );
        assert_eq!(disposition(Some("  ")), "attachment");
    }
}
