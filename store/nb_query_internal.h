/*
 * Internal: the nb_bench handle shared by the query*.c files.
 */
#ifndef NB_QUERY_INTERNAL_H
#define NB_QUERY_INTERNAL_H

#include <sqlite3.h>

#include "nasbench/query.h"
#include "nb_lease.h"
#include "nb_mt19937.h"

#define NB_BENCH_MAX_BUDGETS 64

struct nb_bench {
    nb_db *db;
    int owns_db;
    int snapshot; /* a read transaction of nb_bench_hold_snapshot is open */
    nb_lease *lease; /* handles of nb_bench_open only (NULL when attached) */
    nb_mt19937 mt;
    double time_spent;
    int64_t epochs_spent;
    /* Budgets known to exist (found one at a time by the query path), and
     * whether the list is the complete, ascending set. */
    int num_budgets;
    int budgets_complete;
    int budgets[NB_BENCH_MAX_BUDGETS];
};

/* Bracket every public call that reads: keeps the handle's read lease (see
 * nb_lease.h) open for the call. Calls nest. */
static inline void nb_bench_enter(nb_bench *bench)
{
    nb_lease_enter(bench->lease);
}

static inline void nb_bench_leave(nb_bench *bench)
{
    nb_lease_leave(bench->lease);
}

/* A prepared, cached statement of the handle's database (NB_EDB on error). */
int nb_bench_stmt(nb_bench *bench, const char *sql, sqlite3_stmt **stmt);

/* NB_EDB with SQLite's message, after resetting stmt (may be NULL). */
int nb_bench_sqlerr(nb_bench *bench, sqlite3_stmt *stmt, const char *what);

/* A column that may be NULL, as a double (NaN for NULL). */
double nb_col_double(sqlite3_stmt *stmt, int col);

/* Fill a spec from the stored adjacency bit string and ops CSV columns. */
int nb_col_spec(sqlite3_stmt *stmt, int adjacency_col, int ops_col, nb_spec *spec);

/* A 32-hex hash argument (lowercase); NB_EINVAL otherwise. */
int nb_check_hash_text(const char *hash);

#endif
