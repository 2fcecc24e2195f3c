-- Final test accuracy at 108 epochs against model size: buckets of
-- trainable parameters on a log2 scale (bucket k holds 2^k .. 2^(k+1) - 1).
SELECT CAST(log2(m.trainable_parameters) AS INTEGER)         AS log2_params,
       min(m.trainable_parameters)                            AS min_params,
       max(m.trainable_parameters)                            AS max_params,
       count(*)                                               AS runs,
       round(avg(e.test_accuracy), 6)                         AS mean_test,
       round(max(e.test_accuracy), 6)                         AS best_test
FROM runs r
JOIN modules m ON m.id = r.module_id
JOIN evaluations e ON e.run_id = r.id AND e.checkpoint = 2
WHERE r.epochs = 108 AND m.trainable_parameters > 0
GROUP BY log2_params
ORDER BY log2_params;
