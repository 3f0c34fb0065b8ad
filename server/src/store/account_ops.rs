//! The store's doors for accounts and sessions: each call one transaction (or one read) over
//! `accounts.rs`'s statements.

use relaydesk_core::domain::{Member, Timestamp, UserId};

use super::accounts::{self, Account, AccountConflict, Session};
use super::postgres::PgSql;
use super::rows;
use super::sql::DbError;
use super::sqlite::run_ready;
use super::{Backend, Store};

impl Store {
    /// Creates a member with their account, unless the email or handle is taken.
    pub async fn create_account(
        &self,
        member: Member,
        account: Account,
        now: Timestamp,
    ) -> Result<Result<(), AccountConflict>, DbError> {
        in_transaction!(self, |sql| {
            rows::lock_versions(sql).await?;
            accounts::create(sql, &member, &account, now).await
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

    /// Records a new session; the login's failures are forgotten.
    pub async fn create_session(
        &self,
        session: Session,
        token_hash: String,
        email: String,
    ) -> Result<(), DbError> {
        in_transaction!(self, |sql| {
            accounts::create_session(sql, &session, &token_hash).await?;
            accounts::clear_failures(sql, &email).await
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

    /// Failed logins since `since`: (for this email, from this address), and the oldest of
    /// them.
    pub async fn recent_login_failures(
        &self,
        email: String,
        address: String,
        since: Timestamp,
    ) -> Result<(i64, i64, Option<Timestamp>), DbError> {
        in_read!(self, |sql| {
            let (by_email, by_address) =
                accounts::recent_failures(sql, &email, &address, since).await?;
            let oldest = accounts::oldest_failure(sql, &email, &address, since).await?;
            Ok((by_email, by_address, oldest))
        })
    }

    pub async fn record_login_failure(
        &self,
        email: String,
        address: String,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<(), DbError> {
        in_transaction!(self, |sql| accounts::record_failure(
            sql,
            &email,
            &address,
            now,
            forget_before
        )
        .await)
    }
}
