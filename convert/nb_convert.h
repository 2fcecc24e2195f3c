/*
 * Internal: the converter (dataset TFRecords -> the SQLite store) and the
 * exporter (store -> TFRecords in the original format). Used by the
 * `nasbench convert` and `nasbench export` commands, the tests and the
 * benchmark. Rules (same run, idempotence, raw payloads): docs/store.md.
 *
 * Errors follow nasbench/error.h. Bad input gives NB_ECORRUPT with the one
 * line "<file>: record <i> at byte <offset>: <what>" and leaves the database
 * exactly as it was before the file.
 */
#ifndef NB_CONVERT_H
#define NB_CONVERT_H

#include <signal.h>
#include <stdint.h>

#include "nasbench/db.h"
#include "nb_corrupt.h"

typedef struct nb_convert_progress {
    const char *file;
    uint64_t bytes_done;  /* of the file itself (compressed bytes for .zst) */
    uint64_t bytes_total; /* file size, 0 if unknown */
    int64_t records;      /* records read so far */
    double seconds;       /* since the file was opened */
} nb_convert_progress;

typedef struct nb_convert_options {
    /* Skip bad records (counted by kind in the report) instead of stopping.
     * A record whose framing is lost (truncated, bad length CRC) ends the
     * file: what follows cannot be found. */
    int skip_corrupt;
    /* Set (e.g. by a SIGINT handler) to stop: the file's transaction is
     * rolled back and the call returns NB_EINTR. May be NULL. */
    volatile sig_atomic_t *interrupt;
    /* Called about 4 times a second from the calling thread. May be NULL. */
    void (*progress)(void *ctx, const nb_convert_progress *p);
    void *progress_ctx;
} nb_convert_options;

typedef struct nb_convert_report {
    char sha256[65];             /* of the file as given */
    int already_converted;       /* same SHA-256 as an existing source: nothing added */
    int64_t source_id;           /* the new sources row, or the existing one if already */
    int64_t records;             /* records read (skipped ones included) */
    int64_t runs_added;
    int64_t runs_existing;       /* same run already stored from another source */
    int64_t modules_added;
    int64_t raw_records;         /* payloads kept verbatim (docs/store.md) */
    int64_t skipped;             /* total of skipped_by_kind */
    int64_t skipped_by_kind[NB_CORRUPT_COUNT];
    int stopped_early;           /* skip mode: framing lost, the rest was unreadable */
    uint64_t bytes;              /* file size */
    double seconds;
    /* CPU time of the two stages (parser thread, calling thread): on an idle
     * machine with two cores the wall time is about the larger of them. */
    double parser_cpu_seconds, writer_cpu_seconds;
} nb_convert_report;

/* Convert one file (plain or zstd TFRecord) into `db` (read-write) in one
 * transaction. *report (may be NULL) is filled on success and, as far as it
 * got, on failure. Opens no other transaction meanwhile: call it outside one. */
int nb_convert_file(nb_db *db, const char *path, const nb_convert_options *options,
                    nb_convert_report *report);

/* The SHA-256 of a whole file as 64 hex characters. */
int nb_convert_file_sha256(const char *path, char hex[65]);

typedef struct nb_export_options {
    int num_epochs;        /* 0: every budget */
    const int *epochs;     /* the budgets to export */
    int64_t source_id;     /* 0: runs of every source */
    volatile sig_atomic_t *interrupt;
} nb_export_options;

/* Write the runs of `db` in stored order (runs.id, i.e. file order for a
 * converted file) to `path` as TFRecords in the original format; zstd when
 * the name ends in ".zst". Records whose original payload was kept are
 * written verbatim. *records (may be NULL) gets the count. On failure no
 * file is left at `path`. */
int nb_export(nb_db *db, const char *path, const nb_export_options *options, int64_t *records);

#endif
