/*
 * A small database the query tests make themselves through the db.h write
 * path: four real modules of the space (hashes, canonical specs and
 * parameter counts are the real ones), with made-up runs whose values have
 * the dataset's form (float32(k / 9984) accuracies, float32 times).
 *
 *   module          budgets       repeats
 *   FX_INCEPTION    4, 108        3, 3      (108 final values: reference 1.7)
 *   FX_FIRST        108           3         (00005c14...: reference 1.7 values)
 *   FX_TWO          4, 108        3, 1      (the 2-vertex module)
 *   FX_CHAIN        (none)        -         (a module without runs)
 */
#ifndef TEST_QUERY_FIXTURE_H
#define TEST_QUERY_FIXTURE_H

#include <string.h>

#include <stdio.h>

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nasbench/query.h"
#include "nasbench/spec.h"
#include "nb_test.h"

enum { FX_INCEPTION, FX_FIRST, FX_TWO, FX_CHAIN, FX_MODULES };

static const char *const fx_adjacency[FX_MODULES] = {
    "0111100000000100000010000001000001000000010000000",
    "0100110001000000010010000010000001000000010000000",
    "0100",
    "010001000",
};
static const char *const fx_ops[FX_MODULES] = {
    "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,output",
    "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv1x1-bn-relu,output",
    "input,output",
    "input,conv3x3-bn-relu,output",
};
static const char *const fx_hash[FX_MODULES] = {
    "28cfc7874f6d200472e1a9dcd8650aa0",
    "00005c142e6f48ac74fdcf73e3439874",
    "043721b9c7fe8c5fad811d47d83132ec",
    "b49ac8c578b4561d79ac7087988f1c61",
};

static double fx_acc(int k)
{
    return (double)((float)k / 9984.0f);
}

/* The four values of an evaluation (time, train, valid, test) of
 * (module, epochs, repeat, checkpoint), all distinct. */
static void fx_values(int module, int epochs, int repeat, int checkpoint, double v[4])
{
    static const double first[3][2][4] = {
        {{883.4580078125, 0.8282251358032227, 0.7776442170143127, 0.7740384340286255},
         {1769.1279296875, 1.0, 0.9241786599159241, 0.9211738705635071}},
        {{883.6810302734375, 0.8796073794364929, 0.8291265964508057, 0.8204126358032227},
         {1768.2509765625, 1.0, 0.9245793223381042, 0.9190705418586731}},
        {{883.4569702148438, 0.8634815812110901, 0.811598539352417, 0.8058894276618958},
         {1768.9759521484375, 1.0, 0.9304887652397156, 0.9215745329856873}}};
    if (module == FX_FIRST) {
        memcpy(v, first[repeat][checkpoint - 1], 4 * sizeof(double));
        return;
    }
    if (module == FX_INCEPTION && epochs == 108 && checkpoint == 2 && repeat == 1) {
        static const double printed[4] = {1155.85302734375, 1.0, 0.9376001358032227,
                                          0.9311898946762085};
        memcpy(v, printed, sizeof printed);
        return;
    }
    int base = 1000 * module + 10 * epochs / 4 + 100 * repeat + 37 * checkpoint;
    v[0] = (double)(float)(epochs * (checkpoint == 1 ? 5.25 : 10.5) + repeat + module * 0.125);
    v[1] = fx_acc(5000 + base);
    v[2] = fx_acc(4000 + base + 1);
    v[3] = fx_acc(3000 + base + 2);
}

static int fx_add_runs(nb_db *db, int64_t module_id, int module, int epochs, int repeats,
                       int64_t source_id)
{
    for (int r = 0; r < repeats; r++) {
        nb_evaluation ev[3];
        memset(ev, 0, sizeof ev);
        ev[0].present = NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME;
        for (int c = 1; c <= 2; c++) {
            double v[4];
            fx_values(module, epochs, r, c, v);
            ev[c].present = NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME |
                            NB_EVAL_TRAIN_ACCURACY | NB_EVAL_VALIDATION_ACCURACY |
                            NB_EVAL_TEST_ACCURACY;
            ev[c].current_epoch = epochs * c / 2.0;
            ev[c].training_time = v[0];
            ev[c].train_accuracy = v[1];
            ev[c].validation_accuracy = v[2];
            ev[c].test_accuracy = v[3];
        }
        nb_run run = {.module_id = module_id, .source_id = source_id, .epochs = epochs,
                      .repeat = -1, .num_evaluations = 3, .evaluations = ev};
        int rc = nb_db_add_run(db, &run, NULL);
        if (rc)
            return rc;
    }
    return NB_OK;
}

/* Create the fixture database at `path`. */
static int fx_make_db(const char *path)
{
    nb_db *db;
    int rc = nb_db_open(path, NB_OPEN_CREATE, &db);
    if (rc)
        return rc;
    int64_t source_id;
    nb_source src = {.kind = "tfrecord", .file_name = "fixture", .record_count = -1};
    rc = nb_db_begin(db);
    if (!rc)
        rc = nb_db_add_source(db, &src, &source_id);
    for (int m = 0; !rc && m < FX_MODULES; m++) {
        nb_spec spec;
        int64_t params, id;
        rc = nb_spec_parse(&spec, fx_adjacency[m], fx_ops[m]);
        if (!rc)
            rc = nb_spec_trainable_parameters(&spec, &NB_NET_SHAPE_DEFAULT, &params);
        if (!rc)
            rc = nb_db_add_module(db, fx_hash[m], fx_adjacency[m], fx_ops[m], spec.num_vertices,
                                  nb_spec_num_edges(&spec), params, &id);
        if (!rc && m == FX_INCEPTION) {
            rc = fx_add_runs(db, id, m, 4, 3, source_id);
            if (!rc)
                rc = fx_add_runs(db, id, m, 108, 3, source_id);
        } else if (!rc && m == FX_FIRST) {
            rc = fx_add_runs(db, id, m, 108, 3, source_id);
        } else if (!rc && m == FX_TWO) {
            rc = fx_add_runs(db, id, m, 4, 3, source_id);
            if (!rc)
                rc = fx_add_runs(db, id, m, 108, 1, source_id);
        }
    }
    rc = rc ? (nb_db_rollback(db), rc) : nb_db_commit(db);
    nb_db_close(db);
    return rc;
}

/* The cmocka group setup and teardown of the query tests: the fixture
 * database, made in this test process's directory and opened as fx_bench. */
static nb_bench *fx_bench;

__attribute__((unused)) static int fx_setup(void **state)
{
    (void)state;
    const char *path = nb_test_tmp("query_fixture.db");
    if (fx_make_db(path) || nb_bench_open(path, &fx_bench)) {
        fprintf(stderr, "fixture: %s\n", nb_errmsg());
        return -1;
    }
    return 0;
}

__attribute__((unused)) static int fx_teardown(void **state)
{
    (void)state;
    nb_bench_close(fx_bench);
    return 0;
}

#endif
