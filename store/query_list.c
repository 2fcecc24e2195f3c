/* Listing modules: filters, counting, hash iteration and top-k by metric.
 * Every statement text is fixed (metric columns come from a whitelist, values
 * are bound), so each one is prepared once and cached in the handle. */
#include "nb_query_internal.h"

#include <limits.h>
#include <string.h>

#include "nasbench/error.h"

void nb_filter_init(nb_filter *filter)
{
    filter->epochs = 0;
    filter->min_vertices = 0;
    filter->max_vertices = INT_MAX;
    filter->min_parameters = INT64_MIN;
    filter->max_parameters = INT64_MAX;
}

/* The filter conditions on modules m, parameters ?1..?5. An unbounded
 * parameter range is bound as NULL so that modules with an unknown count
 * still pass. */
#define FILTER_WHERE                                                                      \
    " WHERE (?1 = 0 OR EXISTS (SELECT 1 FROM runs r WHERE r.module_id = m.id"             \
    " AND r.epochs = ?1))"                                                                \
    " AND m.num_vertices BETWEEN ?2 AND ?3"                                               \
    " AND (?4 IS NULL OR m.trainable_parameters >= ?4)"                                   \
    " AND (?5 IS NULL OR m.trainable_parameters <= ?5)"

static void bind_filter(sqlite3_stmt *st, const nb_filter *filter, int first)
{
    nb_filter all;
    if (!filter) {
        nb_filter_init(&all);
        filter = &all;
    }
    sqlite3_bind_int(st, first, filter->epochs);
    sqlite3_bind_int(st, first + 1, filter->min_vertices);
    sqlite3_bind_int(st, first + 2, filter->max_vertices);
    if (filter->min_parameters != INT64_MIN)
        sqlite3_bind_int64(st, first + 3, filter->min_parameters);
    if (filter->max_parameters != INT64_MAX)
        sqlite3_bind_int64(st, first + 4, filter->max_parameters);
}

static int module_count(nb_bench *bench, const nb_filter *filter, int64_t *count)
{
    sqlite3_stmt *st;
    int rc = nb_bench_stmt(bench, "SELECT count(*) FROM modules m" FILTER_WHERE, &st);
    if (rc)
        return rc;
    bind_filter(st, filter, 1);
    if (sqlite3_step(st) != SQLITE_ROW)
        return nb_bench_sqlerr(bench, st, "counting modules");
    *count = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return NB_OK;
}

int nb_module_count(nb_bench *bench, const nb_filter *filter, int64_t *count)
{
    nb_bench_enter(bench);
    int rc = module_count(bench, filter, count);
    nb_bench_leave(bench);
    return rc;
}

static int module_foreach(nb_bench *bench, const nb_filter *filter,
                          int (*fn)(void *ctx, const char *hash), void *ctx)
{
    sqlite3_stmt *st;
    int rc = nb_bench_stmt(bench, "SELECT m.hash FROM modules m" FILTER_WHERE " ORDER BY m.hash",
                           &st);
    if (rc)
        return rc;
    bind_filter(st, filter, 1);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        rc = fn(ctx, (const char *)sqlite3_column_text(st, 0));
        if (rc) {
            sqlite3_reset(st);
            return rc;
        }
    }
    if (src != SQLITE_DONE)
        return nb_bench_sqlerr(bench, st, "listing modules");
    sqlite3_reset(st);
    return NB_OK;
}

int nb_module_foreach(nb_bench *bench, const nb_filter *filter,
                      int (*fn)(void *ctx, const char *hash), void *ctx)
{
    nb_bench_enter(bench);
    int rc = module_foreach(bench, filter, fn, ctx);
    nb_bench_leave(bench);
    return rc;
}

/* ---- top-k ------------------------------------------------------------------ */

/* The whitelist: a metric name and the SQL expression that reads it. Only
 * these strings ever reach the statement text. */
static const char *const metric_names[] = {
    "final_validation_accuracy", "final_test_accuracy", "final_train_accuracy",
    "final_training_time", "halfway_validation_accuracy", "halfway_test_accuracy",
    "halfway_train_accuracy", "halfway_training_time", "trainable_parameters", NULL};

const char *const *nb_metric_names(void)
{
    return metric_names;
}

int nb_metric_is_known(const char *metric)
{
    for (int i = 0; metric && metric_names[i]; i++)
        if (!strcmp(metric, metric_names[i]))
            return 1;
    return 0;
}

/* e.validation_accuracy for final_validation_accuracy, and so on. */
static void metric_expr(const char *metric, char *expr, size_t cap)
{
    if (!strcmp(metric, "trainable_parameters"))
        snprintf(expr, cap, "m.trainable_parameters");
    else if (!strncmp(metric, "final_", 6))
        snprintf(expr, cap, "e.%s", metric + 6);
    else
        snprintf(expr, cap, "e.%s", metric + 8); /* "halfway_" */
}

/* Statement text for one (metric, mean, order): a finite set, each cached.
 * Parameters: ?1 epochs, ?2..?5 vertex and parameter bounds, ?6 checkpoint,
 * ?7 limit. */
static void top_sql(const nb_top_query *q, char *sql, size_t cap)
{
    char expr[64];
    metric_expr(q->metric, expr, sizeof expr);
    const char *dir = q->ascending ? "ASC" : "DESC";
    const char *from =
        " FROM runs r JOIN modules m ON m.id = r.module_id"
        " LEFT JOIN evaluations e ON e.run_id = r.id AND e.checkpoint = ?6"
        " WHERE r.epochs = ?1 AND m.num_vertices BETWEEN ?2 AND ?3"
        " AND (?4 IS NULL OR m.trainable_parameters >= ?4)"
        " AND (?5 IS NULL OR m.trainable_parameters <= ?5)";
    if (q->mean)
        snprintf(sql, cap,
                 "SELECT m.hash, -2, count(%s), avg(%s) AS v, m.trainable_parameters,"
                 " m.num_vertices%s GROUP BY r.module_id HAVING v IS NOT NULL"
                 " ORDER BY v %s, m.hash LIMIT ?7",
                 expr, expr, from, dir);
    else
        snprintf(sql, cap,
                 "SELECT m.hash, r.repeat, 1, %s AS v, m.trainable_parameters, m.num_vertices"
                 "%s AND %s IS NOT NULL ORDER BY v %s, m.hash, r.repeat LIMIT ?7",
                 expr, from, expr, dir);
}

static int top(nb_bench *bench, const nb_top_query *q, nb_top_row *rows, int *count)
{
    if (!nb_metric_is_known(q->metric))
        return nb_seterr(NB_EUSAGE, "unknown metric '%.64s' (known: final_validation_accuracy,"
                                    " final_test_accuracy, ... see --help)",
                         q->metric ? q->metric : "");
    if (q->limit < 1)
        return nb_seterr(NB_EUSAGE, "top-k needs k >= 1, got %d", q->limit);
    int rc = nb_bench_check_budget(bench, q->epochs);
    if (rc)
        return rc;
    char sql[1024];
    top_sql(q, sql, sizeof sql);
    sqlite3_stmt *st;
    rc = nb_bench_stmt(bench, sql, &st);
    if (rc)
        return rc;
    nb_filter f = q->filter;
    f.epochs = q->epochs;
    bind_filter(st, &f, 1);
    sqlite3_bind_int(st, 6, strncmp(q->metric, "halfway_", 8) ? 2 : 1);
    sqlite3_bind_int(st, 7, q->limit);
    int n = 0, src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && n < q->limit) {
        nb_top_row *row = &rows[n++];
        const char *hash = (const char *)sqlite3_column_text(st, 0);
        snprintf(row->hash, sizeof row->hash, "%s", hash ? hash : "");
        row->repeat = sqlite3_column_int(st, 1);
        row->num_repeats = sqlite3_column_int(st, 2);
        row->value = nb_col_double(st, 3);
        row->trainable_parameters =
            sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
        row->num_vertices = sqlite3_column_int(st, 5);
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return nb_bench_sqlerr(bench, st, "ranking");
    sqlite3_reset(st);
    *count = n;
    return NB_OK;
}

int nb_top(nb_bench *bench, const nb_top_query *q, nb_top_row *rows, int *count)
{
    *count = 0;
    nb_bench_enter(bench);
    int rc = top(bench, q, rows, count);
    nb_bench_leave(bench);
    return rc;
}
