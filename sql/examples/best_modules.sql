-- Best modules at 108 epochs by mean final validation accuracy (what a
-- search would pick), with their mean test accuracy (what it would get).
-- Only dataset runs: trainer runs of this project are ranked separately.
SELECT hash,
       repeats,
       round(mean_final_validation_accuracy, 6) AS mean_valid,
       round(mean_final_test_accuracy, 6)       AS mean_test,
       trainable_parameters,
       num_vertices
FROM module_stats
WHERE epochs = 108 AND source_kind = 'dataset'
ORDER BY mean_final_validation_accuracy DESC, hash
LIMIT 10;
