/* Internal to synth*.c: a module's precomputed synthetic traits. */
#ifndef NB_SYNTH_INTERNAL_H
#define NB_SYNTH_INTERNAL_H

#include <stdint.h>

#include "nb_synth.h"

typedef struct nb_synth_module {
    char hash[NB_HASH_HEX + 1];
    int64_t params;
    double quality;       /* mean final validation accuracy at 108 epochs */
    double sec_per_epoch;
    uint64_t key;         /* run-level random streams derive from it */
} nb_synth_module;

void nb_synth_module_init(nb_synth_module *m, uint64_t seed, const char *hash,
                          const nb_spec *spec, int64_t params);
void nb_synth_module_run(const nb_synth_module *m, int epochs, int repeat,
                         nb_evaluation evals[3], nb_record *rec);

#endif
