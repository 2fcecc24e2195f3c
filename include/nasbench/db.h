/*
 * nasbench: the SQLite store. Opening, closing, transactions, and the write
 * path shared by the converter, the enumerator (generate --db), the trainer
 * and merge. Queries live in nasbench/query.h.
 *
 * One nb_db handle per thread. All functions follow nasbench/error.h.
 */
#ifndef NASBENCH_DB_H
#define NASBENCH_DB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nb_db nb_db;

enum {
    NB_OPEN_READONLY = 0,
    NB_OPEN_READWRITE = 1, /* the file must exist */
    NB_OPEN_CREATE = 2     /* read-write, created (with the current schema) when missing */
};

/* Open a database; an older schema version is migrated forward (read-write
 * only). On success *out owns the connection until nb_db_close(). On failure
 * *out is NULL. */
int nb_db_open(const char *path, int flags, nb_db **out);

/* Close the handle and free it with its cached statements. NULL is a no-op. */
int nb_db_close(nb_db *db);

/* The underlying connection, owned by the handle (do not close it). */
sqlite3 *nb_db_sqlite(nb_db *db);

/* A prepared statement for `sql`, cached in the handle and keyed by the text;
 * it comes back reset with its bindings cleared. Owned by the handle: do not
 * finalize it. */
int nb_db_stmt(nb_db *db, const char *sql, sqlite3_stmt **stmt);

/* Transactions: every write is inside one. nb_db_begin takes the write lock
 * (BEGIN IMMEDIATE). */
int nb_db_begin(nb_db *db);
int nb_db_commit(nb_db *db);
int nb_db_rollback(nb_db *db); /* safe to call when no transaction is open */

/* Schema version this library writes (PRAGMA user_version). */
int nb_db_schema_version(void);

/* Bulk loading, for one big write transaction (the converter): on = 1 sets
 * synchronous=OFF and a 64 MB page cache; a killed process still leaves a
 * consistent database (the rollback journal is written before the pages),
 * only a power loss during the load is not covered. on = 0 restores
 * synchronous=FULL and the default cache, and fsyncs the database file so
 * that what was committed meanwhile is durable. Call it outside a
 * transaction. */
int nb_db_bulk(nb_db *db, int on);

/* ---- the write path ---------------------------------------------------- */

/* Presence bits of an evaluation's optional fields (proto2 presence). */
enum {
    NB_EVAL_CURRENT_EPOCH = 1 << 0,
    NB_EVAL_TRAINING_TIME = 1 << 1,
    NB_EVAL_TRAIN_ACCURACY = 1 << 2,
    NB_EVAL_VALIDATION_ACCURACY = 1 << 3,
    NB_EVAL_TEST_ACCURACY = 1 << 4,
    NB_EVAL_CHECKPOINT_PATH = 1 << 5
};

typedef struct nb_evaluation {
    unsigned present; /* NB_EVAL_* bits; an absent field is stored as NULL */
    double current_epoch;
    double training_time;
    double train_accuracy;
    double validation_accuracy;
    double test_accuracy;
    const char *checkpoint_path; /* borrowed */
} nb_evaluation;

typedef struct nb_source {
    const char *kind;      /* "tfrecord", "trainer", "merge", "generate" */
    const char *file_name; /* may be NULL */
    const char *sha256;    /* 64 hex or NULL */
    int64_t record_count;  /* -1: unknown */
    const char *config;    /* JSON text or NULL */
} nb_source;

typedef struct nb_run {
    int64_t module_id;
    int64_t source_id;
    int epochs;
    int repeat;            /* -1: the next free repeat of (module, epochs) */
    int has_total_time;
    double total_time;
    int has_trainable_parameters; /* as recorded in the run (protobuf field 2) */
    int64_t trainable_parameters;
    int num_evaluations;
    const nb_evaluation *evaluations; /* borrowed; index = checkpoint */
} nb_run;

/* Insert a sources row (created_at and program_version are filled in). */
int nb_db_add_source(nb_db *db, const nb_source *source, int64_t *source_id);

/* Insert a module, or find it when its hash is already stored (then the
 * stored row wins and nothing changes). trainable_parameters < 0: unknown. */
int nb_db_add_module(nb_db *db, const char *hash, const char *adjacency, const char *operations,
                     int num_vertices, int num_edges, int64_t trainable_parameters,
                     int64_t *module_id);

/* Insert a run with its evaluations. *run_id (may be NULL) gets its id and
 * run->repeat == -1 is resolved to the next free repeat. When the run
 * records trainable_parameters and the module's value is unknown, the
 * module takes it. Outside a transaction the call is its own transaction. */
int nb_db_add_run(nb_db *db, const nb_run *run, int64_t *run_id);

/* Insert n runs as n calls of nb_db_add_run would, in multi-row INSERTs
 * (much cheaper per run: the bulk path of the converter and merge).
 * run_ids (may be NULL) gets n ids. Outside a transaction the call is its
 * own transaction; on failure inside one, roll back: some may be stored. */
int nb_db_add_runs(nb_db *db, const nb_run *runs, int n, int64_t *run_ids);

/* The "same run" rule of incremental conversion (docs/store.md): *run_id
 * gets the id of a stored run of another source than run->source_id with
 * the same module, budget, total_time and evaluations (every field, with
 * presence; doubles compared bit for bit), or 0 when there is none. */
int nb_db_find_run(nb_db *db, const nb_run *run, int64_t *run_id);

/* Keep the original payload of a TFRecord record whose run the exporter
 * would not rebuild byte for byte (bytes copied). */
int nb_db_add_raw_record(nb_db *db, int64_t run_id, const void *payload, size_t len);

/* ---- summary ------------------------------------------------------------ */

/* Write a JSON summary of the database to `out` (one object and a newline):
 * schema_version; counts of modules, runs and evaluations; per budget the
 * runs, modules and evaluations; every source row (with its run count). */
int nb_db_write_info(nb_db *db, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
