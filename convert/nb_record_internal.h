/* Internal to the record codec (record*.c): the codec's storage. */
#ifndef NB_RECORD_INTERNAL_H
#define NB_RECORD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nb_json.h"
#include "nb_record.h"

typedef struct nb_arena_spill {
    struct nb_arena_spill *next;
    _Alignas(16) uint8_t data[];
} nb_arena_spill;

typedef struct nb_arena {
    uint8_t *block;
    size_t cap, used;
    nb_arena_spill *spills; /* allocations that did not fit in block */
    size_t spilled;
} nb_arena;

struct nb_record_codec {
    nb_json_doc *doc;
    nb_arena arena;          /* protobuf-c allocations of the last decode */
    uint8_t *bin;            /* base64-decoded metrics */
    size_t bin_cap;
    nb_evaluation *evals;    /* decoded evaluations */
    size_t evals_cap;
    uint8_t *out;            /* encode output */
    size_t out_cap;
};

void nb_arena_reset(nb_arena *a);
int nb_grow(void **buf, size_t *cap, size_t n, size_t elem);

#endif
