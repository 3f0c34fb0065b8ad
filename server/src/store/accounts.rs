//! Accounts (email + password hash beside each member), sessions (one hashed bearer token per
//! device) and recent failed logins — written once over [`Sql`] for both backends. The rules
//! (hashing, rate limits, who may do what) live in `crate::accounts`; this file only stores.

use relaydesk_core::domain::{Member, Timestamp, UserId};

use super::rows::millis;
use super::sql::{Arg, Cell, DbError, Sql};

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user_id: UserId,
    pub email: String,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// A stored session, found by its token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub user_id: UserId,
    pub device: String,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Why an account could not be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountConflict {
    #[error("an account with the email {0} already exists")]
    Email(String),
    /// The person was refused by the configuration's rules (a handle taken, say).
    #[error(transparent)]
    Refused(relaydesk_core::domain::config::Refusal),
}

fn instant(ms: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn user_id(text: &str) -> Result<UserId, DbError> {
    text.parse()
        .map_err(|_| DbError::Other(format!("stored user id {text:?} is not a UUID")))
}

fn account_from(row: &[Cell]) -> Result<Account, DbError> {
    Ok(Account {
        user_id: user_id(row[0].required_text("user_id")?)?,
        email: row[1].required_text("email")?.to_owned(),
        password_hash: row[2].required_text("password_hash")?.to_owned(),
        must_change_password: row[3].required_int("must_change_password")? != 0,
    })
}

const ACCOUNT_COLUMNS: &str = "user_id, email, password_hash, must_change_password";

pub(crate) async fn account_by_email<S: Sql>(
    sql: &mut S,
    email: &str,
) -> Result<Option<Account>, DbError> {
    let query = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = $1");
    sql.rows(&query, &[Arg::from(email)])
        .await?
        .first()
        .map(|row| account_from(row))
        .transpose()
}

pub(crate) async fn account_of<S: Sql>(
    sql: &mut S,
    user: UserId,
) -> Result<Option<Account>, DbError> {
    let query = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE user_id = $1");
    sql.rows(&query, &[Arg::Text(user.to_string())])
        .await?
        .first()
        .map(|row| account_from(row))
        .transpose()
}

pub(crate) async fn accounts<S: Sql>(sql: &mut S) -> Result<Vec<Account>, DbError> {
    let query = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY email");
    sql.rows(&query, &[])
        .await?
        .iter()
        .map(|row| account_from(row))
        .collect()
}

pub(crate) async fn count_accounts<S: Sql>(sql: &mut S) -> Result<i64, DbError> {
    Ok(sql
        .integer("SELECT COUNT(*) FROM accounts", &[])
        .await?
        .unwrap_or(0))
}

/// Creates a member and their account together, unless the email or handle is taken.
/// Creates `member`'s account: the person through the configuration's write path (checked:
/// their handle free, their teams there), then the account, unless its email is taken. The
/// caller holds the members' configuration lock, so two sign-ups with one email or handle
/// cannot both pass.
pub(crate) async fn create<S: Sql>(
    sql: &mut S,
    source: &super::provenance::Provenance,
    member: &Member,
    account: &Account,
    now: Timestamp,
) -> Result<Result<(), AccountConflict>, DbError> {
    if account_by_email(sql, &account.email).await?.is_some() {
        return Ok(Err(AccountConflict::Email(account.email.clone())));
    }
    let item = relaydesk_core::domain::config::Item::Member(member.clone());
    if let Err(refused) = super::config::put(sql, source, now, &item).await? {
        return Ok(Err(AccountConflict::Refused(refused)));
    }
    sql.execute(
        "INSERT INTO accounts (user_id, email, password_hash, must_change_password, \
         password_changed_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            Arg::Text(account.user_id.to_string()),
            Arg::from(account.email.as_str()),
            Arg::from(account.password_hash.as_str()),
            Arg::Int(i64::from(account.must_change_password)),
            Arg::Int(millis(now)),
        ],
    )
    .await?;
    Ok(Ok(()))
}

/// Replaces a password hash; `must_change` marks a one-time password.
pub(crate) async fn set_password<S: Sql>(
    sql: &mut S,
    user: UserId,
    password_hash: &str,
    must_change: bool,
    now: Timestamp,
) -> Result<bool, DbError> {
    let changed = sql
        .execute(
            "UPDATE accounts SET password_hash = $1, must_change_password = $2, \
             password_changed_at = $3 WHERE user_id = $4",
            &[
                Arg::from(password_hash),
                Arg::Int(i64::from(must_change)),
                Arg::Int(millis(now)),
                Arg::Text(user.to_string()),
            ],
        )
        .await?;
    Ok(changed == 1)
}

fn session_from(row: &[Cell]) -> Result<Session, DbError> {
    Ok(Session {
        id: row[0].required_text("id")?.to_owned(),
        user_id: user_id(row[1].required_text("user_id")?)?,
        device: row[2].required_text("device")?.to_owned(),
        created_at: instant(row[3].required_int("created_at")?),
        last_used_at: instant(row[4].required_int("last_used_at")?),
        expires_at: instant(row[5].required_int("expires_at")?),
    })
}

const SESSION_COLUMNS: &str = "id, user_id, device, created_at, last_used_at, expires_at";

pub(crate) async fn create_session<S: Sql>(
    sql: &mut S,
    session: &Session,
    token_hash: &str,
) -> Result<(), DbError> {
    sql.execute(
        "INSERT INTO sessions (id, user_id, token_hash, device, created_at, last_used_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Arg::from(session.id.as_str()),
            Arg::Text(session.user_id.to_string()),
            Arg::from(token_hash),
            Arg::from(session.device.as_str()),
            Arg::Int(millis(session.created_at)),
            Arg::Int(millis(session.last_used_at)),
            Arg::Int(millis(session.expires_at)),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn session_by_token_hash<S: Sql>(
    sql: &mut S,
    token_hash: &str,
) -> Result<Option<Session>, DbError> {
    let query = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1");
    sql.rows(&query, &[Arg::from(token_hash)])
        .await?
        .first()
        .map(|row| session_from(row))
        .transpose()
}

pub(crate) async fn sessions_of<S: Sql>(
    sql: &mut S,
    user: UserId,
) -> Result<Vec<Session>, DbError> {
    let query =
        format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 ORDER BY created_at");
    sql.rows(&query, &[Arg::Text(user.to_string())])
        .await?
        .iter()
        .map(|row| session_from(row))
        .collect()
}

pub(crate) async fn session<S: Sql>(sql: &mut S, id: &str) -> Result<Option<Session>, DbError> {
    let query = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1");
    sql.rows(&query, &[Arg::from(id)])
        .await?
        .first()
        .map(|row| session_from(row))
        .transpose()
}

/// Marks a session used at `now`, extending it to `expires_at`.
pub(crate) async fn touch_session<S: Sql>(
    sql: &mut S,
    id: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), DbError> {
    sql.execute(
        "UPDATE sessions SET last_used_at = $1, expires_at = $2 WHERE id = $3",
        &[
            Arg::Int(millis(now)),
            Arg::Int(millis(expires_at)),
            Arg::from(id),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn delete_session<S: Sql>(sql: &mut S, id: &str) -> Result<bool, DbError> {
    sql.execute(
        "DELETE FROM devices WHERE session_id = $1",
        &[Arg::from(id)],
    )
    .await?;
    Ok(sql
        .execute("DELETE FROM sessions WHERE id = $1", &[Arg::from(id)])
        .await?
        == 1)
}

/// Records a device's push token for `session` (again: refreshes it). A token names one app
/// on one phone, and that app holds one session at a time: when another session registers a
/// token that a session still holds, the phone was signed into afresh (someone else took it
/// over, or the app lost its session without signing out), so the session that held it has
/// left that phone and is **ended** — never silently robbed of its pushes while it goes on
/// working, and never sharing the phone's pushes with the newcomer. Answers the ended
/// session's id.
///
/// Why not refuse instead: the phone changing hands is the common case, and a refusal would
/// leave its new user without notifications until the old session ran out (30 days), while
/// someone who learnt another person's token gains nothing by ending their session but a
/// visible sign-out, which signing in again undoes (and which ends the intruder's session in
/// turn).
pub(crate) async fn register_device<S: Sql>(
    sql: &mut S,
    token: &str,
    user: UserId,
    session: &str,
    platform: &str,
    now: Timestamp,
) -> Result<Option<String>, DbError> {
    let holder = sql
        .rows(
            "SELECT session_id FROM devices WHERE token = $1",
            &[Arg::from(token)],
        )
        .await?
        .first()
        .map(|row| row[0].required_text("session_id").map(str::to_owned))
        .transpose()?
        .filter(|held_by| held_by != session);
    if let Some(previous) = &holder {
        delete_session(sql, previous).await?;
    }
    sql.execute(
        "INSERT INTO devices (token, user_id, session_id, platform, updated_at)          VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token) DO UPDATE SET          user_id = excluded.user_id, session_id = excluded.session_id,          platform = excluded.platform, updated_at = excluded.updated_at",
        &[
            Arg::from(token),
            Arg::Text(user.to_string()),
            Arg::from(session),
            Arg::from(platform),
            Arg::Int(millis(now)),
        ],
    )
    .await?;
    // A person's phones come and go (new phone, reinstalled app): beyond the newest few, old
    // tokens are dropped rather than pushed to forever.
    sql.execute(
        "DELETE FROM devices WHERE user_id = $1 AND token NOT IN \
         (SELECT token FROM devices WHERE user_id = $1 ORDER BY updated_at DESC, token LIMIT $2)",
        &[Arg::Text(user.to_string()), Arg::Int(MAX_DEVICES_PER_USER)],
    )
    .await?;
    Ok(holder)
}

/// The most push tokens kept per person.
pub const MAX_DEVICES_PER_USER: i64 = 10;

/// A user's registered push tokens with their platform.
pub(crate) async fn devices_of<S: Sql>(
    sql: &mut S,
    user: UserId,
) -> Result<Vec<(String, String)>, DbError> {
    sql.rows(
        "SELECT token, platform FROM devices WHERE user_id = $1 ORDER BY updated_at",
        &[Arg::Text(user.to_string())],
    )
    .await?
    .iter()
    .map(|row| {
        Ok((
            row[0].required_text("token")?.to_owned(),
            row[1].required_text("platform")?.to_owned(),
        ))
    })
    .collect()
}

/// Ends every session of a user (password reset, deactivation); returns how many.
pub(crate) async fn delete_sessions_of<S: Sql>(sql: &mut S, user: UserId) -> Result<u64, DbError> {
    sql.execute(
        "DELETE FROM devices WHERE user_id = $1",
        &[Arg::Text(user.to_string())],
    )
    .await?;
    sql.execute(
        "DELETE FROM sessions WHERE user_id = $1",
        &[Arg::Text(user.to_string())],
    )
    .await
}

/// Failed logins since `since` for this email from this address, and for this address.
pub(crate) async fn recent_failures<S: Sql>(
    sql: &mut S,
    email: &str,
    address: &str,
    since: Timestamp,
) -> Result<(i64, i64), DbError> {
    let by_pair = sql
        .integer(
            "SELECT COUNT(*) FROM login_failures WHERE email = $1 AND address = $2 AND at > $3",
            &[
                Arg::from(email),
                Arg::from(address),
                Arg::Int(millis(since)),
            ],
        )
        .await?
        .unwrap_or(0);
    let by_address = sql
        .integer(
            "SELECT COUNT(*) FROM login_failures WHERE address = $1 AND at > $2",
            &[Arg::from(address), Arg::Int(millis(since))],
        )
        .await?
        .unwrap_or(0);
    Ok((by_pair, by_address))
}

/// The oldest failure counted since `since` for this address — for this email only when
/// `only_email`, else for any (when the limit that was reached lifts).
pub(crate) async fn oldest_failure<S: Sql>(
    sql: &mut S,
    email: &str,
    address: &str,
    only_email: bool,
    since: Timestamp,
) -> Result<Option<Timestamp>, DbError> {
    let mut args = vec![Arg::from(address), Arg::Int(millis(since))];
    let query = if only_email {
        args.push(Arg::from(email));
        "SELECT MIN(at) FROM login_failures WHERE address = $1 AND at > $2 AND email = $3"
    } else {
        "SELECT MIN(at) FROM login_failures WHERE address = $1 AND at > $2"
    };
    let rows = sql.rows(query, &args).await?;
    Ok(rows.first().and_then(|row| row[0].int()).map(instant))
}

/// Records a failed login, forgetting failures older than `forget_before`.
pub(crate) async fn record_failure<S: Sql>(
    sql: &mut S,
    email: &str,
    address: &str,
    now: Timestamp,
    forget_before: Timestamp,
) -> Result<(), DbError> {
    sql.execute(
        "DELETE FROM login_failures WHERE at < $1",
        &[Arg::Int(millis(forget_before))],
    )
    .await?;
    sql.execute(
        "INSERT INTO login_failures (id, email, address, at) VALUES ($1, $2, $3, $4)",
        &[
            Arg::Text(uuid::Uuid::now_v7().to_string()),
            Arg::from(email),
            Arg::from(address),
            Arg::Int(millis(now)),
        ],
    )
    .await?;
    Ok(())
}

/// Forgets an account's failures from every address.
pub(crate) async fn clear_failures<S: Sql>(sql: &mut S, email: &str) -> Result<(), DbError> {
    sql.execute(
        "DELETE FROM login_failures WHERE email = $1",
        &[Arg::from(email)],
    )
    .await?;
    Ok(())
}

/// Forgets an account's failures from one address (it signed in from there).
pub(crate) async fn clear_failures_from<S: Sql>(
    sql: &mut S,
    email: &str,
    address: &str,
) -> Result<(), DbError> {
    sql.execute(
        "DELETE FROM login_failures WHERE email = $1 AND address = $2",
        &[Arg::from(email), Arg::from(address)],
    )
    .await?;
    Ok(())
}
