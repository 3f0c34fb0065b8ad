-- Phone sync: each installed client's last consumed mutation, and the outcome of each one (so
-- a push repeated after a lost answer gets the first answer again).
-- Keep in step with ../postgres/0005_sync.sql (a test compares them).
CREATE TABLE sync_clients (
    client_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, last_mutation_id BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE sync_mutations (
    client_id TEXT NOT NULL, mutation_id BIGINT NOT NULL, outcome TEXT NOT NULL,
    PRIMARY KEY (client_id, mutation_id)
);
CREATE INDEX events_by_version_conversation ON events (version, conversation_id);
CREATE INDEX messages_by_conversation_version ON messages (conversation_id, version);
CREATE INDEX notes_by_conversation_version ON notes (conversation_id, version);

-- Push tokens of signed-in devices (FCM/APNs), each tied to the session that registered it:
-- signing out of that device forgets its token.
CREATE TABLE devices (
    token TEXT PRIMARY KEY, user_id TEXT NOT NULL, session_id TEXT NOT NULL, platform TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX devices_by_user ON devices (user_id);
CREATE INDEX devices_by_session ON devices (session_id);
