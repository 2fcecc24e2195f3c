/*
 * Forward migrations: sql/migrations/vN.sql takes a database from version
 * N-1 to N; steps that SQL cannot express (computing run fingerprints) run
 * here in C right after their script. All steps share one transaction, so a
 * failed or killed migration leaves the old version untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_db_internal.h"
#include "nb_query_cache.h"

#define NB_MIGRATE_MAX_EVALS 64

static const char *migration_sql(int version)
{
    for (int i = 0; i < nb_db_migration_count; i++)
        if (nb_db_migrations[i].version == version)
            return nb_db_migrations[i].sql;
    return NULL;
}

static double col_opt(sqlite3_stmt *st, int col, unsigned *present, unsigned bit)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0.0;
    *present |= bit;
    return sqlite3_column_double(st, col);
}

/* Version 2 introduced runs.fingerprint: compute it for the stored runs. The
 * walk is in (run, checkpoint) order; each run is written when the next one
 * starts. */
static int set_fingerprint(nb_db *db, const nb_run *run, int64_t id)
{
    sqlite3_stmt *up;
    int rc = nb_db_stmt(db, "UPDATE runs SET fingerprint = ?1 WHERE id = ?2", &up);
    if (rc)
        return rc;
    sqlite3_bind_int64(up, 1, nb_db_run_fingerprint(run));
    sqlite3_bind_int64(up, 2, id);
    rc = sqlite3_step(up);
    sqlite3_reset(up);
    return rc == SQLITE_DONE ? NB_OK
                             : nb_seterr(NB_EDB, "migrating: %s", sqlite3_errmsg(db->conn));
}

static int fill_fingerprints(nb_db *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->conn,
                           "SELECT r.id, r.epochs, r.total_time, e.checkpoint, e.current_epoch,"
                           " e.training_time, e.train_accuracy, e.validation_accuracy,"
                           " e.test_accuracy, e.checkpoint_path FROM runs r"
                           " LEFT JOIN evaluations e ON e.run_id = r.id ORDER BY r.id, e.checkpoint",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_seterr(NB_EDB, "migrating: %s", sqlite3_errmsg(db->conn));
    nb_evaluation ev[NB_MIGRATE_MAX_EVALS];
    char *paths[NB_MIGRATE_MAX_EVALS] = {0};
    nb_run run = {0};
    int64_t cur = 0;
    int rc = NB_OK, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id != cur) {
            if (cur)
                rc = set_fingerprint(db, &run, cur);
            cur = id;
            memset(&run, 0, sizeof run);
            memset(ev, 0, sizeof ev);
            run.evaluations = ev;
            run.epochs = sqlite3_column_int(st, 1);
            run.has_total_time = sqlite3_column_type(st, 2) != SQLITE_NULL;
            run.total_time = sqlite3_column_double(st, 2);
        }
        if (sqlite3_column_type(st, 3) == SQLITE_NULL)
            continue; /* a run without evaluations */
        int c = sqlite3_column_int(st, 3);
        if (c < 0 || c >= NB_MIGRATE_MAX_EVALS)
            continue;
        nb_evaluation *e = &ev[c];
        e->current_epoch = col_opt(st, 4, &e->present, NB_EVAL_CURRENT_EPOCH);
        e->training_time = col_opt(st, 5, &e->present, NB_EVAL_TRAINING_TIME);
        e->train_accuracy = col_opt(st, 6, &e->present, NB_EVAL_TRAIN_ACCURACY);
        e->validation_accuracy = col_opt(st, 7, &e->present, NB_EVAL_VALIDATION_ACCURACY);
        e->test_accuracy = col_opt(st, 8, &e->present, NB_EVAL_TEST_ACCURACY);
        if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
            free(paths[c]);
            paths[c] = strdup((const char *)sqlite3_column_text(st, 9));
            if (!paths[c])
                rc = nb_seterr(NB_ENOMEM, "out of memory");
            e->checkpoint_path = paths[c];
            e->present |= NB_EVAL_CHECKPOINT_PATH;
        }
        if (c + 1 > run.num_evaluations)
            run.num_evaluations = c + 1;
    }
    if (!rc && cur)
        rc = set_fingerprint(db, &run, cur);
    sqlite3_finalize(st);
    for (int i = 0; i < NB_MIGRATE_MAX_EVALS; i++)
        free(paths[i]);
    return rc;
}

static int migrate_step(nb_db *db, int version)
{
    const char *sql = migration_sql(version);
    if (!sql)
        return nb_seterr(NB_EDB, "no migration to schema version %d", version);
    char what[64];
    snprintf(what, sizeof what, "migrating to schema version %d", version);
    int rc = nb_db_exec(db, sql, what);
    if (!rc && version == 2)
        rc = fill_fingerprints(db);
    if (!rc) {
        /* PRAGMA takes no bound parameter; version is our own integer. */
        char pragma[48];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version);
        rc = nb_db_exec(db, pragma, what);
    }
    return rc;
}

int nb_db_migrate(nb_db *db, int from)
{
    int rc = nb_db_begin(db);
    if (rc)
        return rc;
    /* Another process may have migrated while we waited for the lock. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->conn, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            from = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    for (int v = from + 1; !rc && v <= NB_DB_SCHEMA_VERSION; v++)
        rc = migrate_step(db, v);
    if (!rc)
        rc = nb_db_exec(db, nb_db_views_sql, "recreating the views");
    if (!rc)
        rc = nb_db_exec(db, nb_db_query_cache_sql, "creating the query cache");
    /* Version 3 adds the query cache: every module needs its row, which the
     * commit builds. */
    if (!rc && from < 3)
        rc = nb_db_query_cache_mark_all(db);
    if (!rc)
        return nb_db_commit(db);
    nb_db_rollback(db);
    return rc;
}
