-- How often each op appears among the top 1% of modules by mean validation
-- accuracy at 108 epochs, against all modules with 108-epoch runs: the ops
-- good cells prefer. Ops are counted in the stored comma-separated list.
WITH ranked AS (
  SELECT module_id, percent_rank() OVER (ORDER BY mean_final_validation_accuracy DESC) AS pr
  FROM module_stats WHERE epochs = 108 AND source_kind = 'dataset'
),
ops(op) AS (VALUES ('conv3x3-bn-relu'), ('conv1x1-bn-relu'), ('maxpool3x3')),
counted AS (
  SELECT o.op, r.pr <= 0.01 AS top,
         (length(m.operations) - length(replace(m.operations, o.op, ''))) / length(o.op) AS n
  FROM ranked r JOIN modules m ON m.id = r.module_id CROSS JOIN ops o
)
SELECT op,
       round(sum(CASE WHEN top THEN n END) * 1.0 / sum(CASE WHEN top THEN 1 END), 4) AS per_module_top1pct,
       round(sum(n) * 1.0 / count(*), 4)                                            AS per_module_all
FROM counted
GROUP BY op
ORDER BY op;
