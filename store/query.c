/* The query handle and the original query(): epochs check, prune/check/hash,
 * lookup, one repeat (random, explicit or the mean) and budget counters. */
#include "nb_query_internal.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nasbench/error.h"
#include "nb_query_cache.h"

/* ---- handle -------------------------------------------------------------- */

/* The original's seed=None: CPython then seeds from OS entropy. */
static void seed_from_entropy(nb_bench *bench)
{
    uint32_t key[4] = {0, 0, 0, 0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, key, sizeof key) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof key) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        key[0] = (uint32_t)ts.tv_nsec;
        key[1] = (uint32_t)ts.tv_sec;
        key[2] = (uint32_t)getpid();
    }
    nb_mt_init_by_array(&bench->mt, key, 4);
}

int nb_bench_attach(nb_db *db, nb_bench **out)
{
    *out = NULL;
    if (!db)
        return nb_seterr(NB_EUSAGE, "nb_bench_attach: no database");
    nb_bench *bench = calloc(1, sizeof *bench);
    if (!bench)
        return nb_seterr(NB_ENOMEM, "out of memory");
    bench->db = db;
    seed_from_entropy(bench);
    *out = bench;
    return NB_OK;
}

int nb_bench_open(const char *path, nb_bench **out)
{
    nb_db *db;
    *out = NULL;
    int rc = nb_db_open(path, NB_OPEN_READONLY, &db);
    if (rc)
        return rc;
    /* Point queries hop between B-tree pages all over a 1-2 GB file: map it
     * (no read() call and copy per page) and keep more pages. Best effort:
     * a build without mmap simply ignores the pragma. */
    sqlite3_exec(nb_db_sqlite(db), "PRAGMA mmap_size = 8589934592; PRAGMA cache_size = -65536",
                 NULL, NULL, NULL);
    rc = nb_bench_attach(db, out);
    if (!rc)
        rc = nb_lease_new(nb_db_sqlite(db), NB_LEASE_MS, &(*out)->lease);
    if (rc) {
        nb_bench_close(*out);
        *out = NULL;
        nb_db_close(db);
        return rc;
    }
    (*out)->owns_db = 1;
    return NB_OK;
}

int nb_bench_hold_snapshot(nb_bench *bench, int on)
{
    sqlite3 *conn = nb_db_sqlite(bench->db);
    if (!on == !bench->snapshot)
        return NB_OK;
    if (!on) {
        bench->snapshot = 0;
        int rc = sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
                     ? NB_OK
                     : nb_bench_sqlerr(bench, NULL, "ending the snapshot");
        nb_lease_pause(bench->lease, 0);
        return rc;
    }
    nb_lease_pause(bench->lease, 1); /* the snapshot replaces the lease */
    if (!sqlite3_get_autocommit(conn))
        return nb_seterr(NB_EUSAGE, "a transaction is already open on this database");
    /* BEGIN is deferred: the shared lock comes with the first read, here. */
    if (sqlite3_exec(conn, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) !=
        SQLITE_OK) {
        int rc = nb_bench_sqlerr(bench, NULL, "starting a snapshot");
        sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
        nb_lease_pause(bench->lease, 0);
        return rc;
    }
    bench->snapshot = 1;
    return NB_OK;
}

void nb_bench_close(nb_bench *bench)
{
    if (!bench)
        return;
    nb_bench_hold_snapshot(bench, 0);
    nb_lease_free(bench->lease); /* before the connection it uses */
    if (bench->owns_db)
        nb_db_close(bench->db);
    free(bench);
}

nb_db *nb_bench_db(nb_bench *bench)
{
    return bench->db;
}

void nb_bench_seed(nb_bench *bench, int64_t seed)
{
    /* |INT64_MIN| does not fit in int64_t but does in uint64_t. */
    uint64_t magnitude = seed < 0 ? (uint64_t)0 - (uint64_t)seed : (uint64_t)seed;
    nb_mt_seed(&bench->mt, magnitude);
}

void nb_bench_budget_counters(const nb_bench *bench, double *training_time, int64_t *epochs)
{
    if (training_time)
        *training_time = bench->time_spent;
    if (epochs)
        *epochs = bench->epochs_spent;
}

void nb_bench_reset_budget_counters(nb_bench *bench)
{
    bench->time_spent = 0.0;
    bench->epochs_spent = 0;
}

int nb_query_is_valid(const nb_spec *spec)
{
    return nb_spec_resolve(spec, NULL, NULL) == NB_OK;
}

/* ---- shared helpers -------------------------------------------------------- */

int nb_bench_stmt(nb_bench *bench, const char *sql, sqlite3_stmt **stmt)
{
    return nb_db_stmt(bench->db, sql, stmt);
}

int nb_bench_sqlerr(nb_bench *bench, sqlite3_stmt *stmt, const char *what)
{
    int code = NB_EDB;
    const char *msg = sqlite3_errmsg(nb_db_sqlite(bench->db));
    if (sqlite3_errcode(nb_db_sqlite(bench->db)) == SQLITE_NOMEM)
        code = NB_ENOMEM;
    nb_seterr(code, "%s: %s", what, msg);
    if (stmt)
        sqlite3_reset(stmt);
    return code;
}

double nb_col_double(sqlite3_stmt *stmt, int col)
{
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return NAN;
    return sqlite3_column_double(stmt, col);
}

int nb_col_spec(sqlite3_stmt *stmt, int adjacency_col, int ops_col, nb_spec *spec)
{
    const char *adjacency = (const char *)sqlite3_column_text(stmt, adjacency_col);
    const char *ops = (const char *)sqlite3_column_text(stmt, ops_col);
    if (!adjacency || !ops)
        return nb_seterr(NB_ECORRUPT, "module without adjacency or operations");
    int rc = nb_spec_parse(spec, adjacency, ops);
    return rc ? nb_preferr(NB_ECORRUPT, "stored module") : NB_OK;
}

int nb_check_hash_text(const char *hash)
{
    size_t n = hash ? strlen(hash) : 0;
    int ok = n == NB_HASH_HEX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (hash[i] >= '0' && hash[i] <= '9') || (hash[i] >= 'a' && hash[i] <= 'f');
    if (!ok)
        return nb_seterr(NB_EINVAL, "not a module hash (32 lowercase hex): '%.40s'",
                         hash ? hash : "");
    return NB_OK;
}

/* ---- budgets ----------------------------------------------------------------- */

static int load_all_budgets(nb_bench *bench)
{
    sqlite3_stmt *st;
    int rc = nb_bench_stmt(bench, "SELECT DISTINCT epochs FROM runs ORDER BY epochs", &st);
    if (rc)
        return rc;
    int n = 0, src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW)
        if (n < NB_BENCH_MAX_BUDGETS)
            bench->budgets[n++] = sqlite3_column_int(st, 0);
    if (src != SQLITE_DONE)
        return nb_bench_sqlerr(bench, st, "listing budgets");
    sqlite3_reset(st);
    bench->num_budgets = n;
    bench->budgets_complete = 1;
    return NB_OK;
}

int nb_bench_budgets(nb_bench *bench, int *epochs, int cap)
{
    nb_bench_enter(bench);
    int failed = !bench->budgets_complete && load_all_budgets(bench);
    nb_bench_leave(bench);
    if (failed)
        return -1;
    for (int i = 0; i < bench->num_budgets && i < cap; i++)
        epochs[i] = bench->budgets[i];
    return bench->num_budgets;
}

static int budget_known(const nb_bench *bench, int epochs)
{
    for (int i = 0; i < bench->num_budgets; i++)
        if (bench->budgets[i] == epochs)
            return 1;
    return 0;
}

/* Runs are not indexed by budget, so the whole set (a scan) is read only on
 * the error path; a stored budget is confirmed by its first run, which a
 * scan meets at once, and remembered. */
static int check_budget(nb_bench *bench, int epochs)
{
    if (budget_known(bench, epochs))
        return NB_OK;
    if (!bench->budgets_complete) {
        sqlite3_stmt *st;
        int rc = nb_bench_stmt(bench, "SELECT 1 FROM runs WHERE epochs = ?1 LIMIT 1", &st);
        if (rc)
            return rc;
        sqlite3_bind_int(st, 1, epochs);
        int src = sqlite3_step(st);
        sqlite3_reset(st);
        if (src == SQLITE_ROW) {
            if (bench->num_budgets < NB_BENCH_MAX_BUDGETS)
                bench->budgets[bench->num_budgets++] = epochs;
            return NB_OK;
        }
        if (src != SQLITE_DONE)
            return nb_bench_sqlerr(bench, NULL, "checking the budget");
        rc = load_all_budgets(bench);
        if (rc)
            return rc;
    }
    char list[NB_BENCH_MAX_BUDGETS * 12 + 4];
    size_t len = 0;
    for (int i = 0; i < bench->num_budgets; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", i ? ", " : "",
                                bench->budgets[i]);
    return nb_seterr(NB_EDOMAIN, "invalid number of epochs, must be one of {%s}", list);
}

int nb_bench_check_budget(nb_bench *bench, int epochs)
{
    if (budget_known(bench, epochs))
        return NB_OK; /* the query path: no read, no lease */
    nb_bench_enter(bench);
    int rc = check_budget(bench, epochs);
    nb_bench_leave(bench);
    return rc;
}

/* ---- query ------------------------------------------------------------------- */

/* Every repeat of one module at one budget, with the evaluation at the
 * chosen checkpoint (1 halfway, 2 final), in repeat order. */
static const char SQL_REPEATS[] =
    "SELECT m.adjacency, m.operations, m.trainable_parameters, r.repeat,"
    " e.training_time, e.train_accuracy, e.validation_accuracy, e.test_accuracy"
    " FROM modules m JOIN runs r ON r.module_id = m.id AND r.epochs = ?2"
    " LEFT JOIN evaluations e ON e.run_id = r.id AND e.checkpoint = ?3"
    " WHERE m.hash = ?1 ORDER BY r.repeat";

#define NB_QUERY_MAX_REPEATS 256

typedef struct repeat_row {
    int repeat;
    double v[4]; /* training_time, train, validation, test */
} repeat_row;

static int not_found(nb_bench *bench, const char *hash, int epochs)
{
    sqlite3_stmt *st;
    int rc = nb_bench_stmt(bench, "SELECT 1 FROM modules WHERE hash = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src == SQLITE_ROW)
        return nb_seterr(NB_ENOTFOUND, "module %s has no run at %d epochs", hash, epochs);
    if (src != SQLITE_DONE)
        return nb_bench_sqlerr(bench, NULL, "looking up the module");
    return nb_seterr(NB_ENOTFOUND, "module %s is not in the database", hash);
}

/* The module's query_cache row (sql/query_cache.sql), found by the
 * canonical code of a spec (one rowid seek) or by the hash (its index). */
static const char SQL_CACHED_CANON[] =
    "SELECT hash, spec, trainable_parameters, runs FROM query_cache WHERE canon = ?1";
static const char SQL_CACHED_HASH[] =
    "SELECT hash, spec, trainable_parameters, runs FROM query_cache WHERE hash = ?1";

/* What a query knows of its module: the hash, or (a spec's query) only the
 * canonical code until a row gives the hash. */
typedef struct module_key {
    const char *hash; /* NULL: look up by canon */
    uint64_t canon;
} module_key;

/* Spec and parameter count from the columns at `at` (adjacency), at + 1
 * (operations) and at + 2. */
static int fixed_stats(sqlite3_stmt *st, int at, const char *hash, nb_query_result *out)
{
    int rc = nb_col_spec(st, at, at + 1, &out->module);
    if (rc)
        return nb_preferr(rc, "module %s", hash);
    out->trainable_parameters =
        sqlite3_column_type(st, at + 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, at + 2);
    return NB_OK;
}

/* The entries of one budget in a cached runs blob, into rows[] (up to the
 * maximum; the count goes on, so that too many is seen); -1 for a blob that
 * is not whole. Entries are in (epochs, repeat) order: the walk ends after
 * the budget's group. */
static int budget_entries(const unsigned char *blob, size_t len, int epochs, int checkpoint,
                          repeat_row *rows)
{
    int n = 0, got;
    size_t pos = 0, at = 0;
    nb_qc_entry e;
    while ((got = nb_qc_entry_next(blob, len, &pos, &e, 0)) == 1) {
        if (e.epochs != epochs) {
            if (n)
                break;
            at = pos;
            continue;
        }
        if (n < NB_QUERY_MAX_REPEATS) {
            nb_qc_entry_next(blob, len, &at, &e, 1); /* the same entry, with its values */
            rows[n].repeat = e.repeat;
            memcpy(rows[n].v, checkpoint == 1 ? e.halfway : e.final, sizeof rows[n].v);
        }
        at = pos;
        n++;
    }
    return got < 0 ? -1 : n;
}

/* The repeats of one budget from the module's query_cache row, and the
 * module's hash and stored spec into out; *count stays -1 when no row can
 * serve (none, or not whole: the hash and the normalized tables decide). */
static int read_cached(nb_bench *bench, const module_key *k, int epochs, int checkpoint,
                       repeat_row *rows, int *count, nb_query_result *out)
{
    sqlite3_stmt *st;
    int rc = nb_bench_stmt(bench, k->hash ? SQL_CACHED_HASH : SQL_CACHED_CANON, &st);
    if (rc)
        return rc;
    if (k->hash)
        sqlite3_bind_text(st, 1, k->hash, NB_HASH_HEX, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, (sqlite3_int64)k->canon);
    *count = -1;
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return nb_bench_sqlerr(bench, st, "reading the query cache");
    if (src == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(st, 0);
        const unsigned char *blob = sqlite3_column_blob(st, 3);
        size_t len = (size_t)sqlite3_column_bytes(st, 3);
        int n = hash && nb_check_hash_text(hash) == NB_OK && (blob || !len)
                    ? budget_entries(blob, len, epochs, checkpoint, rows)
                    : -1;
        if (n >= 0 && nb_qc_spec_unpack((uint64_t)sqlite3_column_int64(st, 1), &out->module) ==
                          NB_OK) {
            memcpy(out->hash, hash, NB_HASH_HEX + 1);
            out->trainable_parameters =
                sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
            *count = n;
        }
    }
    sqlite3_reset(st);
    return rc;
}

static int too_many(const char *hash, int epochs)
{
    return nb_seterr(NB_ERROR, "module %s has more than %d repeats at %d epochs", hash,
                     NB_QUERY_MAX_REPEATS, epochs);
}

/* The same from the normalized tables. */
static int read_normalized(nb_bench *bench, const char *hash, int epochs, int checkpoint,
                           repeat_row *rows, int *count, nb_query_result *out)
{
    sqlite3_stmt *st;
    int rc = nb_bench_stmt(bench, SQL_REPEATS, &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, epochs);
    sqlite3_bind_int(st, 3, checkpoint);
    int n = 0, src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == 0 && (rc = fixed_stats(st, 0, hash, out)) != NB_OK) {
            sqlite3_reset(st);
            return rc;
        }
        if (n == NB_QUERY_MAX_REPEATS) {
            sqlite3_reset(st);
            return too_many(hash, epochs);
        }
        rows[n].repeat = sqlite3_column_int(st, 3);
        for (int k = 0; k < 4; k++)
            rows[n].v[k] = nb_col_double(st, 4 + k);
        n++;
    }
    if (src != SQLITE_DONE)
        return nb_bench_sqlerr(bench, st, "reading the runs");
    sqlite3_reset(st);
    *count = n;
    return n ? NB_OK : not_found(bench, hash, epochs);
}

/* Read the repeats into rows[], the hash and the fixed statistics into
 * out: the cached row, else (no row for the code) the hash of the spec
 * decides as in the original, else the normalized tables answer. */
static int read_repeats(nb_bench *bench, const module_key *k, const nb_spec *pruned, int epochs,
                        int checkpoint, repeat_row *rows, int *count, nb_query_result *out)
{
    int rc = read_cached(bench, k, epochs, checkpoint, rows, count, out);
    if (!rc && *count < 0 && !k->hash) {
        if ((rc = nb_spec_hash(pruned, out->hash)) != NB_OK)
            return rc;
        module_key by_hash = {out->hash, 0};
        rc = read_cached(bench, &by_hash, epochs, checkpoint, rows, count, out);
    }
    if (rc)
        return rc;
    if (*count < 0)
        return read_normalized(bench, out->hash, epochs, checkpoint, rows, count, out);
    if (*count == 0)
        return not_found(bench, out->hash, epochs);
    return *count > NB_QUERY_MAX_REPEATS ? too_many(out->hash, epochs) : NB_OK;
}

/* Mean in repeat order, ((a + b) + c) / n as numpy does for few values;
 * NULL values are left out, all NULL gives NaN. */
static double mean_of(const repeat_row *rows, int n, int k)
{
    double sum = 0.0;
    int used = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(rows[i].v[k])) {
            sum += rows[i].v[k];
            used++;
        }
    return used ? sum / used : NAN;
}

static int pick(nb_bench *bench, const repeat_row *rows, int n, int repeat,
                nb_query_result *out)
{
    int i;
    if (repeat == NB_REPEAT_MEAN) {
        out->repeat = NB_REPEAT_MEAN;
        out->training_time = mean_of(rows, n, 0);
        out->train_accuracy = mean_of(rows, n, 1);
        out->validation_accuracy = mean_of(rows, n, 2);
        out->test_accuracy = mean_of(rows, n, 3);
        return NB_OK;
    }
    if (repeat == NB_REPEAT_RANDOM) {
        i = (int)nb_mt_below(&bench->mt, (uint32_t)n); /* the original's randint(0, n-1) */
    } else {
        for (i = 0; i < n && rows[i].repeat != repeat; i++)
            ;
        if (i == n)
            return nb_seterr(NB_ENOTFOUND, "module %s has no repeat %d at %d epochs (%d stored)",
                             out->hash, repeat, out->epochs, n);
    }
    out->repeat = rows[i].repeat;
    out->training_time = rows[i].v[0];
    out->train_accuracy = rows[i].v[1];
    out->validation_accuracy = rows[i].v[2];
    out->test_accuracy = rows[i].v[3];
    return NB_OK;
}

/* The query itself, inside the lease: k names the module (pruned is
 * its spec when k has no hash). */
static int run_query(nb_bench *bench, const module_key *k, const nb_spec *pruned, int epochs,
                     int stop_halfway, int repeat, nb_query_result *out)
{
    nb_query_result r;
    memset(&r, 0, sizeof r);
    if (k->hash)
        memcpy(r.hash, k->hash, NB_HASH_HEX + 1);
    r.epochs = epochs;
    r.stop_halfway = stop_halfway != 0;
    repeat_row rows[NB_QUERY_MAX_REPEATS];
    int n;
    int rc = read_repeats(bench, k, pruned, epochs, stop_halfway ? 1 : 2, rows, &n, &r);
    if (!rc)
        rc = pick(bench, rows, n, repeat, &r);
    if (rc)
        return rc;
    r.num_repeats = n;
    /* A NULL training time adds nothing rather than poisoning the counter. */
    if (!isnan(r.training_time))
        bench->time_spent += r.training_time;
    bench->epochs_spent += stop_halfway ? epochs / 2 : epochs;
    *out = r;
    return NB_OK;
}

static int check_repeat(int repeat)
{
    return repeat < NB_REPEAT_MEAN ? nb_seterr(NB_EUSAGE, "bad repeat %d", repeat) : NB_OK;
}

int nb_query_hash(nb_bench *bench, const char *hash, int epochs, int stop_halfway, int repeat,
                  nb_query_result *out)
{
    int rc = check_repeat(repeat);
    if (!rc)
        rc = nb_bench_check_budget(bench, epochs);
    if (!rc)
        rc = nb_check_hash_text(hash);
    if (rc)
        return rc;
    module_key k = {hash, 0};
    nb_bench_enter(bench);
    rc = run_query(bench, &k, NULL, epochs, stop_halfway, repeat, out);
    nb_bench_leave(bench);
    return rc;
}

int nb_query(nb_bench *bench, const nb_spec *spec, int epochs, int stop_halfway, int repeat,
             nb_query_result *out)
{
    /* The original checks the budget before the spec. */
    int rc = check_repeat(repeat);
    if (!rc)
        rc = nb_bench_check_budget(bench, epochs);
    nb_spec pruned;
    if (!rc)
        rc = nb_spec_resolve(spec, &pruned, NULL);
    if (rc)
        return rc;
    /* The canonical code names the same module as the hash (isomorphic specs
     * share both), at a fraction of the cost; query_cache rows carry it. */
    module_key k = {NULL, 0};
    char hash[NB_HASH_HEX + 1];
    if (nb_spec_canon(&pruned, &k.canon) != NB_OK) {
        if ((rc = nb_spec_hash(&pruned, hash)) != NB_OK)
            return rc;
        k.hash = hash;
    }
    nb_bench_enter(bench);
    rc = run_query(bench, &k, &pruned, epochs, stop_halfway, repeat, out);
    nb_bench_leave(bench);
    return rc;
}
