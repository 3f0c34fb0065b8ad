-- Inbound media to fetch from WhatsApp into the blob store (data directory `media/`): one row
-- per media message, written with the message, claimed by the fetcher, retried with backoff.
-- Keep in step with ../sqlite/0003_media.sql (a test compares them).
CREATE TABLE media (
    message_id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, whatsapp_media_id TEXT NOT NULL,
    kind TEXT NOT NULL, state TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT, mime_type TEXT, size BIGINT, last_error TEXT, doc TEXT NOT NULL
);
CREATE INDEX media_due ON media (state, next_attempt_at);
