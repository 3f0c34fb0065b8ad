//! `relaydesk admin …`: the workspace managed from the server's machine (first setup, a
//! forgotten admin password). Calls the same `accounts` functions as the REST admin routes.
//! It acts as a named admin (`--as <email>`, checked to be an active admin), so every change
//! says who made it and through which door ([`Provenance`], door `cli`); only the first setup,
//! before any admin exists, runs as Relaydesk itself, and listing changes nothing.

use std::collections::BTreeSet;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Subcommand;
use relaydesk_core::domain::{Actor, Automaton, Role, TeamId, Workspace};
use relaydesk_core::protocol::admin::{NewInbox, NewTeam, NewUser, UserChange};

use crate::accounts;
use crate::config::StorageArgs;
use crate::store::{Door, Provenance, Store};

/// Settings and action of `relaydesk admin`.
#[derive(Debug, Clone, clap::Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// The admin this change is made as (their email): required once the workspace has an
    /// active admin. Also read from RELAYDESK_ADMIN_AS.
    #[arg(long = "as", global = true, env = "RELAYDESK_ADMIN_AS")]
    pub as_admin: Option<String>,
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
    /// Add a label to the catalogue.
    CreateLabel {
        #[arg(long)]
        name: String,
        /// `#rrggbb` (grey when left out).
        #[arg(long)]
        colour: Option<String>,
        /// What it is for.
        #[arg(long)]
        description: Option<String>,
    },
    /// Rename a label of the catalogue: it shows renamed everywhere it is used.
    RenameLabel {
        /// Its name now (exactly as it is, case included).
        #[arg(long)]
        name: String,
        #[arg(long)]
        to: String,
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

impl AdminAction {
    /// Its name on the command line.
    fn name(&self) -> &'static str {
        match self {
            AdminAction::CreateUser { .. } => "create-user",
            AdminAction::ResetPassword { .. } => "reset-password",
            AdminAction::DeactivateUser { .. } => "deactivate-user",
            AdminAction::ListUsers => "list-users",
            AdminAction::CreateTeam { .. } => "create-team",
            AdminAction::AddInbox { .. } => "add-inbox",
            AdminAction::CreateLabel { .. } => "create-label",
            AdminAction::RenameLabel { .. } => "rename-label",
        }
    }
}

/// Who this run acts as: the admin named by `--as` (an active admin, or the run is refused);
/// Relaydesk itself while the workspace has no active admin yet (the first setup).
async fn acting_as(store: &Store, as_admin: Option<&str>) -> anyhow::Result<Provenance> {
    let workspace = store.workspace().await?;
    let has_admin = workspace
        .members
        .values()
        .any(|m| m.active && m.role == Role::Admin);
    let Some(email) = as_admin else {
        if has_admin {
            bail!(
                "say which admin you are: --as <email> (or RELAYDESK_ADMIN_AS); every change is recorded as someone's"
            );
        }
        return Ok(Provenance::new(
            Actor::Automation(Automaton::System),
            Door::Cli,
        ));
    };
    let who = user_by_email(store, email).await?;
    match workspace.members.get(&who.user) {
        Some(admin) if admin.active && admin.role == Role::Admin => {
            Ok(Provenance::new(Actor::Member(admin.id), Door::Cli))
        }
        _ => bail!("--as names an active admin; {} is not one", who.email),
    }
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
    // Listing changes nothing and needs no one to act as; every change is made as the named
    // admin (or, at the very first setup, Relaydesk itself) through the command line, and the
    // configuration log says so.
    let mut source = crate::store::Provenance::new(
        relaydesk_core::domain::Actor::Automation(relaydesk_core::domain::Automaton::System),
        crate::store::Door::Cli,
    );
    if !matches!(args.action, AdminAction::ListUsers) {
        source = acting_as(&store, args.as_admin.as_deref()).await?;
        let workspace = store.workspace().await?;
        tracing::info!(
            by = %workspace.name_of(relaydesk_core::domain::By::from(source.actor)),
            door = source.door.as_str(),
            action = args.action.name(),
            "admin change"
        );
    }
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
                &source,
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
                &source,
                who.user,
                UserChange {
                    active: Some(false),
                    ..UserChange::default()
                },
                now,
            )
            .await?;
            println!("deactivated and signed out: {}", who.email);
        }
        AdminAction::ListUsers => {
            let users = accounts::users(&store).await?;
            if users.is_empty() {
                println!("no users yet: create the first admin with create-user --role admin");
            }
            for user in users {
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
            let team = accounts::create_team(&store, &source, NewTeam { name }).await?;
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
                &source,
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
        AdminAction::CreateLabel {
            name,
            colour,
            description,
        } => {
            let label = crate::labels::create(
                &store,
                &source,
                relaydesk_core::protocol::admin::NewLabel {
                    name,
                    colour,
                    description,
                },
            )
            .await?;
            println!(
                "created label {} ({}, {})",
                label.name, label.colour, label.id
            );
        }
        AdminAction::RenameLabel { name, to } => {
            let id = store
                .workspace()
                .await?
                .labels
                .values()
                .find(|l| l.name == name)
                .map(|l| l.id)
                .with_context(|| format!("no label named {name:?}"))?;
            let label = crate::labels::change(
                &store,
                &source,
                id,
                relaydesk_core::protocol::admin::LabelChange {
                    name: Some(to),
                    ..Default::default()
                },
            )
            .await?;
            println!("renamed label {name} to {}", label.name);
        }
    }
    Ok(())
}
