-- Pushes to phones through FCM: one row per message to one device, claimed and retried like
-- the send queue. A wake-up (a data message that makes the phone sync) is coalesced: at most
-- one pending per device.
-- Keep in step with the other backend's 0006_pushes.sql (a test compares them).
CREATE TABLE pushes (
    message_id TEXT PRIMARY KEY, token TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL,
    state TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT, last_error TEXT, created_at BIGINT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX pushes_due ON pushes (state, next_attempt_at);
CREATE UNIQUE INDEX pushes_one_wake_per_device ON pushes (token) WHERE kind = 'wake' AND state = 'pending';

-- How far the push dispatcher has read the event log (a single row, id 1).
CREATE TABLE push_cursor (id BIGINT PRIMARY KEY, version BIGINT NOT NULL);

-- People who do not want customers' words on their lock screen.
CREATE TABLE push_settings (user_id TEXT PRIMARY KEY, previews BIGINT NOT NULL);
