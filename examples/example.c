/*
 * What the original example.py does, in C on the SQLite store:
 *   1. query the README's Inception-like cell (one random repeat),
 *   2. print its fixed and computed statistics,
 *   3. iterate over every module hash and look the first ones up,
 *   4. spend a small random-search budget and print the budget counters.
 *
 * usage: nasbench_example DB [SEED]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nasbench/query.h"

#define INPUT "input"
#define OUTPUT "output"
#define CONV1X1 "conv1x1-bn-relu"
#define CONV3X3 "conv3x3-bn-relu"
#define MAXPOOL3X3 "maxpool3x3"

static int query_inception(nb_bench *bench)
{
    nb_spec cell;
    int rc = nb_spec_parse(&cell,
                           "[[0, 1, 1, 1, 0, 1, 0],"  /* input layer */
                           " [0, 0, 0, 0, 0, 0, 1],"  /* 1x1 conv */
                           " [0, 0, 0, 0, 0, 0, 1],"  /* 3x3 conv */
                           " [0, 0, 0, 0, 1, 0, 0],"  /* 5x5 conv (replaced by two 3x3's) */
                           " [0, 0, 0, 0, 0, 0, 1],"  /* 5x5 conv (replaced by two 3x3's) */
                           " [0, 0, 0, 0, 0, 0, 1],"  /* 3x3 max-pool */
                           " [0, 0, 0, 0, 0, 0, 0]]", /* output layer */
                           INPUT "," CONV1X1 "," CONV3X3 "," CONV3X3 "," CONV3X3 "," MAXPOOL3X3
                                 "," OUTPUT);
    if (rc)
        return rc;
    printf("Inception-like cell, valid: %s\n", nb_query_is_valid(&cell) ? "yes" : "no");
    nb_query_result r;
    rc = nb_query(bench, &cell, 108, 0, NB_REPEAT_RANDOM, &r);
    if (rc == NB_ENOTFOUND) {
        printf("  not in this database (%s)\n", nb_errmsg());
        return NB_OK;
    }
    if (rc)
        return rc;
    /* The original's seven keys and which repeat was drawn, doubles in the
     * shortest text that reads back exactly. */
    printf("Query result (repeat %d of %d):\n", r.repeat, r.num_repeats);
    nb_query_result_write_json(stdout, &r);
    printf("\n");
    nb_module_stats *s;
    rc = nb_module_stats_by_spec(bench, &cell, &s);
    if (rc)
        return rc;
    printf("Fixed and computed statistics:\n");
    nb_module_stats_write_json(stdout, s);
    printf("\n");
    nb_module_stats_free(s);
    return NB_OK;
}

typedef struct walk {
    nb_bench *bench;
    int64_t seen;
} walk;

/* Print the first three modules in full; count the rest. */
static int visit(void *ctx, const char *hash)
{
    walk *w = ctx;
    if (w->seen++ >= 3)
        return 0;
    nb_module_stats *s;
    int rc = nb_module_stats_by_hash(w->bench, hash, &s);
    if (rc)
        return rc;
    printf("  %s: %d vertices, %d budgets, %" PRId64 " parameters\n", hash,
           s->module.num_vertices, s->num_budgets, s->trainable_parameters);
    nb_module_stats_free(s);
    return 0;
}

typedef struct budget_walk {
    nb_bench *bench;
    int epochs;
    int left;
    nb_query_result best;
} budget_walk;

/* A deliberately naive search: query modules in hash order until the
 * budget of queries is used, keep the best validation accuracy. */
static int spend(void *ctx, const char *hash)
{
    budget_walk *b = ctx;
    if (b->left-- <= 0)
        return 1; /* stop the walk */
    nb_query_result r;
    int rc = nb_query_hash(b->bench, hash, b->epochs, 0, NB_REPEAT_RANDOM, &r);
    if (rc == NB_ENOTFOUND)
        return 0; /* no run at this budget */
    if (rc)
        return rc;
    if (b->best.hash[0] == '\0' || r.validation_accuracy > b->best.validation_accuracy)
        b->best = r;
    return 0;
}

static int run(nb_bench *bench)
{
    int rc = query_inception(bench);
    if (rc)
        return rc;

    printf("Iterating over unique models:\n");
    walk w = {bench, 0};
    rc = nb_module_foreach(bench, NULL, visit, &w);
    if (rc)
        return rc;
    printf("  %" PRId64 " modules in all\n", w.seen);

    int budgets[16];
    int n = nb_bench_budgets(bench, budgets, 16);
    if (n <= 0)
        return n < 0 ? NB_EDB : NB_OK;
    budget_walk b;
    memset(&b, 0, sizeof b);
    b.bench = bench;
    b.epochs = budgets[n - 1];
    b.left = 10;
    nb_bench_reset_budget_counters(bench);
    /* A search loop reads one snapshot: no file locking per query. */
    rc = nb_bench_hold_snapshot(bench, 1);
    if (rc)
        return rc;
    rc = nb_module_foreach(bench, NULL, spend, &b);
    nb_bench_hold_snapshot(bench, 0);
    if (rc && rc != 1)
        return rc;
    double t;
    int64_t e;
    nb_bench_budget_counters(bench, &t, &e);
    printf("Search of 10 queries at %d epochs, best by validation accuracy:\n", b.epochs);
    nb_query_result_write_json(stdout, &b.best);
    printf("\n");
    printf("Budget counters: training_time_spent %.17g, total_epochs_spent %" PRId64 "\n", t, e);
    nb_bench_reset_budget_counters(bench);
    nb_bench_budget_counters(bench, &t, &e);
    printf("After reset: %.17g, %" PRId64 "\n", t, e);
    return NB_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DB [SEED]\n", argv[0]);
        return NB_EUSAGE;
    }
    nb_bench *bench;
    int rc = nb_bench_open(argv[1], &bench);
    if (rc) {
        fprintf(stderr, "%s\n", nb_errmsg());
        return rc;
    }
    nb_bench_seed(bench, argc == 3 ? strtoll(argv[2], NULL, 10) : 0);
    rc = run(bench);
    if (rc)
        fprintf(stderr, "%s\n", nb_errmsg());
    nb_bench_close(bench);
    return rc;
}
