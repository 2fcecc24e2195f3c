/* Parameter counts of built networks against the real dataset values:
 * 1,000 specs of nasbench_vis and the 32 modules of the full records
 * (skipped when ../shared/realdata is absent). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_json.h"
#include "nb_net.h"
#include "nb_test.h"

static void check_one(const char *hash, const char *matrix, const char *ops, int64_t want)
{
    nb_spec s, p;
    char got_hash[NB_HASH_HEX + 1];
    int64_t n = -1;
    assert_int_equal(nb_spec_parse(&s, matrix, ops), NB_OK);
    assert_int_equal(nb_spec_resolve(&s, &p, got_hash), NB_OK);
    assert_string_equal(got_hash, hash);
    assert_int_equal(nb_net_count_params(&p, NULL, &n), NB_OK);
    if (n != want)
        print_error("%s: built %" PRId64 ", dataset %" PRId64 "\n", hash, n, want);
    assert_int_equal(n, want);
}

static void test_vis_1k(void **state)
{
    (void)state;
    const char *path = nb_test_shared("realdata/derived/nasbench_vis_1k_specs.csv");
    if (!path)
        skip();
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    int rows = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        /* hash,adjacency,"ops",params,... */
        char hash[64], adj[64], ops[1024];
        long long params;
        assert_int_equal(sscanf(line, "%63[^,],%63[^,],\"%1023[^\"]\",%lld", hash, adj, ops, &params),
                         4);
        check_one(hash, adj, ops, params);
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 1000);
}

static void test_full_records(void **state)
{
    (void)state;
    const char *path = nb_test_shared("realdata/derived/nb101_full_records.jsonl");
    if (!path)
        skip();
    size_t len;
    char *text = nb_test_read_file(path, &len);
    assert_non_null(text);
    nb_json_doc *doc = nb_json_doc_new();
    int modules = 0;
    for (char *line = text, *end; *line; line = end + (*end != 0)) {
        end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        if (end == line)
            continue;
        const nb_json *root;
        assert_int_equal(nb_json_parse(doc, line, (size_t)(end - line), &root), NB_OK);
        const nb_json *h = nb_json_get(root, "module_hash"), *a = nb_json_get(root, "adjacency_string"),
                      *o = nb_json_get(root, "ops_csv"), *t = nb_json_get(root, "trainable_parameters");
        assert_true(h && a && o && t && t->is_integer);
        check_one(h->string, a->string, o->string, t->integer);
        modules++;
    }
    assert_int_equal(modules, 32);
    nb_json_doc_free(doc);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vis_1k),
        cmocka_unit_test(test_full_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
