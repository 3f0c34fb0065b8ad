-- PostgreSQL only: there versions now come from a sequence (see its 0012_versions_sequence.sql).
-- SQLite has one writer, which takes versions from the counter in `meta` and commits them in
-- order: the committed counter is the commit watermark. Nothing changes here.
SELECT 1;
