-- Best modules at 108 epochs by mean final test accuracy, and where each
-- ranks by mean validation accuracy (the best-test module is usually not
-- the one a validation-driven search finds).
WITH ranked AS (
  SELECT hash, mean_final_validation_accuracy AS v, mean_final_test_accuracy AS t,
         rank() OVER (ORDER BY mean_final_validation_accuracy DESC) AS valid_rank
  FROM module_stats
  WHERE epochs = 108 AND source_kind = 'dataset'
)
SELECT hash, round(t, 6) AS mean_test, round(v, 6) AS mean_valid, valid_rank
FROM ranked
ORDER BY t DESC, hash
LIMIT 10;
