/*
 * nasbench: enumerating every unique module of the search space (reference
 * section 5), in the original generator's order, keeping the first-seen
 * labelled graph of each hash as the canonical representative.
 *
 * The labelled graphs are hashed on several threads; the order of the
 * callbacks and the canonical forms do not depend on the thread count.
 */
#ifndef NASBENCH_ENUMERATE_H
#define NASBENCH_ENUMERATE_H

#include <stdint.h>

#include "nasbench/spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest vertex count accepted: 8 already means 2^28 matrices to scan. */
#define NB_ENUM_MAX_VERTICES 8

typedef struct nb_enum_options {
    int max_vertices;       /* 2..NB_ENUM_MAX_VERTICES; the space uses 7 */
    int max_edges;          /* >= 1; the space uses 9 */
    int verify_isomorphism; /* test every hash collision for exact isomorphism */
    int threads;            /* hashing threads; 0 = one per online CPU */
    /* 0 (default): hash one labelled graph per isomorphism class and copy
     * its digest to the renumbered variants (exact, about 3x less work);
     * 1: hash every labelled graph like the original (for cross-checks). */
    int hash_every_graph;
} nb_enum_options;

/* The space of the dataset: 7 vertices, 9 edges, no verification, all CPUs. */
void nb_enum_options_default(nb_enum_options *options);

/* Counts for one vertex count, reported when it is finished. */
typedef struct nb_enum_vertex_stats {
    int num_vertices;
    int64_t graphs;            /* full-DAG matrices with <= max_edges edges */
    int64_t labelled_graphs;   /* graphs x 3^(V-2) labellings, all hashed */
    int64_t new_unique;        /* hashes first seen at this vertex count */
    int64_t cumulative_unique; /* hashes seen so far */
    int64_t false_collisions;  /* verify only: equal hash, not isomorphic */
    int64_t hashed;            /* labelled graphs actually hashed (the others are
                                * renumberings of these, see hash_every_graph) */
} nb_enum_vertex_stats;

/* A new module: its canonical spec (pruned form, ops as names) and hash.
 * Both are borrowed for the duration of the call. Return NB_OK to go on;
 * any other value stops the enumeration, which returns it. */
typedef int (*nb_enum_module_fn)(void *ctx, const nb_spec *spec, const char *hash);

/* A vertex count is done. Same return convention. May be NULL. */
typedef int (*nb_enum_stats_fn)(void *ctx, const nb_enum_vertex_stats *stats);

/* With verify_isomorphism: a labelled graph whose hash equals that of a
 * non-isomorphic earlier module. `spec` is the new graph, `canonical` the
 * module's representative. Same return convention. May be NULL (the count
 * is still reported in the stats). */
typedef int (*nb_enum_collision_fn)(void *ctx, const nb_spec *spec, const nb_spec *canonical,
                                    const char *hash);

typedef struct nb_enum_callbacks {
    nb_enum_module_fn on_module;       /* may be NULL */
    nb_enum_stats_fn on_vertex_count;  /* may be NULL */
    nb_enum_collision_fn on_collision; /* may be NULL */
    void *ctx;
} nb_enum_callbacks;

/* Run the enumeration. `options` NULL means the defaults. NB_EUSAGE for
 * options out of range, NB_ENOMEM, or a callback's non-zero return. */
int nb_enumerate(const nb_enum_options *options, const nb_enum_callbacks *callbacks);

/* Exact isomorphism of two pruned specs: a vertex bijection keeping edges and
 * hash labels (input and output stay in place). Returns 1 or 0. */
int nb_spec_isomorphic(const nb_spec *a, const nb_spec *b);

#ifdef __cplusplus
}
#endif
#endif
