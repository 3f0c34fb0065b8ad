-- Every inbound message writes a message and an event, so each index on those tables is paid
-- on the hottest path (issue 13's ingest regression). Two are served by others already: a
-- range of versions of the event log by its primary key (version, seq), and a filter on an
-- inbox by the first column of conversations_by_contact (inbox_id, contact_id, opened_at).
-- Keep in step with the other backend's 0009_fewer_indexes.sql (a test compares them).
DROP INDEX events_by_version_conversation;
DROP INDEX conversations_by_inbox;
