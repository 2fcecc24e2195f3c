/*
 * The store handle: opening (creating or migrating the schema), the cache of
 * prepared statements, transactions and bulk-load settings.
 *
 * Journal: the default rollback journal (DELETE mode). A bulk conversion
 * appends hundreds of megabytes to a fresh file in one transaction; with a
 * rollback journal only the few pre-existing pages are journaled, whereas WAL
 * would write everything twice. A killed process leaves a hot journal that
 * the next open rolls back.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nasbench/error.h"
#include "nb_db_internal.h"
#include "nb_query_cache.h"

/* Wait this long for another process's write lock before giving up. */
#define NB_DB_BUSY_MS 10000

static int db_err(nb_db *db, const char *what)
{
    return nb_seterr(NB_EDB, "%s: %s", what, sqlite3_errmsg(db->conn));
}

int nb_db_exec(nb_db *db, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(db->conn, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = nb_seterr(NB_EDB, "%s: %s", what, msg ? msg : sqlite3_errmsg(db->conn));
        sqlite3_free(msg);
        return rc;
    }
    return NB_OK;
}

int nb_db_schema_version(void)
{
    return NB_DB_SCHEMA_VERSION;
}

/* One integer from a query without parameters. */
static int query_int(nb_db *db, const char *sql, int64_t *value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) != SQLITE_OK)
        return db_err(db, "reading the database");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value = sqlite3_column_int64(st, 0);
        rc = NB_OK;
    } else {
        rc = db_err(db, "reading the database");
    }
    sqlite3_finalize(st);
    return rc;
}

/* A new, empty file gets the current schema (under the write lock, so that
 * two processes creating the same file do not both run the script). */
static int create_schema(nb_db *db)
{
    int rc = nb_db_begin(db);
    if (rc)
        return rc;
    int64_t tables = 0;
    rc = query_int(db, "SELECT count(*) FROM sqlite_schema", &tables);
    if (!rc && tables == 0)
        rc = nb_db_exec(db, nb_db_schema_sql, "creating the schema");
    if (!rc && tables == 0)
        rc = nb_db_exec(db, nb_db_views_sql, "creating the views");
    if (!rc && tables == 0)
        rc = nb_db_exec(db, nb_db_query_cache_sql, "creating the query cache");
    if (!rc)
        return nb_db_commit(db);
    nb_db_rollback(db);
    return rc;
}

static int check_schema(nb_db *db, const char *path, int flags)
{
    int64_t version = 0, tables = 0;
    int rc = query_int(db, "PRAGMA user_version", &version);
    if (!rc)
        rc = query_int(db, "SELECT count(*) FROM sqlite_schema", &tables);
    if (rc)
        return nb_preferr(rc, "%s", path);
    if (version == 0 && tables == 0) {
        if (flags != NB_OPEN_CREATE)
            return nb_seterr(NB_EDB, "%s: not a nasbench database (empty file)", path);
        rc = create_schema(db);
        if (rc)
            return nb_preferr(rc, "%s", path);
        rc = query_int(db, "PRAGMA user_version", &version);
        if (rc)
            return rc;
    }
    if (version == 0)
        return nb_seterr(NB_EDB, "%s: not a nasbench database (user_version 0)", path);
    if (version > NB_DB_SCHEMA_VERSION)
        return nb_seterr(NB_EDB, "%s: schema version %lld is newer than this program's (%d)",
                         path, (long long)version, NB_DB_SCHEMA_VERSION);
    if (version < NB_DB_SCHEMA_VERSION) {
        if (flags == NB_OPEN_READONLY)
            return nb_seterr(NB_EDB,
                             "%s: schema version %lld is older than %d; open it read-write "
                             "once to migrate it ('nasbench info --migrate')",
                             path, (long long)version, NB_DB_SCHEMA_VERSION);
        rc = nb_db_migrate(db, (int)version);
        if (rc)
            return nb_preferr(rc, "%s", path);
    }
    return NB_OK;
}

/* A process killed during a write leaves a hot journal, which only a
 * read-write connection can roll back. Before a read-only open, let one do
 * it (a journal of a live writer is left alone: SQLite sees its lock). */
static void recover_hot_journal(const char *path)
{
    char journal[4096];
    if (snprintf(journal, sizeof journal, "%s-journal", path) >= (int)sizeof journal)
        return;
    if (access(journal, F_OK) || access(path, W_OK))
        return;
    sqlite3 *c = NULL;
    if (sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(c, NB_DB_BUSY_MS);
        sqlite3_exec(c, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
    }
    sqlite3_close(c);
}

/* Rows that another program's writes left stale (the sqlite3 shell runs the
 * triggers but not the rebuild) are rebuilt by the next read-write open.
 * Best effort: until then the query path reads the normalized tables. */
static void refresh_query_cache(nb_db *db)
{
    int64_t stale = 0;
    if (query_int(db, "SELECT EXISTS (SELECT 1 FROM query_cache_stale)", &stale) || !stale)
        return;
    if (nb_db_begin(db) == NB_OK && nb_db_commit(db) != NB_OK)
        nb_db_rollback(db);
}

int nb_db_open(const char *path, int flags, nb_db **out)
{
    *out = NULL;
    if (!path || (flags != NB_OPEN_READONLY && flags != NB_OPEN_READWRITE &&
                  flags != NB_OPEN_CREATE))
        return nb_seterr(NB_EUSAGE, "nb_db_open: bad arguments");
    nb_db *db = calloc(1, sizeof *db);
    if (!db)
        return nb_seterr(NB_ENOMEM, "out of memory");
    int oflags = SQLITE_OPEN_NOMUTEX;
    oflags |= flags == NB_OPEN_READONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags == NB_OPEN_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    db->readonly = flags == NB_OPEN_READONLY;
    if (db->readonly)
        recover_hot_journal(path);
    int src = sqlite3_open_v2(path, &db->conn, oflags, NULL);
    if (src != SQLITE_OK) {
        int code = src == SQLITE_CANTOPEN ? NB_EIO : NB_EDB;
        nb_seterr(code, "%s: cannot open: %s", path,
                  db->conn ? sqlite3_errmsg(db->conn) : "out of memory");
        nb_db_close(db);
        return code;
    }
    sqlite3_busy_timeout(db->conn, NB_DB_BUSY_MS);
    sqlite3_extended_result_codes(db->conn, 0);
    int rc = check_schema(db, path, flags);
    if (!rc && !db->readonly)
        rc = nb_db_exec(db, "PRAGMA synchronous=FULL", "setting pragmas");
    if (!rc && !db->readonly)
        refresh_query_cache(db);
    if (rc) {
        nb_db_close(db);
        return rc;
    }
    *out = db;
    return NB_OK;
}

static void stmts_reset_all(nb_db *db)
{
    for (int b = 0; b < NB_DB_STMT_BUCKETS; b++)
        for (nb_db_cached *c = db->stmts[b]; c; c = c->next)
            sqlite3_reset(c->stmt);
}

int nb_db_close(nb_db *db)
{
    if (!db)
        return NB_OK;
    for (int b = 0; b < NB_DB_STMT_BUCKETS; b++) {
        nb_db_cached *c = db->stmts[b];
        while (c) {
            nb_db_cached *next = c->next;
            sqlite3_finalize(c->stmt);
            free(c);
            c = next;
        }
    }
    free(db->sql_runs_batch);
    free(db->sql_evals_batch);
    int rc = NB_OK;
    if (db->conn) {
        if (!sqlite3_get_autocommit(db->conn))
            sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
        if (sqlite3_close(db->conn) != SQLITE_OK)
            rc = nb_seterr(NB_EDB, "closing the database: %s", sqlite3_errmsg(db->conn));
    }
    free(db);
    return rc;
}

sqlite3 *nb_db_sqlite(nb_db *db)
{
    return db->conn;
}

static unsigned sql_bucket(const char *sql)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % NB_DB_STMT_BUCKETS;
}

static int found(nb_db *db, nb_db_cached *c, const char *sql, sqlite3_stmt **stmt)
{
    c->key = sql;
    db->recent[((uintptr_t)sql >> 4) % NB_DB_STMT_RECENT] = c;
    sqlite3_reset(c->stmt);
    sqlite3_clear_bindings(c->stmt);
    *stmt = c->stmt;
    return NB_OK;
}

int nb_db_stmt(nb_db *db, const char *sql, sqlite3_stmt **stmt)
{
    /* The pointer only finds a candidate; the text decides. */
    nb_db_cached *r = db->recent[((uintptr_t)sql >> 4) % NB_DB_STMT_RECENT];
    if (r && r->key == sql && !strcmp(r->sql, sql))
        return found(db, r, sql, stmt);
    unsigned b = sql_bucket(sql);
    for (nb_db_cached *c = db->stmts[b]; c; c = c->next)
        if (!strcmp(c->sql, sql))
            return found(db, c, sql, stmt);
    size_t len = strlen(sql);
    nb_db_cached *c = malloc(sizeof *c + len + 1);
    if (!c)
        return nb_seterr(NB_ENOMEM, "out of memory");
    memcpy(c->sql, sql, len + 1);
    if (sqlite3_prepare_v3(db->conn, sql, (int)len + 1, SQLITE_PREPARE_PERSISTENT, &c->stmt,
                           NULL) != SQLITE_OK) {
        free(c);
        return db_err(db, "preparing a statement");
    }
    c->next = db->stmts[b];
    db->stmts[b] = c;
    return found(db, c, sql, stmt);
}

static const char SQL_DROP_INSERT_TRIGGERS[] = "DROP TRIGGER IF EXISTS query_cache_run_insert;"
                                               "DROP TRIGGER IF EXISTS query_cache_evaluation_insert";

static int begin(nb_db *db, int many_runs)
{
    nb_db_write_cache_reset(db);
    int rc = nb_db_exec(db, "BEGIN IMMEDIATE", "starting a transaction");
    db->bulk_first_run = 0;
    if (!rc && many_runs) {
        rc = query_int(db, "SELECT coalesce(max(id), 0) + 1 FROM runs", &db->bulk_first_run);
        if (!rc)
            rc = nb_db_exec(db, SQL_DROP_INSERT_TRIGGERS, "starting a bulk load");
        if (rc)
            nb_db_rollback(db);
    }
    return rc;
}

int nb_db_begin(nb_db *db)
{
    return begin(db, db->bulk);
}

int nb_db_begin_batch(nb_db *db)
{
    return begin(db, 1);
}

/* What the dropped insert triggers would have done, and the triggers back. */
static int end_bulk_load(nb_db *db)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db,
                        "INSERT OR IGNORE INTO query_cache_stale"
                        " SELECT DISTINCT module_id FROM runs WHERE id >= ?1",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, db->bulk_first_run);
    rc = nb_db_step_done(db, st, "listing the modules of a bulk load");
    if (!rc)
        rc = nb_db_exec(db, nb_db_query_cache_sql, "recreating the query cache triggers");
    if (!rc)
        db->bulk_first_run = 0;
    return rc;
}

int nb_db_commit(nb_db *db)
{
    int rc = db->bulk_first_run ? end_bulk_load(db) : NB_OK;
    /* The query cache rows of what this transaction changed are rebuilt in
     * it, so no reader ever sees a transaction without them. */
    if (!rc)
        rc = nb_db_query_cache_refresh(db);
    if (rc)
        return rc;
    /* A cached statement left mid-step would keep its read lock. */
    stmts_reset_all(db);
    nb_db_write_cache_reset(db);
    return nb_db_exec(db, "COMMIT", "committing");
}

int nb_db_rollback(nb_db *db)
{
    db->bulk_first_run = 0; /* the dropped triggers come back with the rollback */
    stmts_reset_all(db);
    nb_db_write_cache_reset(db);
    if (sqlite3_get_autocommit(db->conn))
        return NB_OK;
    return nb_db_exec(db, "ROLLBACK", "rolling back");
}

/* Make what SQLite wrote with synchronous=OFF durable. */
static int fsync_file(const char *path)
{
    if (!path || !*path)
        return NB_OK; /* in-memory or temporary database */
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return nb_seterr(NB_EIO, "%s: cannot open to sync", path);
    int rc = fsync(fd) ? nb_seterr(NB_EIO, "%s: fsync failed", path) : NB_OK;
    close(fd);
    return rc;
}

int nb_db_bulk(nb_db *db, int on)
{
    if (db->readonly)
        return nb_seterr(NB_EUSAGE, "bulk loading needs a read-write database");
    if (on) {
        db->bulk = 1;
        return nb_db_exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-65536",
                          "setting bulk-load pragmas");
    }
    db->bulk = 0;
    int rc = nb_db_exec(db, "PRAGMA synchronous=FULL; PRAGMA cache_size=-2000",
                        "restoring pragmas");
    if (!rc)
        rc = fsync_file(sqlite3_db_filename(db->conn, "main"));
    return rc;
}
