//! The server's HTTP API as the phone uses it: login, push, pull. Every failure becomes a
//! [`ClientError`] the app can act on — no connection, signed out (401), the server's own error
//! (its JSON `code`), or an answer that makes no sense — never a panic.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::auth::{LoginRequest, LoginResponse};
use crate::protocol::errors::ErrorBody;
use crate::protocol::sync::{PullResponse, PushRequest, PushResponse};

use super::ClientError;

/// One server, as this phone reaches it.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    pub(crate) fn new(base: &str) -> Result<Api, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ClientError::Internal(format!("no HTTP client: {e}")))?;
        Ok(Api {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    async fn answer<T: DeserializeOwned>(
        response: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, ClientError> {
        let response = response.map_err(|e| ClientError::Network(e.to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Network(format!("the answer was cut: {e}")))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| {
                ClientError::InvalidResponse(format!("the server's answer is not understood: {e}"))
            });
        }
        let error: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        let (code, message) = error.map_or_else(
            || {
                (
                    "unknown".to_owned(),
                    String::from_utf8_lossy(&bytes).chars().take(200).collect(),
                )
            },
            |e| (e.error.code, e.error.message),
        );
        // A session the server no longer accepts; a wrong password at login is a refusal.
        if status.as_u16() == 401 && code != "invalid_credentials" {
            return Err(ClientError::Unauthorized(message));
        }
        Err(ClientError::Server {
            status: status.as_u16(),
            code,
            message,
        })
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> Result<T, ClientError> {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::answer(request.send().await).await
    }

    pub(crate) async fn login(&self, request: &LoginRequest) -> Result<LoginResponse, ClientError> {
        self.post("/api/v1/auth/login", None, request).await
    }

    pub(crate) async fn logout(&self, token: &str) -> Result<(), ClientError> {
        let response = self
            .http
            .post(format!("{}/api/v1/auth/logout", self.base))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        match response.status().as_u16() {
            204 | 401 => Ok(()),
            status => Err(ClientError::Server {
                status,
                code: "logout_failed".into(),
                message: "the server did not end the session".into(),
            }),
        }
    }

    /// Opens the live stream (the caller reads it).
    pub(crate) async fn events(&self, token: &str) -> Result<reqwest::Response, ClientError> {
        let response = self
            .http
            .get(format!("{}/api/v1/events", self.base))
            .bearer_auth(token)
            .timeout(Duration::from_secs(24 * 3600))
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        match response.status().as_u16() {
            200 => Ok(response),
            401 => Err(ClientError::Unauthorized(
                "the live stream refused the session".into(),
            )),
            status => Err(ClientError::Server {
                status,
                code: "events_refused".into(),
                message: "the live stream did not open".into(),
            }),
        }
    }

    /// Registers this device's push token.
    pub(crate) async fn register_device(
        &self,
        token: &str,
        device: &crate::protocol::devices::DeviceRequest,
    ) -> Result<(), ClientError> {
        let response = self
            .http
            .post(format!("{}/api/v1/devices", self.base))
            .bearer_auth(token)
            .json(device)
            .send()
            .await;
        let response = response.map_err(|e| ClientError::Network(e.to_string()))?;
        match response.status().as_u16() {
            204 => Ok(()),
            401 => Err(ClientError::Unauthorized("signed out".into())),
            status => Err(ClientError::Server {
                status,
                code: "device_refused".into(),
                message: response.text().await.unwrap_or_default(),
            }),
        }
    }

    pub(crate) async fn push(
        &self,
        token: &str,
        request: &PushRequest,
    ) -> Result<PushResponse, ClientError> {
        self.post("/api/v1/sync/push", Some(token), request).await
    }

    pub(crate) async fn pull(
        &self,
        token: &str,
        client: &str,
        cursor: i64,
        page: Option<&str>,
    ) -> Result<PullResponse, ClientError> {
        let mut query = vec![
            ("client_id", client.to_owned()),
            ("cursor", cursor.to_string()),
        ];
        if let Some(page) = page {
            query.push(("page", page.to_owned()));
        }
        let request = self
            .http
            .get(format!("{}/api/v1/sync/pull", self.base))
            .bearer_auth(token)
            .query(&query);
        Self::answer(request.send().await).await
    }
}
