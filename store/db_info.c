/*
 * nb_db_write_info: the summary behind `nasbench info` as JSON, in one read
 * transaction so that the counts agree with each other.
 *
 * The per-budget and per-source counts come from one pass over runs in id
 * order, merged with one pass over evaluations in primary-key (run_id) order:
 * SQL GROUP BYs over the 5 million runs and 15 million evaluations of the
 * full dataset need temporary B-trees and took over 30 s; this pass takes a
 * few seconds.
 */
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_db_internal.h"
#include "nb_json.h"

typedef struct budget {
    int64_t epochs, runs, evaluations, modules;
    uint8_t *seen; /* bitmap of module ids counted for this budget */
} budget;

typedef struct tally {
    budget *budgets;
    int count, cap;
    int64_t max_module;
    int64_t *source_runs; /* index: source id */
    int64_t max_source;
} tally;

static int fail(nb_db *db)
{
    return nb_seterr(NB_EDB, "reading the database: %s", sqlite3_errmsg(nb_db_sqlite(db)));
}

static int count(nb_db *db, const char *sql, int64_t *n)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db, sql, &st);
    if (rc)
        return rc;
    int step = sqlite3_step(st);
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return step == SQLITE_ROW ? NB_OK : fail(db);
}

static budget *find_budget(tally *t, int64_t epochs)
{
    for (int i = 0; i < t->count; i++)
        if (t->budgets[i].epochs == epochs)
            return &t->budgets[i];
    if (t->count == t->cap) {
        int cap = t->cap ? 2 * t->cap : 8;
        budget *b = realloc(t->budgets, (size_t)cap * sizeof *b);
        if (!b)
            return NULL;
        t->budgets = b;
        t->cap = cap;
    }
    budget *b = &t->budgets[t->count];
    memset(b, 0, sizeof *b);
    b->epochs = epochs;
    b->seen = calloc((size_t)(t->max_module / 8 + 1), 1);
    if (!b->seen)
        return NULL;
    t->count++;
    return b;
}

static void tally_free(tally *t)
{
    for (int i = 0; i < t->count; i++)
        free(t->budgets[i].seen);
    free(t->budgets);
    free(t->source_runs);
}

/* Evaluations of run `id`: advance the evaluations cursor past it. */
static int64_t evals_of(sqlite3_stmt *ev, int *ev_row, int64_t id)
{
    int64_t n = 0;
    while (*ev_row && sqlite3_column_int64(ev, 0) <= id) {
        n += sqlite3_column_int64(ev, 0) == id;
        *ev_row = sqlite3_step(ev) == SQLITE_ROW;
    }
    return n;
}

static int one_pass(nb_db *db, tally *t)
{
    sqlite3_stmt *runs, *ev;
    int rc = nb_db_stmt(db, "SELECT id, module_id, epochs, source_id FROM runs ORDER BY id", &runs);
    if (!rc)
        rc = nb_db_stmt(db, "SELECT run_id FROM evaluations ORDER BY run_id", &ev);
    if (rc)
        return rc;
    int ev_row = sqlite3_step(ev) == SQLITE_ROW, step;
    budget *last = NULL;
    while ((step = sqlite3_step(runs)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(runs, 0), module = sqlite3_column_int64(runs, 1);
        int64_t epochs = sqlite3_column_int64(runs, 2), source = sqlite3_column_int64(runs, 3);
        budget *b = last && last->epochs == epochs ? last : find_budget(t, epochs);
        if (!b) {
            rc = nb_seterr(NB_ENOMEM, "out of memory");
            break;
        }
        last = b;
        b->runs++;
        b->evaluations += evals_of(ev, &ev_row, id);
        if (module >= 0 && module <= t->max_module && !(b->seen[module / 8] & (1u << (module % 8)))) {
            b->seen[module / 8] |= (uint8_t)(1u << (module % 8));
            b->modules++;
        }
        if (source >= 0 && source <= t->max_source)
            t->source_runs[source]++;
    }
    if (!rc && step != SQLITE_DONE)
        rc = fail(db);
    sqlite3_reset(runs);
    sqlite3_reset(ev);
    return rc;
}

static int cmp_budget(const void *a, const void *b)
{
    int64_t x = ((const budget *)a)->epochs, y = ((const budget *)b)->epochs;
    return (x > y) - (x < y);
}

static void put_text_or_null(FILE *out, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        fputs("null", out);
    else
        nb_json_put_string(out, (const char *)sqlite3_column_text(st, col));
}

static void put_int_or_null(FILE *out, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        fputs("null", out);
    else
        fprintf(out, "%lld", (long long)sqlite3_column_int64(st, col));
}

static void write_budgets(tally *t, FILE *out)
{
    qsort(t->budgets, (size_t)t->count, sizeof *t->budgets, cmp_budget);
    fputs(", \"budgets\": [", out);
    for (int i = 0; i < t->count; i++) {
        const budget *b = &t->budgets[i];
        fprintf(out, "%s{\"epochs\": %lld, \"runs\": %lld, \"modules\": %lld, \"evaluations\": %lld}",
                i ? ", " : "", (long long)b->epochs, (long long)b->runs, (long long)b->modules,
                (long long)b->evaluations);
    }
    fputs("]", out);
}

static int write_sources(nb_db *db, const tally *t, FILE *out)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db,
                        "SELECT id, kind, file_name, sha256, record_count, created_at,"
                        " program_version FROM sources ORDER BY id",
                        &st);
    if (rc)
        return rc;
    fputs(", \"sources\": [", out);
    int step, n = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        fprintf(out, "%s{\"id\": %lld, \"kind\": ", n++ ? ", " : "", (long long)id);
        put_text_or_null(out, st, 1);
        fputs(", \"file_name\": ", out);
        put_text_or_null(out, st, 2);
        fputs(", \"sha256\": ", out);
        put_text_or_null(out, st, 3);
        fputs(", \"record_count\": ", out);
        put_int_or_null(out, st, 4);
        fputs(", \"created_at\": ", out);
        put_text_or_null(out, st, 5);
        fputs(", \"program_version\": ", out);
        put_text_or_null(out, st, 6);
        fprintf(out, ", \"runs\": %lld}",
                (long long)(id >= 0 && id <= t->max_source ? t->source_runs[id] : 0));
    }
    sqlite3_reset(st);
    fputs("]", out);
    return step == SQLITE_DONE ? NB_OK : fail(db);
}

static int write_all(nb_db *db, FILE *out)
{
    int64_t version, modules, runs, evals;
    tally t = {0};
    int rc = count(db, "PRAGMA user_version", &version);
    if (!rc)
        rc = count(db, "SELECT count(*) FROM modules", &modules);
    if (!rc)
        rc = count(db, "SELECT count(*) FROM runs", &runs);
    if (!rc)
        rc = count(db, "SELECT count(*) FROM evaluations", &evals);
    if (!rc)
        rc = count(db, "SELECT coalesce(max(id), 0) FROM modules", &t.max_module);
    if (!rc)
        rc = count(db, "SELECT coalesce(max(id), 0) FROM sources", &t.max_source);
    if (!rc && !(t.source_runs = calloc((size_t)t.max_source + 1, sizeof *t.source_runs)))
        rc = nb_seterr(NB_ENOMEM, "out of memory");
    if (!rc)
        rc = one_pass(db, &t);
    if (!rc) {
        fprintf(out,
                "{\"schema_version\": %lld, \"modules\": %lld, \"runs\": %lld, "
                "\"evaluations\": %lld",
                (long long)version, (long long)modules, (long long)runs, (long long)evals);
        write_budgets(&t, out);
        rc = write_sources(db, &t, out);
    }
    if (!rc)
        fputs("}\n", out);
    tally_free(&t);
    return rc;
}

int nb_db_write_info(nb_db *db, FILE *out)
{
    /* A deferred transaction: a read snapshot, also on a read-only handle. */
    int rc = nb_db_exec(db, "BEGIN", "starting a read transaction");
    if (rc)
        return rc;
    rc = write_all(db, out);
    nb_db_exec(db, "COMMIT", "ending a read transaction");
    if (!rc && ferror(out))
        rc = nb_seterr(NB_EIO, "writing the summary failed");
    return rc;
}
