//! `relaydesk admin …`: the workspace managed from the server's machine (first setup, a
//! forgotten admin password). Calls the same `accounts` functions as the REST admin routes;
//! whoever can run it on the machine is trusted as an admin.

use std::collections::BTreeSet;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Subcommand;
use relaydesk_core::domain::{Role, TeamId, Workspace};
use relaydesk_core::protocol::admin::{NewInbox, NewTeam, NewUser, UserChange};

use crate::accounts;
use crate::config::StorageArgs;
use crate::store::Store;

/// Settings and action of `relaydesk admin`.
#[derive(Debug, Clone, clap::Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    #[command(subcommand)]
    pub action: AdminAction,
}

/// What to change.
#[derive(Debug, Clone, Subcommand)]
pub enum AdminAction {
    /// Add a person; prints a one-time password they change at first sign-in.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// For @mentions (default: from the name).
        #[arg(long)]
        handle: Option<String>,
        /// agent, supervisor or admin.
        #[arg(long, value_parser = parse_role, default_value = "agent")]
        role: Role,
        /// A team by name (repeat for several).
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Set this password instead of printing a one-time one (scripted setups, tests);
        /// also read from RELAYDESK_NEW_USER_PASSWORD so it stays out of shell history.
        #[arg(long, env = "RELAYDESK_NEW_USER_PASSWORD")]
        password: Option<crate::config::Secret>,
    },
    /// Give someone a new one-time password and sign them out everywhere.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Stop someone from signing in (their history stays).
    DeactivateUser {
        #[arg(long)]
        email: String,
    },
    /// Everyone with an account.
    ListUsers,
    /// Add a team.
    CreateTeam {
        #[arg(long)]
        name: String,
    },
    /// Add a WhatsApp number and the teams that work it.
    AddInbox {
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone_number_id: String,
        #[arg(long)]
        display_phone_number: String,
        #[arg(long)]
        waba_id: String,
        /// A team by name (repeat for several).
        #[arg(long = "team")]
        teams: Vec<String>,
    },
}

fn parse_role(raw: &str) -> Result<Role, String> {
    match serde_json::from_value(serde_json::Value::String(raw.to_lowercase())) {
        Ok(Role::Unknown) | Err(_) => Err("one of: agent, supervisor, admin".to_owned()),
        Ok(role) => Ok(role),
    }
}

fn team_ids(workspace: &Workspace, names: &[String]) -> anyhow::Result<BTreeSet<TeamId>> {
    names
        .iter()
        .map(|name| {
            workspace
                .teams
                .values()
                .find(|t| t.name.eq_ignore_ascii_case(name))
                .map(|t| t.id)
                .with_context(|| format!("no team named {name:?}"))
        })
        .collect()
}

async fn user_by_email(store: &Store, email: &str) -> anyhow::Result<accounts::AccountRef> {
    let email = accounts::normalise_email(email)?;
    let account = store
        .account_by_email(email.clone())
        .await?
        .with_context(|| format!("no account with the email {email}"))?;
    Ok(accounts::AccountRef {
        user: account.user_id,
        email,
    })
}

/// Runs one admin action and prints its outcome.
pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    if args.storage.database_url.is_none() {
        let dir = &args.storage.data_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    }
    let store = Store::open(&args.storage.database())
        .await
        .with_context(|| format!("cannot open the database {:?}", args.storage.database()))?;
    let now = Utc::now();
    match args.action {
        AdminAction::CreateUser {
            email,
            name,
            handle,
            role,
            teams,
            password,
        } => {
            let teams = team_ids(&store.workspace().await?, &teams)?;
            let created = accounts::create_user(
                &store,
                NewUser {
                    email,
                    name,
                    handle,
                    role,
                    teams,
                    capacity: None,
                    password: password.map(|p| p.expose().to_owned()),
                },
                now,
            )
            .await?;
            println!(
                "created {} <{}> (@{}, {}) id {}",
                created.user.name,
                created.user.email,
                created.user.handle,
                created.user.role,
                created.user.id
            );
            if let Some(password) = created.one_time_password {
                println!("one-time password: {password}");
            }
        }
        AdminAction::ResetPassword { email } => {
            let who = user_by_email(&store, &email).await?;
            let reset = accounts::reset_password(&store, who.user, now).await?;
            println!("signed out everywhere: {}", who.email);
            if let Some(password) = reset.one_time_password {
                println!("one-time password: {password}");
            }
        }
        AdminAction::DeactivateUser { email } => {
            let who = user_by_email(&store, &email).await?;
            accounts::change_user(
                &store,
                who.user,
                UserChange {
                    active: Some(false),
                    ..UserChange::default()
                },
            )
            .await?;
            println!("deactivated and signed out: {}", who.email);
        }
        AdminAction::ListUsers => {
            for user in accounts::users(&store).await? {
                println!(
                    "{}\t{}\t@{}\t{}\t{}",
                    user.email,
                    user.name,
                    user.handle,
                    user.role,
                    if user.active { "active" } else { "deactivated" }
                );
            }
        }
        AdminAction::CreateTeam { name } => {
            let team = accounts::create_team(&store, NewTeam { name }).await?;
            println!("created team {} ({})", team.name, team.id);
        }
        AdminAction::AddInbox {
            name,
            phone_number_id,
            display_phone_number,
            waba_id,
            teams,
        } => {
            let teams = team_ids(&store.workspace().await?, &teams)?;
            if teams.is_empty() {
                bail!("name at least one --team to work this number's conversations");
            }
            let inbox = accounts::create_inbox(
                &store,
                NewInbox {
                    name,
                    phone_number_id,
                    display_phone_number,
                    waba_id,
                    teams,
                },
            )
            .await?;
            println!(
                "added inbox {} for number id {} ({})",
                inbox.name, inbox.phone_number_id, inbox.id
            );
        }
    }
    Ok(())
}
