-- nasbench database schema, version 1 (PRAGMA user_version = 1).
-- Values are stored exactly as in the original files: accuracies as
-- fractions, times in seconds, raw parameter counts. A field absent from the
-- original protobuf is NULL, never 0.

CREATE TABLE sources (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('tfrecord', 'trainer', 'merge', 'generate')),
  file_name       TEXT,
  sha256          TEXT,              -- of the input file (tfrecord), NULL otherwise
  record_count    INTEGER,
  created_at      TEXT NOT NULL,     -- ISO 8601 UTC
  program_version TEXT NOT NULL,
  config          TEXT               -- JSON: trainer configuration, merge inputs, ...
);

CREATE TABLE modules (
  id                   INTEGER PRIMARY KEY,
  hash                 TEXT NOT NULL UNIQUE,   -- 32 lowercase hex
  adjacency            TEXT NOT NULL,          -- row-major bit string, as in the files
  operations           TEXT NOT NULL,          -- comma-separated op names, as in the files
  num_vertices         INTEGER NOT NULL,
  num_edges            INTEGER NOT NULL,
  trainable_parameters INTEGER
);

CREATE TABLE runs (
  id         INTEGER PRIMARY KEY,
  module_id  INTEGER NOT NULL REFERENCES modules(id),
  epochs     INTEGER NOT NULL,                -- the budget
  repeat     INTEGER NOT NULL,                -- 0-based, order met for (module, epochs)
  total_time REAL,
  source_id  INTEGER NOT NULL REFERENCES sources(id),
  UNIQUE (module_id, epochs, repeat)
);

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
