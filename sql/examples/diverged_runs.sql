-- Runs that diverged: final test accuracy near chance (10% on CIFAR-10).
-- They are real data, not errors: filter them, don't average them in.
SELECT rm.hash, rm.epochs, rm.repeat,
       round(rm.final_train_accuracy, 6)      AS final_train,
       round(rm.final_validation_accuracy, 6) AS final_valid,
       round(rm.final_test_accuracy, 6)       AS final_test
FROM run_metrics rm
WHERE rm.final_test_accuracy < 0.15
ORDER BY rm.epochs, rm.final_test_accuracy, rm.hash, rm.repeat;
