/* The store handle and the write path (nasbench/db.h). */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nb_test.h"

static nb_db *fresh(const char *name)
{
    const char *path = nb_test_tmp(name);
    unlink(path);
    nb_db *db = NULL;
    assert_int_equal(nb_db_open(path, NB_OPEN_CREATE, &db), NB_OK);
    return db;
}

static void test_open_modes(void **state)
{
    (void)state;
    const char *path = nb_test_tmp("modes.db");
    unlink(path);
    nb_db *db = NULL;
    /* read-only and read-write need an existing file */
    assert_int_equal(nb_db_open(path, NB_OPEN_READONLY, &db), NB_EIO);
    assert_null(db);
    assert_int_equal(nb_db_open(path, NB_OPEN_READWRITE, &db), NB_EIO);
    assert_int_equal(nb_db_open(path, NB_OPEN_CREATE, &db), NB_OK);
    assert_int_equal(nb_test_count(db, "PRAGMA user_version"), nb_db_schema_version());
    assert_int_equal(nb_db_close(db), NB_OK);
    assert_int_equal(nb_db_open(path, NB_OPEN_READONLY, &db), NB_OK);
    /* writes fail on a read-only handle */
    nb_source src = {.kind = "trainer", .record_count = -1};
    assert_int_equal(nb_db_add_source(db, &src, NULL), NB_EDB);
    nb_db_close(db);
    assert_int_equal(nb_db_close(NULL), NB_OK);
}

static void test_not_a_nasbench_db(void **state)
{
    (void)state;
    const char *path = nb_test_tmp("foreign.db");
    unlink(path);
    sqlite3 *c;
    assert_int_equal(sqlite3_open(path, &c), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, "CREATE TABLE t(x)", 0, 0, 0), SQLITE_OK);
    sqlite3_close(c);
    nb_db *db = NULL;
    assert_int_equal(nb_db_open(path, NB_OPEN_CREATE, &db), NB_EDB);
    assert_non_null(strstr(nb_errmsg(), "not a nasbench database"));

    FILE *f = fopen(path, "wb");
    fputs("this is not sqlite at all, just text that is long enough to be a header....", f);
    fclose(f);
    assert_int_not_equal(nb_db_open(path, NB_OPEN_READWRITE, &db), NB_OK);
    assert_null(db);

    /* a newer schema is refused */
    unlink(path);
    assert_int_equal(sqlite3_open(path, &c), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, "CREATE TABLE t(x); PRAGMA user_version = 99", 0, 0, 0),
                     SQLITE_OK);
    sqlite3_close(c);
    assert_int_equal(nb_db_open(path, NB_OPEN_READWRITE, &db), NB_EDB);
    assert_non_null(strstr(nb_errmsg(), "newer"));
}

static void test_stmt_cache(void **state)
{
    (void)state;
    nb_db *db = fresh("cache.db");
    sqlite3_stmt *a, *b;
    assert_int_equal(nb_db_stmt(db, "SELECT ?1 + 1", &a), NB_OK);
    sqlite3_bind_int(a, 1, 41);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(a, 0), 42);
    /* same text: same statement, reset with bindings cleared */
    assert_int_equal(nb_db_stmt(db, "SELECT ?1 + 1", &b), NB_OK);
    assert_ptr_equal(a, b);
    assert_int_equal(sqlite3_step(b), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
    assert_int_equal(nb_db_stmt(db, "SELECT no_such_column FROM modules", &a), NB_EDB);
    assert_non_null(strstr(nb_errmsg(), "no_such_column"));
    nb_db_close(db);
}

static const nb_evaluation EVALS[3] = {
    {NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME, 0.0, 0.0, 0, 0, 0, NULL},
    {NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME | NB_EVAL_TRAIN_ACCURACY |
         NB_EVAL_VALIDATION_ACCURACY | NB_EVAL_TEST_ACCURACY,
     54.0, 883.4580078125, 0.8282251358032227, 0.7776442170143127, 0.7740384340286255, NULL},
    {0x3f, 108.0, 1769.1279296875, 1.0, 0.9241786599159241, 0.9211738705635071, ""},
};

static void test_write_path(void **state)
{
    (void)state;
    nb_db *db = fresh("write.db");
    int64_t src, mod, mod2, run, run2;
    nb_source s = {.kind = "tfrecord", .file_name = "x.tfrecord", .record_count = 3};
    assert_int_equal(nb_db_begin(db), NB_OK);
    assert_int_equal(nb_db_add_source(db, &s, &src), NB_OK);
    assert_int_equal(nb_db_add_module(db, "00005c142e6f48ac74fdcf73e3439874", "0100", "input,output",
                                      2, 1, -1, &mod), NB_OK);
    /* the stored module wins */
    assert_int_equal(nb_db_add_module(db, "00005c142e6f48ac74fdcf73e3439874", "x", "y", 9, 9, 5,
                                      &mod2), NB_OK);
    assert_int_equal(mod, mod2);
    nb_run r = {.module_id = mod, .source_id = src, .epochs = 108, .repeat = -1,
                .has_trainable_parameters = 1, .trainable_parameters = 8555530,
                .num_evaluations = 3, .evaluations = EVALS};
    assert_int_equal(nb_db_add_run(db, &r, &run), NB_OK);
    assert_int_equal(nb_db_add_run(db, &r, &run2), NB_OK);
    r.epochs = 4;
    assert_int_equal(nb_db_add_run(db, &r, NULL), NB_OK);
    assert_int_equal(nb_db_commit(db), NB_OK);

    assert_int_equal(nb_test_count(db, "SELECT trainable_parameters FROM modules"), 8555530);
    assert_int_equal(nb_test_count(db, "SELECT group_concat(x, ' ') = "
                               "'0@108 1@108 0@4' FROM (SELECT repeat || '@' || epochs AS x FROM runs ORDER BY id)"), 1);
    /* absent fields are NULL, never 0 */
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM evaluations WHERE checkpoint = 0 AND "
                               "train_accuracy IS NULL AND current_epoch = 0.0 AND "
                               "checkpoint_path IS NULL"), 3);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM runs WHERE total_time IS NULL"), 3);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM evaluations WHERE checkpoint_path = ''"), 3);
    /* doubles come back bit for bit */
    sqlite3_stmt *st;
    assert_int_equal(nb_db_stmt(db, "SELECT final_validation_accuracy, halfway_training_time, "
                                    "source_kind FROM run_metrics WHERE run_id = ?1", &st), NB_OK);
    sqlite3_bind_int64(st, 1, run2);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_true(sqlite3_column_double(st, 0) == 0.9241786599159241);
    assert_true(sqlite3_column_double(st, 1) == 883.4580078125);
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "tfrecord");
    sqlite3_reset(st);
    assert_int_equal(nb_test_count(db, "SELECT repeats FROM module_stats WHERE epochs = 108"), 2);

    /* an explicit repeat that exists is refused, and nothing is left behind */
    r.epochs = 108;
    r.repeat = 1;
    assert_int_equal(nb_db_add_run(db, &r, NULL), NB_EDB);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM runs"), 3);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM evaluations"), 9);
    /* outside a transaction add_run is its own transaction */
    r.repeat = -1;
    assert_int_equal(nb_db_add_run(db, &r, NULL), NB_OK);
    assert_int_equal(nb_test_count(db, "SELECT max(repeat) FROM runs WHERE epochs = 108"), 2);
    nb_db_close(db);
}

static void test_find_run(void **state)
{
    (void)state;
    nb_db *db = fresh("find.db");
    int64_t s1, s2, mod, run, found;
    nb_source s = {.kind = "tfrecord", .record_count = -1};
    assert_int_equal(nb_db_add_source(db, &s, &s1), NB_OK);
    assert_int_equal(nb_db_add_source(db, &s, &s2), NB_OK);
    assert_int_equal(nb_db_add_module(db, "28cfc7874f6d200472e1a9dcd8650aa0", "0100",
                                      "input,output", 2, 1, 10, &mod), NB_OK);
    nb_evaluation ev[3];
    memcpy(ev, EVALS, sizeof ev);
    nb_run r = {.module_id = mod, .source_id = s1, .epochs = 108, .repeat = -1,
                .num_evaluations = 3, .evaluations = ev};
    assert_int_equal(nb_db_add_run(db, &r, &run), NB_OK);
    /* same source: not "another" run */
    assert_int_equal(nb_db_find_run(db, &r, &found), NB_OK);
    assert_int_equal(found, 0);
    r.source_id = s2;
    assert_int_equal(nb_db_find_run(db, &r, &found), NB_OK);
    assert_int_equal(found, run);
    /* one bit of one value differs: a different run */
    ev[2].test_accuracy = nextafter(ev[2].test_accuracy, 2.0);
    assert_int_equal(nb_db_find_run(db, &r, &found), NB_OK);
    assert_int_equal(found, 0);
    ev[2].test_accuracy = EVALS[2].test_accuracy;
    /* presence matters: 0.0 present is not absent */
    ev[0].present |= NB_EVAL_TEST_ACCURACY;
    assert_int_equal(nb_db_find_run(db, &r, &found), NB_OK);
    assert_int_equal(found, 0);
    ev[0].present = EVALS[0].present;
    r.epochs = 36;
    assert_int_equal(nb_db_find_run(db, &r, &found), NB_OK);
    assert_int_equal(found, 0);
    nb_db_close(db);
}

static void test_transactions(void **state)
{
    (void)state;
    nb_db *db = fresh("tx.db");
    assert_int_equal(nb_db_rollback(db), NB_OK); /* none open: no-op */
    nb_source s = {.kind = "generate", .record_count = -1};
    assert_int_equal(nb_db_begin(db), NB_OK);
    assert_int_equal(nb_db_add_source(db, &s, NULL), NB_OK);
    assert_int_equal(nb_db_rollback(db), NB_OK);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM sources"), 0);
    /* a second writer waits, then gives up while we hold the lock */
    assert_int_equal(nb_db_begin(db), NB_OK);
    nb_db *other = NULL;
    assert_int_equal(nb_db_open(nb_test_tmp("tx.db"), NB_OPEN_READWRITE, &other), NB_OK);
    sqlite3_busy_timeout(nb_db_sqlite(other), 10);
    assert_int_equal(nb_db_begin(other), NB_EDB);
    assert_int_equal(nb_db_commit(db), NB_OK);
    assert_int_equal(nb_db_begin(other), NB_OK);
    assert_int_equal(nb_db_commit(other), NB_OK);
    nb_db_close(other);
    assert_int_equal(nb_db_bulk(db, 1), NB_OK);
    assert_int_equal(nb_test_count(db, "PRAGMA synchronous"), 0);
    assert_int_equal(nb_db_bulk(db, 0), NB_OK);
    assert_int_equal(nb_test_count(db, "PRAGMA synchronous"), 2);
    nb_db_close(db);
}


/* Every row of runs and evaluations as text (ids, repeats, NULLs). */
static char *dump(nb_db *db)
{
    return nb_test_rows_text(db,
        "SELECT r.id, r.module_id, r.epochs, r.repeat, quote(r.total_time), r.source_id,"
        " r.fingerprint, e.checkpoint, quote(e.current_epoch), quote(e.test_accuracy),"
        " quote(e.checkpoint_path) FROM runs r LEFT JOIN evaluations e ON e.run_id = r.id"
        " ORDER BY r.id, e.checkpoint");
}

/* Fill a database with 2 old modules with runs, then add 3 new modules and
 * 45 runs (batches of 16 and a remainder; 0, 1, 3 and 5 evaluations;
 * automatic and explicit repeats; modules coming back; more budgets than
 * the cache holds) one by one or all at once. */
static char *fill(const char *name, int batched)
{
    nb_db *db = fresh(name);
    nb_evaluation ev[5];
    for (int i = 0; i < 5; i++)
        ev[i] = (nb_evaluation){0x1f, i, 2.0 * i, 0.25, 0.5, 0.125 * i, NULL};
    ev[1].present |= NB_EVAL_CHECKPOINT_PATH;
    ev[1].checkpoint_path = "ckpt";
    int64_t src, mods[5];
    nb_source s = {.kind = "trainer", .record_count = -1};
    assert_int_equal(nb_db_add_source(db, &s, &src), NB_OK);
    char hash[33];
    for (int m = 0; m < 2; m++) {
        snprintf(hash, sizeof hash, "%032d", m);
        assert_int_equal(nb_db_add_module(db, hash, "0100", "input,output", 2, 1, -1, &mods[m]),
                         NB_OK);
        nb_run r = {.module_id = mods[m], .source_id = src, .epochs = 108, .repeat = -1,
                    .num_evaluations = 3, .evaluations = ev};
        assert_int_equal(nb_db_add_run(db, &r, NULL), NB_OK);
    }
    assert_int_equal(nb_db_begin(db), NB_OK);
    for (int m = 2; m < 5; m++) {
        snprintf(hash, sizeof hash, "%032d", m);
        assert_int_equal(nb_db_add_module(db, hash, "0100", "input,output", 2, 1, -1, &mods[m]),
                         NB_OK);
    }
    nb_run runs[45];
    for (int i = 0; i < 45; i++) {
        static const int nev[] = {3, 3, 3, 0, 3, 5, 1, 3};
        /* the last 20 runs: one new module, 10 budgets (more than the
         * write path caches), twice each */
        int tail = i >= 25;
        runs[i] = (nb_run){.module_id = tail ? mods[4] : mods[(i / 3) % 4], .source_id = src,
                           .epochs = tail ? 1 + i % 10 : i % 2 ? 4 : 108,
                           .repeat = i == 7 ? 9 : -1,
                           .has_total_time = i % 3 == 0, .total_time = i * 1.5,
                           .has_trainable_parameters = i == 10, .trainable_parameters = 77,
                           .num_evaluations = nev[i % 8], .evaluations = ev};
    }
    int64_t ids[45];
    if (batched) {
        assert_int_equal(nb_db_add_runs(db, runs, 45, ids), NB_OK);
    } else {
        for (int i = 0; i < 45; i++)
            assert_int_equal(nb_db_add_run(db, &runs[i], &ids[i]), NB_OK);
    }
    assert_int_equal(nb_db_commit(db), NB_OK);
    for (int i = 1; i < 45; i++)
        assert_int_equal(ids[i], ids[i - 1] + 1);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM modules WHERE trainable_parameters = 77"), 1);
    char *out = dump(db);
    nb_db_close(db);
    return out;
}

static void test_add_runs_matches_add_run(void **state)
{
    (void)state;
    char *one = fill("one.db", 0), *many = fill("many.db", 1);
    assert_string_equal(one, many);
    assert_non_null(strstr(one, "'ckpt'"));
    free(one);
    free(many);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_modes),    cmocka_unit_test(test_not_a_nasbench_db),
        cmocka_unit_test(test_stmt_cache),    cmocka_unit_test(test_write_path),
        cmocka_unit_test(test_find_run),      cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_add_runs_matches_add_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
