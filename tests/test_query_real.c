/* The query API on real data (skipped when ../shared/realdata is absent):
 * the real sample converted gives back every published value exactly, the
 * notebook's Inception query, and NASLib's unpruned specs find their module
 * after pruning in a database of every module of up to 6 vertices. */
#include "nb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/enumerate.h"
#include "nasbench/error.h"
#include "nasbench/query.h"
#include "nb_convert.h"
#include "nb_json.h"

static nb_bench *real; /* the converted real sample, or NULL */

static int setup(void **state)
{
    (void)state;
    const char *sample = nb_test_shared("realdata/nb101_real_sample.tfrecord");
    if (!sample)
        return 0;
    char tf[4096];
    snprintf(tf, sizeof tf, "%s", sample);
    const char *path = nb_test_tmp("real.db");
    nb_db *db;
    if (nb_db_open(path, NB_OPEN_CREATE, &db) || nb_convert_file(db, tf, NULL, NULL) ||
        nb_db_close(db) || nb_bench_open(path, &real)) {
        fprintf(stderr, "real sample: %s\n", nb_errmsg());
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nb_bench_close(real);
    return 0;
}

static double num(const nb_json *obj, const char *key)
{
    const nb_json *v = nb_json_get(obj, key);
    assert_non_null(v);
    assert_int_equal(v->type, NB_JSON_NUMBER);
    return v->number;
}

static void check_point(const nb_data_point *p, const nb_json *o)
{
    assert_true(p->halfway_training_time == num(o, "halfway_training_time"));
    assert_true(p->halfway_train_accuracy == num(o, "halfway_train_accuracy"));
    assert_true(p->halfway_validation_accuracy == num(o, "halfway_validation_accuracy"));
    assert_true(p->halfway_test_accuracy == num(o, "halfway_test_accuracy"));
    assert_true(p->final_training_time == num(o, "final_training_time"));
    assert_true(p->final_train_accuracy == num(o, "final_train_accuracy"));
    assert_true(p->final_validation_accuracy == num(o, "final_validation_accuracy"));
    assert_true(p->final_test_accuracy == num(o, "final_test_accuracy"));
}

/* One line of nb101_full_records.jsonl against the stats of its hash. */
static void check_record(const nb_json *rec, int *runs)
{
    const char *hash = nb_json_get(rec, "module_hash")->string;
    nb_module_stats *s;
    assert_int_equal(nb_module_stats_by_hash(real, hash, &s), NB_OK);
    char bits[64], ops[512];
    nb_spec_adjacency_bits(&s->module, bits, sizeof bits);
    nb_spec_ops_csv(&s->module, ops, sizeof ops);
    assert_string_equal(bits, nb_json_get(rec, "adjacency_string")->string);
    assert_string_equal(ops, nb_json_get(rec, "ops_csv")->string);
    assert_int_equal(s->trainable_parameters, nb_json_get(rec, "trainable_parameters")->integer);
    const nb_json *computed = nb_json_get(rec, "computed_metrics");
    assert_int_equal(s->num_budgets, (int)computed->len);
    for (size_t b = 0; b < computed->len; b++) {
        const nb_json *list = &computed->items[b];
        const nb_budget_stats *bs = NULL;
        for (int i = 0; i < s->num_budgets; i++)
            if (s->budgets[i].epochs == atoi(list->key))
                bs = &s->budgets[i];
        assert_non_null(bs);
        assert_int_equal(bs->num_repeats, (int)list->len);
        for (size_t r = 0; r < list->len; r++) {
            assert_int_equal(bs->repeats[r].repeat, (int)r);
            check_point(&bs->repeats[r], &list->items[r]);
            /* query() with that repeat gives the final values. */
            nb_query_result q;
            assert_int_equal(nb_query_hash(real, hash, bs->epochs, 0, (int)r, &q), NB_OK);
            assert_true(q.validation_accuracy == bs->repeats[r].final_validation_accuracy);
            (*runs)++;
        }
    }
    nb_module_stats_free(s);
}

static void test_real_values_exact(void **state)
{
    (void)state;
    const char *path = nb_test_shared("realdata/derived/nb101_full_records.jsonl");
    if (!real || !path)
        skip();
    size_t len;
    char *text = nb_test_read_file(path, &len);
    assert_non_null(text);
    nb_json_doc *doc = nb_json_doc_new();
    int modules = 0, runs = 0;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (n) {
            const nb_json *rec;
            assert_int_equal(nb_json_parse(doc, line, n, &rec), NB_OK);
            check_record(rec, &runs);
            modules++;
        }
        line += n + (end != NULL);
    }
    assert_int_equal(modules, 32);
    assert_int_equal(runs, 105);
    int64_t count;
    assert_int_equal(nb_module_count(real, NULL, &count), NB_OK);
    assert_int_equal(count, 32);
    nb_json_doc_free(doc);
    free(text);
}

/* The notebook's cell as given; its printed output is one of the 3 repeats
 * and the stored canonical form comes back. */
static void test_notebook_query(void **state)
{
    (void)state;
    const char *path = nb_test_shared("realdata/derived/nasbench_ipynb_inception_query.json");
    if (!real || !path)
        skip();
    size_t len;
    char *text = nb_test_read_file(path, &len);
    nb_json_doc *doc = nb_json_doc_new();
    const nb_json *root;
    assert_int_equal(nb_json_parse(doc, text, len, &root), NB_OK);
    const nb_json *cell = nb_json_get(root, "cell");
    char matrix[512] = "", ops[512] = "";
    /* Rebuild the spec text from the JSON values. */
    const nb_json *m = nb_json_get(cell, "matrix_as_given"), *o = nb_json_get(cell, "ops_as_given");
    for (size_t i = 0; i < m->len; i++)
        for (size_t j = 0; j < m->items[i].len; j++)
            strcat(matrix, m->items[i].items[j].integer ? "1" : "0");
    for (size_t i = 0; i < o->len; i++) {
        if (i)
            strcat(ops, ",");
        strcat(ops, o->items[i].string);
    }
    nb_spec spec;
    assert_int_equal(nb_spec_parse(&spec, matrix, ops), NB_OK);
    const nb_json *outputs = nb_json_get(root, "query_outputs_108_epochs");
    int seen[3] = {0, 0, 0};
    nb_bench_seed(real, 0);
    for (int i = 0; i < 30; i++) {
        nb_query_result r;
        assert_int_equal(nb_query(real, &spec, 108, 0, NB_REPEAT_RANDOM, &r), NB_OK);
        assert_string_equal(r.hash, nb_json_get(root, "module_hash_computed")->string);
        assert_int_equal(r.trainable_parameters, 2694282);
        const nb_json *printed = nb_json_get(root, "printed_module_adjacency");
        for (int a = 0; a < 7; a++)
            for (int b = 0; b < 7; b++)
                assert_int_equal(r.module.matrix[a][b], printed->items[a].items[b].integer);
        int match = -1;
        for (size_t k = 0; k < outputs->len; k++)
            if (r.training_time == num(&outputs->items[k], "training_time") &&
                r.validation_accuracy == num(&outputs->items[k], "validation_accuracy") &&
                r.test_accuracy == num(&outputs->items[k], "test_accuracy") &&
                r.train_accuracy == num(&outputs->items[k], "train_accuracy"))
                match = (int)k;
        assert_true(match >= 0);
        seen[match] = 1;
    }
    assert_true(seen[0] && seen[1] && seen[2]);
    nb_json_doc_free(doc);
    free(text);
}

/* ---- NASLib's unpruned specs ------------------------------------------------ */

static int add_module(void *ctx, const nb_spec *spec, const char *hash)
{
    char bits[64], ops[512];
    int64_t params, id;
    nb_spec_adjacency_bits(spec, bits, sizeof bits);
    nb_spec_ops_csv(spec, ops, sizeof ops);
    int rc = nb_spec_trainable_parameters(spec, &NB_NET_SHAPE_DEFAULT, &params);
    return rc ? rc
              : nb_db_add_module(ctx, hash, bits, ops, spec->num_vertices,
                                 nb_spec_num_edges(spec), params, &id);
}

/* "(0, 1, ..., 0, 2, 4, 1)": 49 matrix entries, then 7 op codes. */
static void naslib_spec(const char *key, nb_spec *spec)
{
    static const char *const names[] = {"input", "output", "maxpool3x3", "conv1x1-bn-relu",
                                        "conv3x3-bn-relu"};
    int v[56], n = 0;
    for (const char *p = key; *p && n < 56; p++)
        if (*p >= '0' && *p <= '9')
            v[n++] = *p - '0';
    assert_int_equal(n, 56);
    char bits[50], ops[256] = "";
    for (int i = 0; i < 49; i++)
        bits[i] = (char)('0' + v[i]);
    bits[49] = '\0';
    for (int i = 0; i < 7; i++) {
        if (i)
            strcat(ops, ",");
        strcat(ops, names[v[49 + i]]);
    }
    assert_int_equal(nb_spec_parse(spec, bits, ops), NB_OK);
}

static void test_naslib_unpruned(void **state)
{
    (void)state;
    const char *path = nb_test_shared("realdata/naslib/zc_nasbench101.json");
    if (!path)
        skip();
    size_t len;
    char *text = nb_test_read_file(path, &len);
    nb_json_doc *doc = nb_json_doc_new();
    const nb_json *root;
    assert_int_equal(nb_json_parse(doc, text, len, &root), NB_OK);
    const nb_json *specs = nb_json_get(nb_json_get(root, "nasbench101"), "cifar10");
    assert_int_equal(specs->len, 500);

    /* Every module of up to 6 vertices, from the enumeration. */
    const char *dbpath = nb_test_tmp("six.db");
    nb_db *db;
    assert_int_equal(nb_db_open(dbpath, NB_OPEN_CREATE, &db), NB_OK);
    nb_enum_options o;
    nb_enum_options_default(&o);
    o.max_vertices = 6;
    nb_enum_callbacks cb = {.on_module = add_module, .ctx = db};
    assert_int_equal(nb_db_begin(db), NB_OK);
    assert_int_equal(nb_enumerate(&o, &cb), NB_OK);
    assert_int_equal(nb_db_commit(db), NB_OK);
    nb_bench *b;
    assert_int_equal(nb_bench_attach(db, &b), NB_OK);

    int found = 0, absent = 0;
    for (size_t i = 0; i < specs->len; i++) {
        nb_spec spec, pruned;
        naslib_spec(specs->items[i].key, &spec);
        assert_int_equal(nb_spec_resolve(&spec, &pruned, NULL), NB_OK);
        nb_module_stats *s;
        int rc = nb_module_stats_by_spec(b, &spec, &s);
        if (pruned.num_vertices <= 6) {
            /* Found, and the stored canonical form is the same graph. */
            assert_int_equal(rc, NB_OK);
            assert_int_equal(nb_spec_isomorphic(&pruned, &s->module), 1);
            nb_module_stats_free(s);
            found++;
        } else {
            assert_int_equal(rc, NB_ENOTFOUND);
            absent++;
        }
    }
    /* 291 of the 500 keys have a vertex without out-edge (realdata README). */
    assert_true(found >= 291);
    assert_int_equal(found + absent, 500);
    nb_bench_close(b);
    nb_db_close(db);
    nb_json_doc_free(doc);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_values_exact),
        cmocka_unit_test(test_notebook_query),
        cmocka_unit_test(test_naslib_unpruned),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
