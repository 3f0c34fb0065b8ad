-- Followers and durable timers (ADR 0010).
-- Keep in step with the other backend's 0013_followers_and_timers.sql (a test compares them).

-- One row per follower of the event log: how far it has read (every version up to `version`
-- has had its effects written, in the transaction that moved it). The push dispatcher was the
-- first; its cursor moves here under the name 'pushes'.
CREATE TABLE followers (name TEXT PRIMARY KEY, version BIGINT NOT NULL);
INSERT INTO followers (name, version) SELECT 'pushes', version FROM push_cursor WHERE id = 1;
DROP TABLE push_cursor;

-- Due work: one row per episode of a timer. `purpose` and `subject` say what it is for (a
-- snooze ending, of one conversation); `episode` is the version of the change that armed it,
-- so one episode fires at most once and re-arming after a change is a new row. `state` is
-- 'armed', then 'fired' or 'dropped' (it no longer applied when due); `doc` is the timer as
-- the domain writes it.
CREATE TABLE timers (
    purpose TEXT NOT NULL, subject TEXT NOT NULL, episode BIGINT NOT NULL,
    due_at BIGINT NOT NULL, state TEXT NOT NULL, armed_at BIGINT NOT NULL,
    settled_at BIGINT, outcome TEXT, doc TEXT NOT NULL,
    PRIMARY KEY (purpose, subject, episode)
);
CREATE INDEX timers_due ON timers (due_at) WHERE state = 'armed';
