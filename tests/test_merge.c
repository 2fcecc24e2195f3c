/* nb_merge: idempotence, provenance, repeat renumbering, atomicity. */
#include <stdio.h>
#include <string.h>

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nasbench/merge.h"
#include "nb_test.h"

static const char *hash_a = "00005c142e6f48ac74fdcf73e3439874";
static const char *hash_b = "28cfc7874f6d200472e1a9dcd8650aa0";

/* A run whose values are derived from k, so that different k differ. */
static void add_run(nb_db *db, int64_t module, int64_t source, int epochs, int k)
{
    nb_evaluation ev[3];
    for (int i = 0; i < 3; i++) {
        memset(&ev[i], 0, sizeof ev[i]);
        ev[i].present = NB_EVAL_TRAINING_TIME | NB_EVAL_TEST_ACCURACY | NB_EVAL_CURRENT_EPOCH;
        ev[i].current_epoch = i * epochs / 2.0;
        ev[i].training_time = 10.0 * i + k;
        ev[i].test_accuracy = (double)((float)(5000 + k * 3 + i) / 9984.0f);
    }
    nb_run run = {module, source, epochs, -1, 1, 100.0 + k, 0, 0, 3, ev};
    assert_int_equal(nb_db_add_run(db, &run, NULL), NB_OK);
}

static nb_db *make_db(const char *name, const char *file_tag, const int *ks, int nk,
                      int with_b)
{
    nb_db *db;
    assert_int_equal(nb_db_open(nb_test_tmp(name), NB_OPEN_CREATE, &db), NB_OK);
    assert_int_equal(nb_db_begin(db), NB_OK);
    int64_t src, ma, mb;
    nb_source s = {"trainer", file_tag, NULL, nk, "{\"seed\":1}"};
    assert_int_equal(nb_db_add_source(db, &s, &src), NB_OK);
    assert_int_equal(nb_db_add_module(db, hash_a, "0100", "input,output", 2, 1, 882570, &ma),
                     NB_OK);
    for (int i = 0; i < nk; i++)
        add_run(db, ma, src, 4, ks[i]);
    if (with_b) {
        assert_int_equal(nb_db_add_module(db, hash_b, "0100", "input,output", 2, 1, -1, &mb),
                         NB_OK);
        add_run(db, mb, src, 108, 7);
    }
    assert_int_equal(nb_db_commit(db), NB_OK);
    return db;
}

static void test_merge_idempotent(void **state)
{
    (void)state;
    int ka[] = {1, 2}, kb[] = {2, 3, 4};
    nb_db *a = make_db("a.db", "a", ka, 2, 0);
    nb_db *b = make_db("b.db", "b", kb, 3, 1);
    nb_db_close(b);
    const char *in[] = {nb_test_tmp("b.db")};
    nb_merge_stats st;
    assert_int_equal(nb_merge(a, in, 1, &st), NB_OK);
    /* run k=2 is in both: same module, budget and values */
    assert_int_equal(st.runs_added, 3);
    assert_int_equal(st.runs_skipped, 1);
    assert_int_equal(st.modules_added, 1);
    assert_int_equal(st.sources_added, 1);
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM runs"), 5);
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM evaluations"), 15);
    /* repeats continue: a had 0, 1; b's k=3 and k=4 become 2 and 3, in order */
    assert_int_equal(nb_test_count(a, "SELECT repeat FROM runs WHERE total_time = 103.0"), 2);
    assert_int_equal(nb_test_count(a, "SELECT repeat FROM runs WHERE total_time = 104.0"), 3);
    /* provenance: b's source row kept with its file name, the merge recorded */
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM sources WHERE file_name = 'b'"), 1);
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM runs r JOIN sources s ON s.id = r.source_id"
                              " WHERE s.file_name = 'b'"),
                     3);
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM sources WHERE kind = 'merge'"), 1);
    /* b's module without a parameter count keeps NULL, values intact */
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM modules WHERE trainable_parameters IS NULL"),
                     1);
    /* the same input again adds nothing at all */
    int64_t sources = nb_test_count(a, "SELECT count(*) FROM sources");
    assert_int_equal(nb_merge(a, in, 1, &st), NB_OK);
    assert_int_equal(st.runs_added, 0);
    assert_int_equal(st.runs_skipped, 4);
    assert_int_equal(st.sources_added, 0);
    assert_int_equal(st.modules_added, 0);
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM runs"), 5);
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM sources"), sources);
    nb_db_close(a);
}

static void test_merge_atomic_and_self(void **state)
{
    (void)state;
    int ka[] = {1}, kc[] = {9};
    nb_db *a = make_db("x.db", "x", ka, 1, 0);
    nb_db *c = make_db("c.db", "c", kc, 1, 1);
    nb_db_close(c);
    const char *self[] = {nb_test_tmp("x.db")};
    assert_int_equal(nb_merge(a, self, 1, NULL), NB_EUSAGE);
    /* a good input followed by a missing one: nothing of the good one stays */
    char good[1024];
    snprintf(good, sizeof good, "%s", nb_test_tmp("c.db"));
    const char *in[] = {good, nb_test_tmp("missing.db")};
    assert_int_not_equal(nb_merge(a, in, 2, NULL), NB_OK);
    assert_non_null(strstr(nb_errmsg(), "missing.db"));
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM runs"), 1);
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM modules"), 1);
    assert_int_equal(nb_test_count(a, "SELECT count(*) FROM sources"), 1);
    nb_db_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_idempotent),
        cmocka_unit_test(test_merge_atomic_and_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
