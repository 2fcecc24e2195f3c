/*
 * query_cache rows: built from modules, runs and evaluations for the modules
 * the triggers of sql/query_cache.sql listed as stale (the encodings are in
 * query_cache_codec.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nasbench/spec.h"
#include "nb_db_internal.h"
#include "nb_query_cache.h"

/* Every listed module with its runs and their halfway and final
 * evaluations, in module and then (epochs, repeat) order: one streaming
 * statement (the outer loop walks the list, each module's runs come from
 * the UNIQUE (module_id, epochs, repeat) index). A module without runs
 * gives one row of NULL runs; a module that is gone, a NULL adjacency. */
static const char SQL_STALE_RUNS[] =
    "SELECT s.module_id, m.adjacency, m.operations, m.trainable_parameters, r.epochs, r.repeat,"
    " m.hash,"
    " h.training_time, h.train_accuracy, h.validation_accuracy, h.test_accuracy,"
    " f.training_time, f.train_accuracy, f.validation_accuracy, f.test_accuracy"
    " FROM query_cache_stale s"
    " LEFT JOIN modules m ON m.id = s.module_id"
    " LEFT JOIN runs r ON r.module_id = m.id"
    " LEFT JOIN evaluations h ON h.run_id = r.id AND h.checkpoint = 1"
    " LEFT JOIN evaluations f ON f.run_id = r.id AND f.checkpoint = 2"
    " ORDER BY s.module_id, r.epochs, r.repeat";

/* New rows are staged in a temporary table in the order they are built
 * (module order, sequential writes), then moved into query_cache in key
 * order: inserting them one by one at random keys would read and write a
 * random page of the 650 MB table for each module (12 s instead of 4 s for
 * the full dataset). */
static const char SQL_STAGE_TABLE[] =
    "CREATE TEMP TABLE IF NOT EXISTS nb_query_cache_build (canon INTEGER, module_id INTEGER,"
    " hash TEXT, spec INTEGER, trainable_parameters INTEGER, runs BLOB)";

static const char SQL_STAGE_PUT[] =
    "INSERT INTO temp.nb_query_cache_build (module_id, spec, trainable_parameters, runs, canon,"
    " hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/* The listed modules' old rows go; the staged rows come in, in key order
 * (no other module can hold a staged code or hash: the code is exact, and
 * both are checked against the stored hash). */
static const char SQL_MOVE[] =
    "DELETE FROM query_cache WHERE module_id IN (SELECT module_id FROM query_cache_stale);"
    "INSERT INTO query_cache (canon, module_id, hash, spec, trainable_parameters, runs)"
    " SELECT canon, module_id, hash, spec, trainable_parameters, runs"
    " FROM temp.nb_query_cache_build ORDER BY canon;"
    "DELETE FROM temp.nb_query_cache_build;"
    "DELETE FROM query_cache_stale";

typedef struct byte_buf {
    unsigned char *p;
    size_t len, cap;
} byte_buf;

/* Append the run of the current row of SQL_STALE_RUNS as one entry. */
static int append_run(byte_buf *b, sqlite3_stmt *st)
{
    if (b->len + NB_QC_ENTRY_MAX > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16 * NB_QC_ENTRY_MAX;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return nb_seterr(NB_ENOMEM, "out of memory");
        b->p = p;
        b->cap = cap;
    }
    double v[8];
    for (int k = 0; k < 8; k++)
        v[k] = sqlite3_column_type(st, 7 + k) == SQLITE_NULL ? NAN
                                                             : sqlite3_column_double(st, 7 + k);
    b->len += nb_qc_entry_put(b->p + b->len, sqlite3_column_int(st, 4),
                              sqlite3_column_int(st, 5), v);
    return NB_OK;
}

/* The fixed columns of the module being built, copied from its first row
 * (the statement's own values change with every step). */
typedef struct module_row {
    int64_t id;
    uint64_t canon;
    char hash[33];
    int no_row; /* the module is gone (or its spec is not one of ours): no row */
    uint64_t spec; /* the stored spec, packed */
    int has_params;
    int64_t params;
    byte_buf runs;
} module_row;

static int same_spec(const nb_spec *a, const nb_spec *b)
{
    int n = a->num_vertices;
    if (n != b->num_vertices)
        return 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(a->ops[i], b->ops[i]) || memcmp(a->matrix[i], b->matrix[i], (size_t)n))
            return 0;
    }
    return 1;
}

/* The canonical code and the packed form of a stored spec whose hash is
 * the stored one; 0 when it is not (outside the search space, or written
 * with a wrong hash by another program): such a module gets no row. The
 * packed form must give back the stored text's spec exactly. */
static uint64_t checked_canon(const char *adj, const char *ops, const char *hash, uint64_t *packed)
{
    nb_spec spec, pruned, back;
    char computed[NB_HASH_HEX + 1];
    uint64_t canon;
    if (!adj || !ops || !hash || nb_spec_parse(&spec, adj, ops) != NB_OK ||
        nb_spec_resolve(&spec, &pruned, computed) != NB_OK || strcmp(computed, hash) ||
        nb_spec_canon(&pruned, &canon) != NB_OK || nb_qc_spec_pack(&spec, packed) != NB_OK ||
        nb_qc_spec_unpack(*packed, &back) != NB_OK || !same_spec(&spec, &back))
        return 0;
    return canon;
}

static int start_module(module_row *m, sqlite3_stmt *st)
{
    m->id = sqlite3_column_int64(st, 0);
    m->runs.len = 0;
    const char *adj = (const char *)sqlite3_column_text(st, 1);
    const char *ops = (const char *)sqlite3_column_text(st, 2);
    const char *hash = (const char *)sqlite3_column_text(st, 6);
    m->canon = checked_canon(adj, ops, hash, &m->spec);
    m->no_row = m->canon == 0;
    if (m->no_row)
        return NB_OK;
    memcpy(m->hash, hash, sizeof m->hash);
    m->has_params = sqlite3_column_type(st, 3) != SQLITE_NULL;
    m->params = sqlite3_column_int64(st, 3);
    return NB_OK;
}

/* Stage the row of a module (none for a module that gets no row). */
static int finish_module(nb_db *db, const module_row *m)
{
    if (m->no_row)
        return NB_OK;
    sqlite3_stmt *put;
    int rc = nb_db_stmt(db, SQL_STAGE_PUT, &put);
    if (rc)
        return rc;
    sqlite3_bind_int64(put, 1, m->id);
    sqlite3_bind_int64(put, 2, (sqlite3_int64)m->spec);
    if (m->has_params)
        sqlite3_bind_int64(put, 3, m->params);
    /* A zero-length blob, not NULL, for a module without runs. */
    sqlite3_bind_blob(put, 4, m->runs.len ? (const void *)m->runs.p : "", (int)m->runs.len,
                      SQLITE_STATIC);
    sqlite3_bind_int64(put, 5, (sqlite3_int64)m->canon);
    sqlite3_bind_text(put, 6, m->hash, 32, SQLITE_STATIC);
    return nb_db_step_done(db, put, "writing the query cache");
}

/* Walk SQL_STALE_RUNS, staging each module's row when the next starts. */
static int rebuild_listed(nb_db *db, sqlite3_stmt *st, module_row *m)
{
    int rc = NB_OK, src, any = 0;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (!any || id != m->id) {
            if (any)
                rc = finish_module(db, m);
            if (!rc)
                rc = start_module(m, st);
            any = 1;
        }
        if (!rc && sqlite3_column_type(st, 4) != SQLITE_NULL)
            rc = append_run(&m->runs, st);
    }
    if (!rc && src != SQLITE_DONE)
        rc = nb_seterr(NB_EDB, "reading the modules of the query cache: %s",
                       sqlite3_errmsg(nb_db_sqlite(db)));
    if (!rc && any)
        rc = finish_module(db, m);
    return rc;
}

int nb_db_query_cache_refresh(nb_db *db)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db, "SELECT EXISTS (SELECT 1 FROM query_cache_stale)", &st);
    if (rc)
        return rc;
    int step = sqlite3_step(st), listed = step == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return nb_seterr(NB_EDB, "reading the query cache list: %s",
                         sqlite3_errmsg(nb_db_sqlite(db)));
    if (!listed)
        return NB_OK; /* the common commit: nothing changed that a row holds */
    rc = nb_db_exec(db, SQL_STAGE_TABLE, "preparing the query cache");
    if (!rc)
        rc = nb_db_stmt(db, SQL_STALE_RUNS, &st);
    if (rc)
        return rc;
    module_row m = {0};
    rc = rebuild_listed(db, st, &m);
    sqlite3_reset(st);
    free(m.runs.p);
    if (!rc)
        rc = nb_db_exec(db, SQL_MOVE, "writing the query cache");
    return rc;
}

int nb_db_query_cache_mark_all(nb_db *db)
{
    return nb_db_exec(db, "INSERT OR IGNORE INTO query_cache_stale SELECT id FROM modules",
                      "listing the modules for the query cache");
}
