//! People's way in: accounts, logins, sessions, and the admin's management of people, teams
//! and inboxes. The rules live here once — password strength, the login rate limits, one-time
//! passwords, who may manage whom — and every door (REST, the `relaydesk admin` command line,
//! the web view's cookie login later) calls these functions.

pub mod password;
pub mod token;

use std::collections::BTreeSet;

use chrono::Duration;
use relaydesk_core::domain::config;
use relaydesk_core::domain::limits::MAX_DEVICE_NAME_CHARS;
use relaydesk_core::domain::{
    Availability, Capacity, Inbox, InboxId, Member, Role, Team, TeamId, Timestamp, UserId,
    Workspace,
};
use relaydesk_core::protocol::admin::{CreatedUser, NewInbox, NewTeam, NewUser, UserChange};
use relaydesk_core::protocol::auth::{LoginRequest, LoginResponse, SessionInfo, UserInfo};

use crate::store::{Account, AccountConflict, DbError, Provenance, Session, Setup, Store};

/// Failed logins counted over this window.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
/// Failed logins for one account from one address within the window before that address is
/// paused for that account. Counted per account *and* address, so someone who knows an email
/// cannot lock its owner out: the owner's own address keeps its own count.
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
/// Failed logins per address (whatever the accounts) within the window before the address is
/// paused (one client trying many accounts).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
/// Longest email a sign-in is checked with (RFC 5321's limit on a path); longer ones are
/// refused before any work.
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest password a sign-in is checked with; longer ones are refused before any work (no
/// database read, no Argon2). Far above what can be set (`password::MAX_CHARS`).
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// A session not used for this long ends.
pub const SESSION_IDLE_LIFETIME: Duration = Duration::days(30);
/// Sessions record their use at most this often (a read does not become a write each time).
const TOUCH_EVERY: Duration = Duration::minutes(5);

/// Why an account operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("too many failed sign-ins; try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("sign in first (a bearer token is missing, unknown, expired or revoked)")]
    Unauthenticated,
    #[error("change the one-time password first (POST /api/v1/auth/password)")]
    PasswordChangeRequired,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A refusal naming the field and why (every door shows it the same way).
pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> AccountError {
    AccountError::Invalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

impl From<AccountConflict> for AccountError {
    fn from(conflict: AccountConflict) -> Self {
        match conflict {
            AccountConflict::Refused(refused) => refused.into(),
            email => AccountError::Conflict(email.to_string()),
        }
    }
}

/// The configuration's rules refused a change: the same answer at every door.
impl From<config::Refusal> for AccountError {
    fn from(refused: config::Refusal) -> Self {
        match refused {
            config::Refusal::Invalid { field, reason } => AccountError::Invalid { field, reason },
            config::Refusal::Conflict(what) => AccountError::Conflict(what),
        }
    }
}

/// An account found by email (the command line names people by email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRef {
    pub user: UserId,
    pub email: String,
}

/// The person behind a request, as authenticated.
#[derive(Debug, Clone)]
pub struct Signed {
    pub member: Member,
    pub account: Account,
    pub session: Session,
    /// The workspace as read for this request (teams, inboxes, members).
    pub workspace: Workspace,
}

impl Signed {
    /// A change by this person through `door`, in this session.
    pub fn through(&self, door: crate::store::Door) -> crate::store::Provenance {
        crate::store::Provenance::in_session(
            relaydesk_core::domain::Actor::Member(self.member.id),
            door,
            self.session.id.clone(),
        )
    }

    pub fn is_admin(&self) -> bool {
        self.member.role == Role::Admin
    }

    pub fn user_info(&self) -> UserInfo {
        user_info(&self.member, &self.account)
    }
}

/// A person as colleagues see them (no email, no credentials).
pub fn colleague(member: &Member) -> relaydesk_core::protocol::directory::Colleague {
    relaydesk_core::protocol::directory::Colleague {
        id: member.id,
        name: member.name.clone(),
        handle: member.handle.clone(),
        role: member.role,
        teams: member.teams.clone(),
        availability: member.availability,
    }
}

/// A person as the API shows them.
pub fn user_info(member: &Member, account: &Account) -> UserInfo {
    UserInfo {
        id: member.id,
        name: member.name.clone(),
        handle: member.handle.clone(),
        email: account.email.clone(),
        role: member.role,
        teams: member.teams.clone(),
        availability: member.availability,
        capacity: member.capacity,
        active: member.active,
        must_change_password: account.must_change_password,
    }
}

pub fn session_info(session: &Session, current: Option<&str>) -> SessionInfo {
    SessionInfo {
        id: session.id.clone(),
        user_id: session.user_id,
        device: session.device.clone(),
        created_at: session.created_at,
        last_used_at: session.last_used_at,
        expires_at: session.expires_at,
        current: current == Some(session.id.as_str()),
    }
}

/// Emails compare lowercased and trimmed.
pub fn normalise_email(raw: &str) -> Result<String, AccountError> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(invalid("email", "not an email address"))
    }
}

/// A `@handle` from a name: lowercase letters and digits, dots between words.
pub fn handle_from_name(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join(".")
}

fn check_handle(handle: &str) -> Result<String, AccountError> {
    Ok(config::handle(handle)?)
}

fn check_name(field: &str, name: &str) -> Result<String, AccountError> {
    Ok(config::name(field, name)?)
}

/// Records a password attempt for `email` from `address` before it is checked, unless this
/// account from this address, or this address, is over its limit (then: when to try again).
async fn begin_attempt(
    store: &Store,
    email: &str,
    address: &str,
    now: Timestamp,
) -> Result<(), AccountError> {
    let since = now - FAILURE_WINDOW;
    let limits = (
        MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
        MAX_FAILURES_PER_ADDRESS,
    );
    match store
        .begin_password_attempt(email.to_owned(), address.to_owned(), limits, now, since)
        .await?
    {
        Ok(()) => Ok(()),
        Err(oldest) => Err(AccountError::TooManyAttempts {
            retry_after_secs: (oldest + FAILURE_WINDOW - now).num_seconds().max(1),
        }),
    }
}

/// Refuses an email or password too long to be anyone's, before any work is done for it.
pub fn check_credential_lengths(email: &str, password: &str) -> Result<(), AccountError> {
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(invalid(
            "email",
            format!("at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(invalid(
            "password",
            format!("at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Signs in: bounds the lengths, checks the rate limits, then the password; answers a new
/// token for this device.
pub async fn login(
    store: &Store,
    request: LoginRequest,
    address: &str,
    now: Timestamp,
) -> Result<LoginResponse, AccountError> {
    check_credential_lengths(request.email.trim(), &request.password)?;
    let email = request.email.trim().to_lowercase();
    begin_attempt(store, &email, address, now).await?;
    let account = store.account_by_email(email.clone()).await?;
    let stored = match &account {
        Some(account) => account.password_hash.clone(),
        None => password::decoy_hash().await,
    };
    let matches = password::verify(request.password, stored).await;
    let workspace = store.workspace().await?;
    let member = account
        .as_ref()
        .and_then(|a| workspace.members.get(&a.user_id))
        .filter(|m| m.active);
    // The attempt stays recorded as a failure unless the session below is created.
    let (Some(account), Some(member), true) = (account.clone(), member, matches) else {
        return Err(AccountError::InvalidCredentials);
    };
    let device = request
        .device
        .map(|d| {
            d.trim()
                .chars()
                .take(MAX_DEVICE_NAME_CHARS)
                .collect::<String>()
        })
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "unnamed device".to_owned());
    let (token, token_hash) = token::mint()?;
    let session = Session {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: member.id,
        device,
        created_at: now,
        last_used_at: now,
        expires_at: now + SESSION_IDLE_LIFETIME,
    };
    store
        .create_session(session.clone(), token_hash, email, address.to_owned())
        .await?;
    Ok(LoginResponse {
        token,
        session: session_info(&session, Some(&session.id)),
        user: user_info(member, &account),
    })
}

/// Who holds this bearer token, if it is live and its owner active.
pub async fn authenticate(
    store: &Store,
    token: &str,
    now: Timestamp,
) -> Result<Signed, AccountError> {
    let session = store
        .session_by_token_hash(token::hash(token))
        .await?
        .ok_or(AccountError::Unauthenticated)?;
    if session.expires_at <= now {
        store.delete_session(session.id).await?;
        return Err(AccountError::Unauthenticated);
    }
    let account = store
        .account_of(session.user_id)
        .await?
        .ok_or(AccountError::Unauthenticated)?;
    let workspace = store.workspace().await?;
    let member = workspace
        .members
        .get(&session.user_id)
        .filter(|m| m.active)
        .cloned()
        .ok_or(AccountError::Unauthenticated)?;
    if now - session.last_used_at >= TOUCH_EVERY {
        store
            .touch_session(session.id.clone(), now, now + SESSION_IDLE_LIFETIME)
            .await?;
    }
    Ok(Signed {
        member,
        account,
        session,
        workspace,
    })
}

/// Changes one's own password (required after a one-time password); other sessions end.
pub async fn change_password(
    store: &Store,
    signed: &Signed,
    current: String,
    new: String,
    address: &str,
    now: Timestamp,
) -> Result<(), AccountError> {
    // Guessing the current password with a stolen token is limited like a login.
    check_credential_lengths("", &current)?;
    begin_attempt(store, &signed.account.email, address, now).await?;
    if !password::verify(current, signed.account.password_hash.clone()).await {
        return Err(invalid("current_password", "does not match"));
    }
    store
        .clear_password_failures(signed.account.email.clone())
        .await?;
    if let Some(reason) = password::weakness(&new) {
        return Err(invalid("new_password", reason));
    }
    let hashed = password::hash(new).await?;
    store
        .set_password(
            signed.member.id,
            hashed,
            false,
            Some(signed.session.id.clone()),
            now,
        )
        .await?;
    Ok(())
}

/// Ends the session this token opens, if it is still there (signing out needs no more than
/// the token: also a session that must still change its one-time password can end itself).
pub async fn sign_out(store: &Store, token: &str) -> Result<(), AccountError> {
    if let Some(session) = store.session_by_token_hash(token::hash(token)).await? {
        store.delete_session(session.id).await?;
    }
    Ok(())
}

/// Ends a session: one's own, or (admins) anyone's.
pub async fn revoke_session(
    store: &Store,
    signed: &Signed,
    session_id: String,
) -> Result<(), AccountError> {
    let session = store
        .session(session_id.clone())
        .await?
        .filter(|s| s.user_id == signed.member.id || signed.is_admin())
        .ok_or_else(|| AccountError::NotFound(format!("session {session_id}")))?;
    store.delete_session(session.id).await?;
    Ok(())
}

/// Creates a person with an account. Without a password given, a one-time password is made,
/// answered once, and must be changed at first sign-in.
/// A role this server knows (a request may name one it does not: it reads as unknown).
fn check_role(role: Role) -> Result<Role, AccountError> {
    match role {
        Role::Unknown => Err(invalid("role", "one of: agent, supervisor, admin")),
        known => Ok(known),
    }
}

pub async fn create_user(
    store: &Store,
    by: &Provenance,
    new: NewUser,
    now: Timestamp,
) -> Result<CreatedUser, AccountError> {
    let email = normalise_email(&new.email)?;
    let name = check_name("name", &new.name)?;
    let role = check_role(new.role)?;
    let handle = check_handle(&new.handle.unwrap_or_else(|| handle_from_name(&name)))?;
    let (secret, one_time) = match new.password {
        Some(given) => {
            if let Some(reason) = password::weakness(&given) {
                return Err(invalid("password", reason));
            }
            (given, None)
        }
        None => {
            let made = password::one_time()?;
            (made.clone(), Some(made))
        }
    };
    let member = Member {
        id: UserId::new(),
        name,
        handle,
        role,
        teams: new.teams,
        availability: Availability::Offline,
        capacity: new.capacity.unwrap_or_default(),
        active: true,
    };
    // The configuration's rules, asked before the password is hashed (a refusal costs no
    // Argon2); the answer that counts is the one under the lock, in `create_account`.
    config::check(
        &store.workspace().await?,
        None,
        Some(&Setup::Member(member.clone())),
    )?;
    let account = Account {
        user_id: member.id,
        email,
        password_hash: password::hash(secret).await?,
        must_change_password: one_time.is_some(),
    };
    store
        .create_account(by.clone(), member.clone(), account.clone(), now)
        .await??;
    Ok(CreatedUser {
        user: user_info(&member, &account),
        one_time_password: one_time,
    })
}

/// Gives a user a new one-time password and signs them out everywhere. The account's failed
/// sign-ins are forgotten (guesses at the old password say nothing about the new one), so a
/// person paused at an address — a shared office, say — gets in with the new password.
pub async fn reset_password(
    store: &Store,
    user: UserId,
    now: Timestamp,
) -> Result<CreatedUser, AccountError> {
    let (member, account) = person(store, user).await?;
    let made = password::one_time()?;
    let hashed = password::hash(made.clone()).await?;
    store.set_password(user, hashed, true, None, now).await?;
    store.clear_password_failures(account.email.clone()).await?;
    Ok(CreatedUser {
        user: user_info(
            &member,
            &Account {
                must_change_password: true,
                ..account
            },
        ),
        one_time_password: Some(made),
    })
}

/// Changes a user's name, role, teams, capacity or whether they are active. Deactivating ends
/// their sessions; the last active admin cannot be demoted or deactivated. Checked and written
/// in one transaction (two admins demoting each other cannot leave the workspace without one).
pub async fn change_user(
    store: &Store,
    by: &Provenance,
    user: UserId,
    change: UserChange,
    now: Timestamp,
) -> Result<UserInfo, AccountError> {
    let account = store
        .account_of(user)
        .await?
        .ok_or_else(|| AccountError::NotFound(format!("user {user}")))?;
    // Shapes are read here; what spans people (teams that exist, the last active admin) is
    // the configuration's rule, judged under its lock.
    let changed = store
        .change_member(by.clone(), now, user, move |mut member| {
            if let Some(name) = &change.name {
                member.name = check_name("name", name)?;
            }
            if let Some(teams) = &change.teams {
                member.teams = teams.clone();
            }
            if let Some(role) = change.role {
                member.role = check_role(role)?;
            }
            if let Some(capacity) = change.capacity {
                member.capacity = capacity;
            }
            if let Some(active) = change.active {
                member.active = active;
            }
            Ok::<_, AccountError>(member)
        })
        .await?
        .ok_or_else(|| AccountError::NotFound(format!("user {user}")))??;
    if !changed.active {
        store.delete_sessions_of(user).await?;
    }
    Ok(user_info(&changed, &account))
}

/// A person and their account.
pub async fn person(store: &Store, user: UserId) -> Result<(Member, Account), AccountError> {
    let workspace = store.workspace().await?;
    let member = workspace.members.get(&user).cloned();
    let account = store.account_of(user).await?;
    match (member, account) {
        (Some(member), Some(account)) => Ok((member, account)),
        _ => Err(AccountError::NotFound(format!("user {user}"))),
    }
}

/// Everyone with an account.
pub async fn users(store: &Store) -> Result<Vec<UserInfo>, AccountError> {
    let workspace = store.workspace().await?;
    Ok(store
        .accounts()
        .await?
        .iter()
        .filter_map(|a| workspace.members.get(&a.user_id).map(|m| user_info(m, a)))
        .collect())
}

/// Creates a team as `by` (its name unique, judged under the configuration's lock).
pub async fn create_team(
    store: &Store,
    by: &Provenance,
    new: NewTeam,
) -> Result<Team, AccountError> {
    let team = Team {
        id: TeamId::new(),
        name: check_name("name", &new.name)?,
    };
    store
        .configure(by.clone(), chrono::Utc::now(), Setup::Team(team.clone()))
        .await??;
    Ok(team)
}

/// Creates an inbox for a WhatsApp number as `by` (one inbox per number, its teams there).
pub async fn create_inbox(
    store: &Store,
    by: &Provenance,
    new: NewInbox,
) -> Result<Inbox, AccountError> {
    let inbox = Inbox {
        id: InboxId::new(),
        name: check_name("name", &new.name)?,
        phone_number_id: config::digits("phone_number_id", &new.phone_number_id)?,
        display_phone_number: config::digits("display_phone_number", &new.display_phone_number)?,
        waba_id: config::digits("waba_id", &new.waba_id)?,
        teams: new.teams,
    };
    match store
        .configure(by.clone(), chrono::Utc::now(), Setup::Inbox(inbox.clone()))
        .await
    {
        Ok(made) => {
            made?;
            Ok(inbox)
        }
        // Another admin added the same number a moment ago.
        Err(error) if error.is_unique_violation() => Err(AccountError::Conflict(format!(
            "the number {} already has an inbox",
            inbox.phone_number_id
        ))),
        Err(error) => Err(error.into()),
    }
}

/// On first start with no account at all: an admin with a one-time password, answered so the
/// operator can print it. `None` when accounts exist.
pub async fn ensure_first_admin(
    store: &Store,
    now: Timestamp,
) -> Result<Option<CreatedUser>, AccountError> {
    if store.count_accounts().await? > 0 {
        return Ok(None);
    }
    let relaydesk = Provenance::relaydesk();
    let created = match create_user(
        store,
        &relaydesk,
        NewUser {
            email: "admin@relaydesk.local".into(),
            name: "Admin".into(),
            handle: Some("admin".into()),
            role: Role::Admin,
            teams: BTreeSet::new(),
            capacity: Some(Capacity::default()),
            password: None,
        },
        now,
    )
    .await
    {
        Ok(created) => created,
        // Another instance on the same database created it a moment ago.
        Err(AccountError::Conflict(_)) => return Ok(None),
        Err(other) => return Err(other),
    };
    Ok(Some(created))
}
