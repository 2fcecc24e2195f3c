/* Forward migration: a version-1 database (the first release's schema, kept
 * here verbatim as the fixture) opens read-write and ends up equal to a new
 * database, with its data intact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nb_test.h"

static const char V1_SCHEMA[] =
    "CREATE TABLE sources (id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN "
    "('tfrecord', 'trainer', 'merge', 'generate')), file_name TEXT, sha256 TEXT, record_count "
    "INTEGER, created_at TEXT NOT NULL, program_version TEXT NOT NULL, config TEXT);"
    "CREATE TABLE modules (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, adjacency TEXT NOT "
    "NULL, operations TEXT NOT NULL, num_vertices INTEGER NOT NULL, num_edges INTEGER NOT NULL, "
    "trainable_parameters INTEGER);"
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, module_id INTEGER NOT NULL REFERENCES "
    "modules(id), epochs INTEGER NOT NULL, repeat INTEGER NOT NULL, total_time REAL, source_id "
    "INTEGER NOT NULL REFERENCES sources(id), UNIQUE (module_id, epochs, repeat));"
    "CREATE TABLE evaluations (run_id INTEGER NOT NULL REFERENCES runs(id), checkpoint INTEGER "
    "NOT NULL, current_epoch REAL, training_time REAL, train_accuracy REAL, validation_accuracy "
    "REAL, test_accuracy REAL, checkpoint_path TEXT, PRIMARY KEY (run_id, checkpoint)) WITHOUT "
    "ROWID;"
    "PRAGMA user_version = 1;"
    "INSERT INTO sources VALUES (1, 'tfrecord', 'old.tfrecord', NULL, 1, '2026-01-01T00:00:00Z', "
    "'0.0.1', NULL);"
    "INSERT INTO modules VALUES (1, '043721b9c7fe8c5fad811d47d83132ec', '0100', "
    "'input,output', 2, 1, 8555530);"
    "INSERT INTO runs VALUES (1, 1, 108, 0, NULL, 1);"
    "INSERT INTO evaluations VALUES (1, 0, 0.0, 0.0, NULL, NULL, NULL, NULL);"
    "INSERT INTO evaluations VALUES (1, 1, 54.0, 883.4580078125, 0.8282251358032227, "
    "0.7776442170143127, 0.7740384340286255, NULL);"
    "INSERT INTO evaluations VALUES (1, 2, 108.0, 1769.1279296875, 1.0, 0.9241786599159241, "
    "0.9211738705635071, NULL);";

static void make_v1(const char *path)
{
    unlink(path);
    sqlite3 *c;
    assert_int_equal(sqlite3_open(path, &c), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, V1_SCHEMA, 0, 0, 0), SQLITE_OK);
    sqlite3_close(c);
}

/* The shape of a schema as one text: tables with their columns (name, type,
 * not null, default, pk), index names with their columns, view texts. */
static char *shape(nb_db *db)
{
    sqlite3 *c = nb_db_sqlite(db);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(c,
        "SELECT m.type, m.name, coalesce(p.name, '') || ':' || coalesce(p.type, '') || ':' ||"
        " coalesce(p.\"notnull\", '') || ':' || coalesce(p.dflt_value, '') || ':' ||"
        " coalesce(p.pk, ''), CASE m.type WHEN 'view' THEN m.sql ELSE '' END"
        " FROM sqlite_schema m LEFT JOIN pragma_table_info(m.name) p ON m.type = 'table'"
        " ORDER BY m.type, m.name, p.cid", -1, &st, NULL), SQLITE_OK);
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    while (sqlite3_step(st) == SQLITE_ROW) {
        len += (size_t)snprintf(out + len, cap - len, "%s %s %s %s\n", sqlite3_column_text(st, 0),
                                sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
                                sqlite3_column_text(st, 3));
        assert_true(len < cap);
    }
    sqlite3_finalize(st);
    return out;
}

static void test_migrates_to_current(void **state)
{
    (void)state;
    const char *p = nb_test_tmp("v1.db");
    char old[2048];
    snprintf(old, sizeof old, "%s", p);
    make_v1(old);

    nb_db *db = NULL;
    /* read-only cannot migrate, and says how */
    assert_int_equal(nb_db_open(old, NB_OPEN_READONLY, &db), NB_EDB);
    assert_non_null(strstr(nb_errmsg(), "older"));
    assert_int_equal(nb_db_open(old, NB_OPEN_READWRITE, &db), NB_OK);

    const char *fresh_path = nb_test_tmp("v2.db");
    unlink(fresh_path);
    nb_db *fresh = NULL;
    assert_int_equal(nb_db_open(fresh_path, NB_OPEN_CREATE, &fresh), NB_OK);
    char *a = shape(db), *b = shape(fresh);
    assert_string_equal(a, b);
    free(a);
    free(b);

    sqlite3_stmt *st;
    assert_int_equal(nb_db_stmt(db, "PRAGMA user_version", &st), NB_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), nb_db_schema_version());
    sqlite3_reset(st);

    /* data intact and visible through the new views */
    assert_int_equal(nb_db_stmt(db, "SELECT final_test_accuracy, halfway_train_accuracy, "
                                    "source_kind FROM run_metrics", &st), NB_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_true(sqlite3_column_double(st, 0) == 0.9211738705635071);
    assert_true(sqlite3_column_double(st, 1) == 0.8282251358032227);
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "tfrecord");
    sqlite3_reset(st);

    /* version 3: the query cache row of the module was built */
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM query_cache_stale"), 0);
    assert_int_equal(nb_test_count(db, "SELECT length(runs) FROM query_cache"
                                       " WHERE hash = '043721b9c7fe8c5fad811d47d83132ec'"),
                     40);

    /* the fingerprints were computed: the old run is found as the same run */
    nb_evaluation ev[3] = {
        {NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME, 0.0, 0.0, 0, 0, 0, NULL},
        {0x1f, 54.0, 883.4580078125, 0.8282251358032227, 0.7776442170143127,
         0.7740384340286255, NULL},
        {0x1f, 108.0, 1769.1279296875, 1.0, 0.9241786599159241, 0.9211738705635071, NULL}};
    nb_run r = {.module_id = 1, .source_id = 2, .epochs = 108, .repeat = -1,
                .num_evaluations = 3, .evaluations = ev};
    int64_t found = 0;
    assert_int_equal(nb_db_find_run(db, &r, &found), NB_OK);
    assert_int_equal(found, 1);
    /* new writes continue the repeat numbering */
    nb_source s = {.kind = "trainer", .record_count = -1};
    assert_int_equal(nb_db_add_source(db, &s, &r.source_id), NB_OK);
    assert_int_equal(nb_db_add_run(db, &r, NULL), NB_OK);
    assert_int_equal(nb_db_stmt(db, "SELECT max(repeat) FROM runs", &st), NB_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_reset(st);
    assert_int_equal(nb_test_count(db, "SELECT length(runs) FROM query_cache"), 2 * 40);
    nb_db_close(fresh);
    nb_db_close(db);

    /* opening again does not migrate twice */
    assert_int_equal(nb_db_open(old, NB_OPEN_READONLY, &db), NB_OK);
    nb_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_migrates_to_current)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
