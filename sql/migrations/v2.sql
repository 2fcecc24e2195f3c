-- Migration from schema version 1 to version 2.
-- Version 1 (the first release) had sources, modules, runs and evaluations.
-- Version 2 adds the run fingerprint (filled in by the library right after
-- this script, since it is computed in C), the raw_records table, the SHA-256
-- index of sources; the views come from sql/views.sql.
ALTER TABLE runs ADD COLUMN fingerprint INTEGER NOT NULL DEFAULT 0;

CREATE INDEX sources_sha256 ON sources(sha256) WHERE sha256 IS NOT NULL;

CREATE TABLE raw_records (
  run_id  INTEGER PRIMARY KEY REFERENCES runs(id),
  payload BLOB NOT NULL
);

-- The views run_metrics and module_stats are (re)created from sql/views.sql
-- after every migration.
