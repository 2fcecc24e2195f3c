-- Runs for the query CLI tests, written straight into a database whose
-- modules come from `nasbench generate --max-vertices 5 --db`: budgets 4
-- and 108, 3 repeats each, made-up values that depend only on (module id,
-- budget, repeat), and diverged runs (accuracy near 0.1) for every module
-- whose id is 7 modulo 50. Not real data.
INSERT INTO sources (kind, file_name, record_count, created_at, program_version)
VALUES ('tfrecord', 'query_fixture.sql', NULL, '2026-01-01T00:00:00Z', 'test');

INSERT INTO runs (module_id, epochs, repeat, total_time, source_id)
SELECT m.id, b.e, r.k, NULL, (SELECT max(id) FROM sources)
FROM modules m,
     (SELECT 4 AS e UNION ALL SELECT 108) b,
     (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) r;

WITH v AS (
  SELECT r.id AS run_id, r.epochs AS e, c.c AS c,
         CASE WHEN r.module_id % 50 = 7 THEN 990 + r.repeat
              ELSE 5000 + (r.module_id * 37 + r.repeat * 101 + r.epochs * 3 + c.c * 500) % 4000
         END AS k,
         r.epochs * 10.0 * c.c / 2 + r.module_id * 0.25 + r.repeat AS t
  FROM runs r, (SELECT 1 AS c UNION ALL SELECT 2) c
)
INSERT INTO evaluations (run_id, checkpoint, current_epoch, training_time, train_accuracy,
                         validation_accuracy, test_accuracy)
SELECT run_id, c, e * c / 2.0, t, min(k + 300, 9984) / 9984.0, k / 9984.0, (k - 20) / 9984.0
FROM v;
