-- A phone's pull names the conversations a change since its cursor took from the person (so
-- the phone deletes them), and sends whole the ones that may be new to it, without reading
-- every conversation that changed: each event is marked with what it can do to who sees its
-- conversation (core::domain::access::Sight: 0 nothing, 1 may bring it into sight, 2 may
-- also take it away), and a partial index holds the marked ones by version. Earlier events
-- are marked by the migration's step in Rust (store::migrations::after).
-- Keep in step with the other backend's 0008_sight.sql (a test compares them).
ALTER TABLE events ADD COLUMN sight BIGINT NOT NULL DEFAULT 0;
CREATE INDEX events_moving_sight ON events (version, conversation_id) WHERE sight > 0;
