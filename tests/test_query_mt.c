/* The repeat generator: CPython's MT19937 seeding and randint(0, 2). The
 * expected values are the reference's (section 4.6), themselves printed by
 * CPython 3. */
#include "nb_test.h"

#include "nb_mt19937.h"

static void draws(int64_t seed, const int *expect, int n)
{
    nb_mt19937 mt;
    nb_mt_seed(&mt, (uint64_t)(seed < 0 ? -seed : seed));
    for (int i = 0; i < n; i++)
        assert_int_equal(nb_mt_below(&mt, 3), expect[i]);
}

static void test_raw_outputs_seed0(void **state)
{
    (void)state;
    static const uint32_t expect[] = {3626764237u, 1654615998u, 3255389356u, 3823568514u,
                                      1806341205u, 173879092u,  1112038970u, 4146640122u};
    nb_mt19937 mt;
    nb_mt_seed(&mt, 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(nb_mt_next(&mt), expect[i]);
}

static void test_randint_seed0(void **state)
{
    (void)state;
    static const int e[] = {1, 1, 0, 1, 2, 1, 1, 1, 1, 1, 2, 0, 2, 0, 1, 0, 0, 2, 1, 2};
    draws(0, e, 20);
}

static void test_randint_seed1(void **state)
{
    (void)state;
    static const int e[] = {0, 2, 0, 1, 0, 1, 1, 1, 2, 1, 0, 0, 1, 0, 1, 1, 2, 0, 2, 1};
    draws(1, e, 20);
}

static void test_randint_seed42(void **state)
{
    (void)state;
    static const int e[] = {2, 0, 0, 2, 1, 0, 0, 0, 2, 0, 2, 2, 2, 0, 2, 1, 0, 0, 0, 0};
    draws(42, e, 20);
}

/* Seeds above 2^32 use a two-word key; negative seeds their magnitude. */
static void test_wide_and_negative_seeds(void **state)
{
    (void)state;
    static const int wide[] = {0, 1, 1, 2, 0, 1, 2, 0, 2, 1, 2, 1, 0, 1, 2, 2, 2, 0, 2, 0};
    draws(4294967301LL, wide, 20);
    static const int big[] = {1, 2, 0, 1, 0, 1, 0, 0, 1, 0, 2, 1, 1, 2, 0, 0, 1, 0, 1, 0};
    draws(123456789012LL, big, 20);
    static const int neg[] = {2, 1, 2, 1, 2, 2, 2, 2, 0, 1};
    draws(-5, neg, 10);
}

/* randint(0, 4) (five repeats) rejects 5, 6 and 7 as CPython does. */
static void test_randbelow_five(void **state)
{
    (void)state;
    static const int e[] = {2, 1, 3, 0, 0, 4, 0, 2, 4, 0};
    nb_mt19937 mt;
    nb_mt_seed(&mt, 7);
    for (int i = 0; i < 10; i++)
        assert_int_equal(nb_mt_below(&mt, 5), e[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_outputs_seed0),
        cmocka_unit_test(test_randint_seed0),
        cmocka_unit_test(test_randint_seed1),
        cmocka_unit_test(test_randint_seed42),
        cmocka_unit_test(test_wide_and_negative_seeds),
        cmocka_unit_test(test_randbelow_five),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
