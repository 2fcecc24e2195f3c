/* Shared helpers of the cmocka tests. */
#ifndef NB_TEST_H
#define NB_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Full path of a file under ../shared (NB_SHARED_DIR), or NULL when the
 * shared folder is absent (tests then call skip()). Static buffer. */
const char *nb_test_shared(const char *relative);

/* Full path of a file under the source tree (NB_SOURCE_DIR). Static buffer. */
const char *nb_test_source(const char *relative);

/* A fresh empty directory for this test process, removed with what it holds
 * when the process exits normally (kept after a crash, or with
 * NB_TEST_KEEP=1). Returns a path "<tmp>/<name>" inside it; static buffer. */
const char *nb_test_tmp(const char *name);

/* Whole file into a malloc'd, NUL-terminated buffer; NULL if unreadable. */
char *nb_test_read_file(const char *path, size_t *len);

/* The integer that a one-row, one-column SQL query on db returns (the
 * statement comes from the handle's cache). Fails the test otherwise. */
struct nb_db;
int64_t nb_test_count(struct nb_db *db, const char *sql);

/* Every row of an SQL query on db as text: columns separated by '|', rows
 * by newlines, NULL written as NULL. The caller frees the result. */
char *nb_test_rows_text(struct nb_db *db, const char *sql);

/* One real module with its published values. */
typedef void (*nb_test_real_fn)(const char *hash, const char *adjacency, const char *ops,
                                long long trainable_parameters, const char *where);

/* Call fn for every spec of realdata/derived/nasbench_vis_1k_specs.csv (1,000
 * rows) or realdata/derived/nb101_full_records.jsonl (32 modules); returns
 * the number of specs, or -1 when the file is absent (tests then skip()).
 * A row that cannot be read fails the test. */
int nb_test_each_vis_1k_spec(nb_test_real_fn fn);
int nb_test_each_full_record(nb_test_real_fn fn);

#endif
