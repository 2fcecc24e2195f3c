/*
 * Internal: the SQL of sql/ embedded at build time (see sql/embed.cmake), and
 * the handle internals shared by db.c, db_write.c and db_migrate.c.
 */
#ifndef NB_DB_INTERNAL_H
#define NB_DB_INTERNAL_H

#include <stdint.h>

#include "nasbench/db.h"

/* A cached prepared statement, chained in a bucket of the handle. */
typedef struct nb_db_cached {
    struct nb_db_cached *next;
    const char *key;      /* the caller's pointer last used for it (fast path) */
    sqlite3_stmt *stmt;
    char sql[]; /* the key */
} nb_db_cached;

#define NB_DB_STMT_BUCKETS 64
#define NB_DB_STMT_RECENT 32
#define NB_DB_REPEAT_SLOTS 8
#define NB_DB_NEW_RING 256
/* Runs per multi-row INSERT in nb_db_add_runs, and evaluations per
 * multi-row INSERT (three per run, as in the dataset). */
#define NB_DB_RUN_BATCH 16
#define NB_DB_EVAL_BATCH (3 * NB_DB_RUN_BATCH)

struct nb_db {
    sqlite3 *conn;
    int readonly;
    int bulk;                        /* nb_db_bulk() is on */
    /* In a bulk or batch transaction (nb_db_begin_batch): the first run id
     * it may add. Its per-row query cache insert triggers are dropped
     * meanwhile (firing them for millions of rows cost 10x the inserts) and
     * the commit lists the modules of the new runs itself, then recreates
     * them; a rollback restores them. */
    int64_t bulk_first_run;
    nb_db_cached *stmts[NB_DB_STMT_BUCKETS];
    /* Direct-mapped by the caller's pointer: hot loops pass the same string
     * literal every time, so most lookups cost one strcmp, not a hash. */
    nb_db_cached *recent[NB_DB_STMT_RECENT];
    /* Next free repeat per budget of the last module written, valid only
     * inside the current write transaction (we hold the write lock). */
    int64_t repeat_module;
    int module_has_params;           /* its trainable_parameters is not NULL (-1: not read) */
    int module_is_new;               /* inserted in this transaction: no runs yet */
    /* Modules inserted in this transaction that have no run yet (their
     * repeats start at 0 without a query); a module leaves the ring when it
     * becomes the cached module. Overflow only costs queries. */
    int64_t new_modules[NB_DB_NEW_RING];
    int new_count;
    int64_t next_run_id;             /* 0: read max(id) + 1 on first need */
    char *sql_runs_batch, *sql_evals_batch; /* multi-row INSERTs (db_write_batch.c) */
    int repeat_count;
    int repeat_epochs[NB_DB_REPEAT_SLOTS];
    int repeat_next[NB_DB_REPEAT_SLOTS];
};

/* sql/schema.sql: creates a database at the current version. */
extern const char nb_db_schema_sql[];

/* sql/views.sql: drops and creates the views; run after creating the schema
 * and after migrating, inside the same transaction. */
extern const char nb_db_views_sql[];

/* sql/query_cache.sql: the derived query_cache table and its triggers;
 * idempotent, run where the views are. */
extern const char nb_db_query_cache_sql[];

/* sql/migrations/vN.sql: brings a database from version N-1 to N. The array
 * ends with {0, NULL}; it is not sorted (db_migrate.c looks versions up). */
typedef struct nb_db_migration {
    int version;
    const char *sql;
} nb_db_migration;
extern const nb_db_migration nb_db_migrations[];
extern const int nb_db_migration_count;

/* The schema version this library writes. */
#define NB_DB_SCHEMA_VERSION 3

/* Bring an open read-write connection from `from` to the current version in
 * one transaction. */
int nb_db_migrate(nb_db *db, int from);

/* The 64-bit value fingerprint of a run (stored in runs.fingerprint). */
int64_t nb_db_run_fingerprint(const nb_run *run);

/* Executes a statement with no result rows and no parameters; NB_EDB with
 * the SQLite message prefixed by `what` on failure. */
int nb_db_exec(nb_db *db, const char *sql, const char *what);

/* nb_db_begin for a transaction that adds many runs (merge): the query
 * cache is kept up to date as in a bulk load, by the modules of the runs it
 * added, not row by row, without the bulk pragmas. Only for writers that add
 * evaluations to the runs they add, never to runs already stored. */
int nb_db_begin_batch(nb_db *db);

/* Forget the per-transaction caches of the write path (db_write.c). */
void nb_db_write_cache_reset(nb_db *db);

/* Shared by db_write.c and db_write_batch.c. */
int nb_db_step_done(nb_db *db, sqlite3_stmt *st, const char *what);
/* Give `run` its id and repeat (the next free one when run->repeat < 0),
 * advancing the per-transaction caches. */
int nb_db_resolve_run(nb_db *db, const nb_run *run, int64_t *id, int *repeat);
/* Whether the next repeat of (module, epochs) is known without a query. */
int nb_db_repeat_cached(const nb_db *db, int64_t module_id, int epochs);
/* Bind id, module_id, epochs, repeat, total_time, source_id, fingerprint
 * at parameters at..at+6. */
void nb_db_bind_run(sqlite3_stmt *st, int at, const nb_run *run, int64_t id, int repeat);
/* Bind run_id, checkpoint and the 6 fields at parameters at..at+7. */
void nb_db_bind_evaluation(sqlite3_stmt *st, int at, int64_t run_id, int checkpoint,
                           const nb_evaluation *e);
/* After a run's rows: a parameter count recorded by the run fills the
 * module's unknown one. */
int nb_db_run_params(nb_db *db, const nb_run *run);
/* The one-row INSERTs, also used for batch remainders. */
extern const char nb_db_sql_run_row[];
extern const char nb_db_sql_eval_row[];

#endif
