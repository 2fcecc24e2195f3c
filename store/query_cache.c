/*
 * query_cache rows: built from modules, runs and evaluations for the modules
 * the triggers of sql/query_cache.sql listed as stale (the encodings are in
 * query_cache_codec.c).
 */
#include <math.h>
#include <pthread.h>
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

/* Modules are read in chunks: while the main thread reads the next chunk
 * and stages the last one (SQLite), a worker computes the canonical codes
 * of this one (parse, prune, hash, code: about half the work, and no
 * SQLite). */
#define CHUNK_MODULES 4096
#define TEXT_MAX 512 /* a longer stored text is no spec of the space: no row */

/* A module's fixed columns, copied from its first row (the statement's own
 * values change with every step), and where its runs are in the chunk. */
typedef struct module_row {
    int64_t id;
    uint64_t canon; /* 0: no row (the module is gone, or its spec is not one of ours) */
    uint64_t spec;  /* the stored spec, packed */
    int texts_ok;
    int has_params;
    int64_t params;
    size_t runs_at, runs_len;
    char adj[TEXT_MAX], ops[TEXT_MAX], hash[NB_HASH_HEX + 1];
} module_row;

typedef struct chunk {
    module_row *m;
    int n;
    byte_buf runs;
} chunk;

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
    if (nb_spec_parse(&spec, adj, ops) != NB_OK ||
        nb_spec_resolve(&spec, &pruned, computed) != NB_OK || strcmp(computed, hash) ||
        nb_spec_canon(&pruned, &canon) != NB_OK || nb_qc_spec_pack(&spec, packed) != NB_OK ||
        nb_qc_spec_unpack(*packed, &back) != NB_OK || !same_spec(&spec, &back))
        return 0;
    return canon;
}

static void *check_chunk(void *arg)
{
    chunk *c = arg;
    for (int i = 0; i < c->n; i++) {
        module_row *m = &c->m[i];
        m->canon = m->texts_ok ? checked_canon(m->adj, m->ops, m->hash, &m->spec) : 0;
    }
    return NULL;
}

static int copy_text(char *dst, size_t cap, const unsigned char *src)
{
    if (!src || strlen((const char *)src) >= cap)
        return 0;
    strcpy(dst, (const char *)src);
    return 1;
}

static void start_module(module_row *m, sqlite3_stmt *st, size_t runs_at)
{
    m->id = sqlite3_column_int64(st, 0);
    m->runs_at = runs_at;
    m->runs_len = 0;
    m->texts_ok = copy_text(m->adj, sizeof m->adj, sqlite3_column_text(st, 1)) &&
                  copy_text(m->ops, sizeof m->ops, sqlite3_column_text(st, 2)) &&
                  copy_text(m->hash, sizeof m->hash, sqlite3_column_text(st, 6));
    m->has_params = sqlite3_column_type(st, 3) != SQLITE_NULL;
    m->params = sqlite3_column_int64(st, 3);
}

/* Where a walk of SQL_STALE_RUNS is: whether the current row, already
 * stepped to, starts the next chunk's first module, and whether it ended. */
typedef struct walk {
    sqlite3_stmt *st;
    int pending, done;
} walk;

/* The next CHUNK_MODULES modules of the walk with their runs (fewer at the
 * end; none once it is done). */
static int read_chunk(nb_db *db, walk *w, chunk *c)
{
    c->n = 0;
    c->runs.len = 0;
    while (!w->done) {
        if (!w->pending) {
            int s = sqlite3_step(w->st);
            w->done = s != SQLITE_ROW;
            if (s == SQLITE_DONE)
                break;
            if (s != SQLITE_ROW)
                return nb_seterr(NB_EDB, "reading the modules of the query cache: %s",
                                 sqlite3_errmsg(nb_db_sqlite(db)));
        }
        w->pending = 0;
        if (!c->n || sqlite3_column_int64(w->st, 0) != c->m[c->n - 1].id) {
            if (c->n == CHUNK_MODULES) {
                w->pending = 1;
                break;
            }
            start_module(&c->m[c->n++], w->st, c->runs.len);
        }
        if (sqlite3_column_type(w->st, 4) != SQLITE_NULL) {
            int rc = append_run(&c->runs, w->st);
            if (rc)
                return rc;
            c->m[c->n - 1].runs_len = c->runs.len - c->m[c->n - 1].runs_at;
        }
    }
    return NB_OK;
}

/* Stage the rows of a checked chunk (none for a module without a code). */
static int stage_chunk(nb_db *db, const chunk *c)
{
    sqlite3_stmt *put;
    int rc = nb_db_stmt(db, SQL_STAGE_PUT, &put);
    for (int i = 0; !rc && i < c->n; i++) {
        const module_row *m = &c->m[i];
        if (!m->canon)
            continue;
        sqlite3_bind_int64(put, 1, m->id);
        sqlite3_bind_int64(put, 2, (sqlite3_int64)m->spec);
        if (m->has_params)
            sqlite3_bind_int64(put, 3, m->params);
        else
            sqlite3_bind_null(put, 3);
        /* A zero-length blob, not NULL, for a module without runs. */
        sqlite3_bind_blob(put, 4, m->runs_len ? (const void *)(c->runs.p + m->runs_at) : "",
                          (int)m->runs_len, SQLITE_STATIC);
        sqlite3_bind_int64(put, 5, (sqlite3_int64)m->canon);
        sqlite3_bind_text(put, 6, m->hash, NB_HASH_HEX, SQLITE_STATIC);
        rc = nb_db_step_done(db, put, "writing the query cache");
    }
    return rc;
}

/* Walk SQL_STALE_RUNS chunk by chunk: read the next chunk while a worker
 * checks this one, then stage this one. A small chunk (the usual commit of
 * a few modules), or one without a thread, is checked in line. */
static int rebuild_listed(nb_db *db, walk *w, chunk c[2])
{
    int rc = read_chunk(db, w, &c[0]);
    for (int k = 0; !rc && c[k].n; k ^= 1) {
        pthread_t worker;
        int threaded = c[k].n >= 256 && pthread_create(&worker, NULL, check_chunk, &c[k]) == 0;
        if (!threaded)
            check_chunk(&c[k]);
        rc = read_chunk(db, w, &c[k ^ 1]);
        if (threaded)
            pthread_join(worker, NULL);
        if (!rc)
            rc = stage_chunk(db, &c[k]);
    }
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
    walk w = {0};
    if (!rc)
        rc = nb_db_stmt(db, SQL_STALE_RUNS, &w.st);
    if (rc)
        return rc;
    chunk c[2] = {{calloc(CHUNK_MODULES, sizeof(module_row)), 0, {0}},
                  {calloc(CHUNK_MODULES, sizeof(module_row)), 0, {0}}};
    rc = c[0].m && c[1].m ? rebuild_listed(db, &w, c) : nb_seterr(NB_ENOMEM, "out of memory");
    sqlite3_reset(w.st);
    for (int k = 0; k < 2; k++) {
        free(c[k].m);
        free(c[k].runs.p);
    }
    if (!rc)
        rc = nb_db_exec(db, SQL_MOVE, "writing the query cache");
    return rc;
}

int nb_db_query_cache_mark_all(nb_db *db)
{
    return nb_db_exec(db, "INSERT OR IGNORE INTO query_cache_stale SELECT id FROM modules",
                      "listing the modules for the query cache");
}
