//! Settings, typed, with defaults in code and an environment variable for each, all listed by
//! `relaydesk --help`. Secrets (added by later issues) are redacted from `Debug`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

use crate::store::Database;

/// Relaydesk: WhatsApp customer support run as a disciplined team.
#[derive(Debug, Parser)]
#[command(name = "relaydesk", version, about)]
pub struct Cli {
    /// Log line format.
    #[arg(long, env = "RELAYDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Manage the workspace from the server's machine: people, teams, inboxes.
    Admin(crate::admin_cli::AdminArgs),
    /// Print the REST API's OpenAPI document (the same one served at /api/openapi.json).
    Openapi,
}

/// Where the data lives (shared by `serve` and `admin`).
#[derive(Debug, Clone, clap::Args)]
pub struct StorageArgs {
    /// Where the server keeps its SQLite database and media files.
    // `global`: `relaydesk admin list-users --data-dir …` works as well as
    // `relaydesk admin --data-dir … list-users`.
    #[arg(
        long,
        env = "RELAYDESK_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// A `postgres://` URL to store everything in PostgreSQL (several instances may share it);
    /// without it, a SQLite file `relaydesk.db` in the data directory.
    #[arg(long, env = "RELAYDESK_DATABASE_URL", global = true)]
    pub database_url: Option<Secret>,

    /// The PostgreSQL schema to keep Relaydesk's tables in (created if missing), so one
    /// database can hold several workspaces or a staging copy; without it, the URL's default
    /// search path. Ignored without `--database-url`.
    #[arg(long, env = "RELAYDESK_DATABASE_SCHEMA", global = true)]
    pub database_schema: Option<String>,
}

impl StorageArgs {
    /// Which database these settings name.
    pub fn database(&self) -> Database {
        match &self.database_url {
            Some(url) => Database::Postgres {
                url: url.expose().to_owned(),
                schema: self.database_schema.clone(),
            },
            None => Database::Sqlite(self.data_dir.join("relaydesk.db")),
        }
    }
}

/// Settings of `relaydesk serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port and prints it).
    #[arg(long, env = "RELAYDESK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    #[command(flatten)]
    pub storage: StorageArgs,

    /// The Meta app's secret: every webhook POST must be signed with it.
    #[arg(long, env = "RELAYDESK_WHATSAPP_APP_SECRET")]
    pub whatsapp_app_secret: Option<Secret>,

    /// The token typed into Meta's dashboard when subscribing the webhook.
    #[arg(long, env = "RELAYDESK_WHATSAPP_VERIFY_TOKEN")]
    pub whatsapp_verify_token: Option<Secret>,

    /// The system-user access token replies are sent with; without it nothing is sent (replies
    /// wait in the queue).
    #[arg(long, env = "RELAYDESK_WHATSAPP_ACCESS_TOKEN")]
    pub whatsapp_access_token: Option<Secret>,

    /// The Graph API's address (tests and the demo point it at a fake on loopback).
    #[arg(
        long,
        env = "RELAYDESK_GRAPH_API_BASE",
        default_value = "https://graph.facebook.com"
    )]
    pub graph_api_base: String,

    /// The Graph API version sends and webhooks are pinned to.
    #[arg(long, env = "RELAYDESK_GRAPH_API_VERSION", default_value = "v25.0")]
    pub graph_api_version: String,

    /// Most messages per second sent from one business number (WhatsApp's default limit is 80).
    #[arg(long, env = "RELAYDESK_WHATSAPP_SEND_RATE", default_value_t = 80)]
    pub whatsapp_send_rate: u32,

    /// Behind a reverse proxy: take each client's address (login rate limits) from the last
    /// `X-Forwarded-For` entry, which the proxy appends. Off: the TCP peer's address.
    #[arg(long, env = "RELAYDESK_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// Mark the web view's session cookie `Secure` (browsers then send it only over HTTPS).
    /// Turn on whenever the server is reached over HTTPS; it is also set on its own for
    /// requests a trusted proxy marks `X-Forwarded-Proto: https`.
    #[arg(long, env = "RELAYDESK_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// The Firebase project pushes are sent to (default: the service account's project).
    #[arg(long, env = "RELAYDESK_FCM_PROJECT_ID")]
    pub fcm_project_id: Option<String>,

    /// A Google service-account key file (JSON) allowed to send FCM messages. Without it (or
    /// the JSON itself below) phones get no push notifications.
    #[arg(long, env = "RELAYDESK_FCM_SERVICE_ACCOUNT_FILE")]
    pub fcm_service_account_file: Option<PathBuf>,

    /// The service-account key's JSON itself, instead of a file.
    #[arg(
        long,
        env = "RELAYDESK_FCM_SERVICE_ACCOUNT_JSON",
        hide_env_values = true
    )]
    pub fcm_service_account_json: Option<Secret>,

    /// Where access tokens are exchanged (default: the key's `token_uri`, else Google's).
    #[arg(long, env = "RELAYDESK_FCM_TOKEN_URL")]
    pub fcm_token_url: Option<String>,

    /// FCM's address (tests and the demo point it at a fake on loopback).
    #[arg(long, env = "RELAYDESK_FCM_BASE_URL", default_value = crate::push::fcm::GOOGLE_FCM_URL)]
    pub fcm_base_url: String,

    /// Most live streams (`/api/v1/events`, the web view's `/live`) one session may hold open
    /// at once; more are refused with 429 `too_many_streams`.
    #[arg(long, env = "RELAYDESK_LIVE_STREAMS_PER_SESSION", default_value_t = 8,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub live_streams_per_session: u32,

    /// Most live streams this instance serves at once, everyone's together.
    #[arg(long, env = "RELAYDESK_LIVE_STREAMS_PER_INSTANCE", default_value_t = 2000,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub live_streams_per_instance: u32,

    /// A live stream resuming more than this many versions behind is not replayed: it gets one
    /// `reset` event (reload) and goes on from the latest version.
    #[arg(long, env = "RELAYDESK_LIVE_CATCH_UP_VERSIONS", default_value_t = 1000,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub live_catch_up_versions: u32,

    /// A demo workspace: seeded people and number, simulated customers, and a stand-in for
    /// WhatsApp on this server (no Meta account needed). For trying Relaydesk locally.
    #[arg(long, env = "RELAYDESK_DEMO")]
    pub demo: bool,
}

impl ServeArgs {
    /// Settings for a test or a tool: listen anywhere, everything else default.
    pub fn for_data_dir(data_dir: PathBuf) -> ServeArgs {
        ServeArgs {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            storage: StorageArgs {
                data_dir,
                database_url: None,
                database_schema: None,
            },
            whatsapp_app_secret: None,
            whatsapp_verify_token: None,
            whatsapp_access_token: None,
            graph_api_base: "https://graph.facebook.com".into(),
            graph_api_version: "v25.0".into(),
            whatsapp_send_rate: 80,
            trust_forwarded_for: false,
            secure_cookies: false,
            fcm_project_id: None,
            fcm_service_account_file: None,
            fcm_service_account_json: None,
            fcm_token_url: None,
            fcm_base_url: crate::push::fcm::GOOGLE_FCM_URL.into(),
            live_streams_per_session: 8,
            live_streams_per_instance: 2000,
            live_catch_up_versions: 1000,
            demo: false,
        }
    }

    /// The limits on live streams these settings name.
    pub fn live_limits(&self) -> crate::http::live_streams::LiveLimits {
        crate::http::live_streams::LiveLimits {
            per_session: self.live_streams_per_session as usize,
            per_instance: self.live_streams_per_instance as usize,
            catch_up_versions: i64::from(self.live_catch_up_versions),
        }
    }

    /// Where and as whom pushes are sent; `None` when no service account is configured. A key
    /// that is given but unreadable stops the start with the reason.
    pub fn fcm(&self) -> anyhow::Result<Option<crate::push::fcm::FcmSettings>> {
        use anyhow::Context;
        let json = match (
            &self.fcm_service_account_json,
            &self.fcm_service_account_file,
        ) {
            (Some(json), _) => json.expose().to_owned(),
            (None, Some(path)) => std::fs::read_to_string(path).with_context(|| {
                format!("cannot read the FCM service-account key {}", path.display())
            })?,
            (None, None) => return Ok(None),
        };
        let account = crate::push::fcm::ServiceAccount::from_json(&json)?;
        let project_id = self
            .fcm_project_id
            .clone()
            .or_else(|| account.project_id.clone())
            .context(
                "name the Firebase project (RELAYDESK_FCM_PROJECT_ID): the key has no project_id",
            )?;
        let token_url = self
            .fcm_token_url
            .clone()
            .or_else(|| account.token_uri.clone())
            .unwrap_or_else(|| crate::push::fcm::GOOGLE_TOKEN_URL.to_owned());
        Ok(Some(crate::push::fcm::FcmSettings {
            project_id,
            account,
            token_url,
            base_url: self.fcm_base_url.clone(),
            timeout: std::time::Duration::from_secs(10),
        }))
    }

    /// The Graph API settings, if an access token was given.
    pub fn graph_api(&self) -> Option<crate::whatsapp::GraphApi> {
        Some(crate::whatsapp::GraphApi {
            base_url: self.graph_api_base.clone(),
            version: self.graph_api_version.clone(),
            access_token: self.whatsapp_access_token.clone()?,
            timeout: std::time::Duration::from_secs(15),
        })
    }

    /// Which database these settings name.
    pub fn database(&self) -> Database {
        self.storage.database()
    }
}

/// A secret from the command line or the environment: usable, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// For people at a terminal.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`), coloured only when stderr is a
/// terminal (a file, a pipe or a service manager's journal gets plain text).
pub fn init_tracing(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // A second initialisation (tests calling `run` twice) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::live_streams::LiveLimits;

    #[test]
    fn live_stream_limits_default_to_the_codes_and_refuse_zero() {
        let Command::Serve(args) = Cli::try_parse_from(["relaydesk", "serve"])
            .expect("parses")
            .command
        else {
            panic!("serve");
        };
        assert_eq!(args.live_limits(), LiveLimits::default());
        assert_eq!(
            ServeArgs::for_data_dir("data".into()).live_limits(),
            LiveLimits::default()
        );
        let set = Cli::try_parse_from([
            "relaydesk",
            "serve",
            "--live-streams-per-session",
            "3",
            "--live-streams-per-instance",
            "50",
            "--live-catch-up-versions",
            "10",
        ])
        .expect("parses");
        let Command::Serve(args) = set.command else {
            panic!("serve");
        };
        assert_eq!(
            args.live_limits(),
            LiveLimits {
                per_session: 3,
                per_instance: 50,
                catch_up_versions: 10
            }
        );
        assert!(
            Cli::try_parse_from(["relaydesk", "serve", "--live-streams-per-session", "0"]).is_err()
        );
    }
}
