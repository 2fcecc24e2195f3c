-- query_cache: a derived, read-optimized copy of what query() reads.
--
-- The normalized tables answer a query through four B-trees (the hash index,
-- modules, the runs index, evaluations), and on a full-size database each
-- cold seek costs 1-3 us of cache misses, and the hash itself is about 30
-- dependent MD5 blocks. This table gives the same answer from one row found
-- by one integer seek on the module's canonical code (nb_spec_canon: equal
-- exactly for isomorphic specs, a few topological orders to walk instead of
-- MD5), or by its hash through a second index. A row is written only when
-- the module's spec hashes to its stored hash, so the code finds exactly
-- the module the hash would. It holds nothing that is not in modules, runs
-- and evaluations, so it is never exported or merged; the library reads it
-- only when the row is there and whole, and falls back to the hash and the
-- normalized tables otherwise (a module outside the search space has no
-- row).
--
-- Like the views, this file is run after creating a database and after
-- every migration, inside the same transaction: it must be idempotent.
--
-- spec: the stored spec (modules.adjacency and operations) in 35 bits: the
-- upper triangle row by row (bits 0-20), the interior ops as label + 1 (2
-- bits each from bit 21), the vertex count (bits 31-34).
-- runs: one entry per run of the module, in (epochs, repeat) order, all
-- little-endian: int32 epochs, uint32 repeat with bit 31 set when the values
-- follow as float32 (each one exactly a float32, as in the dataset), then 8
-- values, float32 or float64: training time, train, validation and test
-- accuracy at the halfway evaluation (checkpoint 1), the same four at the
-- final one (checkpoint 2); NaN where the value is NULL or the evaluation is
-- missing (SQLite stores no NaN, so NaN and NULL cannot be confused).
-- store/query_cache_codec.c reads and writes both.
CREATE TABLE IF NOT EXISTS query_cache (
  canon                INTEGER PRIMARY KEY,    -- nb_spec_canon of the spec
  module_id            INTEGER NOT NULL UNIQUE REFERENCES modules(id),
  hash                 TEXT NOT NULL UNIQUE,
  spec                 INTEGER NOT NULL,       -- the stored spec, packed
  trainable_parameters INTEGER,
  runs                 BLOB NOT NULL
);

-- Modules whose query_cache row is missing or out of date. The triggers below
-- list a module here when anything its row holds changes, and listing it
-- deletes its row at once (readers then use the normalized tables); the
-- library rebuilds the listed rows before each commit of its own, and when a
-- database is opened read-write. So a row written by any program, the
-- sqlite3 shell included, never serves outdated values.
CREATE TABLE IF NOT EXISTS query_cache_stale (
  module_id INTEGER PRIMARY KEY
);

DROP TRIGGER IF EXISTS query_cache_listed;
CREATE TRIGGER query_cache_listed AFTER INSERT ON query_cache_stale BEGIN
  DELETE FROM query_cache WHERE module_id = NEW.module_id;
END;

DROP TRIGGER IF EXISTS query_cache_run_insert;
CREATE TRIGGER query_cache_run_insert AFTER INSERT ON runs BEGIN
  INSERT OR IGNORE INTO query_cache_stale VALUES (NEW.module_id);
END;

DROP TRIGGER IF EXISTS query_cache_run_update;
CREATE TRIGGER query_cache_run_update AFTER UPDATE OF id, module_id, epochs, repeat ON runs BEGIN
  INSERT OR IGNORE INTO query_cache_stale VALUES (OLD.module_id), (NEW.module_id);
END;

DROP TRIGGER IF EXISTS query_cache_run_delete;
CREATE TRIGGER query_cache_run_delete AFTER DELETE ON runs BEGIN
  INSERT OR IGNORE INTO query_cache_stale VALUES (OLD.module_id);
END;

-- The library inserts a run before its evaluations, so the run's trigger
-- has already listed the module (INSERT OR IGNORE then costs one probe).
DROP TRIGGER IF EXISTS query_cache_evaluation_insert;
CREATE TRIGGER query_cache_evaluation_insert AFTER INSERT ON evaluations BEGIN
  INSERT OR IGNORE INTO query_cache_stale SELECT module_id FROM runs WHERE id = NEW.run_id;
END;

DROP TRIGGER IF EXISTS query_cache_evaluation_update;
CREATE TRIGGER query_cache_evaluation_update AFTER UPDATE ON evaluations BEGIN
  INSERT OR IGNORE INTO query_cache_stale
   SELECT module_id FROM runs WHERE id IN (OLD.run_id, NEW.run_id);
END;

DROP TRIGGER IF EXISTS query_cache_evaluation_delete;
CREATE TRIGGER query_cache_evaluation_delete AFTER DELETE ON evaluations BEGIN
  INSERT OR IGNORE INTO query_cache_stale SELECT module_id FROM runs WHERE id = OLD.run_id;
END;

-- A module without runs gets its row too (an empty runs blob): "not
-- trained at this budget" is then answered from the row as well.
DROP TRIGGER IF EXISTS query_cache_module_insert;
CREATE TRIGGER query_cache_module_insert AFTER INSERT ON modules BEGIN
  INSERT OR IGNORE INTO query_cache_stale VALUES (NEW.id);
END;

DROP TRIGGER IF EXISTS query_cache_module_update;
CREATE TRIGGER query_cache_module_update
AFTER UPDATE OF id, hash, adjacency, operations, trainable_parameters ON modules BEGIN
  INSERT OR IGNORE INTO query_cache_stale VALUES (OLD.id), (NEW.id);
END;

DROP TRIGGER IF EXISTS query_cache_module_delete;
CREATE TRIGGER query_cache_module_delete AFTER DELETE ON modules BEGIN
  INSERT OR IGNORE INTO query_cache_stale VALUES (OLD.id);
END;
