/*
 * nasbench: the query API. The original NASBench object's calls (query with
 * a random repeat and budget counters, fixed and computed statistics, hash
 * iteration) on the SQLite store, plus what users asked for: an explicit
 * repeat or the mean over repeats, lookups by hash, counts, filters and
 * top-k by any metric. Every call is SQL on statements cached in the handle.
 *
 * An nb_bench handle is the original NASBench object: a database, the random
 * generator of the repeats and the budget counters. One handle per thread.
 * Doubles come back exactly as stored; a value that is NULL in the database
 * (a field absent from the run's protobuf) comes back as NaN, which the JSON
 * writers print as null. All functions follow nasbench/error.h.
 */
#ifndef NASBENCH_QUERY_H
#define NASBENCH_QUERY_H

#include <stdint.h>
#include <stdio.h>

#include "nasbench/db.h"
#include "nasbench/spec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nb_bench nb_bench;

/* Open the database at `path` read-only and wrap it. The generator starts
 * seeded from OS entropy (the original's seed=None); see nb_bench_seed.
 * On success *out owns the database until nb_bench_close(); on failure *out
 * is NULL.
 *
 * Such a handle keeps a read lease: the first call opens a read transaction
 * that following calls reuse, and a background thread of the handle ends it
 * 10 ms after it began (busy or idle). That saves SQLite's per-statement
 * file locking, about 5 us of a 10 us query; a writer in another process
 * waits at most those 10 ms (within its busy timeout). */
int nb_bench_open(const char *path, nb_bench **out);

/* Wrap a database the caller already opened. The handle borrows `db`: it
 * must stay open until nb_bench_close(), which does not close it. */
int nb_bench_attach(nb_db *db, nb_bench **out);

/* Free the handle (and close its database when nb_bench_open made it).
 * NULL is a no-op. */
void nb_bench_close(nb_bench *bench);

/* The database of the handle (owned by the handle or by the caller of
 * nb_bench_attach). On a handle of nb_bench_open, use its connection
 * directly only while holding a snapshot (nb_bench_hold_snapshot): the
 * lease thread may end a transaction on it at any other time. */
nb_db *nb_bench_db(nb_bench *bench);

/* Seed the repeat generator as Python's random.seed(seed) does, so that a
 * sequence of random-repeat queries draws the same repeats as the original
 * API constructed with NASBench(file, seed=seed). Negative seeds behave as
 * their absolute value (as in CPython). */
void nb_bench_seed(nb_bench *bench, int64_t seed);

/* Hold one read transaction across the following calls (on = 1) or end it
 * (on = 0): every call until then reads one consistent state, however long
 * it takes. Without it a handle of nb_bench_attach takes and drops SQLite's
 * file lock on every call (a few system calls), and one of nb_bench_open
 * its 10 ms lease, which the snapshot replaces while held. While it is held,
 * writers in other processes wait (their busy timeout). Ended by
 * nb_bench_close too. NB_EDB when the database cannot be read. */
int nb_bench_hold_snapshot(nb_bench *bench, int on);

/* The budgets (epochs) present in the database, ascending. Computed once per
 * handle (a scan of the runs). Returns how many there are (at most `cap` are
 * written), or -1 on a database error (message in nb_errmsg()). */
int nb_bench_budgets(nb_bench *bench, int *epochs, int cap);

/* NB_OK when `epochs` is a stored budget, else NB_EDOMAIN with the
 * original's message, "invalid number of epochs, must be one of {4, 12, 36,
 * 108}" (ascending). What nb_query checks first. */
int nb_bench_check_budget(nb_bench *bench, int epochs);

/* ---- query ------------------------------------------------------------- */

/* Which repeat a query reads. A value >= 0 is an explicit repeat index. */
enum {
    NB_REPEAT_RANDOM = -1, /* drawn from the handle's generator, like the original */
    NB_REPEAT_MEAN = -2    /* arithmetic mean over every stored repeat, in repeat order */
};

typedef struct nb_query_result {
    char hash[NB_HASH_HEX + 1];
    nb_spec module;               /* stored canonical spec: module_adjacency, module_operations */
    int64_t trainable_parameters; /* -1 when unknown (NULL) */
    int epochs;
    int stop_halfway;
    double training_time;         /* halfway_* or final_* values of the repeat */
    double train_accuracy;
    double validation_accuracy;
    double test_accuracy;
    int repeat;                   /* the repeat read, or NB_REPEAT_MEAN */
    int num_repeats;              /* repeats stored for (module, epochs) */
} nb_query_result;

/* The original query(spec, epochs, stop_halfway), in its order: an epochs
 * value not among the stored budgets is NB_EDOMAIN "invalid number of
 * epochs, must be one of {4, 12, 36, 108}" (ascending); then the spec is
 * pruned and checked (NB_EDOMAIN with the original messages); then its module
 * is looked up (NB_ENOTFOUND when the module or an explicit repeat is not
 * stored): by the spec's canonical code in the query_cache table
 * (nb_spec_canon, the same module the hash names, without computing it),
 * else by the hash, as the original. `repeat` is NB_REPEAT_RANDOM, NB_REPEAT_MEAN or an index. On
 * success the budget counters grow by the returned training_time and by
 * epochs (epochs / 2 with stop_halfway). A failed query draws nothing and
 * changes nothing. */
int nb_query(nb_bench *bench, const nb_spec *spec, int epochs, int stop_halfway, int repeat,
             nb_query_result *out);

/* The same by module hash (no spec check, no pruning). */
int nb_query_hash(nb_bench *bench, const char *hash, int epochs, int stop_halfway, int repeat,
                  nb_query_result *out);

/* Budget counters of the original: seconds of training time and epochs
 * spent by successful queries since the handle was made or last reset. */
void nb_bench_budget_counters(const nb_bench *bench, double *training_time, int64_t *epochs);
void nb_bench_reset_budget_counters(nb_bench *bench);

/* The original is_valid(spec): prune and run the in-space check. Touches
 * neither the database, nor the generator, nor the counters. 1 or 0. */
int nb_query_is_valid(const nb_spec *spec);

/* ---- fixed and computed statistics ------------------------------------- */

/* One repeat's data point with the original eight keys. */
typedef struct nb_data_point {
    int repeat; /* stored repeat index */
    double halfway_training_time;
    double halfway_train_accuracy;
    double halfway_validation_accuracy;
    double halfway_test_accuracy;
    double final_training_time;
    double final_train_accuracy;
    double final_validation_accuracy;
    double final_test_accuracy;
} nb_data_point;

typedef struct nb_budget_stats {
    int epochs;
    int num_repeats;
    nb_data_point *repeats; /* in repeat order; points into the nb_module_stats block */
} nb_budget_stats;

typedef struct nb_module_stats {
    /* fixed statistics */
    char hash[NB_HASH_HEX + 1];
    nb_spec module;
    int64_t trainable_parameters; /* -1 when unknown */
    /* computed statistics: budgets ascending */
    int num_budgets;
    nb_budget_stats *budgets;
} nb_module_stats;

/* get_metrics_from_hash: every budget and every repeat of one module. No
 * counters, no randomness. *out is one allocation owned by the caller: free
 * it with nb_module_stats_free(). NB_ENOTFOUND for an unknown hash. */
int nb_module_stats_by_hash(nb_bench *bench, const char *hash, nb_module_stats **out);

/* get_metrics_from_spec: prune, check (NB_EDOMAIN), hash, then by hash. */
int nb_module_stats_by_spec(nb_bench *bench, const nb_spec *spec, nb_module_stats **out);

void nb_module_stats_free(nb_module_stats *stats);

/* ---- modules: lookup, iteration, counting, filtering ------------------- */

typedef struct nb_module_info {
    char hash[NB_HASH_HEX + 1];
    nb_spec module;
    int num_edges;
    int64_t trainable_parameters; /* -1 when unknown */
} nb_module_info;

/* The stored module of a hash. NB_ENOTFOUND when absent. */
int nb_module_lookup(nb_bench *bench, const char *hash, nb_module_info *out);

/* Which modules a listing considers. nb_filter_init() sets "everything". */
typedef struct nb_filter {
    int epochs;                 /* 0: every module; else only modules with runs at this budget */
    int min_vertices, max_vertices;
    int64_t min_parameters, max_parameters; /* inclusive */
} nb_filter;

void nb_filter_init(nb_filter *filter);

/* Number of modules that pass the filter (NULL: all). */
int nb_module_count(nb_bench *bench, const nb_filter *filter, int64_t *count);

/* hash_iterator: call fn for each module hash passing the filter (NULL: all),
 * in ascending hash order (the order of the released files). A non-zero
 * return from fn stops the walk and is returned. The hash is valid only
 * during the call. */
int nb_module_foreach(nb_bench *bench, const nb_filter *filter,
                      int (*fn)(void *ctx, const char *hash), void *ctx);

/* ---- top-k ------------------------------------------------------------- */

/* The metrics top-k can rank by: the eight keys of the original plus
 * trainable_parameters. Names outside this list are NB_EUSAGE. */
int nb_metric_is_known(const char *metric);

/* The list of metric names, NULL-terminated (static). */
const char *const *nb_metric_names(void);

typedef struct nb_top_row {
    char hash[NB_HASH_HEX + 1];
    int repeat;            /* the run's repeat, or NB_REPEAT_MEAN */
    int num_repeats;       /* 1 for a run; the repeats averaged for a mean */
    double value;          /* the ranking metric (mean when averaged) */
    int64_t trainable_parameters;
    int num_vertices;
} nb_top_row;

typedef struct nb_top_query {
    const char *metric;    /* one of nb_metric_names() */
    int epochs;            /* a stored budget (required) */
    int mean;              /* rank modules by the mean over repeats, not single runs */
    int ascending;         /* smallest first (e.g. training time) */
    int limit;             /* k >= 1 */
    nb_filter filter;      /* vertex and parameter bounds; filter.epochs is ignored */
} nb_top_query;

/* The best `limit` runs (or modules, with mean) at a budget by a metric;
 * ties broken by hash then repeat. `rows` (the caller's) must have room for
 * query->limit rows; rows[0..*count) are written. Runs whose metric is NULL
 * are left out. NB_EUSAGE for an unknown metric or limit < 1, NB_EDOMAIN for
 * a budget not stored. */
int nb_top(nb_bench *bench, const nb_top_query *query, nb_top_row *rows, int *count);

/* ---- JSON output (shortest round-trip doubles, NaN as null) ------------- */

/* {"module_adjacency": ..., "module_operations": ..., "trainable_parameters":
 * ..., "training_time": ..., "train_accuracy": ..., "validation_accuracy":
 * ..., "test_accuracy": ..., "repeat": K or "mean", "hash": ...} and no
 * newline. */
void nb_query_result_write_json(FILE *out, const nb_query_result *result);

/* {"hash": ..., "fixed": {the 3 original keys}, "computed": {"4": [data
 * points with the 8 original keys], ...}} and no newline. */
void nb_module_stats_write_json(FILE *out, const nb_module_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
