/*
 * Internal: the module hash (reference section 3) on a bitmask graph, giving
 * the raw 16-byte MD5 digest whose hex is the public hash. The enumerator
 * keys its hash set on these digests.
 */
#ifndef NB_HASH_H
#define NB_HASH_H

#include <stdint.h>

#include "nasbench/spec.h"

/* succ[v]: bit w set iff edge v -> w (any DAG with at most NB_MAX_VERTICES
 * vertices, edges need not go upward; a DAG keeps every message within the
 * buffers: in + out degree <= n - 1). labels[v] as in section 2.3; only
 * the labels' decimal text matters. */
void nb_hash_graph(int n, const uint16_t succ[], const int *labels, uint8_t digest[16]);

/* The same, scalar MD5 only; and with a given variant (NB_HASH_*), where the
 * vertices of the graph fill the SIMD lanes (NB_ENOTFOUND if unavailable). */
void nb_hash_graph_scalar(int n, const uint16_t succ[], const int *labels, uint8_t digest[16]);
int nb_hash_graph_with(int which, int n, const uint16_t succ[], const int *labels,
                       uint8_t digest[16]);

/* The vertex values after `rounds` refinement rounds (0: the initial
 * digests), as in the traces of reference 3.2 and 3.3. nb_hash_graph runs
 * n rounds, then hashes the sorted list. */
void nb_hash_rounds(int n, const uint16_t succ[], const int *labels, int rounds,
                    uint8_t h[][16]);

/* Hash `count` labellings of one graph: labelling i is labels[i*n .. i*n+n-1]
 * and its digest goes to digests[i]. Uses a multi-buffer SIMD MD5 when the CPU
 * has one (all labellings of a graph have equal message lengths, so they run
 * in lockstep), else the scalar path; the digests are the same either way. */
void nb_hash_graph_batch(int n, const uint16_t succ[], int count, const int8_t *labels,
                         uint8_t (*digests)[16]);

/* The scalar path of nb_hash_graph_batch, exposed for tests and benchmarks. */
void nb_hash_graph_batch_scalar(int n, const uint16_t succ[], int count, const int8_t *labels,
                                uint8_t (*digests)[16]);

/* The implementations of the batch hash. */
enum { NB_HASH_SCALAR = 0, NB_HASH_AVX2 = 1, NB_HASH_AVX512 = 2 };

/* One more variant for nb_hash_graph_with only: 8 lanes with AVX-512VL
 * instructions on 256-bit registers (the batch functions do not have it). */
enum { NB_HASH_AVX512VL = 3 };

/* The variant nb_hash_graph_batch uses (the best the CPU has, unless the
 * environment variable NB_HASH_SIMD=scalar|avx2|avx512 names another). */
int nb_hash_batch_variant(void);

/* nb_hash_graph_batch with a given variant; NB_ENOTFOUND when the CPU or the
 * build lacks it. */
int nb_hash_graph_batch_with(int which, int n, const uint16_t succ[], int count,
                             const int8_t *labels, uint8_t (*digests)[16]);

/* Different graphs of equal size n: graph i is succ[i] with the labels at
 * labels[i*n ..]; digests[i] receives its digest. SIMD when available. */
void nb_hash_graphs(int n, int count, const uint16_t (*succ)[NB_MAX_VERTICES], const int8_t *labels,
                    uint8_t (*digests)[16]);

/* nb_hash_graphs with a given variant; NB_ENOTFOUND when unavailable. */
int nb_hash_graphs_with(int which, int n, int count, const uint16_t (*succ)[NB_MAX_VERTICES],
                        const int8_t *labels, uint8_t (*digests)[16]);

/* Successor bitmasks of a matrix. */
void nb_hash_succ_masks(int n, const uint8_t matrix[][NB_MAX_VERTICES], uint16_t succ[]);

#endif
