-- A timeline is ordered by when things happened, not by when they reached us (WhatsApp
-- delivers out of order). `placed_at` is the time an event sorts at, in epoch milliseconds: a
-- customer's message at its WhatsApp timestamp, a conversation's opening before everything
-- (the smallest BIGINT), anything else when it was recorded. Earlier events are filled in by
-- the migration's step in Rust (store::migrations::after). The index serves timeline pages
-- (keyset on placed_at, version, seq) and, by its first column, a conversation's events.
-- Keep in step with the other backend's 0007_timeline_order.sql (a test compares them).
ALTER TABLE events ADD COLUMN placed_at BIGINT NOT NULL DEFAULT 0;
UPDATE events SET placed_at = at;
DROP INDEX events_by_conversation;
CREATE INDEX events_on_timeline ON events (conversation_id, placed_at, version, seq);
