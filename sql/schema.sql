-- nasbench database schema, version 2 (PRAGMA user_version = 2).
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

-- One row per run with the original API's eight keys: halfway_* from
-- checkpoint 1 (evaluation_data[1]), final_* from checkpoint 2.
-- source_kind tells dataset runs ('tfrecord', 'merge') from trainer runs.
CREATE VIEW run_metrics AS
SELECT r.id                    AS run_id,
       m.hash                  AS hash,
       r.epochs                AS epochs,
       r.repeat                AS repeat,
       s.kind                  AS source_kind,
       r.source_id             AS source_id,
       m.trainable_parameters  AS trainable_parameters,
       r.total_time            AS total_time,
       h.training_time         AS halfway_training_time,
       h.train_accuracy        AS halfway_train_accuracy,
       h.validation_accuracy   AS halfway_validation_accuracy,
       h.test_accuracy         AS halfway_test_accuracy,
       f.training_time         AS final_training_time,
       f.train_accuracy        AS final_train_accuracy,
       f.validation_accuracy   AS final_validation_accuracy,
       f.test_accuracy         AS final_test_accuracy
FROM runs r
JOIN modules m ON m.id = r.module_id
JOIN sources s ON s.id = r.source_id
LEFT JOIN evaluations h ON h.run_id = r.id AND h.checkpoint = 1
LEFT JOIN evaluations f ON f.run_id = r.id AND f.checkpoint = 2;

-- Per module, budget and kind of source: repeats and summary statistics of
-- the final evaluation. Trainer runs are kept apart from dataset runs so that
-- a re-training never silently shifts the published means.
CREATE VIEW module_stats AS
SELECT m.id                                  AS module_id,
       m.hash                                AS hash,
       r.epochs                              AS epochs,
       CASE s.kind WHEN 'trainer' THEN 'trainer' ELSE 'dataset' END AS source_kind,
       count(*)                              AS repeats,
       avg(f.validation_accuracy)            AS mean_final_validation_accuracy,
       min(f.validation_accuracy)            AS min_final_validation_accuracy,
       max(f.validation_accuracy)            AS max_final_validation_accuracy,
       avg(f.test_accuracy)                  AS mean_final_test_accuracy,
       min(f.test_accuracy)                  AS min_final_test_accuracy,
       max(f.test_accuracy)                  AS max_final_test_accuracy,
       avg(f.training_time)                  AS mean_final_training_time,
       m.trainable_parameters                AS trainable_parameters,
       m.num_vertices                        AS num_vertices
FROM runs r
JOIN modules m ON m.id = r.module_id
JOIN sources s ON s.id = r.source_id
LEFT JOIN evaluations f ON f.run_id = r.id AND f.checkpoint = 2
GROUP BY m.id, r.epochs, CASE s.kind WHEN 'trainer' THEN 'trainer' ELSE 'dataset' END;

PRAGMA user_version = 2;
