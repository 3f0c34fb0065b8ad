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
        // Every request says which protocol this phone speaks (`protocol::version`).
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            crate::protocol::version::PROTOCOL_HEADER,
            reqwest::header::HeaderValue::from(crate::protocol::version::PROTOCOL),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
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

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    /// Every request the phone sends names the protocol it speaks, so a newer server can
    /// answer it in a shape it understands.
    #[tokio::test]
    async fn every_request_names_the_protocol_the_phone_speaks() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("a request");
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                stream.read_exact(&mut byte).expect("reads");
                head.push(byte[0]);
            }
            let body = r#"{"error":{"code":"unauthorized","message":"no"}}"#;
            let answer = format!(
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).expect("writes");
            String::from_utf8(head).expect("text").to_lowercase()
        });
        let api = Api::new(&base).expect("an api");
        let answer = api
            .login(&LoginRequest {
                email: "ana@example.test".into(),
                password: "wrong".into(),
                device: None,
            })
            .await;
        assert!(answer.is_err(), "the fake server refuses");
        let head = server.join().expect("the fake server ran");
        assert!(
            head.contains(&format!(
                "{}: {}",
                crate::protocol::version::PROTOCOL_HEADER,
                crate::protocol::version::PROTOCOL
            )),
            "{head}"
        );
    }
}
