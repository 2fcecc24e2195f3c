/*
 * nb_convert_file: one TFRecord file into the store, in one transaction.
 *
 * Order of work: (1) if the database already knows files by SHA-256, hash
 * this one first and stop early when it is known; (2) open the file through a
 * stdio wrapper that feeds every byte read to SHA-256, so the file is read
 * once; (3) start the parser thread and write its batches; (4) with the
 * digest known, check once more that no source has it (a file converted
 * meanwhile by another process), record it and commit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nasbench/error.h"
#include "nb_convert_internal.h"

static double clock_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

/* ---- reading through SHA-256 --------------------------------------------- */

typedef struct hashed_file {
    int fd;
    nb_sha256 *sha;
    uint64_t bytes;
    volatile sig_atomic_t *interrupt;
} hashed_file;

/* Wait for input in short slices, so that an interrupt is seen even when the
 * input is a pipe that stays silent (a regular file is always ready). */
static int wait_readable(hashed_file *h)
{
    for (;;) {
        if (h->interrupt && *h->interrupt) {
            errno = EINTR;
            return -1;
        }
        struct pollfd pfd = {.fd = h->fd, .events = POLLIN};
        int n = poll(&pfd, 1, 100);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

static ssize_t hashed_read(void *cookie, char *buf, size_t size)
{
    hashed_file *h = cookie;
    ssize_t n;
    do
        n = wait_readable(h) ? -1 : read(h->fd, buf, size);
    while (n < 0 && errno == EINTR && !(h->interrupt && *h->interrupt));
    if (n > 0) {
        nb_sha256_update(h->sha, buf, (size_t)n);
        h->bytes += (uint64_t)n;
    }
    return n;
}

static int hashed_close(void *cookie)
{
    hashed_file *h = cookie;
    int rc = close(h->fd);
    free(h);
    return rc;
}

static int open_hashed(const char *path, nb_sha256 *sha, volatile sig_atomic_t *interrupt,
                       FILE **out)
{
    hashed_file *h = calloc(1, sizeof *h);
    if (!h)
        return nb_seterr(NB_ENOMEM, "out of memory");
    h->fd = open(path, O_RDONLY);
    if (h->fd < 0) {
        int e = errno;
        free(h);
        return nb_seterr(NB_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    h->sha = sha;
    h->interrupt = interrupt;
    cookie_io_functions_t io = {.read = hashed_read, .close = hashed_close};
    *out = fopencookie(h, "r", io);
    if (!*out) {
        close(h->fd);
        free(h);
        return nb_seterr(NB_ENOMEM, "out of memory");
    }
    return NB_OK;
}

/* Read what the parser left unread (after an early end) so that the digest
 * covers the whole file. */
static int drain(FILE *f, const char *path)
{
    static char buf[1 << 16];
    while (fread(buf, 1, sizeof buf, f) > 0)
        ;
    if (ferror(f))
        return nb_seterr(NB_EIO, "%s: read error", path);
    return NB_OK;
}

int nb_convert_file_sha256(const char *path, char hex[65])
{
    nb_sha256 sha;
    nb_sha256_init(&sha);
    FILE *f;
    int rc = open_hashed(path, &sha, NULL, &f);
    if (rc)
        return rc;
    rc = drain(f, path);
    fclose(f);
    if (!rc)
        nb_sha256_final(&sha, NULL, hex);
    return rc;
}

/* ---- database helpers ------------------------------------------------------ */

static int query_i64(nb_db *db, const char *sql, const char *text, int64_t *value)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db, sql, &st);
    if (rc)
        return rc;
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    *value = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return nb_seterr(NB_EDB, "reading the database: %s", sqlite3_errmsg(nb_db_sqlite(db)));
    return NB_OK;
}

static const char SQL_SOURCE_BY_SHA[] =
    "SELECT id FROM sources WHERE sha256 = ?1 AND kind = 'tfrecord' ORDER BY id LIMIT 1";

/* The report as JSON, kept in sources.config. */
static void report_json(const nb_convert_report *r, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap,
                                "{\"runs_added\": %lld, \"runs_existing\": %lld, "
                                "\"modules_added\": %lld, \"raw_records\": %lld, "
                                "\"skipped\": {",
                                (long long)r->runs_added, (long long)r->runs_existing,
                                (long long)r->modules_added, (long long)r->raw_records);
    const char *sep = "";
    for (int k = 1; k < NB_CORRUPT_COUNT && n < cap; k++) {
        if (!r->skipped_by_kind[k])
            continue;
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\": %lld", sep, nb_corrupt_name(k),
                              (long long)r->skipped_by_kind[k]);
        sep = ", ";
    }
    if (n < cap)
        snprintf(out + n, cap - n, "}}");
}

static int finish_source(nb_db *db, nb_convert_report *r)
{
    char config[1024];
    report_json(r, config, sizeof config);
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db, "UPDATE sources SET sha256 = ?1, record_count = ?2, config = ?3"
                            " WHERE id = ?4", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, r->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, r->records);
    sqlite3_bind_text(st, 3, config, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->source_id);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? NB_OK
                               : nb_seterr(NB_EDB, "recording the source: %s",
                                           sqlite3_errmsg(nb_db_sqlite(db)));
}

/* ---- the pipeline ------------------------------------------------------------ */

typedef struct job {
    nb_db *db;
    const char *path;
    const nb_convert_options *opt;
    nb_convert_report *report;
    double start, last_progress;
} job;

static void progress(job *j, uint64_t bytes)
{
    if (!j->opt->progress)
        return;
    double t = now();
    if (t - j->last_progress < 0.25)
        return;
    j->last_progress = t;
    nb_convert_progress p = {j->path, bytes, j->report->bytes, j->report->records, t - j->start};
    j->opt->progress(j->opt->progress_ctx, &p);
}

/* Take batches until the last one or a failure. */
static int write_batches(job *j, nb_conv_pipe *pipe, nb_conv_writer *w)
{
    for (;;) {
        nb_conv_batch *b = nb_conv_take(pipe);
        int rc = NB_OK;
        for (int i = 0; !rc && i < b->count; i++) {
            rc = nb_conv_write_item(w, &b->items[i]);
            if (rc && rc != NB_ECORRUPT && b->items[i].kind == NB_CORRUPT_NONE)
                nb_preferr(rc, "%s: record %lld at byte %llu", j->path,
                           (long long)b->items[i].index, (unsigned long long)b->items[i].offset);
        }
        if (!rc && (rc = nb_conv_flush(w))) /* pending runs point into this batch */
            nb_preferr(rc, "%s", j->path);
        if (!rc && j->opt->interrupt && *j->opt->interrupt)
            rc = nb_seterr(NB_EINTR, "%s: interrupted; nothing of this file was stored", j->path);
        if (!rc && b->status)
            rc = nb_seterr(b->status, "%s", b->message);
        int last = b->last;
        progress(j, b->bytes_in);
        nb_conv_release(pipe, b);
        if (rc || last)
            return rc;
    }
}

static int run_pipeline(job *j, FILE *f, int check_existing)
{
    nb_conv_pipe *pipe = calloc(1, sizeof *pipe);
    if (!pipe)
        return nb_seterr(NB_ENOMEM, "out of memory");
    pipe->path = j->path;
    pipe->file = f;
    pipe->skip_corrupt = j->opt->skip_corrupt;
    pipe->interrupt = j->opt->interrupt;
    int rc = nb_conv_pipe_init(pipe);
    pthread_t thread;
    if (!rc && pthread_create(&thread, NULL, nb_conv_parse_main, pipe))
        rc = nb_seterr(NB_ERROR, "cannot start the parser thread");
    if (!rc)
        pthread_setname_np(thread, "nb-parse"); /* for top and perf */
    if (rc) {
        nb_conv_pipe_free(pipe);
        free(pipe);
        return rc;
    }
    nb_conv_writer w = {.db = j->db, .source_id = j->report->source_id,
                        .check_existing = check_existing,
                        .skip_corrupt = j->opt->skip_corrupt, .report = j->report};
    rc = write_batches(j, pipe, &w);
    if (rc)
        nb_conv_stop(pipe);
    pthread_join(thread, NULL);
    j->report->parser_cpu_seconds = pipe->parser_cpu;
    nb_conv_writer_free(&w);
    nb_conv_pipe_free(pipe);
    free(pipe);
    return rc;
}

/* Inside the transaction: source row, records, digest, duplicate check. */
static int convert_in_tx(job *j, int check_existing)
{
    nb_sha256 sha;
    nb_sha256_init(&sha);
    FILE *f;
    int rc = open_hashed(j->path, &sha, j->opt->interrupt, &f);
    if (rc)
        return rc;
    nb_source src = {.kind = "tfrecord", .file_name = j->path, .record_count = -1};
    rc = nb_db_add_source(j->db, &src, &j->report->source_id);
    if (!rc)
        rc = run_pipeline(j, f, check_existing);
    if (!rc)
        rc = drain(f, j->path);
    if (rc && j->opt->interrupt && *j->opt->interrupt)
        rc = nb_seterr(NB_EINTR, "%s: interrupted; nothing of this file was stored", j->path);
    fclose(f);
    if (rc)
        return rc;
    nb_sha256_final(&sha, NULL, j->report->sha256);
    int64_t known = 0;
    rc = query_i64(j->db, SQL_SOURCE_BY_SHA, j->report->sha256, &known);
    if (!rc && known && known != j->report->source_id) {
        j->report->already_converted = 1;
        j->report->source_id = known;
        return NB_OK; /* the caller rolls back */
    }
    if (!rc)
        rc = finish_source(j->db, j->report);
    return rc;
}

int nb_convert_file(nb_db *db, const char *path, const nb_convert_options *options,
                    nb_convert_report *report)
{
    nb_convert_options none = {0};
    nb_convert_report scratch;
    job j = {db, path, options ? options : &none, report ? report : &scratch, now(), 0};
    double cpu0 = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    memset(j.report, 0, sizeof *j.report);
    struct stat sb;
    if (stat(path, &sb))
        return nb_seterr(NB_EIO, "%s: cannot open: %s", path, strerror(errno));
    j.report->bytes = (uint64_t)sb.st_size;

    /* A known file is recognised before the long conversion. */
    int64_t any_sha = 0, any_run = 0, known = 0;
    int rc = query_i64(db, "SELECT count(*) FROM (SELECT 1 FROM sources WHERE sha256 IS NOT NULL"
                           " LIMIT 1)", NULL, &any_sha);
    if (!rc && any_sha && S_ISREG(sb.st_mode)) { /* a pipe can be read only once */
        rc = nb_convert_file_sha256(path, j.report->sha256);
        if (!rc)
            rc = query_i64(db, SQL_SOURCE_BY_SHA, j.report->sha256, &known);
        if (!rc && known) {
            j.report->already_converted = 1;
            j.report->source_id = known;
            j.report->seconds = now() - j.start;
            return NB_OK;
        }
    }
    if (!rc)
        rc = query_i64(db, "SELECT count(*) FROM (SELECT 1 FROM runs LIMIT 1)", NULL, &any_run);
    if (rc)
        return rc;

    rc = nb_db_bulk(db, 1);
    if (!rc)
        rc = nb_db_begin(db);
    if (!rc) {
        rc = convert_in_tx(&j, any_run != 0);
        if (!rc && !j.report->already_converted)
            rc = nb_db_commit(db);
        if (rc || j.report->already_converted)
            nb_db_rollback(db);
    }
    int brc = nb_db_bulk(db, 0);
    if (!rc)
        rc = brc;
    j.report->seconds = now() - j.start;
    j.report->writer_cpu_seconds = clock_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    if (rc)
        j.report->source_id = 0;
    return rc;
}
