/* Fixed and computed statistics of one module (the original's
 * get_metrics_from_hash / get_metrics_from_spec) and module lookups. */
#include "nb_query_internal.h"

#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"

static const char SQL_MODULE[] =
    "SELECT id, adjacency, operations, trainable_parameters, num_edges"
    " FROM modules WHERE hash = ?1";

/* Every run of a module with its halfway and final evaluations, budgets
 * ascending, repeats in stored order. */
static const char SQL_RUNS[] =
    "SELECT r.epochs, r.repeat,"
    " h.training_time, h.train_accuracy, h.validation_accuracy, h.test_accuracy,"
    " f.training_time, f.train_accuracy, f.validation_accuracy, f.test_accuracy"
    " FROM runs r"
    " LEFT JOIN evaluations h ON h.run_id = r.id AND h.checkpoint = 1"
    " LEFT JOIN evaluations f ON f.run_id = r.id AND f.checkpoint = 2"
    " WHERE r.module_id = ?1 ORDER BY r.epochs, r.repeat";

/* Look the module up; *id gets its row id. */
static int find_module(nb_bench *bench, const char *hash, nb_module_info *info, int64_t *id)
{
    int rc = nb_check_hash_text(hash);
    sqlite3_stmt *st;
    if (!rc)
        rc = nb_bench_stmt(bench, SQL_MODULE, &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_DONE) {
        sqlite3_reset(st);
        return nb_seterr(NB_ENOTFOUND, "module %s is not in the database", hash);
    }
    if (src != SQLITE_ROW)
        return nb_bench_sqlerr(bench, st, "looking up the module");
    memset(info, 0, sizeof *info);
    memcpy(info->hash, hash, NB_HASH_HEX + 1);
    *id = sqlite3_column_int64(st, 0);
    rc = nb_col_spec(st, 1, 2, &info->module);
    info->trainable_parameters =
        sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
    info->num_edges = sqlite3_column_int(st, 4);
    sqlite3_reset(st);
    return rc ? nb_preferr(rc, "module %s", hash) : NB_OK;
}

int nb_module_lookup(nb_bench *bench, const char *hash, nb_module_info *out)
{
    int64_t id = 0;
    nb_bench_enter(bench);
    int rc = find_module(bench, hash, out, &id);
    nb_bench_leave(bench);
    return rc;
}

/* The runs read so far: a growing array of (epochs, data point). */
typedef struct run_list {
    int n, cap;
    int *epochs;
    nb_data_point *points;
} run_list;

static int run_list_push(run_list *l, int epochs, const nb_data_point *p)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        int *e = realloc(l->epochs, (size_t)cap * sizeof *e);
        if (e)
            l->epochs = e;
        nb_data_point *d = e ? realloc(l->points, (size_t)cap * sizeof *d) : NULL;
        if (!d)
            return nb_seterr(NB_ENOMEM, "out of memory");
        l->points = d;
        l->cap = cap;
    }
    l->epochs[l->n] = epochs;
    l->points[l->n++] = *p;
    return NB_OK;
}

static int read_runs(nb_bench *bench, int64_t module_id, run_list *l)
{
    sqlite3_stmt *st;
    int rc = nb_bench_stmt(bench, SQL_RUNS, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, module_id);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        nb_data_point p = {
            .repeat = sqlite3_column_int(st, 1),
            .halfway_training_time = nb_col_double(st, 2),
            .halfway_train_accuracy = nb_col_double(st, 3),
            .halfway_validation_accuracy = nb_col_double(st, 4),
            .halfway_test_accuracy = nb_col_double(st, 5),
            .final_training_time = nb_col_double(st, 6),
            .final_train_accuracy = nb_col_double(st, 7),
            .final_validation_accuracy = nb_col_double(st, 8),
            .final_test_accuracy = nb_col_double(st, 9),
        };
        rc = run_list_push(l, sqlite3_column_int(st, 0), &p);
        if (rc) {
            sqlite3_reset(st);
            return rc;
        }
    }
    if (src != SQLITE_DONE)
        return nb_bench_sqlerr(bench, st, "reading the runs");
    sqlite3_reset(st);
    return NB_OK;
}

/* One block: the header, the budgets, then the data points. */
static int build(const nb_module_info *info, const run_list *l, nb_module_stats **out)
{
    int budgets = 0;
    for (int i = 0; i < l->n; i++)
        budgets += i == 0 || l->epochs[i] != l->epochs[i - 1];
    size_t size = sizeof(nb_module_stats) + (size_t)budgets * sizeof(nb_budget_stats) +
                  (size_t)l->n * sizeof(nb_data_point);
    nb_module_stats *s = calloc(1, size);
    if (!s)
        return nb_seterr(NB_ENOMEM, "out of memory");
    memcpy(s->hash, info->hash, sizeof s->hash);
    s->module = info->module;
    s->trainable_parameters = info->trainable_parameters;
    s->budgets = (nb_budget_stats *)(s + 1);
    nb_data_point *points = (nb_data_point *)(s->budgets + budgets);
    if (l->n)
        memcpy(points, l->points, (size_t)l->n * sizeof *points);
    for (int i = 0; i < l->n; i++) {
        if (i == 0 || l->epochs[i] != l->epochs[i - 1]) {
            nb_budget_stats *b = &s->budgets[s->num_budgets++];
            b->epochs = l->epochs[i];
            b->repeats = points + i;
        }
        s->budgets[s->num_budgets - 1].num_repeats++;
    }
    *out = s;
    return NB_OK;
}

static int stats_by_hash(nb_bench *bench, const char *hash, nb_module_stats **out)
{
    nb_module_info info;
    int64_t id = 0;
    int rc = find_module(bench, hash, &info, &id);
    if (rc)
        return rc;
    run_list l = {0, 0, NULL, NULL};
    rc = read_runs(bench, id, &l);
    if (!rc)
        rc = build(&info, &l, out);
    free(l.epochs);
    free(l.points);
    return rc;
}

int nb_module_stats_by_hash(nb_bench *bench, const char *hash, nb_module_stats **out)
{
    *out = NULL;
    nb_bench_enter(bench);
    int rc = stats_by_hash(bench, hash, out);
    nb_bench_leave(bench);
    return rc;
}

int nb_module_stats_by_spec(nb_bench *bench, const nb_spec *spec, nb_module_stats **out)
{
    char hash[NB_HASH_HEX + 1];
    *out = NULL;
    int rc = nb_spec_resolve(spec, NULL, hash);
    return rc ? rc : nb_module_stats_by_hash(bench, hash, out);
}

void nb_module_stats_free(nb_module_stats *stats)
{
    free(stats);
}
