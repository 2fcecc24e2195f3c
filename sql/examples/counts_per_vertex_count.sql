-- Modules and runs per vertex count (the space has 1, 6, 84, 2441, 62010
-- and 359082 modules of 2..7 vertices), with the mean final test accuracy
-- at 108 epochs.
SELECT m.num_vertices,
       count(DISTINCT m.id)                                AS modules,
       count(r.id)                                         AS runs_108,
       round(avg(e.test_accuracy), 6)                      AS mean_test_108
FROM modules m
LEFT JOIN runs r ON r.module_id = m.id AND r.epochs = 108
LEFT JOIN evaluations e ON e.run_id = r.id AND e.checkpoint = 2
GROUP BY m.num_vertices
ORDER BY m.num_vertices;
