/*
 * nasbench: the trainer. Trains modules of the space with the protocol of the
 * original (reference, section 7) on CIFAR-10 binary files and writes every
 * finished run, with its evaluations, its module if new and a `sources` row
 * of kind 'trainer' holding the full configuration, into a database in one
 * transaction. Work is split across processes the way the original split its
 * work units (section 8).
 *
 * All fallible functions follow nasbench/error.h.
 */
#ifndef NASBENCH_TRAIN_H
#define NASBENCH_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "nasbench/db.h"
#include "nasbench/spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything that defines an experiment. The defaults are the original's. */
typedef struct nb_train_config {
    int stem_channels;     /* 128 */
    int num_stacks;        /* 3 */
    int modules_per_stack; /* 3 */
    int batch_size;        /* 256 */
    int train_images;      /* 40,000: the first images of data_batch_1..4 */
    int eval_images;       /* 9,984: first images of each evaluated split */
    int bn_shards;         /* 2: batch-norm statistics per batch / bn_shards images (TPU shards) */
    float learning_rate;   /* 0.2, cosine decay by step, 0 at step 0 */
    float weight_decay;    /* 1e-4 */
    float rms_decay;       /* 0.9 */
    float rms_momentum;    /* 0.9 */
    float rms_epsilon;     /* 1.0 */
    float bn_momentum;     /* 0.997 */
    float bn_epsilon;      /* 1e-5 */
    /* 14,400 (4 h), the original's safety cap: training stops once the
     * training_time counter passes it and the evaluations still due are made
     * where it stopped (their current_epoch says how far it got). 0: no cap. */
    double max_train_seconds;
} nb_train_config;

void nb_train_config_default(nb_train_config *config);

/* Steps of a budget: total = int(E * train_images / batch), halfway =
 * int(E / 2 * train_images / batch) (625 / 312 for 4 epochs by default).
 * NB_EINVAL when the config leaves fewer than 3 distinct evaluation points. */
int nb_train_steps(const nb_train_config *config, int epochs, int64_t *total, int64_t *halfway);

/* ---- data ------------------------------------------------------------------ */

/* The six CIFAR-10 binary files of a directory (data_batch_1..5.bin,
 * test_batch.bin), loaded and hashed. Files may be smaller than the real
 * ones as long as they hold config->train_images training images and
 * config->eval_images images per evaluated split (a clear error naming the
 * file otherwise). Owned by the caller: nb_train_data_close frees it. */
typedef struct nb_train_data nb_train_data;

int nb_train_data_open(const char *dir, const nb_train_config *config, nb_train_data **out);
void nb_train_data_close(nb_train_data *data);

/* ---- one training session --------------------------------------------------- */

typedef struct nb_train_progress {
    const char *hash;       /* the module being trained */
    int unit_repeat;        /* 1-based repeat of the work unit */
    int unit, units;        /* position in this worker's work list, 1-based */
    double epoch;           /* epochs of images seen */
    int64_t step, steps;    /* steps done, steps of the run */
    double loss;            /* cross-entropy of the last batch */
    double images_per_second;
    double eta_seconds;     /* of this run */
} nb_train_progress;

/* Called after every training step; it decides itself how often to print. */
typedef void (*nb_train_progress_fn)(const nb_train_progress *progress, void *ctx);

/* One finished run, as written to the database. */
typedef struct nb_train_result {
    char hash[NB_HASH_HEX + 1];
    int unit_repeat;
    uint64_t unit_seed;          /* the work unit's seed */
    int attempt;                 /* 1-based attempt that succeeded */
    uint64_t run_seed;           /* the seed this run drew from (unit_seed on attempt 1) */
    int stopped_early;           /* training stopped at the time cap */
    int64_t steps;               /* training steps done (fewer than the budget's if stopped) */
    int64_t run_id;              /* in the output database */
    int repeat;                  /* the repeat number it got there */
    int64_t trainable_parameters; /* of the network actually trained */
    int threads;                 /* the thread count it ran with (0 resolved) */
    double total_time;
    int num_evaluations;
    nb_evaluation evaluations[3]; /* step 0, halfway, final */
} nb_train_result;

typedef void (*nb_train_result_fn)(const nb_train_result *result, void *ctx);

/* A failed attempt of a work unit (a non-finite loss, out of memory, a
 * network that cannot be built). Attempts that are not the last are
 * retried from scratch with the next attempt's seed; after the last one the
 * unit is skipped (`skipped` set) and nothing of it is written. */
typedef struct nb_train_failure {
    const char *hash;
    int epochs, unit_repeat;
    int attempt, max_attempts; /* 1-based attempt that failed, of at most max_attempts */
    uint64_t run_seed;         /* the seed of the failed attempt */
    int code;                  /* its result code (nasbench/error.h) */
    const char *message;       /* its error message */
    int skipped;               /* it was the last attempt: the unit is skipped */
} nb_train_failure;

typedef void (*nb_train_failure_fn)(const nb_train_failure *failure, void *ctx);

typedef struct nb_train_options {
    nb_train_config config;
    int epochs;                 /* the budget; required */
    uint64_t seed;              /* 0 */
    int repeats;                /* work units per module: 1 */
    int shard_index;            /* this worker, 0-based: 0 */
    int shard_count;            /* workers: 1 */
    int threads;                /* 0: all cores (results are deterministic per thread count) */
    int resume;                 /* continue from a checkpoint when one matches */
    const char *checkpoint_dir; /* required: where checkpoints live (created if missing) */
    int checkpoint_steps;       /* checkpoint every N steps; 0: every checkpoint_seconds */
    double checkpoint_seconds;  /* 300 */
    /* Attempts per work unit: 5, the original's max_attempts (the first try
     * included, so up to 4 retries). */
    int max_attempts;
    nb_train_progress_fn progress;
    void *progress_ctx;
    nb_train_failure_fn failure; /* every failed attempt; may be NULL */
    void *failure_ctx;
    /* When *stop becomes nonzero (a signal handler), the session writes a
     * checkpoint after the current step and returns NB_EINTR. May be NULL. */
    volatile sig_atomic_t *stop;
    /* For tests of the kill path: behave as if stopped after this many steps
     * of this session, without writing a final checkpoint. 0: never. */
    int64_t crash_after_steps;
    /* For tests of the retry path: the first N attempts this session starts
     * get a NaN weight after their first step, so the real check finds their
     * loss non-finite on the next one. 0: never. */
    int diverge_attempts;
} nb_train_options;

void nb_train_options_default(nb_train_options *options);

/* The campaign key: 16 hex digits identifying seed, budget, config and data.
 * A work unit (module, unit repeat) of a campaign is trained once: a session
 * skips units whose run is already in the output database. */
int nb_train_campaign(const nb_train_options *options, const nb_train_data *data,
                      char key[17]);

/* ---- work lists and shards (reference, section 8) ---------------------------- */

/* Modules to train, sorted by hash and unique. Owned by the caller. */
typedef struct nb_train_work {
    int count, capacity;
    nb_spec *specs; /* pruned */
    char (*hashes)[NB_HASH_HEX + 1];
} nb_train_work;

void nb_train_work_free(nb_train_work *work);
/* Add a spec (pruned, checked and hashed here). */
int nb_train_work_add_spec(nb_train_work *work, const nb_spec *spec);
/* Add the specs of a file of JSON lines {"matrix": M, "ops": O} (either
 * form of each, as `nasbench hash --jsonl` reads; `nasbench generate`
 * writes them); "-" is stdin. Errors name the file and line. */
int nb_train_work_add_specs_file(nb_train_work *work, const char *path);
/* Add the module of `db` with this hash (NB_ENOTFOUND if absent). */
int nb_train_work_add_hash(nb_train_work *work, nb_db *db, const char *hash);
/* Add every module of `db` with no run at `epochs` other than the runs of
 * campaign `key` (so a restarted campaign sees the same list). */
int nb_train_work_add_missing(nb_train_work *work, nb_db *db, int epochs, const char *key);
/* Sort by hash and drop duplicates; the session calls it too. */
int nb_train_work_sort(nb_train_work *work);

/* "I/N" with 0 <= I < N. NB_EUSAGE otherwise. */
int nb_shard_parse(const char *text, int *index, int *count);
/* Work unit i of models x repeats: model i mod models, repeat i div models + 1.
 * Worker w of W takes units w, w + W, ... below models * repeats. */
void nb_shard_unit(int64_t unit, int models, int *model, int *repeat);

/* Train this worker's units of `work` and write each finished run into `db`
 * (its own transaction each). result (may be NULL) is called per run
 * written; units already done are skipped silently. A unit whose attempts
 * all fail is skipped and the session goes on with the next one; it then
 * returns NB_ERROR at the end (options->failure has seen each failure).
 * NB_EINTR when stopped; other failures of the job (I/O, database,
 * configuration) stop it at once. */
int nb_train_session(nb_db *db, const nb_train_work *work, const nb_train_data *data,
                     const nb_train_options *options, nb_train_result_fn result, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
