-- The configuration log (issue 18): every change to a configuration row — members, teams,
-- inboxes, templates, canned replies, automations — with who made it, through which door, in
-- which session, when, and the row before and after (`store::config`).
-- Keep in step with the other backend's 0014_config_log.sql (a test compares them).

-- One entry per change of one row. `revision` counts the row's own changes (taken under the
-- row's kind lock, so it follows the order they committed in); `version` is the change's
-- version (what a phone's workspace copy is checked against); `before` and `after` are the
-- row's documents (`after` empty: the row was deleted, and this entry is its tombstone).
-- `actor` names who as the timeline does; `actor_member` is a member's id, for filtering.
-- `baseline` marks the entries this migration writes for the rows it finds, with a `note`
-- saying what came before cannot be known.
CREATE TABLE config_log (
    kind TEXT NOT NULL, item TEXT NOT NULL, revision BIGINT NOT NULL,
    version BIGINT NOT NULL, at BIGINT NOT NULL,
    actor TEXT NOT NULL, actor_member TEXT, door TEXT NOT NULL, session_id TEXT,
    before TEXT, after TEXT, baseline BIGINT NOT NULL DEFAULT 0, note TEXT,
    PRIMARY KEY (kind, item, revision)
);
CREATE INDEX config_log_at ON config_log (at, version);
CREATE INDEX config_log_version ON config_log (version);
CREATE INDEX config_log_actor ON config_log (actor_member, at) WHERE actor_member IS NOT NULL;

-- A deleted canned reply was told to phones by `meta.workspace_deleted`; the log's tombstones
-- tell it now (the migration's Rust step turns that key into one tombstone and removes it).

-- Changes with every configuration change, at random: the workspace is cached under it.
INSERT INTO meta (key, value) VALUES ('config_stamp', 0);
