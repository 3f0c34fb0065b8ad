-- Every inbound message writes a message and an event, so each index on those tables is paid
-- on the hottest path (issue 13's ingest regression: measured beside 2b5e00a, the index on
-- messages (conversation_id, version) alone cost a tenth of batch throughput). Three go:
-- a range of versions of the event log is served by its primary key (version, seq); a filter
-- on an inbox by the first column of conversations_by_contact (inbox_id, contact_id,
-- opened_at); a pull's changed messages of a conversation by messages_by_conversation
-- (conversation_id, at), reading the conversation's messages and keeping the changed ones.
-- Keep in step with the other backend's 0009_fewer_indexes.sql (a test compares them).
DROP INDEX events_by_version_conversation;
DROP INDEX conversations_by_inbox;
DROP INDEX messages_by_conversation_version;
