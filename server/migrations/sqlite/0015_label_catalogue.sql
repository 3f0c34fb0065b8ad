-- The label catalogue (issue 18): one row per label a workspace defines — its name, colour,
-- what it is for, whether it is offered — written through the configuration's write path
-- (`store::config`), so every change to it is logged.
-- Keep in step with the other backend's 0015_label_catalogue.sql (a test compares them).
CREATE TABLE labels (id TEXT PRIMARY KEY, doc TEXT NOT NULL, version BIGINT NOT NULL);
