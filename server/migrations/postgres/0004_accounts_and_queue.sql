-- People sign in, and the queue's views filter in the database.
-- Keep in step with ../sqlite/0004_accounts_and_queue.sql (a test compares them).

-- Credentials live beside (not inside) the workspace's member documents: the domain never
-- sees a password hash. Emails are stored lowercased.
CREATE TABLE accounts (
    user_id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    must_change_password BIGINT NOT NULL, password_changed_at BIGINT NOT NULL
);

-- One row per signed-in device; the bearer token itself is never stored, only its SHA-256.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
    device TEXT NOT NULL, created_at BIGINT NOT NULL, last_used_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed logins of the last minutes, per account and per address (rate limiting).
CREATE TABLE login_failures (id TEXT PRIMARY KEY, email TEXT NOT NULL, address TEXT NOT NULL, at BIGINT NOT NULL);
CREATE INDEX login_failures_by_email ON login_failures (email, at);
CREATE INDEX login_failures_by_address ON login_failures (address, at);

-- Columns the queue's views and filters read (filled from each conversation's document).
ALTER TABLE conversations ADD COLUMN snoozed_until BIGINT;
ALTER TABLE conversations ADD COLUMN awaiting_reply_since BIGINT;
ALTER TABLE conversations ADD COLUMN labels TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN escalation_requested_by TEXT;
ALTER TABLE conversations ADD COLUMN escalation_target_team TEXT;
ALTER TABLE conversations ADD COLUMN escalation_target_person TEXT;
CREATE INDEX conversations_by_status ON conversations (status, assignee);
CREATE INDEX conversations_by_team ON conversations (team_id);
CREATE INDEX conversations_by_inbox ON conversations (inbox_id);
CREATE INDEX conversations_by_assignee ON conversations (assignee);
-- An escalation id names one conversation's escalation (clients choose ids; the domain refuses
-- a reused one, and this makes sure of it).
DROP INDEX conversations_by_escalation;
CREATE UNIQUE INDEX conversations_by_escalation ON conversations (escalation_id);

-- Saved answers, per team or per person.
CREATE TABLE canned_replies (
    id TEXT PRIMARY KEY, scope TEXT NOT NULL, shortcut TEXT NOT NULL, doc TEXT NOT NULL,
    version BIGINT NOT NULL, UNIQUE (scope, shortcut)
);
