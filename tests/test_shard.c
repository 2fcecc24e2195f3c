/* Work-unit sharding as the original (reference, section 8). */
#include <stdio.h>
#include <string.h>

#include "nasbench/error.h"
#include "nasbench/train.h"
#include "nb_test.h"

/* The units of worker w of W over models x repeats, as "a/1" strings. */
static void units_of(int w, int W, int models, int repeats, char *out)
{
    out[0] = '\0';
    for (int64_t i = w; i < (int64_t)models * repeats; i += W) {
        int m, r;
        nb_shard_unit(i, models, &m, &r);
        char s[16];
        snprintf(s, sizeof s, "%s%c/%d", out[0] ? " " : "", 'a' + m, r);
        strcat(out, s);
    }
}

static void test_reference_example(void **state)
{
    (void)state;
    char buf[256];
    units_of(0, 2, 3, 2, buf);
    assert_string_equal(buf, "a/1 c/1 b/2");
    units_of(1, 2, 3, 2, buf);
    assert_string_equal(buf, "b/1 a/2 c/2");
    units_of(0, 2, 3, 1, buf);
    assert_string_equal(buf, "a/1 c/1");
    units_of(1, 2, 3, 1, buf);
    assert_string_equal(buf, "b/1");
}

static void test_every_unit_exactly_once(void **state)
{
    (void)state;
    for (int models = 1; models <= 13; models += 3)
        for (int repeats = 1; repeats <= 3; repeats++)
            for (int W = 1; W <= 7; W++) {
                int seen[13][4] = {{0}};
                for (int w = 0; w < W; w++)
                    for (int64_t i = w; i < (int64_t)models * repeats; i += W) {
                        int m, r;
                        nb_shard_unit(i, models, &m, &r);
                        assert_true(m >= 0 && m < models && r >= 1 && r <= repeats);
                        seen[m][r]++;
                    }
                for (int m = 0; m < models; m++)
                    for (int r = 1; r <= repeats; r++)
                        assert_int_equal(seen[m][r], 1);
            }
}

static void test_parse(void **state)
{
    (void)state;
    int i, n;
    assert_int_equal(nb_shard_parse("0/1", &i, &n), NB_OK);
    assert_int_equal(i, 0);
    assert_int_equal(n, 1);
    assert_int_equal(nb_shard_parse("3/8", &i, &n), NB_OK);
    assert_int_equal(i, 3);
    assert_int_equal(n, 8);
    const char *bad[] = {"", "1", "1/", "/2", "2/2", "-1/2", "1/0", "1/2x", "a/b"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_equal(nb_shard_parse(bad[k], &i, &n), NB_EUSAGE);
}

static void test_work_list_sorted_unique(void **state)
{
    (void)state;
    nb_train_work w = {0};
    nb_spec s;
    /* the Inception-like cell, the 00005c14 cell, and the first again */
    assert_int_equal(nb_spec_parse(&s, "[[0,1,1,1,1,0,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],"
                                       "[0,0,0,0,0,0,1],[0,0,0,0,0,1,0],[0,0,0,0,0,0,1],"
                                       "[0,0,0,0,0,0,0]]",
                                   "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,"
                                   "conv3x3-bn-relu,conv3x3-bn-relu,output"),
                     NB_OK);
    assert_int_equal(nb_train_work_add_spec(&w, &s), NB_OK);
    assert_int_equal(nb_train_work_add_spec(&w, &s), NB_OK);
    assert_int_equal(nb_spec_parse(&s, "0100110001000000010010000010000001000000010000000",
                                   "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,"
                                   "conv3x3-bn-relu,conv1x1-bn-relu,output"),
                     NB_OK);
    assert_int_equal(nb_train_work_add_spec(&w, &s), NB_OK);
    assert_int_equal(nb_train_work_sort(&w), NB_OK);
    assert_int_equal(w.count, 2);
    assert_string_equal(w.hashes[0], "00005c142e6f48ac74fdcf73e3439874");
    assert_string_equal(w.hashes[1], "28cfc7874f6d200472e1a9dcd8650aa0");
    nb_train_work_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_example),
        cmocka_unit_test(test_every_unit_exactly_once),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_work_list_sorted_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
