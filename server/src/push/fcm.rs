//! FCM HTTP v1, spoken directly (the `fcm` crate speaks the legacy API Google shut down in
//! 2024): a Google service account signs an RS256 assertion, exchanges it for an access token
//! (cached until shortly before it expires, refreshed once however many sends wait for it), and
//! `POST {base}/v1/projects/{project}/messages:send` delivers one message to one device.
//!
//! What an answer means is decided here, once: sent; retry later (429, 5xx, timeouts, honouring
//! `Retry-After`); the token is dead (404/`UNREGISTERED`, an FCM-level invalid token, a token of
//! another project) so the device registry forgets it; or a request of ours FCM refused
//! (logged as a bug, never retried). Both Google URLs are settings so tests and the demo can
//! point them at loopback fakes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Secret;

/// The OAuth scope FCM sends need.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// Google's token endpoint, when the key does not name one.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// FCM's address.
pub const GOOGLE_FCM_URL: &str = "https://fcm.googleapis.com";
/// A token is renewed this long before Google says it expires.
const RENEW_BEFORE: chrono::Duration = chrono::Duration::seconds(60);
/// Lifetime asked for in the assertion (Google's maximum).
const ASSERTION_LIFETIME: i64 = 3600;

/// The fields of a service-account key file that are used.
#[derive(Clone, Deserialize)]
pub struct ServiceAccount {
    pub client_email: String,
    private_key: String,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub token_uri: Option<String>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("project_id", &self.project_id)
            .field("private_key", &"***")
            .finish()
    }
}

impl ServiceAccount {
    /// Reads a key file's JSON; says which field is missing or wrong, never the key.
    pub fn from_json(json: &str) -> anyhow::Result<ServiceAccount> {
        let account: ServiceAccount = serde_json::from_str(json).map_err(|e| {
            anyhow::anyhow!("the service-account key is not a Google key file ({e})")
        })?;
        anyhow::ensure!(
            account.private_key.contains("PRIVATE KEY"),
            "the service-account key has no private_key in PEM form"
        );
        jsonwebtoken::EncodingKey::from_rsa_pem(account.private_key.as_bytes()).map_err(|e| {
            anyhow::anyhow!("the service-account private_key is not an RSA key ({e})")
        })?;
        Ok(account)
    }
}

/// Where and as whom pushes are sent.
#[derive(Debug, Clone)]
pub struct FcmSettings {
    pub project_id: String,
    pub account: ServiceAccount,
    pub token_url: String,
    pub base_url: String,
    /// How long one request may take.
    pub timeout: Duration,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: i64,
}

#[derive(Debug, Clone)]
struct AccessToken {
    secret: Secret,
    renew_at: DateTime<Utc>,
}

/// Access tokens for FCM: one in use until shortly before it expires; renewing holds a lock
/// so concurrent sends wait for one exchange instead of each making their own.
#[derive(Debug)]
pub struct TokenSource {
    settings: FcmSettings,
    http: reqwest::Client,
    current: tokio::sync::Mutex<Option<AccessToken>>,
}

impl TokenSource {
    pub fn new(settings: FcmSettings, http: reqwest::Client) -> TokenSource {
        TokenSource {
            settings,
            http,
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// A token valid for a while yet (exchanged now if there is none).
    pub async fn token(&self) -> anyhow::Result<Secret> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref().filter(|t| Utc::now() < t.renew_at) {
            return Ok(token.secret.clone());
        }
        let fresh = self.exchange().await?;
        let secret = fresh.secret.clone();
        *current = Some(fresh);
        Ok(secret)
    }

    /// Forgets the token (FCM answered 401 to it).
    pub async fn forget(&self) {
        *self.current.lock().await = None;
    }

    /// The signed assertion for `now`.
    pub fn assertion(&self, now: DateTime<Utc>) -> anyhow::Result<String> {
        let account = &self.settings.account;
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(account.private_key.as_bytes())?;
        let claims = Claims {
            iss: &account.client_email,
            scope: SCOPE,
            aud: &self.settings.token_url,
            iat: now.timestamp(),
            exp: now.timestamp() + ASSERTION_LIFETIME,
        };
        Ok(jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            &key,
        )?)
    }

    async fn exchange(&self) -> anyhow::Result<AccessToken> {
        let now = Utc::now();
        let assertion = self.assertion(now)?;
        let answer = self
            .http
            .post(&self.settings.token_url)
            .timeout(self.settings.timeout)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(serde_urlencoded::to_string([
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])?)
            .send()
            .await?;
        let status = answer.status();
        if !status.is_success() {
            // Google's words (invalid_grant: wrong key, clock skew, disabled account) are safe
            // to log; the assertion is not repeated.
            let body = answer.text().await.unwrap_or_default();
            anyhow::bail!("the token endpoint answered {status}: {}", truncate(&body));
        }
        let token: TokenAnswer = answer.json().await?;
        let lifetime = chrono::Duration::seconds(token.expires_in.clamp(0, 24 * 3600));
        Ok(AccessToken {
            secret: Secret::new(token.access_token),
            renew_at: now + (lifetime - RENEW_BEFORE).max(chrono::Duration::zero()),
        })
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(300).collect()
}

/// What became of one send (the push queue records it).
pub use crate::store::PushDelivery as Delivery;

/// Sends one message (the `message` object of FCM's v1 body).
#[derive(Debug)]
pub struct FcmClient {
    tokens: TokenSource,
    http: reqwest::Client,
    url: String,
    timeout: Duration,
}

impl FcmClient {
    pub fn new(settings: FcmSettings) -> FcmClient {
        let http = reqwest::Client::new();
        FcmClient {
            url: format!(
                "{}/v1/projects/{}/messages:send",
                settings.base_url.trim_end_matches('/'),
                settings.project_id
            ),
            timeout: settings.timeout,
            tokens: TokenSource::new(settings, http.clone()),
            http,
        }
    }

    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    /// Posts `message` (with its `token`) to FCM.
    pub async fn send(&self, message: &Value) -> Delivery {
        let token = match self.tokens.token().await {
            Ok(token) => token,
            Err(error) => {
                return Delivery::Retry {
                    reason: format!("no FCM access token: {error}"),
                    after: None,
                };
            }
        };
        let answer = self
            .http
            .post(&self.url)
            .timeout(self.timeout)
            .bearer_auth(token.expose())
            .json(&serde_json::json!({ "message": message }))
            .send()
            .await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                return Delivery::Retry {
                    reason: format!("FCM did not answer: {error}"),
                    after: None,
                };
            }
        };
        let status = answer.status().as_u16();
        let retry_after = answer
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = answer.text().await.unwrap_or_default();
        if status == 401 {
            self.tokens.forget().await;
        }
        judge(status, &body, retry_after)
    }
}

/// What FCM's answer means (pure: the table of the manage-tokens and ErrorCode pages).
pub fn judge(status: u16, body: &str, retry_after: Option<Duration>) -> Delivery {
    if (200..300).contains(&status) {
        return Delivery::Sent;
    }
    let error: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let google_status = error["error"]["status"].as_str().unwrap_or_default();
    let message = error["error"]["message"].as_str().unwrap_or_default();
    let details = error["error"]["details"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let fcm_code = details
        .iter()
        .find(|d| {
            d["@type"]
                .as_str()
                .is_some_and(|t| t.ends_with("google.firebase.fcm.v1.FcmError"))
        })
        .and_then(|d| d["errorCode"].as_str())
        .unwrap_or_default();
    let reason = format!(
        "FCM {status} {}{}",
        if fcm_code.is_empty() {
            google_status
        } else {
            fcm_code
        },
        if message.is_empty() {
            String::new()
        } else {
            format!(": {}", truncate(message))
        }
    );
    match (status, fcm_code) {
        (404, _) | (_, "UNREGISTERED") => Delivery::TokenGone { reason },
        (400, "INVALID_ARGUMENT") => Delivery::TokenGone { reason },
        (403, "SENDER_ID_MISMATCH") => Delivery::TokenGone { reason },
        (401 | 408 | 429, _) | (500..=599, _) => Delivery::Retry {
            reason,
            after: retry_after,
        },
        _ => Delivery::Refused { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: &str, detail: Option<(&str, &str)>) -> String {
        let details = detail.map_or_else(Vec::new, |(kind, code)| {
            vec![serde_json::json!({ "@type": kind, "errorCode": code })]
        });
        serde_json::json!({ "error": { "code": 400, "status": status, "message": "m", "details": details } })
            .to_string()
    }

    const FCM_ERROR: &str = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
    const BAD_REQUEST: &str = "type.googleapis.com/google.rpc.BadRequest";

    #[test]
    fn dead_tokens_retries_and_our_own_bugs_are_told_apart() {
        assert_eq!(judge(200, "{}", None), Delivery::Sent);
        assert!(matches!(
            judge(
                404,
                &error("NOT_FOUND", Some((FCM_ERROR, "UNREGISTERED"))),
                None
            ),
            Delivery::TokenGone { .. }
        ));
        assert!(matches!(
            judge(
                400,
                &error("INVALID_ARGUMENT", Some((FCM_ERROR, "INVALID_ARGUMENT"))),
                None
            ),
            Delivery::TokenGone { .. }
        ));
        // A 400 about the payload (no FCM-level detail) is ours to fix, not the token's fault.
        assert!(matches!(
            judge(
                400,
                &error("INVALID_ARGUMENT", Some((BAD_REQUEST, ""))),
                None
            ),
            Delivery::Refused { .. }
        ));
        assert!(matches!(
            judge(
                403,
                &error("PERMISSION_DENIED", Some((FCM_ERROR, "SENDER_ID_MISMATCH"))),
                None
            ),
            Delivery::TokenGone { .. }
        ));
        assert_eq!(
            judge(
                429,
                &error("RESOURCE_EXHAUSTED", Some((FCM_ERROR, "QUOTA_EXCEEDED"))),
                Some(Duration::from_secs(7))
            ),
            Delivery::Retry {
                reason: "FCM 429 QUOTA_EXCEEDED: m".into(),
                after: Some(Duration::from_secs(7))
            }
        );
        assert!(matches!(
            judge(503, "not json", None),
            Delivery::Retry { after: None, .. }
        ));
        assert!(matches!(judge(401, "", None), Delivery::Retry { .. }));
    }

    /// A throwaway RSA key made for this test run (private PKCS#8 PEM, public SPKI PEM).
    fn test_key() -> (String, String) {
        let private = std::process::Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ])
            .output()
            .expect("openssl makes a key");
        let private = String::from_utf8(private.stdout).expect("PEM");
        let mut child = std::process::Command::new("openssl")
            .args(["pkey", "-pubout"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("openssl runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(private.as_bytes())
            .expect("written");
        let public =
            String::from_utf8(child.wait_with_output().expect("public key").stdout).expect("PEM");
        (private, public)
    }

    /// Google's token endpoint as far as a sender can tell: it checks the assertion with the
    /// key's public half and answers tokens with the lifetimes it is given, counting exchanges.
    struct FakeGoogle {
        public: String,
        audience: String,
        lifetimes: std::sync::Mutex<Vec<i64>>,
        exchanges: std::sync::atomic::AtomicUsize,
    }

    impl wiremock::Respond for FakeGoogle {
        fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
            let form: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&request.body).expect("a form");
            let field = |name: &str| {
                form.iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            assert_eq!(
                field("grant_type"),
                "urn:ietf:params:oauth:grant-type:jwt-bearer"
            );
            let key = jsonwebtoken::DecodingKey::from_rsa_pem(self.public.as_bytes()).expect("key");
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            validation.set_audience(&[self.audience.as_str()]);
            validation.set_issuer(&["pusher@test-proj.iam.gserviceaccount.com"]);
            let Ok(token) =
                jsonwebtoken::decode::<serde_json::Value>(&field("assertion"), &key, &validation)
            else {
                return wiremock::ResponseTemplate::new(400)
                    .set_body_json(serde_json::json!({ "error": "invalid_grant" }));
            };
            let claims = token.claims;
            assert_eq!(claims["scope"], SCOPE);
            let lifetime =
                claims["exp"].as_i64().unwrap_or(0) - claims["iat"].as_i64().unwrap_or(0);
            assert!(
                (1..=3600).contains(&lifetime),
                "assertion lifetime {lifetime}"
            );
            let n = self
                .exchanges
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let lifetimes = self.lifetimes.lock().expect("lock");
            let expires_in = lifetimes
                .get(n)
                .or(lifetimes.last())
                .copied()
                .unwrap_or(3600);
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": format!("token-{n}"), "expires_in": expires_in, "token_type": "Bearer"
            }))
        }
    }

    struct Fakes {
        google: wiremock::MockServer,
        fcm: wiremock::MockServer,
        settings: FcmSettings,
        exchanges: std::sync::Arc<FakeGoogle>,
    }

    async fn fakes(lifetimes: Vec<i64>, key: (String, String)) -> Fakes {
        let google = wiremock::MockServer::start().await;
        let fcm = wiremock::MockServer::start().await;
        let token_url = format!("{}/token", google.uri());
        let fake = std::sync::Arc::new(FakeGoogle {
            public: key.1.clone(),
            audience: token_url.clone(),
            lifetimes: std::sync::Mutex::new(lifetimes),
            exchanges: std::sync::atomic::AtomicUsize::new(0),
        });
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path("/token"))
            .respond_with(ArcResponder(fake.clone()))
            .mount(&google)
            .await;
        let account = ServiceAccount::from_json(
            &serde_json::json!({
                "type": "service_account",
                "client_email": "pusher@test-proj.iam.gserviceaccount.com",
                "private_key": key.0,
                "project_id": "test-proj",
                "token_uri": token_url,
            })
            .to_string(),
        )
        .expect("a key file");
        let settings = FcmSettings {
            project_id: "test-proj".into(),
            account,
            token_url,
            base_url: fcm.uri(),
            timeout: Duration::from_millis(500),
        };
        Fakes {
            google,
            fcm,
            settings,
            exchanges: fake,
        }
    }

    struct ArcResponder(std::sync::Arc<FakeGoogle>);

    impl wiremock::Respond for ArcResponder {
        fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
            self.0.respond(request)
        }
    }

    fn exchanges(f: &Fakes) -> usize {
        f.exchanges
            .exchanges
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    fn a_message(token: &str) -> Value {
        serde_json::json!({ "token": token, "data": { "kind": "sync" } })
    }

    #[tokio::test]
    async fn a_signed_assertion_buys_one_token_that_concurrent_sends_share_until_it_nears_expiry() {
        let f = fakes(vec![3600, 30, 3600], test_key()).await;
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path(
                "/v1/projects/test-proj/messages:send",
            ))
            .and(wiremock::matchers::header(
                "authorization",
                "Bearer token-0",
            ))
            .respond_with(
                wiremock::ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({ "name": "projects/test-proj/messages/1" })),
            )
            .mount(&f.fcm)
            .await;
        let client = std::sync::Arc::new(FcmClient::new(f.settings.clone()));
        let mut sends = tokio::task::JoinSet::new();
        for n in 0..20 {
            let client = client.clone();
            sends.spawn(async move { client.send(&a_message(&format!("device-{n}"))).await });
        }
        while let Some(outcome) = sends.join_next().await {
            assert_eq!(outcome.expect("joined"), Delivery::Sent);
        }
        assert_eq!(
            exchanges(&f),
            1,
            "one exchange served twenty concurrent sends"
        );
        assert_eq!(client.send(&a_message("again")).await, Delivery::Sent);
        assert_eq!(exchanges(&f), 1, "the token is reused while it is fresh");

        // A token that expires within a minute is renewed before it is used.
        client.tokens().forget().await;
        assert_eq!(
            client.tokens().token().await.expect("token").expose(),
            "token-1"
        );
        assert_eq!(
            client.tokens().token().await.expect("token").expose(),
            "token-2"
        );
        assert_eq!(
            client.tokens().token().await.expect("token").expose(),
            "token-2"
        );
        assert_eq!(exchanges(&f), 3);
        drop(f.google);
    }

    #[tokio::test]
    async fn an_assertion_signed_with_another_key_is_refused_and_the_send_waits_for_a_retry() {
        let f = fakes(vec![3600], test_key()).await;
        // The server holds a different key than the one Google knows.
        let mut settings = f.settings.clone();
        settings.account = ServiceAccount::from_json(
            &serde_json::json!({
                "client_email": "pusher@test-proj.iam.gserviceaccount.com",
                "private_key": test_key().0,
            })
            .to_string(),
        )
        .expect("a key file");
        let client = FcmClient::new(settings);
        assert!(matches!(
            client.send(&a_message("d")).await,
            Delivery::Retry { .. }
        ));
        assert_eq!(exchanges(&f), 0);
    }

    #[tokio::test]
    async fn busy_slow_and_gone_answers_from_fcm() {
        let f = fakes(vec![3600], test_key()).await;
        let send_path = || wiremock::matchers::path("/v1/projects/test-proj/messages:send");
        let to = |token: &str| {
            wiremock::matchers::body_partial_json(
                serde_json::json!({ "message": { "token": token } }),
            )
        };
        wiremock::Mock::given(send_path())
            .and(to("busy"))
            .respond_with(
                wiremock::ResponseTemplate::new(429)
                    .insert_header("retry-after", "7")
                    .set_body_string(error(
                        "RESOURCE_EXHAUSTED",
                        Some((FCM_ERROR, "QUOTA_EXCEEDED")),
                    )),
            )
            .mount(&f.fcm)
            .await;
        wiremock::Mock::given(send_path())
            .and(to("down"))
            .respond_with(wiremock::ResponseTemplate::new(503))
            .mount(&f.fcm)
            .await;
        wiremock::Mock::given(send_path())
            .and(to("slow"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&f.fcm)
            .await;
        wiremock::Mock::given(send_path())
            .and(to("gone"))
            .respond_with(
                wiremock::ResponseTemplate::new(404)
                    .set_body_string(error("NOT_FOUND", Some((FCM_ERROR, "UNREGISTERED")))),
            )
            .mount(&f.fcm)
            .await;
        let client = FcmClient::new(f.settings.clone());
        assert!(matches!(
            client.send(&a_message("busy")).await,
            Delivery::Retry { after: Some(after), .. } if after == Duration::from_secs(7)
        ));
        assert!(matches!(
            client.send(&a_message("down")).await,
            Delivery::Retry { after: None, .. }
        ));
        assert!(matches!(
            client.send(&a_message("slow")).await,
            Delivery::Retry { .. }
        ));
        assert!(matches!(
            client.send(&a_message("gone")).await,
            Delivery::TokenGone { .. }
        ));
    }
}
