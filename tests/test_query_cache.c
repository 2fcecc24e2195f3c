/*
 * The derived query_cache table (sql/query_cache.sql): the query path reads
 * one row per module, so those rows must always say what the normalized
 * tables say: after the library's writes, after a rollback, after writes of
 * other programs (the triggers), and with a damaged row.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "nasbench/merge.h"
#include "nb_convert.h"
#include "nb_query_cache.h"
#include "nb_synth.h"
#include "test_query_fixture.h"

static const char *make_db(const char *name)
{
    const char *path = nb_test_tmp(name);
    remove(path);
    assert_int_equal(fx_make_db(path), NB_OK);
    return path;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *c;
    assert_int_equal(sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(c, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
    sqlite3_close(c);
}

static int64_t count_sql(const char *path, const char *sql)
{
    nb_db *db;
    assert_int_equal(nb_db_open(path, NB_OPEN_READONLY, &db), NB_OK);
    int64_t n = nb_test_count(db, sql);
    nb_db_close(db);
    return n;
}

/* A copy of the database at `path` without its query_cache rows (the
 * tables then answer every query): VACUUM INTO `plain`, then the rows out.
 * Returns `plain`. */
static const char *copy_without_rows(const char *path, const char *plain)
{
    remove(plain);
    char sql[4200];
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", plain);
    exec_sql(path, sql);
    exec_sql(plain, "DELETE FROM query_cache");
    return plain;
}

/* The query cache triggers of sql/query_cache.sql. */
static const char SQL_TRIGGERS[] = "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
                                   " AND name LIKE 'query_cache_%'";

static void assert_same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        assert_true(isnan(a) && isnan(b));
    else
        assert_memory_equal(&a, &b, sizeof a);
}

static void assert_same_result(const nb_query_result *a, const nb_query_result *b)
{
    assert_string_equal(a->hash, b->hash);
    assert_int_equal(a->repeat, b->repeat);
    assert_int_equal(a->num_repeats, b->num_repeats);
    assert_int_equal(a->trainable_parameters, b->trainable_parameters);
    assert_int_equal(a->module.num_vertices, b->module.num_vertices);
    assert_memory_equal(&a->module, &b->module, sizeof a->module);
    assert_same_double(a->training_time, b->training_time);
    assert_same_double(a->train_accuracy, b->train_accuracy);
    assert_same_double(a->validation_accuracy, b->validation_accuracy);
    assert_same_double(a->test_accuracy, b->test_accuracy);
}

/* Every answer of the fixture (each module, budget, checkpoint, repeat and
 * the mean), written as results[] in a fixed order; errors as rc only. */
#define ANSWERS (FX_MODULES * 3 * 2 * 5)

static void all_answers(const char *path, nb_query_result *res, int *rcs)
{
    nb_bench *bench;
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    static const int budgets[3] = {4, 108, 12}; /* 12: not in the database */
    int k = 0;
    for (int m = 0; m < FX_MODULES; m++)
        for (int b = 0; b < 3; b++)
            for (int half = 0; half < 2; half++)
                for (int rep = NB_REPEAT_MEAN; rep < 4; rep++, k++) {
                    if (rep == NB_REPEAT_RANDOM)
                        rep = 0; /* random draws are tested elsewhere */
                    memset(&res[k], 0, sizeof res[k]);
                    rcs[k] = nb_query_hash(bench, fx_hash[m], budgets[b], half, rep, &res[k]);
                }
    nb_bench_close(bench);
}

static void assert_same_answers(const char *a_path, const char *b_path)
{
    static nb_query_result a[ANSWERS], b[ANSWERS];
    static int ra[ANSWERS], rb[ANSWERS];
    all_answers(a_path, a, ra);
    all_answers(b_path, b, rb);
    int ok = 0;
    for (int k = 0; k < ANSWERS; k++) {
        assert_int_equal(ra[k], rb[k]);
        if (ra[k] == NB_OK) {
            assert_same_result(&a[k], &b[k]);
            ok++;
        }
    }
    assert_true(ok >= 36); /* the fixture alone has 16 + 8 + 8 + 4 answers */
}

/* The library's writes leave one row per module (the module without runs
 * too) and nothing listed as stale. */
static void test_rows_after_library_writes(void **state)
{
    (void)state;
    const char *path = make_db("qc_rows.db");
    assert_int_equal(count_sql(path, "SELECT count(*) FROM query_cache"), FX_MODULES);
    assert_int_equal(count_sql(path, "SELECT count(*) FROM query_cache_stale"), 0);
    /* 6 runs of the Inception-like module, 40 bytes each (float32 values);
     * none for FX_CHAIN. */
    assert_int_equal(count_sql(path, "SELECT length(q.runs) FROM query_cache q"
                                     " JOIN modules m ON m.id = q.module_id"
                                     " WHERE m.hash = '28cfc7874f6d200472e1a9dcd8650aa0'"),
                     6 * 40);
    assert_int_equal(count_sql(path, "SELECT length(q.runs) FROM query_cache q"
                                     " JOIN modules m ON m.id = q.module_id"
                                     " WHERE m.hash = 'b49ac8c578b4561d79ac7087988f1c61'"),
                     0);
}

/* Answers from the rows equal answers from the normalized tables (a copy
 * whose rows were removed), value for value. */
static void test_rows_answer_as_the_tables(void **state)
{
    (void)state;
    const char *cached = make_db("qc_cached.db");
    char plain[4096];
    snprintf(plain, sizeof plain, "%s", make_db("qc_plain.db"));
    exec_sql(plain, "DELETE FROM query_cache");
    assert_int_equal(count_sql(plain, "SELECT count(*) FROM query_cache"), 0);
    assert_same_answers(cached, plain);
}

/* Another program adds a run and changes a value with plain SQL: the
 * triggers drop the rows at once, queries read the tables, and the next
 * read-write open rebuilds the rows. */
static void test_other_writers(void **state)
{
    (void)state;
    const char *path = make_db("qc_other.db");
    exec_sql(path, "INSERT INTO runs (id, module_id, epochs, repeat, source_id)"
                   " SELECT 1000, id, 108, 1, 1 FROM modules"
                   " WHERE hash = '043721b9c7fe8c5fad811d47d83132ec';"
                   "INSERT INTO evaluations (run_id, checkpoint, training_time, train_accuracy,"
                   " validation_accuracy, test_accuracy) VALUES (1000, 2, 5.5, 0.25, 0.1, 0.75);"
                   "UPDATE evaluations SET test_accuracy = 0.125 WHERE checkpoint = 2 AND run_id ="
                   " (SELECT r.id FROM runs r JOIN modules m ON m.id = r.module_id"
                   "  WHERE m.hash = '00005c142e6f48ac74fdcf73e3439874' AND r.repeat = 2)");
    assert_int_equal(count_sql(path, "SELECT count(*) FROM query_cache"), FX_MODULES - 2);
    assert_int_equal(count_sql(path, "SELECT count(*) FROM query_cache_stale"), 2);
    nb_bench *bench;
    nb_query_result r;
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_TWO], 108, 0, 1, &r), NB_OK);
    assert_int_equal(r.num_repeats, 2);
    assert_true(r.validation_accuracy == 0.1);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_FIRST], 108, 0, 2, &r), NB_OK);
    assert_true(r.test_accuracy == 0.125);
    nb_bench_close(bench);

    nb_db *db;
    assert_int_equal(nb_db_open(path, NB_OPEN_READWRITE, &db), NB_OK);
    nb_db_close(db);
    assert_int_equal(count_sql(path, "SELECT count(*) FROM query_cache"), FX_MODULES);
    assert_int_equal(count_sql(path, "SELECT count(*) FROM query_cache_stale"), 0);
    /* 0.1 is no float32: that run's entry keeps float64 values (72 bytes) */
    assert_int_equal(count_sql(path, "SELECT length(runs) FROM query_cache"
                                     " WHERE hash = '043721b9c7fe8c5fad811d47d83132ec'"),
                     3 * 40 + 40 + 72);
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_TWO], 108, 0, 1, &r), NB_OK);
    assert_true(r.validation_accuracy == 0.1);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_TWO], 108, 0, NB_REPEAT_MEAN, &r), NB_OK);
    assert_int_equal(r.num_repeats, 2);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_FIRST], 108, 0, 2, &r), NB_OK);
    assert_true(r.test_accuracy == 0.125);
    nb_bench_close(bench);

    /* Deleting runs and modules is seen too. */
    exec_sql(path, "DELETE FROM evaluations WHERE run_id = 1000; DELETE FROM runs WHERE id = 1000");
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_TWO], 108, 0, NB_REPEAT_MEAN, &r), NB_OK);
    assert_int_equal(r.num_repeats, 1);
    nb_bench_close(bench);
}

/* A run added by the library and rolled back leaves the row as it was; one
 * committed is in the row. */
static void test_library_transactions(void **state)
{
    (void)state;
    char path[4096]; /* nb_test_tmp's buffer is reused below */
    snprintf(path, sizeof path, "%s", make_db("qc_tx.db"));
    nb_db *db;
    assert_int_equal(nb_db_open(path, NB_OPEN_READWRITE, &db), NB_OK);
    int64_t module_id = nb_test_count(db, "SELECT id FROM modules"
                                          " WHERE hash = '043721b9c7fe8c5fad811d47d83132ec'");
    for (int commit = 0; commit < 2; commit++) {
        assert_int_equal(nb_db_begin(db), NB_OK);
        assert_int_equal(fx_add_runs(db, module_id, FX_TWO, 108, 2, 1), NB_OK);
        assert_int_equal(commit ? nb_db_commit(db) : nb_db_rollback(db), NB_OK);
        assert_int_equal(nb_test_count(db, "SELECT count(*) FROM query_cache_stale"), 0);
        assert_int_equal(nb_test_count(db, "SELECT count(*) FROM query_cache"), FX_MODULES);
    }
    nb_db_close(db);
    nb_bench *bench;
    nb_query_result r;
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_TWO], 108, 1, 2, &r), NB_OK);
    assert_int_equal(r.num_repeats, 3);
    assert_int_equal(r.repeat, 2);
    nb_bench_close(bench);
    char plain[4096];
    snprintf(plain, sizeof plain, "%s", nb_test_tmp("qc_tx_plain.db"));
    assert_same_answers(path, copy_without_rows(path, plain));
}

/* A bulk load (the converter's mode) drops the per-row insert triggers for
 * its transaction: the commit still lists and builds the rows of its
 * modules and brings the triggers back, and so does a rollback. */
static void test_bulk_load(void **state)
{
    (void)state;
    const char *path = make_db("qc_bulk.db");
    nb_db *db;
    assert_int_equal(nb_db_open(path, NB_OPEN_READWRITE, &db), NB_OK);
    int64_t n_triggers = nb_test_count(db, SQL_TRIGGERS);
    assert_int_equal(n_triggers, 10);
    int64_t module_id = nb_test_count(db, "SELECT id FROM modules"
                                          " WHERE hash = 'b49ac8c578b4561d79ac7087988f1c61'");
    assert_int_equal(nb_db_bulk(db, 1), NB_OK);
    for (int commit = 0; commit < 2; commit++) {
        assert_int_equal(nb_db_begin(db), NB_OK);
        assert_int_equal(nb_test_count(db, SQL_TRIGGERS), n_triggers - 2);
        assert_int_equal(fx_add_runs(db, module_id, FX_CHAIN, 36, 2, 1), NB_OK);
        assert_int_equal(commit ? nb_db_commit(db) : nb_db_rollback(db), NB_OK);
        assert_int_equal(nb_test_count(db, SQL_TRIGGERS), n_triggers);
        assert_int_equal(nb_test_count(db, "SELECT count(*) FROM query_cache_stale"), 0);
    }
    assert_int_equal(nb_db_bulk(db, 0), NB_OK);
    assert_int_equal(nb_test_count(db, "SELECT length(runs) FROM query_cache WHERE module_id = "
                                       "(SELECT id FROM modules WHERE"
                                       " hash = 'b49ac8c578b4561d79ac7087988f1c61')"),
                     2 * 40);
    nb_db_close(db);
    nb_bench *bench;
    nb_query_result r;
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_CHAIN], 36, 0, 1, &r), NB_OK);
    double v[4];
    fx_values(FX_CHAIN, 36, 1, 2, v);
    assert_true(r.validation_accuracy == v[2]);
    nb_bench_close(bench);
}

/* A merge (a batch transaction: insert triggers dropped like a bulk load,
 * without its pragmas) rebuilds the rows of every module it adds runs to,
 * here modules the output already has, without their runs; a failed merge
 * leaves the triggers and rows as they were. */
static void test_merge(void **state)
{
    (void)state;
    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s", make_db("qc_merge_in.db"));
    snprintf(dst, sizeof dst, "%s", make_db("qc_merge_out.db"));
    exec_sql(dst, "DELETE FROM evaluations; DELETE FROM runs");
    nb_db *db;
    assert_int_equal(nb_db_open(dst, NB_OPEN_READWRITE, &db), NB_OK);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM query_cache"), FX_MODULES);
    assert_int_equal(nb_test_count(db, "SELECT sum(length(runs)) FROM query_cache"), 0);
    const char *good[] = {src}, *bad[] = {src, nb_test_tmp("qc_missing.db")};
    assert_int_not_equal(nb_merge(db, bad, 2, NULL), NB_OK);
    assert_int_equal(nb_test_count(db, SQL_TRIGGERS), 10);
    assert_int_equal(nb_test_count(db, "SELECT sum(length(runs)) FROM query_cache"), 0);
    nb_merge_stats st;
    assert_int_equal(nb_merge(db, good, 1, &st), NB_OK);
    assert_int_equal(st.modules_added, 0);
    assert_true(st.runs_added > 0);
    assert_int_equal(nb_test_count(db, SQL_TRIGGERS), 10);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM query_cache"), FX_MODULES);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM query_cache_stale"), 0);
    nb_db_close(db);
    assert_same_answers(src, dst);
}

/* A conversion of more modules than the rebuild's chunks hold (4,096: the
 * codes of one chunk are computed by a worker while the next is read), with
 * the first module of each chunk starting on a row already stepped to:
 * every module gets its row, and every answer equals the tables'. */
static void test_many_modules(void **state)
{
    (void)state;
    enum { MODULES = 9000, REPEATS = 2 };
    char rec[4096], cached[4096], plain[4096];
    snprintf(rec, sizeof rec, "%s", nb_test_tmp("qc_many.tfrecord"));
    snprintf(cached, sizeof cached, "%s", nb_test_tmp("qc_many.db"));
    snprintf(plain, sizeof plain, "%s", nb_test_tmp("qc_many_plain.db"));
    remove(cached);
    nb_synth_options o;
    nb_synth_defaults(&o);
    o.max_vertices = 6;
    o.modules = MODULES;
    o.num_budgets = 1;
    o.budgets[0] = 108;
    o.repeats = REPEATS;
    assert_int_equal(nb_synth_write(rec, &o, NULL), NB_OK);
    nb_db *db;
    nb_convert_report report;
    assert_int_equal(nb_db_open(cached, NB_OPEN_CREATE, &db), NB_OK);
    assert_int_equal(nb_convert_file(db, rec, NULL, &report), NB_OK);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM query_cache"), MODULES);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM query_cache WHERE length(runs) <> "
                                       "2 * 40"),
                     0);
    char *hashes = nb_test_rows_text(db, "SELECT hash FROM modules ORDER BY id");
    nb_db_close(db);
    copy_without_rows(cached, plain);
    nb_bench *a, *b;
    assert_int_equal(nb_bench_open(cached, &a), NB_OK);
    assert_int_equal(nb_bench_open(plain, &b), NB_OK);
    int n = 0;
    for (char *h = strtok(hashes, "|\n"); h; h = strtok(NULL, "|\n"), n++)
        for (int rep = 0; rep < REPEATS; rep++) {
            nb_query_result ra, rb;
            assert_int_equal(nb_query_hash(a, h, 108, rep & 1, rep, &ra), NB_OK);
            assert_int_equal(nb_query_hash(b, h, 108, rep & 1, rep, &rb), NB_OK);
            assert_same_result(&ra, &rb);
            assert_int_equal(ra.num_repeats, REPEATS);
        }
    assert_int_equal(n, MODULES);
    nb_bench_close(a);
    nb_bench_close(b);
    free(hashes);
}

/* A damaged row (a blob that is not a whole number of entries) is not
 * trusted: the tables answer. */
static void test_damaged_row(void **state)
{
    (void)state;
    const char *path = make_db("qc_damaged.db");
    exec_sql(path, "UPDATE query_cache SET runs = x'0102030405' WHERE hash <> "
                   "'043721b9c7fe8c5fad811d47d83132ec';"
                   "UPDATE query_cache SET spec = 1 WHERE hash = "
                   "'043721b9c7fe8c5fad811d47d83132ec'");
    nb_bench *bench;
    nb_query_result r;
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_INCEPTION], 108, 0, 1, &r), NB_OK);
    assert_true(r.validation_accuracy == 0.9376001358032227);
    assert_int_equal(r.num_repeats, 3);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_CHAIN], 108, 0, 0, &r), NB_ENOTFOUND);
    assert_int_equal(nb_query_hash(bench, fx_hash[FX_TWO], 4, 0, 2, &r), NB_OK);
    assert_string_equal(r.module.ops[1], "output");
    nb_bench_close(bench);
}

/* A module stored with a hash that is not its spec's (another program's
 * mistake) gets no row: its spec's queries then follow the hash, as the
 * original would, and its stored hash reads the tables. */
static void test_wrong_hash_gets_no_row(void **state)
{
    (void)state;
    const char *path = make_db("qc_wrong.db");
    exec_sql(path, "UPDATE modules SET hash = '00005c142e6f48acffffffffffffffff'"
                   " WHERE hash = '00005c142e6f48ac74fdcf73e3439874'");
    nb_db *db;
    assert_int_equal(nb_db_open(path, NB_OPEN_READWRITE, &db), NB_OK); /* rebuilds */
    nb_db_close(db);
    assert_int_equal(count_sql(path, "SELECT count(*) FROM query_cache"), FX_MODULES - 1);
    assert_int_equal(count_sql(path, "SELECT count(*) FROM query_cache_stale"), 0);
    nb_bench *bench;
    nb_query_result r;
    nb_spec spec;
    assert_int_equal(nb_bench_open(path, &bench), NB_OK);
    assert_int_equal(nb_spec_parse(&spec, fx_adjacency[FX_FIRST], fx_ops[FX_FIRST]), NB_OK);
    assert_int_equal(nb_query(bench, &spec, 108, 0, 0, &r), NB_ENOTFOUND);
    assert_int_equal(
        nb_query_hash(bench, "00005c142e6f48acffffffffffffffff", 108, 0, 2, &r), NB_OK);
    double v[4];
    fx_values(FX_FIRST, 108, 2, 2, v);
    assert_true(r.test_accuracy == v[3]);
    nb_bench_close(bench);
}

/* A spec renumbered (same module, other vertex order) finds its row by the
 * canonical code and answers with the stored spec and hash, exactly as by
 * hash and as from the tables. */
static void test_spec_queries(void **state)
{
    (void)state;
    const char *path = make_db("qc_spec.db");
    /* Inception-like, vertex 2 (the 1x1 convolution) moved to position 5
     * and 3, 4, 5 moved up one: still upper triangular. */
    nb_spec spec, stored;
    assert_int_equal(nb_spec_parse(&stored, fx_adjacency[FX_INCEPTION], fx_ops[FX_INCEPTION]),
                     NB_OK);
    static const int p[7] = {0, 1, 5, 2, 3, 4, 6};
    memset(&spec, 0, sizeof spec);
    spec.num_vertices = 7;
    for (int u = 0; u < 7; u++) {
        strcpy(spec.ops[p[u]], stored.ops[u]);
        for (int v = 0; v < 7; v++)
            spec.matrix[p[u]][p[v]] = stored.matrix[u][v];
    }
    for (int u = 0; u < 7; u++)
        for (int v = 0; v <= u; v++)
            assert_int_equal(spec.matrix[u][v], 0);
    assert_memory_not_equal(&spec, &stored, sizeof spec);
    nb_bench *bench;
    nb_query_result by_spec, by_hash;
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(nb_bench_open(path, &bench), NB_OK);
        for (int half = 0; half < 2; half++) {
            assert_int_equal(nb_query(bench, &spec, 108, half, 1, &by_spec), NB_OK);
            assert_int_equal(nb_query_hash(bench, fx_hash[FX_INCEPTION], 108, half, 1, &by_hash),
                             NB_OK);
            assert_same_result(&by_spec, &by_hash);
            assert_memory_equal(&by_spec.module, &stored, sizeof stored);
        }
        assert_int_equal(nb_query(bench, &spec, 36, 0, 0, &by_spec), NB_EDOMAIN);
        nb_bench_close(bench);
        exec_sql(path, "DELETE FROM query_cache"); /* pass 2: hash and tables */
    }
}

/* The row encodings: specs of the space round-trip through 35 bits; runs
 * take 40 bytes when their values are float32, 72 otherwise, and a cut
 * blob is refused. */
static void test_codec(void **state)
{
    (void)state;
    for (int m = 0; m < FX_MODULES; m++) {
        nb_spec spec, back;
        uint64_t code;
        assert_int_equal(nb_spec_parse(&spec, fx_adjacency[m], fx_ops[m]), NB_OK);
        assert_int_equal(nb_qc_spec_pack(&spec, &code), NB_OK);
        assert_true(code >> 35 == 0);
        assert_int_equal(nb_qc_spec_unpack(code, &back), NB_OK);
        assert_int_equal(back.num_vertices, spec.num_vertices);
        for (int v = 0; v < spec.num_vertices; v++) {
            assert_string_equal(back.ops[v], spec.ops[v]);
            assert_memory_equal(back.matrix[v], spec.matrix[v], NB_MAX_VERTICES);
        }
    }
    nb_spec bad;
    uint64_t code;
    assert_int_equal(nb_spec_parse(&bad, "010001000", "input,conv5x5,output"), NB_OK);
    assert_int_equal(nb_qc_spec_pack(&bad, &code), NB_EDOMAIN);
    assert_int_equal(nb_qc_spec_unpack(0, &bad), NB_EDOMAIN);
    assert_int_equal(nb_qc_spec_unpack((uint64_t)8 << 31, &bad), NB_EDOMAIN); /* 8 vertices */

    unsigned char blob[2 * NB_QC_ENTRY_MAX];
    const double narrow[8] = {1.5, 0.25, NAN, 0.75, 3.0, 0.5, 0.125, 1.0};
    const double wide[8] = {1.5, 0.25, NAN, 0.75, 3.0, 0.1, 0.125, 1.0};
    size_t len = nb_qc_entry_put(blob, 108, 2, narrow);
    assert_int_equal(len, 40);
    len += nb_qc_entry_put(blob + len, 108, 3, wide);
    assert_int_equal(len, 112);
    size_t pos = 0;
    nb_qc_entry e;
    assert_int_equal(nb_qc_entry_next(blob, len, &pos, &e, 1), 1);
    assert_int_equal(e.epochs, 108);
    assert_int_equal(e.repeat, 2);
    assert_true(isnan(e.halfway[2]) && e.halfway[3] == 0.75 && e.final[2] == 0.125);
    assert_int_equal(nb_qc_entry_next(blob, len, &pos, &e, 1), 1);
    assert_int_equal(e.repeat, 3);
    assert_true(e.final[1] == 0.1);
    assert_int_equal(nb_qc_entry_next(blob, len, &pos, &e, 1), 0);
    pos = 40;
    assert_int_equal(nb_qc_entry_next(blob, len - 1, &pos, &e, 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec),
        cmocka_unit_test(test_rows_after_library_writes),
        cmocka_unit_test(test_rows_answer_as_the_tables),
        cmocka_unit_test(test_other_writers),
        cmocka_unit_test(test_library_transactions),
        cmocka_unit_test(test_bulk_load),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_many_modules),
        cmocka_unit_test(test_damaged_row),
        cmocka_unit_test(test_wrong_hash_gets_no_row),
        cmocka_unit_test(test_spec_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
