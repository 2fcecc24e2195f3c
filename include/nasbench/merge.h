/*
 * nasbench: merging databases (the shards of a training campaign, or any
 * two stores) into one, idempotently.
 *
 * Rules (docs/training.md):
 * - every source row of an input is copied with its provenance (kind, file
 *   name, SHA-256, record count, creation time, program version, config)
 *   unless an identical row is already there;
 * - a module is added when its hash is new;
 * - a run is added unless the output already holds the same run: same
 *   module, budget, total_time and evaluations, every field bit for bit (the
 *   converter's "same run" rule). An added run takes the next free repeat of
 *   its (module, budget), in the input's repeat order, so numbering
 *   continues where the output's stops;
 * - a 'merge' source row records each input that added anything.
 * Merging the same input twice therefore adds nothing the second time.
 *
 * All fallible functions follow nasbench/error.h.
 */
#ifndef NASBENCH_MERGE_H
#define NASBENCH_MERGE_H

#include <stdint.h>

#include "nasbench/db.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nb_merge_stats {
    int64_t sources_added;
    int64_t modules_added;
    int64_t runs_added;
    int64_t runs_skipped; /* already present */
} nb_merge_stats;

/* Merge the databases at inputs[0 .. n-1] (opened read-only) into `out`, all
 * in one transaction: on any failure `out` is left exactly as it was.
 * `stats` (may be NULL) receives the totals. NB_EUSAGE when an input is the
 * output file itself. */
int nb_merge(nb_db *out, const char *const *inputs, int n, nb_merge_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
