/* RMSProp with TensorFlow 1.x semantics and the cosine schedule, against
 * values worked out by hand (double precision, float32 tolerance). */
#include <math.h>

#include "nasbench/error.h"

#include "nb_test.h"
#include "nb_train.h"

#define TOL 2e-7

static const nb_rmsprop tf = {0.9f, 0.9f, 1.0f, 0.0f};

static void test_slots_start_at_one_and_zero(void **state)
{
    (void)state;
    float ms[3] = {7, 7, 7}, mom[3] = {7, 7, 7};
    nb_rmsprop_init_slots(ms, mom, 3);
    for (int i = 0; i < 3; i++) {
        assert_true(ms[i] == 1.0f);
        assert_true(mom[i] == 0.0f);
    }
}

static void test_two_steps_by_hand(void **state)
{
    (void)state;
    float w = 1.0f, g = 0.5f, ms = 1.0f, mom = 0.0f;
    /* ms = 1 + (0.25 - 1) * 0.1 = 0.925; mom = 0.1 * 0.5 / sqrt(1.925) */
    nb_rmsprop_update(&tf, 0.1f, &w, &g, &ms, &mom, 1);
    assert_float_equal(ms, 0.925, TOL);
    assert_float_equal(mom, 0.03603749850782236, TOL);
    assert_float_equal(w, 0.9639625014921777, TOL);
    /* ms = 0.925 + (0.25 - 0.925) * 0.1; mom = 0.9 mom + 0.05 / sqrt(1.8575) */
    nb_rmsprop_update(&tf, 0.1f, &w, &g, &ms, &mom, 1);
    assert_float_equal(ms, 0.8575, TOL);
    assert_float_equal(mom, 0.06912019056939278, TOL);
    assert_float_equal(w, 0.8948423109227849, TOL);
}

static void test_weight_decay_is_part_of_the_gradient(void **state)
{
    (void)state;
    nb_rmsprop opt = tf;
    opt.weight_decay = 1e-4f;
    float w = 2.0f, g = 0.0f, ms = 1.0f, mom = 0.0f;
    /* gradient 1e-4 * 2 = 2e-4 */
    nb_rmsprop_update(&opt, 0.1f, &w, &g, &ms, &mom, 1);
    assert_float_equal(ms, 0.900000004, TOL);
    assert_float_equal(mom, 1.4509524986927052e-05, 1e-11);
    assert_float_equal(w, 1.9999854904750132, TOL);
}

static void test_zero_lr_moves_nothing_but_ms(void **state)
{
    (void)state;
    float w[2] = {0.3f, -0.7f}, g[2] = {2.0f, -1.0f}, ms[2], mom[2];
    nb_rmsprop_init_slots(ms, mom, 2);
    nb_rmsprop_update(&tf, nb_lr_cosine(0, 625, 0.2f), w, g, ms, mom, 2);
    assert_true(w[0] == 0.3f && w[1] == -0.7f);
    assert_true(mom[0] == 0.0f && mom[1] == 0.0f);
    assert_float_equal(ms[0], 1.3, TOL); /* 1 + (4 - 1) * 0.1 */
    assert_float_equal(ms[1], 1.0, TOL);
}

static void test_cosine_schedule(void **state)
{
    (void)state;
    assert_true(nb_lr_cosine(0, 625, 0.2f) == 0.0f);
    assert_float_equal(nb_lr_cosine(1, 625, 0.2f), 0.1999987366932966, 1e-7);
    assert_float_equal(nb_lr_cosine(312, 625, 0.2f), 0.10025132714770041, 1e-7);
    assert_float_equal(nb_lr_cosine(624, 625, 0.2f), 1.2633067034251156e-06, 1e-7);
    assert_float_equal(nb_lr_cosine(50, 100, 0.2f), 0.1, 1e-7);
    assert_float_equal(nb_lr_cosine(625, 625, 0.2f), 0.0, 1e-7);
    assert_float_equal(nb_lr_cosine(900, 625, 0.2f), 0.0, 1e-7); /* clamped */
}

static void test_steps_per_budget(void **state)
{
    (void)state;
    nb_train_config c;
    nb_train_config_default(&c);
    static const int epochs[4] = {4, 12, 36, 108};
    static const int64_t total[4] = {625, 1875, 5625, 16875}, half[4] = {312, 937, 2812, 8437};
    for (int i = 0; i < 4; i++) {
        int64_t t, h;
        assert_int_equal(nb_train_steps(&c, epochs[i], &t, &h), NB_OK);
        assert_int_equal(t, total[i]);
        assert_int_equal(h, half[i]);
    }
    c.train_images = 512;
    c.batch_size = 256;
    int64_t t, h;
    assert_int_equal(nb_train_steps(&c, 1, &t, &h), NB_EINVAL); /* 2 steps: too few */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_start_at_one_and_zero),
        cmocka_unit_test(test_two_steps_by_hand),
        cmocka_unit_test(test_weight_decay_is_part_of_the_gradient),
        cmocka_unit_test(test_zero_lr_moves_nothing_but_ms),
        cmocka_unit_test(test_cosine_schedule),
        cmocka_unit_test(test_steps_per_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
