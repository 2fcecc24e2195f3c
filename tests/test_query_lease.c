/*
 * The read lease of query handles (store/nb_lease.h): it keeps the read lock
 * across calls, gives it up by itself when its time is over (also while the
 * owner is idle or busy querying), so writers in other connections commit
 * and readers see their data.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nb_lease.h"
#include "test_query_fixture.h"

/* A writer of its own: adds module `n` (a made-up hash) in one transaction,
 * waiting for locks at most `busy_ms`. Returns the SQLite result. */
static int write_module(const char *path, int n, int busy_ms)
{
    sqlite3 *w;
    if (sqlite3_open_v2(path, &w, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return SQLITE_CANTOPEN;
    sqlite3_busy_timeout(w, busy_ms);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(w,
                                "INSERT INTO modules (hash, adjacency, operations, num_vertices,"
                                " num_edges) VALUES (printf('%032x', ?1), '0100', 'input,output',"
                                " 2, 1)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(st, 1, n);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(w);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(w, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(w);
    return rc;
}

static const char *make_db(const char *name)
{
    const char *path = nb_test_tmp(name);
    remove(path);
    assert_int_equal(fx_make_db(path), NB_OK);
    return path;
}

static void read_once(sqlite3 *conn)
{
    assert_int_equal(sqlite3_exec(conn, "SELECT count(*) FROM modules", NULL, NULL, NULL),
                     SQLITE_OK);
}

/* While the lease is open a writer cannot commit; paused, it can. */
static void test_holds_the_read_lock(void **state)
{
    (void)state;
    const char *path = make_db("lease_hold.db");
    sqlite3 *conn;
    assert_int_equal(sqlite3_open_v2(path, &conn, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    nb_lease *lease;
    assert_int_equal(nb_lease_new(conn, 600000, &lease), NB_OK);
    nb_lease_enter(lease);
    nb_lease_enter(lease); /* calls nest */
    read_once(conn);
    nb_lease_leave(lease);
    nb_lease_leave(lease);
    assert_int_equal(write_module(path, 1, 0), SQLITE_BUSY);
    nb_lease_pause(lease, 1);
    assert_int_equal(sqlite3_get_autocommit(conn), 1);
    assert_int_equal(write_module(path, 1, 0), SQLITE_OK);
    nb_lease_enter(lease); /* paused: no transaction */
    read_once(conn);
    nb_lease_leave(lease);
    assert_int_equal(sqlite3_get_autocommit(conn), 1);
    nb_lease_pause(lease, 0);
    nb_lease_enter(lease);
    read_once(conn);
    nb_lease_leave(lease);
    nb_lease_free(lease); /* ends the open transaction */
    assert_int_equal(sqlite3_get_autocommit(conn), 1);
    assert_int_equal(write_module(path, 2, 0), SQLITE_OK);
    sqlite3_close(conn);
}

/* After a query the handle sits idle: the lease thread lets the writer in
 * (it would time out after 10 s otherwise), and the next query sees it. */
static void test_idle_handle_lets_writers_in(void **state)
{
    (void)state;
    const char *path = make_db("lease_idle.db");
    nb_bench *bench;
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    nb_filter all;
    nb_filter_init(&all);
    int64_t count;
    assert_int_equal(nb_module_count(bench, &all, &count), NB_OK);
    assert_int_equal(count, FX_MODULES);
    assert_int_equal(write_module(path, 1, 10000), SQLITE_OK);
    assert_int_equal(nb_module_count(bench, &all, &count), NB_OK);
    assert_int_equal(count, FX_MODULES + 1);
    nb_bench_close(bench);
}

typedef struct writer_job {
    const char *path;
    int rc;
    volatile int done;
} writer_job;

static void *writer_main(void *arg)
{
    writer_job *job = arg;
    job->rc = write_module(job->path, 7, 10000);
    __atomic_store_n(&job->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* A handle querying without pause does not starve a writer either: each
 * lease ends on time and the writer's pending lock keeps the next one out
 * until it has committed. */
static void test_busy_handle_lets_writers_in(void **state)
{
    (void)state;
    const char *path = make_db("lease_busy.db");
    nb_bench *bench;
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    nb_query_result r;
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_FIRST], 108, 0, 0, &r), NB_OK);
    writer_job job = {path, -1, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, writer_main, &job), 0);
    long queries = 0;
    while (!__atomic_load_n(&job.done, __ATOMIC_ACQUIRE)) {
        assert_int_equal(nb_query_hash(bench, fx_hash[FX_FIRST], 108, 0, 0, &r), NB_OK);
        queries++;
    }
    pthread_join(t, NULL);
    assert_int_equal(job.rc, SQLITE_OK);
    assert_true(queries > 0);
    nb_module_info info;
    char hash[NB_HASH_HEX + 1];
    snprintf(hash, sizeof hash, "%032x", 7);
    assert_int_equal(nb_module_lookup(bench, hash, &info), NB_OK);
    nb_bench_close(bench);
}

/* A snapshot replaces the lease and the lease comes back after it. */
static void test_snapshot_pauses_the_lease(void **state)
{
    (void)state;
    const char *path = make_db("lease_snapshot.db");
    nb_bench *bench;
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    nb_query_result r;
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_FIRST], 108, 0, 0, &r), NB_OK);
    assert_int_equal(nb_bench_hold_snapshot(bench, 1), NB_OK);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_FIRST], 108, 0, 1, &r), NB_OK);
    assert_int_equal(write_module(path, 3, 0), SQLITE_BUSY); /* held, however long */
    assert_int_equal(nb_bench_hold_snapshot(bench, 0), NB_OK);
    assert_int_equal(write_module(path, 3, 0), SQLITE_OK);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_FIRST], 108, 0, 2, &r), NB_OK);
    nb_bench_close(bench);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holds_the_read_lock),
        cmocka_unit_test(test_idle_handle_lets_writers_in),
        cmocka_unit_test(test_busy_handle_lets_writers_in),
        cmocka_unit_test(test_snapshot_pauses_the_lease),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
