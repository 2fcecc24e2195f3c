/*
 * Internal: the Mersenne Twister MT19937 exactly as CPython's `random` module
 * uses it, so that a seeded nasbench query draws the same repeats as the
 * original Python API seeded with the same integer (reference, section 4.6).
 */
#ifndef NB_MT19937_H
#define NB_MT19937_H

#include <stddef.h>
#include <stdint.h>

#define NB_MT_N 624

typedef struct nb_mt19937 {
    uint32_t state[NB_MT_N];
    int index; /* next word of state to temper; NB_MT_N means "regenerate" */
} nb_mt19937;

/* MT19937 init_by_array (the reference C code of Matsumoto and Nishimura);
 * `len` may be 0 (CPython never passes 0, see nb_mt_seed). */
void nb_mt_init_by_array(nb_mt19937 *mt, const uint32_t *key, size_t len);

/* CPython's random.seed(n) for an integer n: init_by_array with |n| split into
 * 32-bit words, least significant first, and [0] for n == 0. `magnitude` is
 * |n| (the caller takes the absolute value). */
void nb_mt_seed(nb_mt19937 *mt, uint64_t magnitude);

/* The next 32-bit output (genrand_uint32). */
uint32_t nb_mt_next(nb_mt19937 *mt);

/* CPython's Random._randbelow(n) for 1 <= n < 2^32: k = bit length of n,
 * draw getrandbits(k) = next() >> (32 - k) until the value is below n. So
 * randint(0, 2) == nb_mt_below(mt, 3). n == 0 returns 0 and draws nothing. */
uint32_t nb_mt_below(nb_mt19937 *mt, uint32_t n);

#endif
