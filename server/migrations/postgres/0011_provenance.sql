-- Where each event came from besides who did it (`doc.by`): the door (rest, web, sync, cli,
-- webhook, send_queue, internal) and the signed-in session, if any. Events from before this
-- migration came from an unrecorded door (''). Keep in step with the other backend's
-- 0011_provenance.sql (a test compares them).
ALTER TABLE events ADD COLUMN door TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN session_id TEXT;
