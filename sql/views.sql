-- The analytic views of the nasbench schema. Views hold no data, so the
-- library drops and recreates them after creating a database and after every
-- migration: one definition serves new and migrated databases alike.

DROP VIEW IF EXISTS run_metrics;
DROP VIEW IF EXISTS module_stats;

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
