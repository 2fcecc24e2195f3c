/* Shared helpers of the cmocka tests. */
#include "nb_test.h"

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nb_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

const char *nb_test_shared(const char *relative)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", NB_SHARED_DIR, relative);
    return access(path, R_OK) == 0 ? path : NULL;
}

const char *nb_test_source(const char *relative)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", NB_SOURCE_DIR, relative);
    return path;
}

static char tmp_dir[1024];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) ? -1 : 0;
}

/* At a normal exit, failed tests included (cmocka returns from main), the
 * directory goes; a crash keeps it for a look, and so does NB_TEST_KEEP=1. */
static void remove_tmp_dir(void)
{
    if (!getenv("NB_TEST_KEEP"))
        nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *nb_test_tmp(const char *name)
{
    static char path[2048];
    if (!tmp_dir[0]) {
        snprintf(tmp_dir, sizeof tmp_dir, "%s/nbtest.XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(tmp_dir))
            return NULL;
        atexit(remove_tmp_dir);
    }
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    return path;
}

char *nb_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

int nb_test_each_vis_1k_spec(nb_test_real_fn fn)
{
    const char *path = nb_test_shared("realdata/derived/nasbench_vis_1k_specs.csv");
    if (!path)
        return -1;
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    int rows = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        /* module_hash,adjacency_string,"ops_csv",trainable_parameters,... */
        char hash[64], bits[256], ops[1024], where[32];
        long long params;
        if (sscanf(line, "%63[^,],%255[^,],\"%1023[^\"]\",%lld", hash, bits, ops, &params) != 4)
            fail_msg("csv line %d unreadable", rows + 2);
        snprintf(where, sizeof where, "csv line %d", rows + 2);
        fn(hash, bits, ops, params, where);
        rows++;
    }
    fclose(f);
    return rows;
}

int nb_test_each_full_record(nb_test_real_fn fn)
{
    const char *path = nb_test_shared("realdata/derived/nb101_full_records.jsonl");
    if (!path)
        return -1;
    size_t len;
    char *text = nb_test_read_file(path, &len);
    assert_non_null(text);
    nb_json_doc *doc = nb_json_doc_new();
    int records = 0;
    for (char *p = text; p < text + len;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const nb_json *r;
        if (n) {
            assert_int_equal(nb_json_parse(doc, p, n, &r), 0);
            const nb_json *h = nb_json_get(r, "module_hash"), *a = nb_json_get(r, "adjacency_string"),
                          *o = nb_json_get(r, "ops_csv"), *t = nb_json_get(r, "trainable_parameters");
            assert_true(h && a && o && t && t->is_integer);
            char where[32];
            snprintf(where, sizeof where, "full record %d", records + 1);
            fn(h->string, a->string, o->string, (long long)t->integer, where);
            records++;
        }
        p += n + 1;
    }
    nb_json_doc_free(doc);
    free(text);
    return records;
}

int64_t nb_test_count(nb_db *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(nb_db_stmt(db, sql, &st), NB_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n;
}

static void append(char **out, size_t *len, size_t *cap, const char *piece, char end)
{
    size_t n = strlen(piece);
    if (*len + n + 2 > *cap) {
        *cap = 2 * (*len + n + 2);
        *out = realloc(*out, *cap);
        assert_non_null(*out);
    }
    memcpy(*out + *len, piece, n);
    *len += n;
    (*out)[(*len)++] = end;
    (*out)[*len] = '\0';
}

char *nb_test_rows_text(nb_db *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(nb_db_sqlite(db), sql, -1, &st, NULL), SQLITE_OK);
    size_t cap = 1 << 12, len = 0;
    char *out = calloc(1, cap);
    assert_non_null(out);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *t = (const char *)sqlite3_column_text(st, c);
            append(&out, &len, &cap, t ? t : "NULL", '|');
        }
        append(&out, &len, &cap, "", '\n');
    }
    sqlite3_finalize(st);
    return out;
}
