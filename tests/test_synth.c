/* The synthetic dataset writer: order, form of every value, determinism,
 * subsets, zstd output, the first module of the real file. */
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_record.h"
#include "nb_synth.h"
#include "nb_test.h"
#include "nb_tfrecord.h"

static nb_synth_space *space;

static int setup(void **state)
{
    (void)state;
    /* Modules of at most 5 vertices (2,532): the full space takes seconds to
     * enumerate; tests/cli/synth.sh covers it. */
    return nb_synth_space_new(5, &space);
}

static int teardown(void **state)
{
    (void)state;
    nb_synth_space_free(space);
    return 0;
}

static int is_acc(double a)
{
    double k = a * 9984.0;
    int ki = (int)(k + 0.5);
    return ki >= 0 && ki <= 9984 && a == (double)((float)ki / 9984.0f);
}

static int is_f32(double t)
{
    return t == (double)(float)t;
}

typedef struct {
    int64_t records, diverged, final108;
    double sum_val108;
} summary;

/* Read a synthetic file back and check every rule of nb_synth.h. */
static summary check_file(const char *path, const nb_synth_options *o)
{
    summary s = {0};
    nb_tfr_reader *r;
    nb_record_codec *c;
    assert_int_equal(nb_tfr_open(path, &r), NB_OK);
    assert_int_equal(nb_record_codec_new(&c), NB_OK);
    char prev_hash[33] = "";
    int64_t prev_params = -1;
    int pos = 0, per = o->num_budgets * o->repeats, got;
    nb_tfr_record tr;
    while (nb_tfr_next(r, &tr, &got) == NB_OK && got) {
        nb_record rec;
        nb_spec spec;
        assert_int_equal(nb_record_decode(c, tr.data, tr.len, &rec, NULL), NB_OK);
        if (nb_record_validate(&rec, &spec, NULL))
            fail_msg("record %lld: %s", (long long)tr.index, nb_errmsg());
        int exact;
        assert_int_equal(nb_record_is_canonical(c, &rec, tr.data, tr.len, &exact), NB_OK);
        assert_true(exact);
        /* Order: hash ascending, then budgets ascending, repeats adjacent. */
        int cmp = memcmp(rec.hash, prev_hash, 32);
        if (pos % per == 0) {
            assert_true(prev_hash[0] == 0 || cmp > 0);
            memcpy(prev_hash, rec.hash, 32);
            int64_t params;
            assert_int_equal(nb_spec_trainable_parameters(&spec, &NB_NET_SHAPE_DEFAULT, &params),
                             NB_OK);
            prev_params = params;
        } else {
            assert_int_equal(cmp, 0);
        }
        int epochs = o->budgets[(pos % per) / o->repeats];
        assert_int_equal(rec.epochs, epochs);
        assert_true(rec.has_trainable_parameters);
        assert_int_equal(rec.trainable_parameters, prev_params);
        /* Values. */
        assert_int_equal(rec.num_evaluations, 3);
        const nb_evaluation *e = rec.evaluations;
        assert_true(e[0].current_epoch == 0.0 && e[0].training_time == 0.0);
        assert_true(e[1].current_epoch == epochs / 2.0 && e[2].current_epoch == epochs);
        for (int i = 0; i < 3; i++) {
            assert_true(is_acc(e[i].train_accuracy) && is_acc(e[i].validation_accuracy) &&
                        is_acc(e[i].test_accuracy));
            assert_true(is_f32(e[i].training_time));
            assert_null(e[i].checkpoint_path);
        }
        assert_true(e[1].training_time > 0 && e[1].training_time < e[2].training_time);
        assert_true(e[1].train_accuracy < e[2].train_accuracy);
        assert_true(e[1].validation_accuracy < e[2].validation_accuracy);
        assert_true(e[1].test_accuracy < e[2].test_accuracy);
        assert_true(rec.has_total_time && rec.total_time > e[2].training_time);
        if (e[2].validation_accuracy < 0.2)
            s.diverged++;
        else if (epochs == 108) {
            s.final108++;
            s.sum_val108 += e[2].validation_accuracy;
        }
        pos++;
    }
    assert_int_equal(got, 0);
    s.records = pos;
    nb_record_codec_free(c);
    nb_tfr_close(r);
    return s;
}

static void test_space(void **state)
{
    (void)state;
    assert_int_equal(nb_synth_space_size(space), 2532);
    nb_synth_space *bad;
    assert_int_equal(nb_synth_space_new(8, &bad), NB_EUSAGE);
    assert_null(bad);
}

static void test_small_file(void **state)
{
    (void)state;
    nb_synth_options o;
    nb_synth_defaults(&o);
    o.modules = 300;
    o.seed = 11;
    const char *path = nb_test_tmp("small.tfrecord");
    int64_t n;
    assert_int_equal(nb_synth_write_space(space, path, &o, &n), NB_OK);
    assert_int_equal(n, 300 * 12);
    summary s = check_file(path, &o);
    assert_int_equal(s.records, 3600);
    /* Realistic form: mostly 85-95% at 108 epochs, a few diverged runs. */
    double mean = s.sum_val108 / (double)s.final108;
    assert_true(mean > 0.85 && mean < 0.95);
    assert_true(s.diverged >= 1 && s.diverged < 60);
}

static char *slurp(const char *path, size_t *n)
{
    char *b = nb_test_read_file(path, n);
    assert_non_null(b);
    return b;
}

/* Same seed, same bytes; a subset is a prefix; another seed differs;
 * zstd holds the same stream. */
static void test_determinism_subset_zstd(void **state)
{
    (void)state;
    nb_synth_options o;
    nb_synth_defaults(&o);
    o.modules = 40;
    o.seed = 5;
    char a[4096], b[4096], sub[4096], other[4096], z[4096];
    snprintf(a, sizeof a, "%s", nb_test_tmp("a.tfrecord"));
    snprintf(b, sizeof b, "%s", nb_test_tmp("b.tfrecord"));
    snprintf(sub, sizeof sub, "%s", nb_test_tmp("sub.tfrecord"));
    snprintf(other, sizeof other, "%s", nb_test_tmp("other.tfrecord"));
    snprintf(z, sizeof z, "%s", nb_test_tmp("a.tfrecord.zst"));
    assert_int_equal(nb_synth_write_space(space, a, &o, NULL), NB_OK);
    assert_int_equal(nb_synth_write_space(space, b, &o, NULL), NB_OK);
    assert_int_equal(nb_synth_write_space(space, z, &o, NULL), NB_OK);
    o.modules = 7;
    assert_int_equal(nb_synth_write_space(space, sub, &o, NULL), NB_OK);
    o.modules = 40;
    o.seed = 6;
    assert_int_equal(nb_synth_write_space(space, other, &o, NULL), NB_OK);
    size_t na, nb, ns, no;
    char *da = slurp(a, &na), *db = slurp(b, &nb), *ds = slurp(sub, &ns), *dot = slurp(other, &no);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    assert_true(ns < na);
    assert_memory_equal(da, ds, ns);
    assert_true(no != na || memcmp(da, dot, na) != 0);

    nb_tfr_reader *r;
    assert_int_equal(nb_tfr_open(z, &r), NB_OK);
    assert_true(nb_tfr_is_zstd(r));
    size_t off = 0;
    nb_tfr_record tr;
    int got;
    while (nb_tfr_next(r, &tr, &got) == NB_OK && got) {
        assert_true(off + 12 + tr.len <= na);
        assert_memory_equal(da + off + 12, tr.data, tr.len);
        off += tr.len + NB_TFR_OVERHEAD;
    }
    assert_int_equal(off, na);
    nb_tfr_close(r);
    free(da), free(db), free(ds), free(dot);
}

static void test_bad_options(void **state)
{
    (void)state;
    nb_synth_options o;
    nb_synth_defaults(&o);
    o.budgets[1] = 4; /* not ascending */
    assert_int_equal(nb_synth_write_space(space, nb_test_tmp("x.tfrecord"), &o, NULL), NB_EUSAGE);
    nb_synth_defaults(&o);
    o.repeats = 0;
    assert_int_equal(nb_synth_write_space(space, nb_test_tmp("x.tfrecord"), &o, NULL), NB_EUSAGE);
    nb_synth_defaults(&o);
    o.modules = 1;
    assert_int_equal(nb_synth_write_space(space, "/nonexistent-dir/x.tfrecord", &o, NULL),
                     NB_EIO);
}

/* nb_synth_run is the same function the writer uses. */
static void test_run_matches_file(void **state)
{
    (void)state;
    nb_synth_options o;
    nb_synth_defaults(&o);
    o.modules = 1;
    o.seed = 77;
    const char *path = nb_test_tmp("first_all.tfrecord");
    assert_int_equal(nb_synth_write_space(space, path, &o, NULL), NB_OK);
    nb_tfr_reader *r;
    nb_record_codec *c;
    assert_int_equal(nb_tfr_open(path, &r), NB_OK);
    assert_int_equal(nb_record_codec_new(&c), NB_OK);
    nb_tfr_record tr;
    int got;
    for (int i = 0; i < 11; i++) /* 4 x3, 12 x3, 36 x3, 108 repeats 0 and 1 */
        assert_int_equal(nb_tfr_next(r, &tr, &got), NB_OK);
    nb_record back;
    nb_spec spec;
    assert_int_equal(nb_record_decode(c, tr.data, tr.len, &back, NULL), NB_OK);
    assert_int_equal(nb_record_validate(&back, &spec, NULL), NB_OK);
    assert_int_equal(back.epochs, 108);
    char hash[33];
    memcpy(hash, back.hash, 32);
    hash[32] = 0;
    nb_evaluation ev[3];
    nb_record rec = {0};
    assert_int_equal(nb_synth_run(77, hash, &spec, 108, 1, ev, &rec), NB_OK);
    assert_memory_equal(back.evaluations, ev, 3 * sizeof *ev);
    assert_true(back.total_time == rec.total_time);
    assert_int_equal(back.trainable_parameters, rec.trainable_parameters);
    assert_int_equal(nb_synth_run(77, hash, &spec, 0, 1, ev, &rec), NB_EUSAGE);
    nb_record_codec_free(c);
    nb_tfr_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_space),
        cmocka_unit_test(test_small_file),
        cmocka_unit_test(test_determinism_subset_zstd),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_run_matches_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
