-- Pearson correlation of final validation and test accuracy over the runs
-- of each budget: how far validation accuracy predicts test accuracy.
WITH s AS (
  SELECT r.epochs AS epochs, count(*) AS n,
         avg(e.validation_accuracy) AS mv, avg(e.test_accuracy) AS mt,
         avg(e.validation_accuracy * e.test_accuracy) AS mvt,
         avg(e.validation_accuracy * e.validation_accuracy) AS mvv,
         avg(e.test_accuracy * e.test_accuracy) AS mtt
  FROM runs r JOIN evaluations e ON e.run_id = r.id AND e.checkpoint = 2
  WHERE e.validation_accuracy IS NOT NULL AND e.test_accuracy IS NOT NULL
  GROUP BY r.epochs
)
SELECT epochs, n AS runs,
       round((mvt - mv * mt) / sqrt((mvv - mv * mv) * (mtt - mt * mt)), 4) AS pearson_r
FROM s
ORDER BY epochs;
