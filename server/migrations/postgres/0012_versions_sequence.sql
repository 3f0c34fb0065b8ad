-- Versions come from a sequence instead of the counter row in `meta`, which every writer had
-- to lock (one writer at a time across all instances). Writers take their transaction id,
-- then nextval; readers follow the commit watermark (server/src/store/watermark.rs, ADR 0009).
-- CACHE 1: every nextval updates the sequence, so its last value is the newest handed out.
-- The `meta` row keeps the value it had here and is no longer written on PostgreSQL.
-- PostgreSQL only: SQLite's one writer keeps its counter (see its 0012_versions_sequence.sql).
CREATE SEQUENCE versions AS BIGINT MINVALUE 0 START WITH 0 CACHE 1;
SELECT setval('versions', (SELECT value FROM meta WHERE key = 'version'), true);
