/*
 * Internal: the pieces of one module-hash round shared by the scalar path
 * (hash.c) and the multi-buffer SIMD path (hash_simd.c).
 */
#ifndef NB_HASH_UTIL_H
#define NB_HASH_UTIL_H

#include <stdint.h>
#include <string.h>

#include "nasbench/spec.h"
#include "nb_md5.h"

/* Longest text hashed for NB_MAX_VERTICES vertices: the final list, 36 bytes
 * per vertex (a round message is at most 32 * NB_MAX_VERTICES + 2). */
#define NB_HASH_MSG_MAX (36 * NB_MAX_VERTICES)

/* MD5 of the tuple text "(out, in, label)" (cached for the usual values). */
void nb_hash_init_digest(int out, int in, int label, uint8_t digest[16]);

static inline void nb_hash_pred_masks(int n, const uint16_t succ[], uint16_t pred[])
{
    for (int v = 0; v < n; v++)
        pred[v] = 0;
    for (int v = 0; v < n; v++)
        for (int w = 0; w < n; w++)
            if (succ[v] & (1u << w))
                pred[w] |= (uint16_t)(1u << v);
}

/* Digests compare like their hex strings: big-endian byte order. */
static inline int nb_hash_digest_less(const uint8_t a[16], const uint8_t b[16])
{
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, b + 8, 8);
    a0 = __builtin_bswap64(a0);
    b0 = __builtin_bswap64(b0);
    if (a0 != b0)
        return a0 < b0;
    return __builtin_bswap64(a1) < __builtin_bswap64(b1);
}

/* Vertex indices ordered by their digest (insertion sort: n <= 12; equal
 * digests keep index order, which does not matter as equal values give
 * equal text). */
static inline void nb_hash_sort_order(int n, const uint8_t h[][16], int order[])
{
    for (int i = 0; i < n; i++) {
        int j = i;
        while (j > 0 && nb_hash_digest_less(h[i], h[order[j - 1]])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
}

/* rank[v] = position of v when the values are sorted (ties by index), by
 * comparing every pair: no data-dependent branch, where an insertion sort
 * of random digests mispredicts about once per element. */
static inline void nb_hash_rank(int n, const uint8_t h[][16], int rank[])
{
    uint64_t hi[NB_MAX_VERTICES], lo[NB_MAX_VERTICES];
    for (int v = 0; v < n; v++) {
        memcpy(&hi[v], h[v], 8);
        memcpy(&lo[v], h[v] + 8, 8);
        hi[v] = __builtin_bswap64(hi[v]);
        lo[v] = __builtin_bswap64(lo[v]);
        rank[v] = 0;
    }
    for (int v = 0; v < n; v++)
        for (int w = v + 1; w < n; w++) {
            int less = (hi[w] < hi[v]) | ((hi[w] == hi[v]) & (lo[w] < lo[v]));
            rank[v] += less;
            rank[w] += !less;
        }
}

/* rank[v] = position of v in `order`. */
static inline void nb_hash_ranks(int n, const int order[], int rank[])
{
    for (int i = 0; i < n; i++)
        rank[order[i]] = i;
}

/* A vertex set re-indexed by rank: bit rank[w] for every w in mask. Walking
 * its set bits upward visits the vertices in digest order, without a branch
 * per vertex of the graph. */
static inline uint32_t nb_hash_rank_mask(uint16_t mask, const int rank[])
{
    uint32_t r = 0;
    while (mask) {
        r |= 1u << rank[__builtin_ctz(mask)];
        mask &= (uint16_t)(mask - 1);
    }
    return r;
}

/* Append the hex of the vertices of a rank mask, in digest order. */
static inline char *nb_hash_put_ranked(char *p, uint32_t rmask, const int order[],
                                       const char hex[][32])
{
    while (rmask) {
        memcpy(p, hex[order[__builtin_ctz(rmask)]], 32);
        p += 32;
        rmask &= rmask - 1;
    }
    return p;
}

/* The round text of vertex v: sorted predecessors | sorted successors | own. */
static inline size_t nb_hash_message(int v, uint16_t pred, uint16_t succ, const int order[],
                                     const int rank[], const char hex[][32], char *buf)
{
    char *p = nb_hash_put_ranked(buf, nb_hash_rank_mask(pred, rank), order, hex);
    *p++ = '|';
    p = nb_hash_put_ranked(p, nb_hash_rank_mask(succ, rank), order, hex);
    *p++ = '|';
    memcpy(p, hex[v], 32);
    return (size_t)(p + 32 - buf);
}

/* Python's repr of the sorted final values: ['<hex>', '<hex>', ...] */
static inline size_t nb_hash_final_text(int n, const uint8_t h[][16], char *buf)
{
    int order[NB_MAX_VERTICES];
    nb_hash_sort_order(n, h, order);
    char *p = buf;
    *p++ = '[';
    for (int i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
            *p++ = ' ';
        }
        *p++ = '\'';
        nb_md5_hex(h[order[i]], p);
        p += 32;
        *p++ = '\'';
    }
    *p++ = ']';
    return (size_t)(p - buf);
}

#endif
