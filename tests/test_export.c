/* The exporter on runs that did not come from a TFRecord file (written by
 * the write path, as the trainer does): every field, present or absent,
 * survives export -> convert, and a second export is byte-identical. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nb_convert.h"
#include "nb_test.h"

/* The 2-vertex module of reference 3.2. */
#define HASH2 "043721b9c7fe8c5fad811d47d83132ec"
/* The 3-vertex chain of reference 3.3 (input, conv3x3, output). */
#define HASH3 "b49ac8c578b4561d79ac7087988f1c61"

static const char *tmp(const char *name)
{
    static char buf[32][512];
    static int next;
    char *b = buf[next++ % 32];
    snprintf(b, sizeof buf[0], "%s", nb_test_tmp(name));
    unlink(b);
    return b;
}

static nb_db *trainer_db(void)
{
    nb_db *db;
    assert_int_equal(nb_db_open(tmp("trainer.db"), NB_OPEN_CREATE, &db), NB_OK);
    int64_t src, m2, m3;
    nb_source s = {.kind = "trainer", .record_count = -1, .config = "{\"lr\": 0.2}"};
    assert_int_equal(nb_db_begin(db), NB_OK);
    assert_int_equal(nb_db_add_source(db, &s, &src), NB_OK);
    assert_int_equal(nb_db_add_module(db, HASH2, "0100", "input,output", 2, 1, 882570, &m2), NB_OK);
    assert_int_equal(nb_db_add_module(db, HASH3, "010001000", "input,conv3x3-bn-relu,output", 3, 2,
                                      -1, &m3), NB_OK);
    nb_evaluation five[5];
    for (int i = 0; i < 5; i++)
        five[i] = (nb_evaluation){0x1f, 3.0 * i, 10.5 * i, 0.1 * i, 0.2 * i, 0.15 * i, NULL};
    five[2].present |= NB_EVAL_CHECKPOINT_PATH;
    five[2].checkpoint_path = "gs://bucket/model.ckpt-1875";
    five[3].present |= NB_EVAL_CHECKPOINT_PATH;
    five[3].checkpoint_path = ""; /* present but empty: not the same as absent */
    five[4].present = NB_EVAL_TEST_ACCURACY; /* only one field */
    nb_run a = {.module_id = m2, .source_id = src, .epochs = 12, .repeat = -1,
                .has_total_time = 1, .total_time = 1234.5, .num_evaluations = 5,
                .evaluations = five};
    assert_int_equal(nb_db_add_run(db, &a, NULL), NB_OK);
    nb_run b = {.module_id = m3, .source_id = src, .epochs = 4, .repeat = -1,
                .num_evaluations = 0};
    assert_int_equal(nb_db_add_run(db, &b, NULL), NB_OK);
    a.epochs = 4;
    a.has_total_time = 0;
    a.num_evaluations = 3;
    assert_int_equal(nb_db_add_run(db, &a, NULL), NB_OK);
    assert_int_equal(nb_db_commit(db), NB_OK);
    return db;
}

/* Every stored value of runs and evaluations, with NULLs, as one text. */
static char *values(nb_db *db)
{
    return nb_test_rows_text(db,
        "SELECT m.hash, m.trainable_parameters, r.epochs, r.repeat, quote(r.total_time),"
        " e.checkpoint, quote(e.current_epoch), quote(e.training_time), quote(e.train_accuracy),"
        " quote(e.validation_accuracy), quote(e.test_accuracy), quote(e.checkpoint_path)"
        " FROM runs r JOIN modules m ON m.id = r.module_id"
        " LEFT JOIN evaluations e ON e.run_id = r.id ORDER BY r.id, e.checkpoint");
}

static void test_trainer_runs_round_trip(void **state)
{
    (void)state;
    nb_db *db = trainer_db();
    const char *first = tmp("trainer.tfrecord");
    int64_t n;
    assert_int_equal(nb_export(db, first, NULL, &n), NB_OK);
    assert_int_equal(n, 3);

    nb_db *back;
    assert_int_equal(nb_db_open(tmp("back.db"), NB_OPEN_CREATE, &back), NB_OK);
    nb_convert_report r;
    assert_int_equal(nb_convert_file(back, first, NULL, &r), NB_OK);
    assert_int_equal(r.runs_added, 3);
    assert_int_equal(r.raw_records, 0);
    char *a = values(db), *b = values(back);
    assert_string_equal(a, b);
    /* the details that matter, spelled out */
    assert_non_null(strstr(a, "'gs://bucket/model.ckpt-1875'"));
    assert_non_null(strstr(a, "|''|"));
    assert_non_null(strstr(a, "|NULL|NULL|NULL|NULL|0.6|NULL|")); /* only the test accuracy */
    free(a);
    free(b);

    const char *second = tmp("back.tfrecord");
    assert_int_equal(nb_export(back, second, NULL, NULL), NB_OK);
    size_t l1, l2;
    char *x = nb_test_read_file(first, &l1), *y = nb_test_read_file(second, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(x, y, l1);
    free(x);
    free(y);
    nb_db_close(back);
    nb_db_close(db);
}

static void test_filters_and_failures(void **state)
{
    (void)state;
    nb_db *db = trainer_db();
    int64_t n;
    int four = 4;
    nb_export_options o = {.num_epochs = 1, .epochs = &four};
    assert_int_equal(nb_export(db, tmp("e4.tfrecord"), &o, &n), NB_OK);
    assert_int_equal(n, 2);
    o = (nb_export_options){.source_id = 99};
    assert_int_equal(nb_export(db, tmp("none.tfrecord"), &o, &n), NB_OK);
    assert_int_equal(n, 0);
    o = (nb_export_options){.source_id = 1};
    assert_int_equal(nb_export(db, tmp("s1.tfrecord.zst"), &o, &n), NB_OK);
    assert_int_equal(n, 3);
    /* an unwritable place: an error naming it, and no file left */
    assert_int_equal(nb_export(db, "/nonexistent-dir/x.tfrecord", NULL, &n), NB_EIO);
    assert_non_null(strstr(nb_errmsg(), "/nonexistent-dir/x.tfrecord"));
    assert_int_not_equal(access("/nonexistent-dir/x.tfrecord", F_OK), 0);
    /* interrupted: no file either */
    volatile sig_atomic_t stop = 1;
    o = (nb_export_options){.interrupt = &stop};
    const char *path = tmp("intr.tfrecord");
    assert_int_equal(nb_export(db, path, &o, &n), NB_EINTR);
    assert_int_not_equal(access(path, F_OK), 0);
    nb_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_trainer_runs_round_trip),
                                       cmocka_unit_test(test_filters_and_failures)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
