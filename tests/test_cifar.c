/* CIFAR-10 binary reader, normalisation, augmentation and the training
 * stream, on small files written here in the binary format. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nasbench/error.h"
#include "nb_test.h"
#include "nb_train.h"

/* Image i: label i % 10, every pixel of plane c at (y, x) = (i + 7c + 3y + x) % 256. */
static uint8_t pixel(int i, int c, int y, int x)
{
    return (uint8_t)((i + 7 * c + 3 * y + x) % 256);
}

static const char *write_file(const char *name, int n, int extra_bytes, int bad_label_row)
{
    const char *path = nb_test_tmp(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < n; i++) {
        fputc(i == bad_label_row ? 10 : i % 10, f);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    fputc(pixel(i, c, y, x), f);
    }
    for (int k = 0; k < extra_bytes; k++)
        fputc(0, f);
    fclose(f);
    return path;
}

static void test_read_and_normalise(void **state)
{
    (void)state;
    nb_cifar_split s = {0};
    char sha[65];
    assert_int_equal(nb_cifar_read(write_file("a.bin", 20, 0, -1), 12, &s, sha), NB_OK);
    assert_int_equal(s.count, 12);
    assert_int_equal(strlen(sha), 64);
    assert_int_equal(s.labels[11], 1);
    float x[2 * NB_CIFAR_PIXELS];
    int32_t labels[2];
    nb_cifar_eval_batch(&s, 10, 2, NB_LAYOUT_NHWC, x, labels);
    assert_int_equal(labels[0], 0);
    assert_int_equal(labels[1], 1);
    /* image 11, green (c = 1), y = 2, x = 5: NHWC index (2 * 32 + 5) * 3 + 1 */
    float v = x[NB_CIFAR_PIXELS + (2 * 32 + 5) * 3 + 1];
    assert_float_equal(v, ((11 + 7 + 6 + 5) - 122.95) / 62.09, 1e-5);
    nb_cifar_eval_batch(&s, 11, 1, NB_LAYOUT_NCHW, x, labels);
    assert_float_equal(x[(1 * 32 + 2) * 32 + 5], v, 0);
    /* appending continues the split */
    assert_int_equal(nb_cifar_read(nb_test_tmp("a.bin"), -1, &s, NULL), NB_OK);
    assert_int_equal(s.count, 32);
    nb_cifar_free(&s);
}

static void test_bad_files_name_the_file(void **state)
{
    (void)state;
    nb_cifar_split s = {0};
    assert_int_equal(nb_cifar_read(write_file("short.bin", 3, 100, -1), -1, &s, NULL),
                     NB_ECORRUPT);
    assert_non_null(strstr(nb_errmsg(), "short.bin"));
    assert_non_null(strstr(nb_errmsg(), "truncated"));
    nb_cifar_free(&s);
    assert_int_equal(nb_cifar_read(write_file("label.bin", 5, 0, 3), -1, &s, NULL), NB_ECORRUPT);
    assert_non_null(strstr(nb_errmsg(), "row 3"));
    nb_cifar_free(&s);
    assert_int_equal(nb_cifar_read(nb_test_tmp("absent.bin"), -1, &s, NULL), NB_EIO);
    assert_non_null(strstr(nb_errmsg(), "absent.bin"));
    nb_cifar_free(&s);
}

/* Which (dy, dx, flip) produced an augmented NHWC image of image i; -1 if none. */
static int find_crop(const float *x, int i)
{
    static const float mean[3] = {125.31f, 122.95f, 113.87f}, sd[3] = {62.99f, 62.09f, 66.70f};
    for (int code = 0; code < 162; code++) {
        int dy = code / 18, dx = code / 2 % 9, flip = code % 2, ok = 1;
        for (int y = 0; y < 32 && ok; y++)
            for (int xx = 0; xx < 32 && ok; xx++)
                for (int c = 0; c < 3 && ok; c++) {
                    int sy = y + dy - 4, sx = (flip ? 31 - xx : xx) + dx - 4;
                    float raw = sy >= 0 && sy < 32 && sx >= 0 && sx < 32 ? pixel(i, c, sy, sx) : 0;
                    ok = fabsf(x[(y * 32 + xx) * 3 + c] - (raw - mean[c]) / sd[c]) < 1e-5f;
                }
        if (ok)
            return code;
    }
    return -1;
}

static void test_stream_epochs_and_augmentation(void **state)
{
    (void)state;
    enum { N = 10, B = 4 };
    nb_cifar_split s = {0};
    /* 10 images with labels 0..9: the label names the image */
    assert_int_equal(nb_cifar_read(write_file("s.bin", N, 0, -1), -1, &s, NULL), NB_OK);
    nb_cifar_stream st;
    assert_int_equal(nb_cifar_stream_init(&st, &s, 42), NB_OK);
    float *x = malloc(sizeof(float) * B * NB_CIFAR_PIXELS);
    int32_t labels[B], order[40];
    int codes[40], distinct = 0;
    for (int step = 0; step < 10; step++) { /* 40 images: 4 epochs, batches span them */
        nb_cifar_stream_batch(&st, step, B, NB_LAYOUT_NHWC, x, labels);
        for (int j = 0; j < B; j++) {
            order[step * B + j] = labels[j];
            codes[step * B + j] = find_crop(x + (size_t)j * NB_CIFAR_PIXELS, labels[j]);
            assert_true(codes[step * B + j] >= 0);
        }
    }
    for (int e = 0; e < 4; e++) { /* every epoch is a permutation */
        int seen[N] = {0};
        for (int k = 0; k < N; k++)
            seen[order[e * N + k]]++;
        for (int k = 0; k < N; k++)
            assert_int_equal(seen[k], 1);
    }
    assert_memory_not_equal(order, order + N, sizeof(int32_t) * N); /* reshuffled */
    for (int k = 1; k < 40; k++)
        distinct += codes[k] != codes[0];
    assert_true(distinct > 20); /* crops and flips vary */
    /* batch 7 again, from a fresh stream (a resumed run): identical */
    float *y = malloc(sizeof(float) * B * NB_CIFAR_PIXELS);
    nb_cifar_stream st2;
    assert_int_equal(nb_cifar_stream_init(&st2, &s, 42), NB_OK);
    nb_cifar_stream_batch(&st2, 7, B, NB_LAYOUT_NHWC, y, labels);
    nb_cifar_stream_batch(&st, 7, B, NB_LAYOUT_NHWC, x, labels);
    assert_memory_equal(x, y, sizeof(float) * B * NB_CIFAR_PIXELS);
    nb_cifar_stream_free(&st2);
    nb_cifar_stream_free(&st);
    free(x);
    free(y);
    nb_cifar_free(&s);
}

static void test_data_dir_requirements(void **state)
{
    (void)state;
    const char *names[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                           "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", nb_test_tmp("cifar"));
    assert_int_equal(mkdir(dir, 0755), 0);
    for (int i = 0; i < 6; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "cifar/%s", names[i]);
        write_file(rel, i == 4 ? 30 : 50, 0, -1);
    }
    nb_train_config c;
    nb_train_config_default(&c);
    c.train_images = 180;
    c.eval_images = 40;
    nb_train_data *d;
    /* data_batch_5 holds 30 images, the validation wants 40 */
    assert_int_equal(nb_train_data_open(dir, &c, &d), NB_ECORRUPT);
    assert_non_null(strstr(nb_errmsg(), "data_batch_5.bin"));
    c.eval_images = 30;
    assert_int_equal(nb_train_data_open(dir, &c, &d), NB_OK);
    assert_int_equal(d->train.count, 180);
    assert_int_equal(d->valid.count, 30);
    assert_string_equal(d->sha256[0], d->sha256[1]); /* same content, same digest */
    nb_train_data_close(d);
    c.train_images = 201; /* 4 x 50 available */
    assert_int_equal(nb_train_data_open(dir, &c, &d), NB_ECORRUPT);
    assert_non_null(strstr(nb_errmsg(), "200"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_and_normalise),
        cmocka_unit_test(test_bad_files_name_the_file),
        cmocka_unit_test(test_stream_epochs_and_augmentation),
        cmocka_unit_test(test_data_dir_requirements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
