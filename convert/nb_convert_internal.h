/*
 * Internal to the converter (convert*.c): the two-thread pipeline.
 *
 * A parser thread reads the file (CRC checks, JSON, base64, protobuf, spec
 * and hash checks) and fills batches of self-contained items; the calling
 * thread takes full batches in order and writes them to SQLite. The two
 * stages cost about the same, so on two cores the conversion takes about as
 * long as the slower of them instead of their sum.
 */
#ifndef NB_CONVERT_INTERNAL_H
#define NB_CONVERT_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "nasbench/db.h"
#include "nasbench/spec.h"
#include "nb_convert.h"
#include "nb_record.h"
#include "nb_sha256.h"

#define NB_CONV_BATCH_ITEMS 2048
#define NB_CONV_BATCH_ARENA (2u << 20)
#define NB_CONV_BATCHES 4

/* One record, parsed and checked, owning nothing (all in the batch arena). */
typedef struct nb_conv_item {
    int64_t index;
    uint64_t offset;
    nb_corrupt_kind kind;       /* NB_CORRUPT_NONE for a good record */
    const char *message;        /* bad record: the full one-line error */
    char hash[NB_HASH_HEX + 1];
    int epochs;
    const char *adjacency;      /* NUL-terminated */
    const char *operations;
    int num_vertices, num_edges;
    int has_trainable_parameters;
    int64_t trainable_parameters;
    int has_total_time;
    double total_time;
    int num_evaluations;
    nb_evaluation *evaluations;
    int canonical;              /* the codec re-encodes the payload byte for byte */
    const uint8_t *payload;     /* the original payload */
    size_t payload_len;
} nb_conv_item;

typedef struct nb_conv_batch {
    nb_conv_item *items;
    int count;
    uint8_t *arena;
    size_t used, cap;
    uint64_t bytes_in;          /* file bytes consumed when the batch was closed */
    int last;                   /* nothing follows this batch */
    int status;                 /* NB_OK, or a failure that ended the stream */
    char message[512];          /* its message (nb_errmsg is per thread) */
} nb_conv_batch;

typedef struct nb_conv_pipe {
    /* set up by the caller */
    const char *path;
    FILE *file;                 /* the input, read through the SHA-256 wrapper */
    int skip_corrupt;
    volatile sig_atomic_t *interrupt;
    nb_sha256 sha;              /* of every byte read from the file */
    /* the queue */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    nb_conv_batch batches[NB_CONV_BATCHES];
    int full[NB_CONV_BATCHES];  /* 1: filled, waiting for the writer */
    int next_fill, next_take;
    int stop;                   /* the writer gave up: the parser stops too */
    double parser_cpu;          /* CPU seconds of the parser thread, set when it ends */
} nb_conv_pipe;

/* Allocate the batches; free them with nb_conv_pipe_free. */
int nb_conv_pipe_init(nb_conv_pipe *p);
void nb_conv_pipe_free(nb_conv_pipe *p);

/* Parser thread entry (arg: the pipe). Ends after pushing a batch with last. */
void *nb_conv_parse_main(void *arg);

/* Writer side: the next full batch (blocks), and give it back. */
nb_conv_batch *nb_conv_take(nb_conv_pipe *p);
void nb_conv_release(nb_conv_pipe *p, nb_conv_batch *b);
/* Tell the parser to stop (writer error or interrupt). */
void nb_conv_stop(nb_conv_pipe *p);

/* The batched spec and hash check of the parser (convert_verify.c). A
 * record either passes at once (same spec as the last one verified), fails
 * at once (NB_ECORRUPT, *kind set, message from nb_record_validate), or
 * joins a group whose hash is computed, with the others of its batch, by
 * nb_conv_verify_flush before the batch goes to the writer. */
typedef struct nb_conv_verifier nb_conv_verifier;
#define NB_CONV_VERIFY_MSG 320 /* bytes the caller reserves for a late message */
int nb_conv_verifier_new(nb_conv_verifier **out);
void nb_conv_verifier_free(nb_conv_verifier *v);
/* *group: -1 when settled (then *vertices and *edges are set), else the
 * group the item must be attached to. */
int nb_conv_verify_record(nb_conv_verifier *v, const nb_record *rec, int *group, int *vertices,
                          int *edges, nb_corrupt_kind *kind);
/* The item (of the current batch) depends on `group` (no-op for -1); `msg`
 * has NB_CONV_VERIFY_MSG bytes in the batch arena for a late failure. */
void nb_conv_verify_attach(nb_conv_verifier *v, int group, nb_conv_item *item, char *msg);
/* Hash the groups; items of failed groups become bad items (*bad counts
 * them). Call before the batch is handed over. */
int nb_conv_verify_flush(nb_conv_verifier *v, const char *path, int *bad);

/* Runs the writer collects before one nb_db_add_runs call. */
#define NB_CONV_PENDING 64

/* The writer's state for one file. */
typedef struct nb_conv_writer {
    nb_db *db;
    int64_t source_id;
    int check_existing;         /* the database held runs before: apply the same-run rule */
    int skip_corrupt;
    nb_convert_report *report;
    /* the module of the last record (records of a module come together) */
    char hash[NB_HASH_HEX + 1];
    int64_t module_id;
    char *adjacency, *operations;
    int has_params;
    int64_t params;
    /* runs waiting for nb_conv_flush; they point into the current batch */
    nb_run pending[NB_CONV_PENDING];
    const nb_conv_item *pending_item[NB_CONV_PENDING];
    int pending_raw[NB_CONV_PENDING];
    int npending;
} nb_conv_writer;

/* Store one item (or count / reject it if bad). The run may wait in the
 * writer: call nb_conv_flush before the item's batch is given back. */
int nb_conv_write_item(nb_conv_writer *w, const nb_conv_item *it);
int nb_conv_flush(nb_conv_writer *w);
void nb_conv_writer_free(nb_conv_writer *w);

#endif
