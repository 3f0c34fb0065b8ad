//! The store's doors for accounts and sessions: each call one transaction (or one read) over
//! `accounts.rs`'s statements.

use relaydesk_core::domain::{Member, Timestamp, UserId};

use relaydesk_core::domain::config::{Item, Kind, Refusal};

use super::accounts::{self, Account, AccountConflict, Session};
use super::postgres::PgSql;
use super::provenance::Provenance;
use super::rows;
use super::sql::{DbError, LockSpace, Sql};
use super::sqlite::run_ready;
use super::{Backend, Store};

impl Store {
    /// Creates a member with their account as `source`, unless the email is taken or the
    /// configuration's rules refuse the person (a handle taken); the person's entry in the
    /// configuration log names who created them.
    pub async fn create_account(
        &self,
        source: impl Into<Provenance>,
        member: Member,
        account: Account,
        now: Timestamp,
    ) -> Result<Result<(), AccountConflict>, DbError> {
        let source = source.into();
        in_transaction!(self, |sql| {
            // Changes to people take turns: two sign-ups with one email or handle cannot
            // both pass the check (the second is told it is taken).
            sql.lock_key(LockSpace::Configuration, Kind::Member.as_str())
                .await?;
            accounts::create(sql, &source, &member, &account, now).await
        })
    }

    pub async fn account_by_email(&self, email: String) -> Result<Option<Account>, DbError> {
        in_read!(self, |sql| accounts::account_by_email(sql, &email).await)
    }

    pub async fn account_of(&self, user: UserId) -> Result<Option<Account>, DbError> {
        in_read!(self, |sql| accounts::account_of(sql, user).await)
    }

    /// Every account, by email.
    pub async fn accounts(&self) -> Result<Vec<Account>, DbError> {
        in_read!(self, |sql| accounts::accounts(sql).await)
    }

    pub async fn count_accounts(&self) -> Result<i64, DbError> {
        in_read!(self, |sql| accounts::count_accounts(sql).await)
    }

    /// Replaces a password; `end_sessions` signs the user out everywhere (a reset by an
    /// admin), else keeps the session named `keep` (a user changing their own).
    pub async fn set_password(
        &self,
        user: UserId,
        password_hash: String,
        must_change: bool,
        keep: Option<String>,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        in_transaction!(self, |sql| {
            let changed =
                accounts::set_password(sql, user, &password_hash, must_change, now).await?;
            for session in accounts::sessions_of(sql, user).await? {
                if keep.as_deref() != Some(session.id.as_str()) {
                    accounts::delete_session(sql, &session.id).await?;
                }
            }
            Ok(changed)
        })
    }

    /// Records a new session; the failures of this account from this address are forgotten
    /// (not those from elsewhere: signing in does not give a guesser new tries).
    pub async fn create_session(
        &self,
        session: Session,
        token_hash: String,
        email: String,
        address: String,
    ) -> Result<(), DbError> {
        in_transaction!(self, |sql| {
            accounts::create_session(sql, &session, &token_hash).await?;
            accounts::clear_failures_from(sql, &email, &address).await
        })
    }

    pub async fn session_by_token_hash(
        &self,
        token_hash: String,
    ) -> Result<Option<Session>, DbError> {
        in_read!(self, |sql| accounts::session_by_token_hash(
            sql,
            &token_hash
        )
        .await)
    }

    pub async fn session(&self, id: String) -> Result<Option<Session>, DbError> {
        in_read!(self, |sql| accounts::session(sql, &id).await)
    }

    pub async fn sessions_of(&self, user: UserId) -> Result<Vec<Session>, DbError> {
        in_read!(self, |sql| accounts::sessions_of(sql, user).await)
    }

    pub async fn touch_session(
        &self,
        id: String,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), DbError> {
        in_transaction!(self, |sql| accounts::touch_session(
            sql, &id, now, expires_at
        )
        .await)
    }

    pub async fn delete_session(&self, id: String) -> Result<bool, DbError> {
        in_transaction!(self, |sql| accounts::delete_session(sql, &id).await)
    }

    pub async fn delete_sessions_of(&self, user: UserId) -> Result<u64, DbError> {
        in_transaction!(self, |sql| accounts::delete_sessions_of(sql, user).await)
    }

    /// Starts a password check for `email` from `address`: unless this account from this
    /// address (`limits.0`) or this address for any account (`limits.1`) is over its limit of
    /// failures since `since`, the attempt is recorded as a failure *before* the password is
    /// verified (a success clears it), so concurrent guesses cannot all pass the check.
    /// Answers when the limit lifts if it is reached.
    pub async fn begin_password_attempt(
        &self,
        email: String,
        address: String,
        limits: (i64, i64),
        now: Timestamp,
        since: Timestamp,
    ) -> Result<Result<(), Timestamp>, DbError> {
        in_transaction!(self, |sql| {
            // Attempts on this email, and from this address, take turns (SQLite's one writer
            // already serialises); nobody else waits for them.
            sql.lock_key(LockSpace::LoginEmail, &email).await?;
            sql.lock_key(LockSpace::LoginAddress, &address).await?;
            let (by_pair, by_address) =
                accounts::recent_failures(sql, &email, &address, since).await?;
            if by_pair >= limits.0 || by_address >= limits.1 {
                let only_pair = by_address < limits.1;
                let oldest =
                    accounts::oldest_failure(sql, &email, &address, only_pair, since).await?;
                return Ok(Err(oldest.unwrap_or(now)));
            }
            accounts::record_failure(sql, &email, &address, now, since).await?;
            Ok(Ok(()))
        })
    }

    /// Changes a member as `source` inside one transaction holding the members'
    /// configuration lock: `change` sees the member as committed (their row locked: the write
    /// path writes their availability without the configuration lock) and returns the member
    /// to store, which the configuration's rules then judge against every other change to
    /// people committed — so two admins demoting each other cannot leave the workspace
    /// without an admin. `change` may run again if PostgreSQL ends the transaction to break a
    /// deadlock.
    pub async fn change_member<F, E>(
        &self,
        source: impl Into<Provenance>,
        now: Timestamp,
        user: UserId,
        change: F,
    ) -> Result<Option<Result<Member, E>>, DbError>
    where
        F: Fn(Member) -> Result<Member, E> + Send + Sync + 'static,
        E: From<Refusal> + Send + 'static,
    {
        let source = source.into();
        in_transaction!(self, |sql| {
            sql.lock_key(LockSpace::Configuration, Kind::Member.as_str())
                .await?;
            let Some(member) = rows::member_for_update(sql, user).await? else {
                return Ok(None);
            };
            let changed = match change(member) {
                Err(refused) => return Ok(Some(Err(refused))),
                Ok(changed) => changed,
            };
            match super::config::put(sql, &source, now, &Item::Member(changed.clone())).await? {
                Err(refused) => Ok(Some(Err(E::from(refused)))),
                Ok(_) => Ok(Some(Ok(changed))),
            }
        })
    }

    /// Records a device's push token for the session that registered it; a different
    /// session that held the token is ended (see `accounts::register_device`) and named.
    pub async fn register_device(
        &self,
        token: String,
        user: UserId,
        session: String,
        platform: String,
        now: Timestamp,
    ) -> Result<Option<String>, DbError> {
        in_transaction!(self, |sql| accounts::register_device(
            sql, &token, user, &session, &platform, now
        )
        .await)
    }

    /// A user's push tokens and their platforms.
    pub async fn devices_of(&self, user: UserId) -> Result<Vec<(String, String)>, DbError> {
        in_read!(self, |sql| accounts::devices_of(sql, user).await)
    }

    /// Forgets an account's failures from every address (a correct current password, an
    /// admin's reset).
    pub async fn clear_password_failures(&self, email: String) -> Result<(), DbError> {
        in_transaction!(self, |sql| accounts::clear_failures(sql, &email).await)
    }
}
