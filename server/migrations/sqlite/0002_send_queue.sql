-- The durable send queue: one row per outbound message, written in the same transaction as
-- the reply that queued it, claimed by senders (several instances on PostgreSQL), retried
-- with backoff, finished as sent or failed. `doc` is the job (number, Graph API request).
-- Keep in step with ../postgres/0002_send_queue.sql (a test compares them).
CREATE TABLE send_queue (
    message_id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, phone_number_id TEXT NOT NULL,
    state TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT, last_error TEXT, created_at BIGINT NOT NULL, doc TEXT NOT NULL
);
CREATE INDEX send_queue_due ON send_queue (state, next_attempt_at);
