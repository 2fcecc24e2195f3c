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
 * vertices, edges need not go upward). labels[v] as in section 2.3; only
 * the labels' decimal text matters. */
void nb_hash_graph(int n, const uint16_t succ[], const int *labels, uint8_t digest[16]);

/* Successor bitmasks of a matrix. */
void nb_hash_succ_masks(int n, const uint8_t matrix[][NB_MAX_VERTICES], uint16_t succ[]);

#endif
