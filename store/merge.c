/* nasbench merge: copy the sources, modules and runs of other databases into
 * one, idempotently (rules in nasbench/merge.h). The inputs are read through
 * their own read-only connections; all writes go into one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nasbench/error.h"
#include "nasbench/merge.h"
#include "nb_db_internal.h"

#define MAX_EVALS 16

/* Input id -> output id, for the dense INTEGER PRIMARY KEYs of one input. */
typedef struct id_map {
    int64_t *to;
    int64_t size;
} id_map;

static int map_alloc(id_map *m, nb_db *in, const char *table)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT coalesce(max(id), 0) FROM %s", table);
    sqlite3_stmt *st;
    int rc = nb_db_stmt(in, sql, &st);
    if (rc != NB_OK)
        return rc;
    int64_t max = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    m->size = max + 1;
    m->to = calloc((size_t)m->size, sizeof *m->to);
    if (!m->to)
        return nb_seterr(NB_ENOMEM, "out of memory for %lld %s ids", (long long)max, table);
    return NB_OK;
}

static int db_fail(nb_db *db, const char *what)
{
    return nb_seterr(NB_EDB, "%s: %s", what, sqlite3_errmsg(nb_db_sqlite(db)));
}

static void bind_source(sqlite3_stmt *st, sqlite3_stmt *row)
{
    for (int i = 0; i < 7; i++) /* columns 1..7 of row: every field but the id */
        sqlite3_bind_value(st, i + 1, sqlite3_column_value(row, i + 1));
}

/* One source row: found identical in out, or inserted verbatim (its
 * created_at and program_version are provenance, not rewritten). */
static int merge_source(nb_db *out, sqlite3_stmt *row, int64_t *out_id, int *added)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(out,
                        "SELECT id FROM sources WHERE kind IS ?1 AND file_name IS ?2"
                        " AND sha256 IS ?3 AND record_count IS ?4 AND created_at IS ?5"
                        " AND program_version IS ?6 AND config IS ?7 ORDER BY id LIMIT 1",
                        &st);
    if (rc != NB_OK)
        return rc;
    bind_source(st, row);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *out_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (s == SQLITE_ROW)
        return NB_OK;
    if (s != SQLITE_DONE)
        return db_fail(out, "looking up a source");
    rc = nb_db_stmt(out,
                    "INSERT INTO sources(kind, file_name, sha256, record_count, created_at,"
                    " program_version, config) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    &st);
    if (rc != NB_OK)
        return rc;
    bind_source(st, row);
    s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return db_fail(out, "copying a source");
    *out_id = sqlite3_last_insert_rowid(nb_db_sqlite(out));
    *added = 1;
    return NB_OK;
}

static int merge_sources(nb_db *out, nb_db *in, id_map *map, nb_merge_stats *stats)
{
    sqlite3_stmt *row;
    int rc = nb_db_stmt(in,
                        "SELECT id, kind, file_name, sha256, record_count, created_at,"
                        " program_version, config FROM sources ORDER BY id",
                        &row);
    int s;
    while (rc == NB_OK && (s = sqlite3_step(row)) == SQLITE_ROW) {
        int added = 0;
        int64_t id = sqlite3_column_int64(row, 0);
        rc = merge_source(out, row, &map->to[id], &added);
        stats->sources_added += added;
    }
    if (rc == NB_OK && s != SQLITE_DONE)
        rc = db_fail(in, "reading sources");
    sqlite3_reset(row);
    return rc;
}

static int merge_modules(nb_db *out, nb_db *in, id_map *map, nb_merge_stats *stats)
{
    sqlite3_stmt *row, *find, *fill;
    int rc = nb_db_stmt(in,
                        "SELECT id, hash, adjacency, operations, num_vertices, num_edges,"
                        " trainable_parameters FROM modules ORDER BY id",
                        &row);
    if (rc != NB_OK)
        return rc;
    int s;
    while (rc == NB_OK && (s = sqlite3_step(row)) == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(row, 1);
        int64_t params = sqlite3_column_type(row, 6) == SQLITE_NULL ? -1
                                                                     : sqlite3_column_int64(row, 6);
        if ((rc = nb_db_stmt(out, "SELECT id FROM modules WHERE hash = ?1", &find)) != NB_OK)
            break;
        sqlite3_bind_text(find, 1, hash, -1, SQLITE_TRANSIENT);
        int present = sqlite3_step(find) == SQLITE_ROW;
        sqlite3_reset(find);
        int64_t *to = &map->to[sqlite3_column_int64(row, 0)];
        rc = nb_db_add_module(out, hash, (const char *)sqlite3_column_text(row, 2),
                              (const char *)sqlite3_column_text(row, 3),
                              sqlite3_column_int(row, 4), sqlite3_column_int(row, 5), params, to);
        stats->modules_added += !present;
        if (rc == NB_OK && present && params >= 0) { /* a known count fills an unknown one */
            rc = nb_db_stmt(out,
                            "UPDATE modules SET trainable_parameters = ?1"
                            " WHERE id = ?2 AND trainable_parameters IS NULL",
                            &fill);
            if (rc == NB_OK) {
                sqlite3_bind_int64(fill, 1, params);
                sqlite3_bind_int64(fill, 2, *to);
                if (sqlite3_step(fill) != SQLITE_DONE)
                    rc = db_fail(out, "filling a parameter count");
                sqlite3_reset(fill);
            }
        }
    }
    if (rc == NB_OK && s != SQLITE_DONE)
        rc = db_fail(in, "reading modules");
    sqlite3_reset(row);
    return rc;
}

/* The evaluations of one input run, index = checkpoint. Text of
 * checkpoint_path is copied into paths (they must outlive the statement). */
static int read_evals(nb_db *in, int64_t run_id, nb_evaluation *ev, char **paths, int *count)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(in,
                        "SELECT checkpoint, current_epoch, training_time, train_accuracy,"
                        " validation_accuracy, test_accuracy, checkpoint_path FROM evaluations"
                        " WHERE run_id = ?1 ORDER BY checkpoint",
                        &st);
    if (rc != NB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, run_id);
    int n = 0, s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == MAX_EVALS || sqlite3_column_int(st, 0) != n) {
            sqlite3_reset(st);
            return nb_seterr(NB_ECORRUPT, "run %lld: evaluation checkpoints are not 0..%d",
                             (long long)run_id, MAX_EVALS - 1);
        }
        nb_evaluation *e = &ev[n];
        memset(e, 0, sizeof *e);
        double *field[5] = {&e->current_epoch, &e->training_time, &e->train_accuracy,
                            &e->validation_accuracy, &e->test_accuracy};
        static const unsigned bit[5] = {NB_EVAL_CURRENT_EPOCH, NB_EVAL_TRAINING_TIME,
                                        NB_EVAL_TRAIN_ACCURACY, NB_EVAL_VALIDATION_ACCURACY,
                                        NB_EVAL_TEST_ACCURACY};
        for (int i = 0; i < 5; i++)
            if (sqlite3_column_type(st, i + 1) != SQLITE_NULL) {
                *field[i] = sqlite3_column_double(st, i + 1);
                e->present |= bit[i];
            }
        free(paths[n]);
        paths[n] = NULL;
        if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
            paths[n] = strdup((const char *)sqlite3_column_text(st, 6));
            if (!paths[n]) {
                sqlite3_reset(st);
                return nb_seterr(NB_ENOMEM, "out of memory");
            }
            e->checkpoint_path = paths[n];
            e->present |= NB_EVAL_CHECKPOINT_PATH;
        }
        n++;
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return db_fail(in, "reading evaluations");
    *count = n;
    return NB_OK;
}

/* The raw payload kept for an input run, copied along with it. */
static int copy_raw(nb_db *out, nb_db *in, int64_t in_run, int64_t out_run)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(in, "SELECT payload FROM raw_records WHERE run_id = ?1", &st);
    if (rc != NB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, in_run);
    if (sqlite3_step(st) == SQLITE_ROW)
        rc = nb_db_add_raw_record(out, out_run, sqlite3_column_blob(st, 0),
                                  (size_t)sqlite3_column_bytes(st, 0));
    sqlite3_reset(st);
    return rc;
}

static int merge_one_run(nb_db *out, nb_db *in, sqlite3_stmt *row, const id_map *modules,
                         const id_map *sources, char **paths, nb_merge_stats *stats)
{
    nb_evaluation ev[MAX_EVALS];
    int64_t in_id = sqlite3_column_int64(row, 0);
    int64_t mid = sqlite3_column_int64(row, 1), sid = sqlite3_column_int64(row, 5);
    if (mid < 0 || mid >= modules->size || sid < 0 || sid >= sources->size ||
        !modules->to[mid] || !sources->to[sid])
        return nb_seterr(NB_ECORRUPT, "run %lld refers to a missing module or source",
                         (long long)in_id);
    nb_run run = {0};
    run.module_id = modules->to[mid];
    run.source_id = 0; /* the lookup below then considers runs of every source */
    run.epochs = sqlite3_column_int(row, 2);
    run.repeat = -1;
    run.has_total_time = sqlite3_column_type(row, 4) != SQLITE_NULL;
    run.total_time = sqlite3_column_double(row, 4);
    run.evaluations = ev;
    int rc = read_evals(in, in_id, ev, paths, &run.num_evaluations);
    int64_t found = 0, out_id = 0;
    if (rc == NB_OK)
        rc = nb_db_find_run(out, &run, &found);
    if (rc != NB_OK || found) {
        stats->runs_skipped += found != 0;
        return rc;
    }
    run.source_id = sources->to[sid];
    if ((rc = nb_db_add_run(out, &run, &out_id)) == NB_OK)
        rc = copy_raw(out, in, in_id, out_id);
    stats->runs_added += rc == NB_OK;
    return rc;
}

static int merge_runs(nb_db *out, nb_db *in, const id_map *modules, const id_map *sources,
                      nb_merge_stats *stats)
{
    sqlite3_stmt *row;
    /* input repeat order, so that renumbered repeats keep their order */
    int rc = nb_db_stmt(in,
                        "SELECT id, module_id, epochs, repeat, total_time, source_id FROM runs"
                        " ORDER BY module_id, epochs, repeat",
                        &row);
    if (rc != NB_OK)
        return rc;
    char *paths[MAX_EVALS] = {0};
    int s;
    while (rc == NB_OK && (s = sqlite3_step(row)) == SQLITE_ROW)
        rc = merge_one_run(out, in, row, modules, sources, paths, stats);
    if (rc == NB_OK && s != SQLITE_DONE)
        rc = db_fail(in, "reading runs");
    sqlite3_reset(row);
    for (int i = 0; i < MAX_EVALS; i++)
        free(paths[i]);
    return rc;
}

/* Records an input that changed the output, with what it added. */
static int add_merge_source(nb_db *out, const char *path, const nb_merge_stats *d)
{
    char *config = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&config, &len);
    if (!f)
        return nb_seterr(NB_ENOMEM, "out of memory");
    fprintf(f,
            "{\"sources_added\":%lld,\"modules_added\":%lld,\"runs_added\":%lld,"
            "\"runs_skipped\":%lld}",
            (long long)d->sources_added, (long long)d->modules_added, (long long)d->runs_added,
            (long long)d->runs_skipped);
    fclose(f);
    nb_source src = {"merge", path, NULL, d->runs_added, config};
    int rc = nb_db_add_source(out, &src, NULL);
    free(config);
    return rc;
}

static int same_file(nb_db *out, const char *path)
{
    const char *mine = sqlite3_db_filename(nb_db_sqlite(out), "main");
    struct stat a, b;
    return mine && *mine && stat(mine, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

static int merge_input(nb_db *out, const char *path, nb_merge_stats *total)
{
    if (same_file(out, path))
        return nb_seterr(NB_EUSAGE, "%s: cannot merge a database into itself", path);
    nb_db *in = NULL;
    int rc = nb_db_open(path, NB_OPEN_READONLY, &in);
    if (rc != NB_OK)
        return rc;
    nb_merge_stats d = {0};
    id_map sources = {0}, modules = {0};
    rc = map_alloc(&sources, in, "sources");
    if (rc == NB_OK)
        rc = map_alloc(&modules, in, "modules");
    if (rc == NB_OK)
        rc = merge_sources(out, in, &sources, &d);
    if (rc == NB_OK)
        rc = merge_modules(out, in, &modules, &d);
    if (rc == NB_OK)
        rc = merge_runs(out, in, &modules, &sources, &d);
    if (rc == NB_OK && (d.sources_added || d.modules_added || d.runs_added))
        rc = add_merge_source(out, path, &d);
    free(sources.to);
    free(modules.to);
    nb_db_close(in);
    if (rc != NB_OK)
        return nb_preferr(rc, "%s", path);
    total->sources_added += d.sources_added;
    total->modules_added += d.modules_added;
    total->runs_added += d.runs_added;
    total->runs_skipped += d.runs_skipped;
    return NB_OK;
}

int nb_merge(nb_db *out, const char *const *inputs, int n, nb_merge_stats *stats)
{
    nb_merge_stats total = {0};
    int rc = nb_db_begin_batch(out);
    if (rc != NB_OK)
        return rc;
    for (int i = 0; i < n && rc == NB_OK; i++)
        rc = merge_input(out, inputs[i], &total);
    if (rc == NB_OK)
        rc = nb_db_commit(out);
    if (rc != NB_OK) {
        nb_db_rollback(out);
        return rc;
    }
    if (stats)
        *stats = total;
    return NB_OK;
}
