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

static void check_one(const char *hash, const char *matrix, const char *ops, long long want,
                      const char *where)
{
    nb_spec s, p;
    char got_hash[NB_HASH_HEX + 1];
    int64_t n = -1;
    assert_int_equal(nb_spec_parse(&s, matrix, ops), NB_OK);
    assert_int_equal(nb_spec_resolve(&s, &p, got_hash), NB_OK);
    assert_string_equal(got_hash, hash);
    assert_int_equal(nb_net_count_params(&p, NULL, &n), NB_OK);
    if (n != want)
        print_error("%s %s: built %" PRId64 ", dataset %lld\n", where, hash, n, want);
    assert_int_equal(n, want);
}

static void test_vis_1k(void **state)
{
    (void)state;
    int rows = nb_test_each_vis_1k_spec(check_one);
    if (rows < 0)
        skip();
    assert_int_equal(rows, 1000);
}

static void test_full_records(void **state)
{
    (void)state;
    int modules = nb_test_each_full_record(check_one);
    if (modules < 0)
        skip();
    assert_int_equal(modules, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vis_1k),
        cmocka_unit_test(test_full_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
