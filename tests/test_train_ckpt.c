/* Checkpoints: round trip, and every way a file can be unusable (missing,
 * damaged, truncated, another run's, another network's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nasbench/error.h"
#include "nb_test.h"
#include "nb_train.h"

static float a[1000], b[3];

static nb_ckpt_header header(void)
{
    nb_ckpt_header h;
    memset(&h, 0, sizeof h);
    strcpy(h.key, "campaign-hash-e4-r1");
    h.step = 312;
    h.training_time = 1155.85302734375f;
    h.elapsed = 1234.5;
    h.num_evaluations = 2;
    h.evaluations[1].present = NB_EVAL_TEST_ACCURACY | NB_EVAL_CURRENT_EPOCH;
    h.evaluations[1].test_accuracy = 0.9311898946762085;
    h.evaluations[1].current_epoch = 2.0;
    return h;
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++)
        a[i] = (float)i / 7.0f;
    b[0] = -1.5f, b[1] = 0.0f, b[2] = 3e38f;
    nb_ckpt_array arr[2] = {{a, 1000}, {b, 3}};
    nb_ckpt_header h = header();
    const char *path = nb_test_tmp("r.ckpt");
    assert_int_equal(nb_ckpt_save(path, &h, arr, 2), NB_OK);
    char tmp[2100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0); /* renamed into place */
    float a2[1000], b2[3];
    nb_ckpt_array arr2[2] = {{a2, 1000}, {b2, 3}};
    nb_ckpt_header got;
    memset(&got, 0, sizeof got);
    strcpy(got.key, h.key);
    assert_int_equal(nb_ckpt_load(nb_test_tmp("r.ckpt"), &got, arr2, 2), NB_OK);
    assert_memory_equal(a, a2, sizeof a);
    assert_memory_equal(b, b2, sizeof b);
    assert_int_equal(got.step, 312);
    assert_true(got.training_time == 1155.85302734375f);
    assert_true(got.elapsed == 1234.5);
    assert_int_equal(got.num_evaluations, 2);
    assert_true(got.evaluations[1].test_accuracy == 0.9311898946762085);
    assert_int_equal(got.evaluations[1].present, NB_EVAL_TEST_ACCURACY | NB_EVAL_CURRENT_EPOCH);
}

static int load(const char *name, const char *key, size_t n0)
{
    float a2[1000], b2[3];
    nb_ckpt_array arr2[2] = {{a2, n0}, {b2, 3}};
    nb_ckpt_header got;
    memset(&got, 0, sizeof got);
    strcpy(got.key, key);
    return nb_ckpt_load(nb_test_tmp(name), &got, arr2, 2);
}

static void test_unusable_files(void **state)
{
    (void)state;
    nb_ckpt_array arr[2] = {{a, 1000}, {b, 3}};
    nb_ckpt_header h = header();
    assert_int_equal(nb_ckpt_save(nb_test_tmp("u.ckpt"), &h, arr, 2), NB_OK);
    assert_int_equal(load("none.ckpt", h.key, 1000), NB_ENOTFOUND);
    assert_int_equal(load("u.ckpt", "campaign-hash-e4-r2", 1000), NB_ECORRUPT); /* another run */
    assert_non_null(strstr(nb_errmsg(), "belongs to campaign-hash-e4-r1"));
    assert_int_equal(load("u.ckpt", h.key, 999), NB_ECORRUPT); /* another network */
    size_t len;
    char *bytes = nb_test_read_file(nb_test_tmp("u.ckpt"), &len);
    assert_non_null(bytes);
    FILE *f = fopen(nb_test_tmp("cut.ckpt"), "wb"); /* truncated */
    fwrite(bytes, 1, len / 2, f);
    fclose(f);
    assert_int_equal(load("cut.ckpt", h.key, 1000), NB_ECORRUPT);
    bytes[len / 2] ^= 0x10; /* one flipped bit: the zstd checksum catches it */
    f = fopen(nb_test_tmp("flip.ckpt"), "wb");
    fwrite(bytes, 1, len, f);
    fclose(f);
    assert_int_equal(load("flip.ckpt", h.key, 1000), NB_ECORRUPT);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unusable_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
