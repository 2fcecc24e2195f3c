/*
 * Internal: the pieces of the training protocol (reference, section 7):
 * CIFAR-10 binary files, the input stream with augmentation, RMSProp with
 * TensorFlow 1.x semantics, the cosine schedule and checkpoints. The
 * network itself is in nb_net.h. Not installed.
 */
#ifndef NB_TRAIN_H
#define NB_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "nasbench/train.h"

/* ---- CIFAR-10 binary edition ------------------------------------------- */

#define NB_CIFAR_SIDE 32
#define NB_CIFAR_PIXELS (3 * NB_CIFAR_SIDE * NB_CIFAR_SIDE) /* 3,072: planar R, G, B */
#define NB_CIFAR_ROW (1 + NB_CIFAR_PIXELS)                  /* label byte + pixels */
#define NB_CIFAR_LABELS 10

/* Images of one split, rows in file order. Owns its two arrays. */
typedef struct nb_cifar_split {
    int count;
    uint8_t *labels; /* count labels 0..9 */
    uint8_t *pixels; /* count * NB_CIFAR_PIXELS bytes, planar as in the file */
} nb_cifar_split;

/* Append the first `max_images` rows of a CIFAR-10 .bin file to `split`
 * (max_images < 0: every row). The file must be whole rows with labels 0..9
 * (NB_ECORRUPT naming the file and row otherwise; NB_EIO when unreadable).
 * `sha256_hex` (65 bytes, may be NULL) receives the SHA-256 of the whole file. */
int nb_cifar_read(const char *path, int max_images, nb_cifar_split *split, char *sha256_hex);
void nb_cifar_free(nb_cifar_split *split);

/* Memory layouts a batch can be written in. */
enum { NB_LAYOUT_NCHW = 0, NB_LAYOUT_NHWC = 1 };

/* Normalised, un-augmented images [first, first + n) of a split into x (n *
 * 3,072 floats in `layout`) and their labels: what evaluation sees. */
void nb_cifar_eval_batch(const nb_cifar_split *split, int first, int n, int layout, float *x,
                         int32_t *labels);

/* The endless training stream: the split reshuffled at every epoch, batches
 * cut across epoch boundaries, each image padded to 40x40, randomly cropped
 * to 32x32 and randomly flipped before normalisation. Every random draw is a
 * pure function of (seed, epoch) or (seed, stream position), so batch `step`
 * is the same whether the run started at step 0 or resumed at step k. */
typedef struct nb_cifar_stream {
    const nb_cifar_split *split; /* borrowed */
    uint64_t seed;
    int64_t perm_epoch; /* epoch whose permutation `perm` holds, -1 none */
    int *perm;
} nb_cifar_stream;

int nb_cifar_stream_init(nb_cifar_stream *st, const nb_cifar_split *split, uint64_t seed);
void nb_cifar_stream_free(nb_cifar_stream *st);
/* Batch number `step` of `batch` images (stream positions step * batch ...). */
void nb_cifar_stream_batch(nb_cifar_stream *st, int64_t step, int batch, int layout, float *x,
                           int32_t *labels);

/* A 64-bit mix of two words (splitmix64 finaliser): the counter-based
 * random source of the stream and of the per-run seeds. */
uint64_t nb_mix64(uint64_t a, uint64_t b);

/* The six files of a CIFAR-10 binary directory, loaded. */
enum { NB_CIFAR_FILES = 6 };
extern const char *const nb_cifar_file_names[NB_CIFAR_FILES]; /* "data_batch_1.bin", ... */

struct nb_train_data {
    char *dir;
    nb_cifar_split train;      /* data_batch_1..4, first train_images */
    nb_cifar_split train_eval; /* data_batch_1, first eval_images */
    nb_cifar_split valid;      /* data_batch_5, first eval_images */
    nb_cifar_split test;       /* test_batch, first eval_images */
    char sha256[NB_CIFAR_FILES][65];
};

/* ---- optimiser ----------------------------------------------------------- */

typedef struct nb_rmsprop {
    float decay;        /* rho, 0.9 */
    float momentum;     /* 0.9 */
    float epsilon;      /* 1.0, inside the square root */
    float weight_decay; /* 1e-4: gradient of wd * sum(w^2) / 2 */
} nb_rmsprop;

/* TensorFlow's slot initial values: ms = 1, mom = 0. */
void nb_rmsprop_init_slots(float *ms, float *mom, size_t n);

/* One ApplyRMSProp over n variables, in float32 exactly as TensorFlow 1.x:
 *   g'  = g + weight_decay * w
 *   ms += (g'^2 - ms) * (1 - decay)
 *   mom = momentum * mom + lr * g' / sqrt(ms + epsilon)
 *   w  -= mom */
void nb_rmsprop_update(const nb_rmsprop *opt, float lr, float *w, const float *g, float *ms,
                       float *mom, size_t n);

/* The learning rate before the update of global step `step` of `total`:
 * 0 at step 0 (the original's warm-start step), else
 * 0.5 * base * (1 + cos(pi * step / total)), in float32 as TensorFlow. */
float nb_lr_cosine(int64_t step, int64_t total, float base);

/* ---- checkpoints ---------------------------------------------------------- */

/* A checkpoint is a list of named float arrays plus a small header, zstd
 * compressed with a content checksum, written to "<path>.tmp" and renamed
 * over `path` so that a kill leaves either the old or the new file. */
typedef struct nb_ckpt_array {
    float *data; /* borrowed: written from, or read into */
    size_t count;
} nb_ckpt_array;

typedef struct nb_ckpt_header {
    char key[72];          /* what the checkpoint belongs to: a resume checks it */
    int64_t step;          /* training steps done */
    float training_time;   /* the float32 counter */
    double elapsed;        /* total_time so far */
    int num_evaluations;   /* evaluations done so far (0..3) */
    nb_evaluation evaluations[3]; /* checkpoint_path not saved */
} nb_ckpt_header;

int nb_ckpt_save(const char *path, const nb_ckpt_header *h, const nb_ckpt_array *arrays, int n);
/* NB_ENOTFOUND when the file does not exist; NB_ECORRUPT when it is damaged
 * or its key or array sizes differ from h->key and `arrays` (then the caller
 * restarts cleanly). On success fills h and every array. */
int nb_ckpt_load(const char *path, nb_ckpt_header *h, const nb_ckpt_array *arrays, int n);

/* ---- one run --------------------------------------------------------------- */

/* Where a run is in the session, for progress reports. */
typedef struct nb_run_ctx {
    const char *hash;
    int unit_repeat, unit, units;
    uint64_t unit_seed;    /* the work unit's seed */
    int attempt;           /* 1-based */
    uint64_t run_seed;     /* this attempt's: nb_train_attempt_seed(unit_seed, attempt) */
    int poison;            /* test hook (options->diverge_attempts): NaN weight after step 1 */
    const char *ckpt_path; /* the run's checkpoint file */
    const char *ckpt_key;  /* what a checkpoint must belong to */
} nb_run_ctx;

/* Train one module from scratch (or from its checkpoint when
 * options->resume) through the protocol of section 7.5 and fill res (hash,
 * seeds, parameters, times, evaluations; not run_id / repeat). The
 * checkpoint is left in place: the caller removes it once the run is stored.
 * NB_EINTR when stopped. */
int nb_train_one(const nb_spec *pruned, const nb_train_data *data, const nb_train_options *o,
                 const nb_run_ctx *ctx, nb_train_result *res);

/* ---- attempts of a work unit (trainer_attempts.c) ----------------------------- */

/* The seed of attempt k of a unit: the unit seed itself for k = 1 (so a
 * run that never failed is the run of the unit seed), a mix of the two for
 * later attempts (a retry with the same seed would fail the same way). */
uint64_t nb_train_attempt_seed(uint64_t unit_seed, int attempt);

/* Whether a failed attempt is a failure of that run, to be retried (a
 * non-finite loss, out of memory, a network that cannot be built), rather
 * than of the whole job (usage, configuration, I/O, database, interrupt). */
int nb_train_retryable(int code);

/* Runs attempts of one unit (ctx without attempt, seed and checkpoint; key =
 * "<campaign>-<hash>-e<E>-r<r>") until one succeeds (NB_OK, res filled) or
 * options->max_attempts have failed (NB_OK, *skipped = 1, the last error in
 * err). A resumed unit continues the latest attempt that left a checkpoint.
 * *poison counts down options->diverge_attempts across the session. Other
 * failures are returned as they are. */
int nb_train_unit_attempts(const nb_spec *pruned, const nb_train_data *data,
                           const nb_train_options *o, nb_run_ctx *ctx, const char *key,
                           int *poison, nb_train_result *res, int *skipped, char *err,
                           size_t errlen);

/* Removes the checkpoints of every attempt of a unit. */
void nb_train_unit_remove_ckpts(const nb_train_options *o, const char *key);

#endif
