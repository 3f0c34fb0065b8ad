-- The automations set up in the workspace (rules, bots): part of the workspace every decision
-- reads, versioned like its other rows so phones' copies follow. The system is never stored.
-- Keep in step with the other backend's 0010_automations.sql (a test compares them).
CREATE TABLE automations (id TEXT PRIMARY KEY, doc TEXT NOT NULL, version BIGINT NOT NULL);
