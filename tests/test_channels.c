/* Channel counts per vertex (reference 6.4, the original's unit-test cases)
 * and trainable parameters (6.5): the three published counts, every row of
 * the 1k real-spec sample and every record of nb101_full_records.jsonl. */
#include "nb_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nasbench/spec.h"
#include "nb_json.h"

static void expect_channels(const char *matrix, int in, int out, const int *want)
{
    nb_spec s;
    char ops[256] = "input";
    int n = 0;
    /* count rows to build a matching op list */
    for (const char *p = matrix + 1; *p; p++)
        n += *p == '[';
    for (int i = 1; i < n - 1; i++)
        strcat(ops, ",conv3x3-bn-relu");
    strcat(ops, ",output");
    assert_int_equal(nb_spec_parse(&s, matrix, ops), 0);
    int ch[NB_MAX_VERTICES];
    if (nb_vertex_channels(&s, in, out, ch))
        fail_msg("%s (%d,%d): %s", matrix, in, out, nb_errmsg());
    for (int v = 0; v < n; v++)
        if (ch[v] != want[v])
            fail_msg("%s (%d,%d): vertex %d has %d, expected %d", matrix, in, out, v, ch[v],
                     want[v]);
}

#define CH(m, in, out, ...) expect_channels(m, in, out, (const int[]){__VA_ARGS__})

static void test_original_cases(void **state)
{
    (void)state;
    const char *chain = "[[0,1,0,0],[0,0,1,0],[0,0,0,1],[0,0,0,0]]";
    CH(chain, 8, 8, 8, 8, 8, 8);
    CH(chain, 8, 16, 8, 16, 16, 16);
    CH(chain, 16, 8, 16, 8, 8, 8);
    const char *two = "[[0,1],[0,0]]";
    CH(two, 1, 1, 1, 1);
    CH(two, 1, 5, 1, 5);
    CH(two, 5, 1, 5, 1);
    const char *m5 = "[[0,1,1,0,0],[0,0,0,1,0],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,0]]";
    CH(m5, 8, 8, 8, 8, 8, 8, 8);
    CH(m5, 8, 16, 8, 16, 16, 16, 16);
    CH(m5, 16, 8, 16, 8, 8, 8, 8);
    const char *diamond = "[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]]";
    CH(diamond, 8, 8, 8, 4, 4, 8);
    CH(diamond, 8, 16, 8, 8, 8, 16);
    CH(diamond, 16, 8, 16, 4, 4, 8);
    CH(diamond, 8, 15, 8, 8, 7, 15);
    const char *fan = "[[0,1,1,1,0],[0,0,0,0,1],[0,0,0,0,1],[0,0,0,0,1],[0,0,0,0,0]]";
    CH(fan, 8, 8, 8, 3, 3, 2, 8);
    CH(fan, 8, 15, 8, 5, 5, 5, 15);
    const char *split = "[[0,1,0,0,0],[0,0,1,1,0],[0,0,0,0,1],[0,0,0,0,1],[0,0,0,0,0]]";
    CH(split, 8, 8, 8, 4, 4, 4, 8);
    CH(split, 8, 9, 8, 5, 5, 4, 9);
    const char *skip = "[[0,1,0,1,0],[0,0,1,0,1],[0,0,0,1,0],[0,0,0,0,1],[0,0,0,0,0]]";
    CH(skip, 8, 8, 8, 4, 4, 4, 8);
    CH(skip, 8, 15, 8, 8, 7, 7, 15);
    const char *inception = "[[0,1,1,1,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,1,0,0],"
                            "[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]";
    CH(inception, 128, 128, 128, 32, 32, 32, 32, 32, 128);
    CH(inception, 128, 256, 128, 64, 64, 64, 64, 64, 256);
    CH(inception, 256, 512, 256, 128, 128, 128, 128, 128, 512);
}

static int64_t params_of(const char *matrix, const char *ops)
{
    nb_spec s, p;
    int64_t n = -1;
    if (nb_spec_parse(&s, matrix, ops) || nb_spec_prune(&s, &p) ||
        nb_spec_trainable_parameters(&p, &NB_NET_SHAPE_DEFAULT, &n))
        fail_msg("%s: %s", matrix, nb_errmsg());
    return n;
}

static void test_published_counts(void **state)
{
    (void)state;
    assert_int_equal(params_of("[[0,1,1,1,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,1,0,0],"
                               "[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]",
                               "input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
                               "conv3x3-bn-relu,maxpool3x3,output"),
                     2694282);
    assert_int_equal(params_of("0100110001000000010010000010000001000000010000000",
                               "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,"
                               "conv1x1-bn-relu,output"),
                     8555530);
    assert_int_equal(params_of("0100", "input,output"), 882570);
    /* NULL shape means the default network */
    nb_spec s;
    int64_t n;
    assert_int_equal(nb_spec_parse(&s, "0100", "input,output"), 0);
    assert_int_equal(nb_spec_trainable_parameters(&s, NULL, &n), 0);
    assert_int_equal(n, 882570);
    /* out-of-space op */
    assert_int_equal(nb_spec_parse(&s, "010001000", "input,conv5x5,output"), 0);
    assert_int_equal(nb_spec_trainable_parameters(&s, NULL, &n), NB_EDOMAIN);
}

/* Hash and parameters of one real spec against the published values. */
static void expect_real(const char *hash, const char *bits, const char *ops, long long params,
                        const char *where)
{
    nb_spec s, p;
    char h[NB_HASH_HEX + 1];
    int64_t n;
    if (nb_spec_parse(&s, bits, ops) || nb_spec_resolve(&s, &p, h) ||
        nb_spec_trainable_parameters(&p, NULL, &n))
        fail_msg("%s: %s", where, nb_errmsg());
    if (strcmp(h, hash))
        fail_msg("%s: hash %s, expected %s", where, h, hash);
    if (n != params)
        fail_msg("%s: %lld parameters, expected %lld", where, (long long)n, params);
}

static void test_vis_1k_specs(void **state)
{
    (void)state;
    int rows = nb_test_each_vis_1k_spec(expect_real);
    if (rows < 0)
        skip();
    assert_int_equal(rows, 1000);
}

static void test_full_records(void **state)
{
    (void)state;
    int records = nb_test_each_full_record(expect_real);
    if (records < 0)
        skip();
    assert_int_equal(records, 32);
}

/* NASLib's 500 unpruned specs (tuple text: 49 matrix entries, then 7 op
 * codes 0 input, 1 output, 2 maxpool3x3, 3 conv1x1, 4 conv3x3) prune and
 * hash to 292 modules, with parameter counts stored in millions. */
static int cmp_hash(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_naslib_unpruned(void **state)
{
    (void)state;
    static const char *const names[] = {"input", "output", "maxpool3x3", "conv1x1-bn-relu",
                                        "conv3x3-bn-relu"};
    const char *path = nb_test_shared("realdata/naslib/zc_nasbench101.json");
    if (!path)
        skip();
    size_t len;
    char *text = nb_test_read_file(path, &len);
    assert_non_null(text);
    nb_json_doc *doc = nb_json_doc_new();
    const nb_json *root;
    assert_int_equal(nb_json_parse(doc, text, len, &root), 0);
    const nb_json *specs = nb_json_get(nb_json_get(root, "nasbench101"), "cifar10");
    assert_non_null(specs);
    assert_int_equal(specs->len, 500);
    static char hashes[500][NB_HASH_HEX + 1];
    int pruned_changed = 0;
    for (size_t i = 0; i < specs->len; i++) {
        const nb_json *item = &specs->items[i];
        int v[56], k = 0;
        for (const char *p = item->key; *p && k < 56; p++)
            if (*p >= '0' && *p <= '9')
                v[k++] = *p - '0';
        assert_int_equal(k, 56);
        nb_spec s, pruned;
        memset(&s, 0, sizeof s);
        s.num_vertices = 7;
        for (int e = 0; e < 49; e++)
            s.matrix[e / 7][e % 7] = (uint8_t)v[e];
        for (int o = 0; o < 7; o++)
            strcpy(s.ops[o], names[v[49 + o]]);
        int64_t params;
        if (nb_spec_resolve(&s, &pruned, hashes[i]) ||
            nb_spec_trainable_parameters(&pruned, NULL, &params))
            fail_msg("naslib spec %zu: %s", i, nb_errmsg());
        pruned_changed += pruned.num_vertices != 7 || memcmp(&pruned, &s, sizeof s) != 0;
        double millions = nb_json_get(item, "params")->number;
        if (llround(millions * 1e6) != params)
            fail_msg("naslib spec %zu: %lld parameters, file says %.6f million", i,
                     (long long)params, millions);
    }
    qsort(hashes, 500, sizeof hashes[0], cmp_hash);
    int distinct = 1;
    for (int i = 1; i < 500; i++)
        distinct += strcmp(hashes[i], hashes[i - 1]) != 0;
    assert_int_equal(distinct, 292);
    printf("naslib: %d of 500 specs changed by pruning\n", pruned_changed);
    assert_int_equal(pruned_changed, 499); /* realdata README: 499 keys are not pruned */
    nb_json_doc_free(doc);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_original_cases),
        cmocka_unit_test(test_published_counts),
        cmocka_unit_test(test_vis_1k_specs),
        cmocka_unit_test(test_full_records),
        cmocka_unit_test(test_naslib_unpruned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
