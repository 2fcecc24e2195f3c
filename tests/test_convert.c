/* The converter and the exporter on files the test writes itself (with the
 * synthetic writer) and on the real sample when ../shared is present. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nb_convert.h"
#include "nb_json.h"
#include "nb_sha256.h"
#include "nb_synth.h"
#include "nb_tfrecord.h"
#include "nb_test.h"

static nb_synth_space *space;

static int setup(void **state)
{
    (void)state;
    return nb_synth_space_new(5, &space);
}

static int teardown(void **state)
{
    (void)state;
    nb_synth_space_free(space);
    return 0;
}

/* A fresh path in the test directory. Each call has its own slot (the
 * process makes fewer than 256), so paths stay valid for the whole test. */
static const char *tmp(const char *name)
{
    static char buf[256][512];
    static int next;
    assert_true(next < 256);
    char *b = buf[next++];
    snprintf(b, sizeof buf[0], "%s", nb_test_tmp(name));
    unlink(b);
    return b;
}

/* A synthetic file: the first `modules` modules of the small space. */
static const char *synth(const char *name, int modules, const int *budgets, int nbudgets)
{
    nb_synth_options o;
    nb_synth_defaults(&o);
    o.modules = modules;
    o.seed = 7;
    if (budgets) {
        o.num_budgets = nbudgets;
        memcpy(o.budgets, budgets, (size_t)nbudgets * sizeof *budgets);
    }
    const char *path = tmp(name);
    assert_int_equal(nb_synth_write_space(space, path, &o, NULL), NB_OK);
    return path;
}

static nb_db *fresh(const char *name)
{
    nb_db *db;
    assert_int_equal(nb_db_open(tmp(name), NB_OPEN_CREATE, &db), NB_OK);
    return db;
}

/* SHA-256 of every row of every table: "the database is unchanged". */
static void digest(nb_db *db, char hex[65])
{
    static const char *const tables[] = {"sources", "modules", "runs", "evaluations",
                                         "raw_records"};
    nb_sha256 s;
    nb_sha256_init(&s);
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1, 2", tables[t]);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(nb_db_sqlite(db), sql, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const void *p = sqlite3_column_blob(st, c);
                int n = sqlite3_column_bytes(st, c);
                nb_sha256_update(&s, &n, sizeof n);
                if (p)
                    nb_sha256_update(&s, p, (size_t)n);
            }
        sqlite3_finalize(st);
    }
    nb_sha256_final(&s, NULL, hex);
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = nb_test_read_file(a, &la), *y = nb_test_read_file(b, &lb);
    assert_non_null(x);
    assert_non_null(y);
    assert_int_equal(la, lb);
    assert_memory_equal(x, y, la);
    free(x);
    free(y);
}

/* ---- the real sample ------------------------------------------------------- */

static const char *const KEYS[8] = {
    "halfway_training_time", "halfway_train_accuracy", "halfway_validation_accuracy",
    "halfway_test_accuracy", "final_training_time", "final_train_accuracy",
    "final_validation_accuracy", "final_test_accuracy"};

static void test_real_sample(void **state)
{
    (void)state;
    const char *file = nb_test_shared("realdata/nb101_real_sample.tfrecord");
    if (!file)
        skip();
    char sample[2048];
    snprintf(sample, sizeof sample, "%s", file);
    nb_db *db = fresh("real.db");
    nb_convert_report r;
    assert_int_equal(nb_convert_file(db, sample, NULL, &r), NB_OK);
    assert_string_equal(r.sha256, "0fe93c589ed781c9aa8e110e326b5bac655b83bc51d703e00aa20b65113df160");
    assert_int_equal(r.records, 105);
    assert_int_equal(r.runs_added, 105);
    assert_int_equal(r.modules_added, 32);
    assert_int_equal(r.raw_records, 0);

    /* run_metrics gives exactly the published values, repeat by repeat */
    size_t len;
    char *jsonl = nb_test_read_file(nb_test_shared("realdata/derived/nb101_full_records.jsonl"), &len);
    assert_non_null(jsonl);
    nb_json_doc *doc = nb_json_doc_new();
    static const char SQL[] =
        "SELECT halfway_training_time, halfway_train_accuracy, halfway_validation_accuracy,"
        " halfway_test_accuracy, final_training_time, final_train_accuracy,"
        " final_validation_accuracy, final_test_accuracy, trainable_parameters, source_kind"
        " FROM run_metrics WHERE hash = ?1 AND epochs = ?2 AND repeat = ?3";
    sqlite3_stmt *st;
    int runs = 0;
    for (char *line = jsonl, *end; line < jsonl + len; line = end + 1) {
        end = strchr(line, '\n');
        if (!end)
            end = jsonl + len;
        if (end == line)
            continue;
        const nb_json *root;
        assert_int_equal(nb_json_parse(doc, line, (size_t)(end - line), &root), NB_OK);
        const char *hash = nb_json_get(root, "module_hash")->string;
        const nb_json *params = nb_json_get(root, "trainable_parameters");
        const nb_json *computed = nb_json_get(root, "computed_metrics");
        for (size_t b = 0; b < computed->len; b++) {
            const nb_json *reps = &computed->items[b];
            for (size_t k = 0; k < reps->len; k++) {
                const nb_json *m = &reps->items[k];
                assert_int_equal(nb_db_stmt(db, SQL, &st), NB_OK);
                sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int(st, 2, atoi(reps->key));
                sqlite3_bind_int(st, 3, (int)k);
                assert_int_equal(sqlite3_step(st), SQLITE_ROW);
                for (int f = 0; f < 8; f++) {
                    const nb_json *v = nb_json_get(m, KEYS[f]);
                    assert_non_null(v);
                    assert_int_equal(sqlite3_column_type(st, f), SQLITE_FLOAT);
                    assert_true(sqlite3_column_double(st, f) == v->number);
                }
                assert_int_equal(sqlite3_column_int64(st, 8), params->integer);
                assert_string_equal((const char *)sqlite3_column_text(st, 9), "tfrecord");
                sqlite3_reset(st);
                runs++;
            }
        }
    }
    assert_int_equal(runs, 105);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM run_metrics"), 105);
    /* absent in the protobuf: NULL, never 0 */
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM runs WHERE total_time IS NULL"), 105);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM evaluations WHERE checkpoint = 0 AND"
                               " test_accuracy IS NULL AND training_time = 0.0"), 105);
    nb_json_doc_free(doc);
    free(jsonl);

    const char *out = tmp("real.out.tfrecord");
    int64_t n;
    assert_int_equal(nb_export(db, out, NULL, &n), NB_OK);
    assert_int_equal(n, 105);
    assert_same_file(out, sample);
    nb_db_close(db);
}

/* ---- round trips, zstd, idempotence, incremental --------------------------- */

static void test_round_trip_and_zstd(void **state)
{
    (void)state;
    const char *plain = synth("rt.tfrecord", 40, NULL, 0);
    const char *zst = synth("rt.tfrecord.zst", 40, NULL, 0);
    nb_db *db = fresh("rt.db");
    nb_convert_report r;
    assert_int_equal(nb_convert_file(db, zst, NULL, &r), NB_OK);
    assert_int_equal(r.runs_added, 40 * 12);
    assert_int_equal(r.modules_added, 40);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM evaluations"), 40 * 12 * 3);
    const char *out = tmp("rt.out.tfrecord");
    int64_t n;
    assert_int_equal(nb_export(db, out, NULL, &n), NB_OK);
    assert_int_equal(n, 480);
    assert_same_file(out, plain);
    /* zstd out, read back through the converter into another database */
    const char *outz = tmp("rt.out.tfrecord.zst");
    assert_int_equal(nb_export(db, outz, NULL, &n), NB_OK);
    nb_db *db2 = fresh("rt2.db");
    assert_int_equal(nb_convert_file(db2, outz, NULL, &r), NB_OK);
    assert_int_equal(nb_export(db2, out, NULL, &n), NB_OK);
    assert_same_file(out, plain);
    /* --epochs: only that budget, in order */
    int e108 = 108;
    nb_export_options eo = {.num_epochs = 1, .epochs = &e108};
    assert_int_equal(nb_export(db, out, &eo, &n), NB_OK);
    assert_int_equal(n, 120);
    nb_db_close(db2);
    nb_db_close(db);
}

static void test_idempotent(void **state)
{
    (void)state;
    const char *file = synth("idem.tfrecord", 20, NULL, 0);
    nb_db *db = fresh("idem.db");
    nb_convert_report r;
    assert_int_equal(nb_convert_file(db, file, NULL, &r), NB_OK);
    assert_false(r.already_converted);
    int64_t first = r.source_id;
    char before[65], after[65];
    digest(db, before);
    assert_int_equal(nb_convert_file(db, file, NULL, &r), NB_OK);
    assert_true(r.already_converted);
    assert_int_equal(r.source_id, first);
    assert_int_equal(r.runs_added, 0);
    digest(db, after);
    assert_string_equal(before, after);
    nb_db_close(db);
}

static void test_incremental(void **state)
{
    (void)state;
    static const int b108[] = {108};
    const char *only108 = synth("inc108.tfrecord", 30, b108, 1);
    const char *full = synth("incfull.tfrecord", 30, NULL, 0);
    nb_db *db = fresh("inc.db");
    nb_convert_report r;
    assert_int_equal(nb_convert_file(db, only108, NULL, &r), NB_OK);
    assert_int_equal(r.runs_added, 90);
    assert_int_equal(nb_convert_file(db, full, NULL, &r), NB_OK);
    assert_false(r.already_converted);
    assert_int_equal(r.records, 360);
    assert_int_equal(r.runs_existing, 90);
    assert_int_equal(r.runs_added, 270);
    assert_int_equal(r.modules_added, 0);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM runs"), 360);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM (SELECT module_id, epochs FROM runs GROUP BY"
                               " 1, 2 HAVING count(*) = 3 AND min(repeat) = 0 AND"
                               " max(repeat) = 2)"), 120);
    /* the full file's data is all there: a fresh conversion agrees */
    nb_db *ref = fresh("incref.db");
    assert_int_equal(nb_convert_file(ref, full, NULL, &r), NB_OK);
    const char *sql = "SELECT count(*), sum(final_test_accuracy), sum(halfway_training_time)"
                      " FROM run_metrics";
    assert_int_equal(nb_test_count(db, sql), nb_test_count(ref, sql));
    sqlite3_stmt *a, *b;
    assert_int_equal(nb_db_stmt(db, sql, &a), NB_OK);
    assert_int_equal(nb_db_stmt(ref, sql, &b), NB_OK);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    assert_int_equal(sqlite3_step(b), SQLITE_ROW);
    assert_true(sqlite3_column_double(a, 1) == sqlite3_column_double(b, 1));
    assert_true(sqlite3_column_double(a, 2) == sqlite3_column_double(b, 2));
    sqlite3_reset(a);
    sqlite3_reset(b);
    nb_db_close(ref);
    nb_db_close(db);
}

/* ---- bad input -------------------------------------------------------------- */

typedef struct payloads {
    char *data[64];
    size_t len[64];
    int n;
} payloads;

static void read_payloads(const char *path, payloads *p)
{
    nb_tfr_reader *r;
    assert_int_equal(nb_tfr_open(path, &r), NB_OK);
    p->n = 0;
    nb_tfr_record rec;
    int got;
    while (nb_tfr_next(r, &rec, &got) == NB_OK && got) {
        assert_true(p->n < 64);
        p->data[p->n] = malloc(rec.len + 1);
        memcpy(p->data[p->n], rec.data, rec.len);
        p->data[p->n][rec.len] = '\0';
        p->len[p->n++] = rec.len;
    }
    nb_tfr_close(r);
}

static void free_payloads(payloads *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->data[i]);
}

/* Frame every payload into one buffer; *offsets gets each record's start. */
static uint8_t *frame_all(const payloads *p, size_t *total, uint64_t offsets[64])
{
    size_t cap = 0;
    for (int i = 0; i < p->n; i++)
        cap += p->len[i] + NB_TFR_OVERHEAD;
    uint8_t *buf = malloc(cap + 1), *at = buf;
    for (int i = 0; i < p->n; i++) {
        offsets[i] = (uint64_t)(at - buf);
        at += nb_tfr_frame(p->data[i], p->len[i], at);
    }
    *total = (size_t)(at - buf);
    return buf;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void replace_payload(payloads *p, int k, const char *text)
{
    free(p->data[k]);
    p->data[k] = strdup(text);
    p->len[k] = strlen(text);
}

/* The 5 fields of a payload laid out as ["h", e, "a", "o", "b"]. */
typedef struct fields {
    char hash[64], adj[256], ops[512], b64[2048];
    int epochs;
} fields;

static void split(const char *payload, fields *f)
{
    assert_int_equal(sscanf(payload, "[\"%63[^\"]\", %d, \"%255[^\"]\", \"%511[^\"]\", \"%2047[^\"]\"]",
                            f->hash, &f->epochs, f->adj, f->ops, f->b64), 5);
}

static void join(const fields *f, char *out, size_t cap)
{
    snprintf(out, cap, "[\"%s\", %d, \"%s\", \"%s\", \"%s\"]", f->hash, f->epochs, f->adj, f->ops,
             f->b64);
}

enum { K = 4 }; /* the damaged record */

/* Writes the file with record K damaged as `kind` says; returns its path. */
static const char *damaged(const char *good, const char *kind, uint64_t *offset)
{
    payloads p;
    read_payloads(good, &p);
    assert_true(p.n > K + 2);
    fields f;
    split(p.data[K], &f);
    char text[4096];
    if (!strcmp(kind, "bad JSON")) {
        replace_payload(&p, K, "[\"00005c142e6f48ac74fdcf73e3439874\", 108, ");
    } else if (!strcmp(kind, "bad base64")) {
        f.b64[1] = '*';
        join(&f, text, sizeof text);
        replace_payload(&p, K, text);
    } else if (!strcmp(kind, "bad protobuf")) {
        snprintf(f.b64, sizeof f.b64, "Cn8="); /* field 1, length 127, no bytes */
        join(&f, text, sizeof text);
        replace_payload(&p, K, text);
    } else if (!strcmp(kind, "non-square adjacency")) {
        f.adj[strlen(f.adj) - 1] = '\0';
        join(&f, text, sizeof text);
        replace_payload(&p, K, text);
    } else if (!strcmp(kind, "unknown op")) {
        char *op = strstr(f.ops, ",conv");
        if (!op)
            op = strstr(f.ops, ",maxpool3x3");
        assert_non_null(op);
        memcpy(op + 1, "conv5x5", 7);
        join(&f, text, sizeof text);
        replace_payload(&p, K, text);
    } else if (!strcmp(kind, "hash mismatch")) {
        f.hash[0] = f.hash[0] == 'a' ? 'b' : 'a';
        join(&f, text, sizeof text);
        replace_payload(&p, K, text);
    }
    size_t n;
    uint64_t off[64];
    uint8_t *bytes = frame_all(&p, &n, off);
    *offset = off[K];
    if (!strcmp(kind, "bad length CRC"))
        bytes[off[K] + 9] ^= 0x40;
    else if (!strcmp(kind, "bad data CRC"))
        bytes[off[K] + 20] ^= 0x01;
    else if (!strcmp(kind, "truncated record")) {
        *offset = off[p.n - 1];
        n = off[p.n - 1] + 30;
    }
    char name[64];
    snprintf(name, sizeof name, "bad-%.40s.tfrecord", kind);
    for (char *c = name; *c; c++)
        if (*c == ' ')
            *c = '_';
    const char *path = tmp(name);
    write_bytes(path, bytes, n);
    free(bytes);
    free_payloads(&p);
    return path;
}

static const char *const KINDS[] = {"truncated record", "bad length CRC", "bad data CRC",
                                    "bad JSON", "bad base64", "bad protobuf",
                                    "non-square adjacency", "unknown op", "hash mismatch"};

static void test_corrupt_kinds(void **state)
{
    (void)state;
    /* V >= 3 modules only near the start of a 5-vertex space: use 12 */
    static const int b108[] = {108};
    const char *good = synth("good.tfrecord", 12, b108, 1);
    const char *earlier = synth("earlier.tfrecord", 3, NULL, 0);
    nb_db *db = fresh("bad.db");
    assert_int_equal(nb_convert_file(db, earlier, NULL, NULL), NB_OK);
    char before[65], after[65];
    digest(db, before);
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
        uint64_t offset;
        const char *bad = damaged(good, KINDS[i], &offset);
        nb_convert_report r;
        int rc = nb_convert_file(db, bad, NULL, &r);
        assert_int_equal(rc, NB_ECORRUPT);
        char want[256];
        int index = !strcmp(KINDS[i], "truncated record") ? 35 : K;
        snprintf(want, sizeof want, "%s: record %d at byte %llu: ", bad, index,
                 (unsigned long long)offset);
        if (!strstr(nb_errmsg(), want) || !strstr(nb_errmsg(), KINDS[i]))
            fail_msg("%s: got \"%s\", want \"%s...%s\"", KINDS[i], nb_errmsg(), want, KINDS[i]);
        assert_null(strchr(nb_errmsg(), '\n'));
        digest(db, after);
        assert_string_equal(before, after);
    }
    nb_db_close(db);
}

static void test_skip_corrupt(void **state)
{
    (void)state;
    static const int b108[] = {108};
    const char *good = synth("skip-good.tfrecord", 12, b108, 1);
    nb_convert_options o = {.skip_corrupt = 1};
    nb_convert_report r;
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
        uint64_t offset;
        const char *bad = damaged(good, KINDS[i], &offset);
        nb_db *db = fresh("skip.db");
        assert_int_equal(nb_convert_file(db, bad, &o, &r), NB_OK);
        int lost = !strcmp(KINDS[i], "bad length CRC") ? 36 - K : 1;
        assert_int_equal(r.skipped, 1);
        assert_int_equal(r.runs_added, 36 - lost);
        assert_int_equal(r.stopped_early, lost > 1 || !strcmp(KINDS[i], "truncated record"));
        int64_t kinds = 0;
        for (int k = 0; k < NB_CORRUPT_COUNT; k++)
            kinds += r.skipped_by_kind[k];
        assert_int_equal(kinds, 1);
        /* never part of a run: every stored run has its 3 evaluations */
        assert_int_equal(nb_test_count(db, "SELECT count(*) FROM evaluations"), 3 * (36 - lost));
        assert_int_equal(nb_test_count(db, "SELECT count(*) FROM runs"), 36 - lost);
        nb_db_close(db);
    }
}

static void test_interrupt_rolls_back(void **state)
{
    (void)state;
    const char *file = synth("intr.tfrecord", 10, NULL, 0);
    nb_db *db = fresh("intr.db");
    volatile sig_atomic_t stop = 1;
    nb_convert_options o = {.interrupt = &stop};
    assert_int_equal(nb_convert_file(db, file, &o, NULL), NB_EINTR);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM sources"), 0);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM runs"), 0);
    stop = 0;
    assert_int_equal(nb_convert_file(db, file, &o, NULL), NB_OK);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM runs"), 120);
    nb_db_close(db);
}

/* A record laid out differently (compact JSON) is kept raw and exported as
 * it was: lossless whatever the writer's layout. */
static void test_raw_payload_round_trip(void **state)
{
    (void)state;
    static const int b108[] = {108};
    const char *good = synth("raw-good.tfrecord", 4, b108, 1);
    payloads p;
    read_payloads(good, &p);
    fields f;
    split(p.data[1], &f);
    char text[4096];
    snprintf(text, sizeof text, "[\"%s\",%d,\"%s\",\"%s\",\"%s\"]", f.hash, f.epochs, f.adj, f.ops,
             f.b64);
    replace_payload(&p, 1, text);
    size_t n;
    uint64_t off[64];
    uint8_t *bytes = frame_all(&p, &n, off);
    const char *path = tmp("raw.tfrecord");
    write_bytes(path, bytes, n);
    free(bytes);
    free_payloads(&p);
    nb_db *db = fresh("raw.db");
    nb_convert_report r;
    assert_int_equal(nb_convert_file(db, path, NULL, &r), NB_OK);
    assert_int_equal(r.raw_records, 1);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM run_metrics"), 12);
    const char *out = tmp("raw.out.tfrecord");
    assert_int_equal(nb_export(db, out, NULL, NULL), NB_OK);
    assert_same_file(out, path);
    nb_db_close(db);
}


/* A copy of `good` (at most 4,096 records) with a wrong hash in the records
 * listed in `bad`; offsets[i] gets record i's offset. */
static const char *with_bad_hashes(const char *good, const int *bad, int nbad, const char *name,
                                   uint64_t *offsets)
{
    nb_tfr_reader *r;
    assert_int_equal(nb_tfr_open(good, &r), NB_OK);
    char **data = calloc(4096, sizeof *data);
    size_t *len = calloc(4096, sizeof *len), total = 0;
    nb_tfr_record rec;
    int got, n = 0;
    while (nb_tfr_next(r, &rec, &got) == NB_OK && got) {
        assert_true(n < 4096);
        data[n] = malloc(rec.len + 1);
        memcpy(data[n], rec.data, rec.len);
        data[n][rec.len] = '\0';
        len[n++] = rec.len;
    }
    nb_tfr_close(r);
    for (int b = 0; b < nbad; b++) {
        fields f;
        split(data[bad[b]], &f);
        f.hash[31] = f.hash[31] == '0' ? '1' : '0';
        char text[4096];
        join(&f, text, sizeof text);
        free(data[bad[b]]);
        data[bad[b]] = strdup(text);
        len[bad[b]] = strlen(text);
    }
    for (int i = 0; i < n; i++)
        total += len[i] + NB_TFR_OVERHEAD;
    uint8_t *bytes = malloc(total), *at = bytes;
    for (int i = 0; i < n; i++) {
        offsets[i] = (uint64_t)(at - bytes);
        at += nb_tfr_frame(data[i], len[i], at);
        free(data[i]);
    }
    const char *path = tmp(name);
    write_bytes(path, bytes, total);
    free(bytes);
    free(data);
    free(len);
    return path;
}

/* The hash check runs for a whole batch at once: every record of a module
 * with a wrong hash is rejected (not just the first), and a bad record in a
 * later batch is found with its own index and offset. */
static void test_deferred_hash_check(void **state)
{
    (void)state;
    const char *good = synth("defer-good.tfrecord", 200, NULL, 0); /* 2,400 records */
    uint64_t *off = calloc(4096, sizeof *off);
    /* module 7 (records 84..95): the same wrong hash in all 12; record 2100
     * (in the second batch of 2,048): a wrong hash alone */
    static const int bad[] = {84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 2100};
    const char *path = with_bad_hashes(good, bad, 13, "defer.tfrecord", off);
    nb_db *db = fresh("defer.db");
    nb_convert_report rep;
    char want[512];
    assert_int_equal(nb_convert_file(db, path, NULL, &rep), NB_ECORRUPT);
    snprintf(want, sizeof want, "record 84 at byte %llu: hash mismatch", (unsigned long long)off[84]);
    if (!strstr(nb_errmsg(), want))
        fail_msg("got \"%s\", want \"%s\"", nb_errmsg(), want);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM runs"), 0);

    nb_convert_options o = {.skip_corrupt = 1};
    assert_int_equal(nb_convert_file(db, path, &o, &rep), NB_OK);
    assert_int_equal(rep.skipped, 13);
    assert_int_equal(rep.skipped_by_kind[NB_CORRUPT_HASH_MISMATCH], 13);
    assert_int_equal(rep.runs_added, 2400 - 13);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM modules"), 199);
    nb_db_close(db);

    const char *late = with_bad_hashes(good, bad + 12, 1, "late.tfrecord", off);
    db = fresh("late.db");
    assert_int_equal(nb_convert_file(db, late, NULL, &rep), NB_ECORRUPT);
    snprintf(want, sizeof want, "record 2100 at byte %llu: hash mismatch",
             (unsigned long long)off[2100]);
    if (!strstr(nb_errmsg(), want))
        fail_msg("got \"%s\", want \"%s\"", nb_errmsg(), want);
    assert_int_equal(nb_test_count(db, "SELECT count(*) FROM runs"), 0);
    nb_db_close(db);
    free(off);
}

static void test_missing_file(void **state)
{
    (void)state;
    nb_db *db = fresh("missing.db");
    assert_int_equal(nb_convert_file(db, "/nonexistent/x.tfrecord", NULL, NULL), NB_EIO);
    assert_non_null(strstr(nb_errmsg(), "/nonexistent/x.tfrecord"));
    nb_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_sample),      cmocka_unit_test(test_round_trip_and_zstd),
        cmocka_unit_test(test_idempotent),       cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_corrupt_kinds),    cmocka_unit_test(test_skip_corrupt),
        cmocka_unit_test(test_interrupt_rolls_back), cmocka_unit_test(test_raw_payload_round_trip),
        cmocka_unit_test(test_deferred_hash_check), cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
