-- Analytic views on top of run_metrics and module_stats. They are TEMP
-- views, so they work on a database opened read-only and leave the file
-- untouched: load them into a session with
--   sqlite3 nb101.db
--   sqlite> .read sql/views_analytics.sql

-- One row per run with the module's shape and a diverged flag (final test
-- accuracy below 0.15, i.e. near chance on CIFAR-10).
CREATE TEMP VIEW IF NOT EXISTS run_summary AS
SELECT rm.run_id, rm.hash, rm.epochs, rm.repeat, rm.source_kind,
       m.num_vertices, m.num_edges, m.trainable_parameters,
       rm.final_training_time, rm.final_train_accuracy,
       rm.final_validation_accuracy, rm.final_test_accuracy,
       rm.final_test_accuracy < 0.15 AS diverged
FROM run_metrics rm JOIN modules m ON m.hash = rm.hash;

-- Dataset modules ranked within each budget by mean final validation
-- accuracy (rank 1 = best) and by mean final test accuracy.
CREATE TEMP VIEW IF NOT EXISTS module_ranks AS
SELECT hash, epochs, repeats, num_vertices, trainable_parameters,
       mean_final_validation_accuracy, mean_final_test_accuracy,
       rank() OVER (PARTITION BY epochs ORDER BY mean_final_validation_accuracy DESC) AS validation_rank,
       rank() OVER (PARTITION BY epochs ORDER BY mean_final_test_accuracy DESC) AS test_rank
FROM module_stats
WHERE source_kind = 'dataset';

-- Per budget: how many runs, how many diverged, and the spread between the
-- repeats of a module (max - min final validation accuracy), averaged.
CREATE TEMP VIEW IF NOT EXISTS budget_summary AS
SELECT ms.epochs,
       sum(ms.repeats) AS runs,
       count(*) AS modules,
       (SELECT count(*) FROM run_summary rs WHERE rs.epochs = ms.epochs AND rs.diverged) AS diverged_runs,
       avg(ms.max_final_validation_accuracy - ms.min_final_validation_accuracy) AS mean_repeat_spread,
       max(ms.mean_final_validation_accuracy) AS best_mean_validation,
       max(ms.mean_final_test_accuracy) AS best_mean_test
FROM module_stats ms
WHERE ms.source_kind = 'dataset'
GROUP BY ms.epochs;
