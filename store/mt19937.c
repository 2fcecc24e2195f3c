/* MT19937 as in CPython's Modules/_randommodule.c (see nb_mt19937.h). */
#include "nb_mt19937.h"

#define MT_M 397
#define MATRIX_A 0x9908b0dfU
#define UPPER_MASK 0x80000000U
#define LOWER_MASK 0x7fffffffU

static void init_genrand(nb_mt19937 *mt, uint32_t s)
{
    uint32_t *m = mt->state;
    m[0] = s;
    for (int i = 1; i < NB_MT_N; i++)
        m[i] = 1812433253U * (m[i - 1] ^ (m[i - 1] >> 30)) + (uint32_t)i;
    mt->index = NB_MT_N;
}

void nb_mt_init_by_array(nb_mt19937 *mt, const uint32_t *key, size_t len)
{
    uint32_t *m = mt->state;
    init_genrand(mt, 19650218U);
    size_t i = 1, j = 0;
    size_t k = NB_MT_N > len ? NB_MT_N : len;
    for (; k; k--) {
        m[i] = (m[i] ^ ((m[i - 1] ^ (m[i - 1] >> 30)) * 1664525U)) + (len ? key[j] : 0) +
               (uint32_t)j;
        i++;
        j++;
        if (i >= NB_MT_N) {
            m[0] = m[NB_MT_N - 1];
            i = 1;
        }
        if (j >= len)
            j = 0;
    }
    for (k = NB_MT_N - 1; k; k--) {
        m[i] = (m[i] ^ ((m[i - 1] ^ (m[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
        i++;
        if (i >= NB_MT_N) {
            m[0] = m[NB_MT_N - 1];
            i = 1;
        }
    }
    m[0] = 0x80000000U; /* MSB is 1, assuring a non-zero initial array */
    mt->index = NB_MT_N;
}

void nb_mt_seed(nb_mt19937 *mt, uint64_t magnitude)
{
    uint32_t key[2] = {(uint32_t)magnitude, (uint32_t)(magnitude >> 32)};
    /* CPython passes only the significant words: one word up to 2^32 - 1
     * (including 0, which becomes [0]), two beyond. */
    nb_mt_init_by_array(mt, key, key[1] ? 2 : 1);
}

static void regenerate(nb_mt19937 *mt)
{
    static const uint32_t mag01[2] = {0U, MATRIX_A};
    uint32_t *m = mt->state;
    int kk;
    uint32_t y;
    for (kk = 0; kk < NB_MT_N - MT_M; kk++) {
        y = (m[kk] & UPPER_MASK) | (m[kk + 1] & LOWER_MASK);
        m[kk] = m[kk + MT_M] ^ (y >> 1) ^ mag01[y & 1U];
    }
    for (; kk < NB_MT_N - 1; kk++) {
        y = (m[kk] & UPPER_MASK) | (m[kk + 1] & LOWER_MASK);
        m[kk] = m[kk + (MT_M - NB_MT_N)] ^ (y >> 1) ^ mag01[y & 1U];
    }
    y = (m[NB_MT_N - 1] & UPPER_MASK) | (m[0] & LOWER_MASK);
    m[NB_MT_N - 1] = m[MT_M - 1] ^ (y >> 1) ^ mag01[y & 1U];
    mt->index = 0;
}

uint32_t nb_mt_next(nb_mt19937 *mt)
{
    if (mt->index >= NB_MT_N)
        regenerate(mt);
    uint32_t y = mt->state[mt->index++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

uint32_t nb_mt_below(nb_mt19937 *mt, uint32_t n)
{
    if (n == 0)
        return 0;
    int k = 0;
    for (uint32_t v = n; v; v >>= 1)
        k++;
    for (;;) {
        uint32_t r = nb_mt_next(mt) >> (32 - k);
        if (r < n)
            return r;
    }
}
