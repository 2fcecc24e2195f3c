/* Fixed and computed statistics, lookups, iteration, counts, filters and
 * top-k on the fixture database; the metric whitelist. */
#include "nb_test.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nasbench/error.h"
#include "nasbench/query.h"
#include "test_query_fixture.h"

static void assert_point(const nb_data_point *p, int module, int epochs, int repeat)
{
    double h[4], f[4];
    fx_values(module, epochs, repeat, 1, h);
    fx_values(module, epochs, repeat, 2, f);
    assert_int_equal(p->repeat, repeat);
    assert_true(p->halfway_training_time == h[0] && p->halfway_train_accuracy == h[1]);
    assert_true(p->halfway_validation_accuracy == h[2] && p->halfway_test_accuracy == h[3]);
    assert_true(p->final_training_time == f[0] && p->final_train_accuracy == f[1]);
    assert_true(p->final_validation_accuracy == f[2] && p->final_test_accuracy == f[3]);
}

static void test_stats_by_hash(void **state)
{
    (void)state;
    nb_module_stats *s;
    assert_int_equal(nb_module_stats_by_hash(fx_bench, fx_hash[FX_TWO], &s), NB_OK);
    assert_int_equal(s->trainable_parameters >= 0, 1);
    assert_int_equal(s->module.num_vertices, 2);
    assert_int_equal(s->num_budgets, 2);
    assert_int_equal(s->budgets[0].epochs, 4);
    assert_int_equal(s->budgets[0].num_repeats, 3);
    assert_int_equal(s->budgets[1].epochs, 108);
    assert_int_equal(s->budgets[1].num_repeats, 1);
    for (int r = 0; r < 3; r++)
        assert_point(&s->budgets[0].repeats[r], FX_TWO, 4, r);
    assert_point(&s->budgets[1].repeats[0], FX_TWO, 108, 0);
    nb_module_stats_free(s);
}

/* By spec: an unpruned, relabelled spec of the first module finds it. */
static void test_stats_by_spec(void **state)
{
    (void)state;
    nb_spec spec;
    /* The 00005c14... module with a dangling extra vertex would need 8
     * vertices; use the isomorphic order of its two parallel convs instead
     * and an island vertex: 8x8 with vertex 7 = output, vertex 6 an island. */
    assert_int_equal(nb_spec_parse(&spec, fx_adjacency[FX_FIRST], fx_ops[FX_FIRST]), NB_OK);
    nb_spec big;
    memset(&big, 0, sizeof big);
    big.num_vertices = 8;
    for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 6; j++)
            big.matrix[i][j] = spec.matrix[i][j];
        big.matrix[i][7] = spec.matrix[i][6];
        strcpy(big.ops[i], spec.ops[i]);
    }
    strcpy(big.ops[6], "conv3x3-bn-relu");
    big.matrix[0][6] = 1; /* reachable from the input, but a dead end */
    strcpy(big.ops[7], "output");
    nb_module_stats *s;
    assert_int_equal(nb_module_stats_by_spec(fx_bench, &big, &s), NB_OK);
    assert_string_equal(s->hash, fx_hash[FX_FIRST]);
    assert_int_equal(s->trainable_parameters, 8555530);
    assert_int_equal(s->num_budgets, 1);
    for (int r = 0; r < 3; r++)
        assert_point(&s->budgets[0].repeats[r], FX_FIRST, 108, r);
    nb_module_stats_free(s);
}

static void test_stats_errors(void **state)
{
    (void)state;
    nb_module_stats *s = (nb_module_stats *)1;
    assert_int_equal(nb_module_stats_by_hash(fx_bench, "ffffffffffffffffffffffffffffffff", &s),
                     NB_ENOTFOUND);
    assert_null(s);
    assert_int_equal(nb_module_stats_by_hash(fx_bench, "not-a-hash", &s), NB_EINVAL);
    nb_spec spec;
    assert_int_equal(nb_spec_parse(&spec, "0000", "input,output"), NB_OK);
    assert_int_equal(nb_module_stats_by_spec(fx_bench, &spec, &s), NB_EDOMAIN);
    /* A module without runs: fixed statistics, no budgets. */
    assert_int_equal(nb_module_stats_by_hash(fx_bench, fx_hash[FX_CHAIN], &s), NB_OK);
    assert_int_equal(s->num_budgets, 0);
    nb_module_stats_free(s);
}

static void test_stats_json(void **state)
{
    (void)state;
    nb_module_stats *s;
    assert_int_equal(nb_module_stats_by_hash(fx_bench, fx_hash[FX_FIRST], &s), NB_OK);
    char buf[4096];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    nb_module_stats_write_json(f, s);
    fclose(f);
    nb_module_stats_free(s);
    const char *expect_start =
        "{\"hash\": \"00005c142e6f48ac74fdcf73e3439874\", \"fixed\": {\"module_adjacency\": "
        "[[0, 1, 0, 0, 1, 1, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 1], "
        "[0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], "
        "[0, 0, 0, 0, 0, 0, 0]], \"module_operations\": [\"input\", \"conv3x3-bn-relu\", "
        "\"maxpool3x3\", \"conv3x3-bn-relu\", \"conv3x3-bn-relu\", \"conv1x1-bn-relu\", "
        "\"output\"], \"trainable_parameters\": 8555530}, \"computed\": {\"108\": "
        "[{\"halfway_training_time\": 883.4580078125, \"halfway_train_accuracy\": "
        "0.8282251358032227, \"halfway_validation_accuracy\": 0.7776442170143127, "
        "\"halfway_test_accuracy\": 0.7740384340286255, \"final_training_time\": "
        "1769.1279296875, \"final_train_accuracy\": 1.0, \"final_validation_accuracy\": "
        "0.9241786599159241, \"final_test_accuracy\": 0.9211738705635071}, ";
    assert_memory_equal(buf, expect_start, strlen(expect_start));
    const char *end = "\"final_test_accuracy\": 0.9215745329856873}]}}";
    assert_string_equal(buf + strlen(buf) - strlen(end), end);
}

static void test_lookup(void **state)
{
    (void)state;
    nb_module_info info;
    assert_int_equal(nb_module_lookup(fx_bench, fx_hash[FX_CHAIN], &info), NB_OK);
    assert_int_equal(info.module.num_vertices, 3);
    assert_int_equal(info.num_edges, 2);
    assert_string_equal(info.module.ops[1], "conv3x3-bn-relu");
    assert_int_equal(nb_module_lookup(fx_bench, "00000000000000000000000000000000", &info),
                     NB_ENOTFOUND);
}

typedef struct walk {
    int n;
    char hashes[8][NB_HASH_HEX + 1];
} walk;

static int collect(void *ctx, const char *hash)
{
    walk *w = ctx;
    if (w->n < 8)
        strcpy(w->hashes[w->n], hash);
    w->n++;
    return 0;
}

static int stop_at_two(void *ctx, const char *hash)
{
    collect(ctx, hash);
    return ((walk *)ctx)->n == 2 ? 42 : 0;
}

static void test_iterate_count_filter(void **state)
{
    (void)state;
    walk w = {0};
    assert_int_equal(nb_module_foreach(fx_bench, NULL, collect, &w), NB_OK);
    assert_int_equal(w.n, 4);
    assert_string_equal(w.hashes[0], fx_hash[FX_FIRST]);
    assert_string_equal(w.hashes[1], fx_hash[FX_TWO]);
    assert_string_equal(w.hashes[2], fx_hash[FX_INCEPTION]);
    assert_string_equal(w.hashes[3], fx_hash[FX_CHAIN]);
    memset(&w, 0, sizeof w);
    assert_int_equal(nb_module_foreach(fx_bench, NULL, stop_at_two, &w), 42);
    assert_int_equal(w.n, 2);

    nb_filter f;
    int64_t n;
    nb_filter_init(&f);
    assert_int_equal(nb_module_count(fx_bench, &f, &n), NB_OK);
    assert_int_equal(n, 4);
    f.epochs = 4;
    assert_int_equal(nb_module_count(fx_bench, &f, &n), NB_OK);
    assert_int_equal(n, 2);
    f.epochs = 108;
    assert_int_equal(nb_module_count(fx_bench, &f, &n), NB_OK);
    assert_int_equal(n, 3);
    f.min_vertices = 7;
    assert_int_equal(nb_module_count(fx_bench, &f, &n), NB_OK);
    assert_int_equal(n, 2);
    f.max_parameters = 3000000; /* Inception: 2,694,282; 00005c14: 8,555,530 */
    memset(&w, 0, sizeof w);
    assert_int_equal(nb_module_foreach(fx_bench, &f, collect, &w), NB_OK);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.hashes[0], fx_hash[FX_INCEPTION]);
    f.min_parameters = 2694283;
    assert_int_equal(nb_module_count(fx_bench, &f, &n), NB_OK);
    assert_int_equal(n, 0);
}

static void test_top(void **state)
{
    (void)state;
    nb_top_row rows[8];
    int n;
    nb_top_query q = {.metric = "final_validation_accuracy", .epochs = 108, .limit = 8};
    nb_filter_init(&q.filter);
    assert_int_equal(nb_top(fx_bench, &q, rows, &n), NB_OK);
    assert_int_equal(n, 7); /* 3 + 3 + 1 runs */
    for (int i = 1; i < n; i++)
        assert_true(rows[i - 1].value >= rows[i].value);
    assert_string_equal(rows[0].hash, fx_hash[FX_INCEPTION]);
    assert_int_equal(rows[0].repeat, 1);
    assert_true(rows[0].value == 0.9376001358032227);

    q.mean = 1;
    assert_int_equal(nb_top(fx_bench, &q, rows, &n), NB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rows[1].repeat, NB_REPEAT_MEAN);
    /* 00005c14...: the published mean validation accuracy. */
    int found = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(rows[i].hash, fx_hash[FX_FIRST])) {
            found = 1;
            assert_true(rows[i].value == 0.9264155824979147);
            assert_int_equal(rows[i].num_repeats, 3);
        }
    assert_true(found);

    q.mean = 0;
    q.metric = "halfway_training_time";
    q.ascending = 1;
    q.limit = 2;
    q.epochs = 4;
    assert_int_equal(nb_top(fx_bench, &q, rows, &n), NB_OK);
    assert_int_equal(n, 2);
    assert_true(rows[0].value <= rows[1].value);
    double v[4];
    fx_values(FX_INCEPTION, 4, 0, 1, v);
    assert_true(rows[0].value == v[0]);

    q.metric = "trainable_parameters";
    q.ascending = 0;
    q.mean = 1;
    q.epochs = 108;
    assert_int_equal(nb_top(fx_bench, &q, rows, &n), NB_OK);
    assert_string_equal(rows[0].hash, fx_hash[FX_FIRST]);
    assert_true(rows[0].value == 8555530.0);
}

/* Only whitelisted metric names reach the SQL text. */
static void test_top_rejects(void **state)
{
    (void)state;
    nb_top_row rows[2];
    int n;
    nb_top_query q = {.metric = "final_test_accuracy; DROP TABLE runs", .epochs = 108,
                      .limit = 2};
    nb_filter_init(&q.filter);
    assert_int_equal(nb_top(fx_bench, &q, rows, &n), NB_EUSAGE);
    q.metric = "validation_accuracy";
    assert_int_equal(nb_top(fx_bench, &q, rows, &n), NB_EUSAGE);
    q.metric = NULL;
    assert_int_equal(nb_top(fx_bench, &q, rows, &n), NB_EUSAGE);
    q.metric = "final_test_accuracy";
    q.limit = 0;
    assert_int_equal(nb_top(fx_bench, &q, rows, &n), NB_EUSAGE);
    q.limit = 2;
    q.epochs = 36;
    assert_int_equal(nb_top(fx_bench, &q, rows, &n), NB_EDOMAIN);
    for (const char *const *m = nb_metric_names(); *m; m++)
        assert_true(nb_metric_is_known(*m));
    assert_false(nb_metric_is_known("hash"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_by_hash),
        cmocka_unit_test(test_stats_by_spec),
        cmocka_unit_test(test_stats_errors),
        cmocka_unit_test(test_stats_json),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_iterate_count_filter),
        cmocka_unit_test(test_top),
        cmocka_unit_test(test_top_rejects),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
