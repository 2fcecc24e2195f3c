/*
 * nb_db_write_info: the summary behind `nasbench info` as JSON. Counts come
 * from SQL over the whole database, in one read transaction so that they
 * agree with each other.
 */
#include <string.h>

#include "nasbench/error.h"
#include "nb_db_internal.h"
#include "nb_json.h"

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

/* Per budget: runs, distinct modules and evaluations. The runs of one budget
 * are counted with their evaluations in one pass over runs joined to
 * evaluations by primary key. */
static int write_budgets(nb_db *db, FILE *out)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db,
                        "SELECT r.epochs, count(*), count(DISTINCT r.module_id),"
                        " sum((SELECT count(*) FROM evaluations e WHERE e.run_id = r.id))"
                        " FROM runs r GROUP BY r.epochs ORDER BY r.epochs",
                        &st);
    if (rc)
        return rc;
    fputs(", \"budgets\": [", out);
    int step, n = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fprintf(out, "%s{\"epochs\": %lld, \"runs\": %lld, \"modules\": %lld, \"evaluations\": %lld}",
                n++ ? ", " : "", (long long)sqlite3_column_int64(st, 0),
                (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
                (long long)sqlite3_column_int64(st, 3));
    sqlite3_reset(st);
    fputs("]", out);
    return step == SQLITE_DONE ? NB_OK : fail(db);
}

static int write_sources(nb_db *db, FILE *out)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db,
                        "SELECT s.id, s.kind, s.file_name, s.sha256, s.record_count, s.created_at,"
                        " s.program_version, coalesce(c.n, 0) FROM sources s LEFT JOIN"
                        " (SELECT source_id, count(*) AS n FROM runs GROUP BY source_id) c"
                        " ON c.source_id = s.id ORDER BY s.id",
                        &st);
    if (rc)
        return rc;
    fputs(", \"sources\": [", out);
    int step, n = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        fprintf(out, "%s{\"id\": %lld, \"kind\": ", n++ ? ", " : "",
                (long long)sqlite3_column_int64(st, 0));
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
        fprintf(out, ", \"runs\": %lld}", (long long)sqlite3_column_int64(st, 7));
    }
    sqlite3_reset(st);
    fputs("]", out);
    return step == SQLITE_DONE ? NB_OK : fail(db);
}

static int write_all(nb_db *db, FILE *out)
{
    int64_t version, modules, runs, evals;
    int rc = count(db, "PRAGMA user_version", &version);
    if (!rc)
        rc = count(db, "SELECT count(*) FROM modules", &modules);
    if (!rc)
        rc = count(db, "SELECT count(*) FROM runs", &runs);
    if (!rc)
        rc = count(db, "SELECT count(*) FROM evaluations", &evals);
    if (rc)
        return rc;
    fprintf(out,
            "{\"schema_version\": %lld, \"modules\": %lld, \"runs\": %lld, \"evaluations\": %lld",
            (long long)version, (long long)modules, (long long)runs, (long long)evals);
    rc = write_budgets(db, out);
    if (!rc)
        rc = write_sources(db, out);
    if (!rc)
        fputs("}\n", out);
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
