/*
 * Internal: the synthetic dataset writer. Writes a file in the original
 * format (TFRecord framing, JSON rows, base64 ModelMetrics) whose NUMBERS ARE
 * SYNTHETIC: realistic in form (accuracies float32(k/9984), float32-exact
 * times, halfway below final, time growing with budget and parameters, a few
 * diverged runs) but not measured on any hardware.
 *
 * Layout as in the real files: records sorted by module hash, for each
 * module the budgets ascending, for each budget the repeats adjacent. Every
 * value is a pure function of (seed, hash, budget, repeat), so a subset file
 * holds exactly the records of the full file for its modules.
 */
#ifndef NB_SYNTH_H
#define NB_SYNTH_H

#include <stdint.h>

#include "nb_record.h"

#define NB_SYNTH_MAX_BUDGETS 16

typedef struct nb_synth_options {
    int64_t modules;   /* the first N modules in ascending hash order; <= 0: all 423,624 */
    int num_budgets;
    int budgets[NB_SYNTH_MAX_BUDGETS]; /* ascending, each >= 1 */
    int repeats;       /* >= 1 */
    uint64_t seed;
    int zstd_level;    /* for ".zst" outputs; 0 = default */
    int max_vertices;  /* nb_synth_write only: 0 = the space (7); 2..6 a smaller space */
    /* Optional progress callback, called every few thousand records. */
    void (*progress)(void *ctx, int64_t records_done, int64_t records_total);
    void *progress_ctx;
} nb_synth_options;

/* The defaults: all modules, budgets 4,12,36,108, 3 repeats, seed 0. */
void nb_synth_defaults(nb_synth_options *o);

/* Write the file (zstd when `path` ends in ".zst"). *records (may be NULL)
 * gets the number of records written. NB_EUSAGE for bad options, NB_EIO on
 * write failure (no file is left behind). Enumerates the space first (a few
 * seconds); to write several files, enumerate once with nb_synth_space_new. */
int nb_synth_write(const char *path, const nb_synth_options *o, int64_t *records);

/* The search space's modules sorted by hash (about 20 MB), enumerated once
 * and reusable for many writes. max_vertices 0 means the real space (7);
 * 2..6 gives the smaller space of modules with at most that many vertices
 * (5: 2,532 modules, enumerated in milliseconds: for tests). Free with
 * nb_synth_space_free (NULL ok). */
typedef struct nb_synth_space nb_synth_space;
int nb_synth_space_new(int max_vertices, nb_synth_space **out);
void nb_synth_space_free(nb_synth_space *space);
int64_t nb_synth_space_size(const nb_synth_space *space);

/* nb_synth_write on an enumerated space. */
int nb_synth_write_space(const nb_synth_space *space, const char *path,
                         const nb_synth_options *o, int64_t *records);

/* The synthetic metrics of one run of a module: fills the metric fields of
 * rec (3 evaluations in `evals`, trainable_parameters, total_time); the
 * JSON fields are left alone. `pruned` is the module's spec. */
int nb_synth_run(uint64_t seed, const char hash[NB_HASH_HEX + 1], const nb_spec *pruned,
                 int epochs, int repeat, nb_evaluation evals[3], nb_record *rec);

#endif
