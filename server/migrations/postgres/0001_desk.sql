-- The desk: workspace, contacts, conversations, messages, notes, the event log, and every
-- webhook payload as received. Entities are JSON documents (`doc`, the domain's serde form)
-- beside the columns queries filter on. Times are epoch milliseconds; ids are UUID text.
-- Keep in step with ../sqlite/0001_desk.sql (a test compares them).
CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta (key, value) VALUES ('version', 0);

CREATE TABLE teams (id TEXT PRIMARY KEY, doc TEXT NOT NULL, version BIGINT NOT NULL);
CREATE TABLE members (id TEXT PRIMARY KEY, handle TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, version BIGINT NOT NULL);
CREATE TABLE inboxes (id TEXT PRIMARY KEY, phone_number_id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, version BIGINT NOT NULL);
CREATE TABLE templates (
    id TEXT PRIMARY KEY, waba_id TEXT NOT NULL, name TEXT NOT NULL, language TEXT NOT NULL,
    doc TEXT NOT NULL, version BIGINT NOT NULL, UNIQUE (waba_id, name, language)
);

CREATE TABLE contacts (id TEXT PRIMARY KEY, phone TEXT UNIQUE, bsuid TEXT UNIQUE, doc TEXT NOT NULL, version BIGINT NOT NULL);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY, inbox_id TEXT NOT NULL, contact_id TEXT NOT NULL, status TEXT NOT NULL,
    assignee TEXT, team_id TEXT, priority TEXT NOT NULL, last_inbound_at BIGINT, escalation_id TEXT,
    opened_at BIGINT NOT NULL, doc TEXT NOT NULL, version BIGINT NOT NULL
);
CREATE INDEX conversations_by_contact ON conversations (inbox_id, contact_id, opened_at);
CREATE INDEX conversations_by_escalation ON conversations (escalation_id);
CREATE INDEX conversations_by_version ON conversations (version);

CREATE TABLE messages (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, wamid TEXT UNIQUE, at BIGINT NOT NULL,
    doc TEXT NOT NULL, version BIGINT NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, at);

CREATE TABLE notes (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, doc TEXT NOT NULL, version BIGINT NOT NULL);

CREATE TABLE events (
    version BIGINT NOT NULL, seq BIGINT NOT NULL, conversation_id TEXT, at BIGINT NOT NULL,
    doc TEXT NOT NULL, PRIMARY KEY (version, seq)
);
CREATE INDEX events_by_conversation ON events (conversation_id, version);

CREATE TABLE webhook_payloads (
    id TEXT PRIMARY KEY, received_at BIGINT NOT NULL, state TEXT NOT NULL, reason TEXT,
    body BYTEA NOT NULL
);
