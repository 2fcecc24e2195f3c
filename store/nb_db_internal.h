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

struct nb_db {
    sqlite3 *conn;
    int readonly;
    int bulk;                        /* nb_db_bulk() is on */
    nb_db_cached *stmts[NB_DB_STMT_BUCKETS];
    /* Direct-mapped by the caller's pointer: hot loops pass the same string
     * literal every time, so most lookups cost one strcmp, not a hash. */
    nb_db_cached *recent[NB_DB_STMT_RECENT];
    /* Next free repeat per budget of the last module written, valid only
     * inside the current write transaction (we hold the write lock). */
    int64_t repeat_module;
    int module_has_params;           /* its trainable_parameters is not NULL (-1: not read) */
    int module_is_new;               /* inserted in this transaction: no runs yet */
    int repeat_count;
    int repeat_epochs[NB_DB_REPEAT_SLOTS];
    int repeat_next[NB_DB_REPEAT_SLOTS];
};

/* sql/schema.sql: creates a database at the current version. */
extern const char nb_db_schema_sql[];

/* sql/migrations/vN.sql: brings a database from version N-1 to N. The array
 * ends with {0, NULL}; it is not sorted (db_migrate.c looks versions up). */
typedef struct nb_db_migration {
    int version;
    const char *sql;
} nb_db_migration;
extern const nb_db_migration nb_db_migrations[];
extern const int nb_db_migration_count;

/* The schema version this library writes. */
#define NB_DB_SCHEMA_VERSION 2

/* Bring an open read-write connection from `from` to the current version in
 * one transaction. */
int nb_db_migrate(nb_db *db, int from);

/* The 64-bit value fingerprint of a run (stored in runs.fingerprint). */
int64_t nb_db_run_fingerprint(const nb_run *run);

/* Executes a statement with no result rows and no parameters; NB_EDB with
 * the SQLite message prefixed by `what` on failure. */
int nb_db_exec(nb_db *db, const char *sql, const char *what);

/* Forget the per-transaction caches of the write path (db_write.c). */
void nb_db_write_cache_reset(nb_db *db);

#endif
