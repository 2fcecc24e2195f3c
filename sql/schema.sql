-- nasbench database schema, version 3 (PRAGMA user_version = 3).
--
-- This file creates a new database. An older database is brought forward by
-- the scripts in sql/migrations/ (vN.sql: from N-1 to N, applied in order); both are
-- embedded into the library at build time. Keep them in step: a database
-- migrated from version 1 must end up with the same tables, columns, indexes
-- and views as one created here (tests/test_db_migrate.c checks it).
--
-- Values are stored exactly as in the original files: accuracies as
-- fractions, times in seconds, raw parameter counts. A field absent from the
-- original protobuf is NULL, never 0. No unit is ever converted.

-- Provenance: one row per converted file, trainer campaign, merge, generate.
CREATE TABLE sources (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('tfrecord', 'trainer', 'merge', 'generate')),
  file_name       TEXT,
  sha256          TEXT,              -- of the input file (tfrecord), NULL otherwise
  record_count    INTEGER,           -- records read from the file (skipped ones included)
  created_at      TEXT NOT NULL,     -- ISO 8601 UTC
  program_version TEXT NOT NULL,
  config          TEXT               -- JSON: trainer configuration, merge inputs, convert report
);
-- Idempotent conversion looks a file up by its SHA-256.
CREATE INDEX sources_sha256 ON sources(sha256) WHERE sha256 IS NOT NULL;

-- One row per unique module (the canonical representative of the files).
-- id is a small integer so that runs reference 8 bytes, not a 32-char hash.
CREATE TABLE modules (
  id                   INTEGER PRIMARY KEY,
  hash                 TEXT NOT NULL UNIQUE,   -- 32 lowercase hex
  adjacency            TEXT NOT NULL,          -- row-major bit string, as in the files
  operations           TEXT NOT NULL,          -- comma-separated op names, as in the files
  num_vertices         INTEGER NOT NULL,
  num_edges            INTEGER NOT NULL,
  trainable_parameters INTEGER
);

-- One row per training run. Runs of one source are inserted in file order, so
-- ORDER BY id is the record order (export relies on it).
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  module_id   INTEGER NOT NULL REFERENCES modules(id),
  epochs      INTEGER NOT NULL,                -- the budget
  repeat      INTEGER NOT NULL,                -- 0-based, order met for (module, epochs)
  total_time  REAL,
  source_id   INTEGER NOT NULL REFERENCES sources(id),
  -- 64-bit FNV-1a of the run's values (budget, total_time, every evaluation
  -- field with its presence): a cheap first test of "same run" when a file
  -- is converted into a database that already holds runs (docs/store.md).
  fingerprint INTEGER NOT NULL DEFAULT 0,
  UNIQUE (module_id, epochs, repeat)
);

-- One row per evaluation of a run. WITHOUT ROWID: the primary key is the
-- storage order, so the 3 rows of a run sit together and no second index
-- is needed (this table holds 15 million rows for the full dataset).
CREATE TABLE evaluations (
  run_id              INTEGER NOT NULL REFERENCES runs(id),
  checkpoint          INTEGER NOT NULL,       -- 0 step 0, 1 halfway, 2 final
  current_epoch       REAL,
  training_time       REAL,
  train_accuracy      REAL,
  validation_accuracy REAL,
  test_accuracy       REAL,
  checkpoint_path     TEXT,
  PRIMARY KEY (run_id, checkpoint)
) WITHOUT ROWID;

-- The original payload of the rare record that the exporter would not
-- rebuild byte for byte from the normalized rows (JSON laid out differently,
-- protobuf fields out of order or unknown, a parameter count that differs
-- from the module's). Export writes this payload verbatim.
CREATE TABLE raw_records (
  run_id  INTEGER PRIMARY KEY REFERENCES runs(id),
  payload BLOB NOT NULL
);

-- The views run_metrics and module_stats live in sql/views.sql, and the
-- derived query_cache table with its triggers in sql/query_cache.sql: the
-- library runs both files after creating or migrating a database, so they are
-- defined once.

PRAGMA user_version = 3;
