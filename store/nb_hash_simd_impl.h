/*
 * Internal template, included by store/hash_simd.c once per instruction set:
 * the batch module hash with a multi-buffer MD5 of LANES lanes.
 *
 * Why it works in lockstep: every labelling of one graph produces messages of
 * identical lengths (a vertex's message length depends only on its degrees),
 * so LANES labellings are hashed together, message by message. Only the
 * content differs per lane (sort orders depend on the digests), so each lane
 * assembles its own bytes and the MD5 gathers one word per lane.
 *
 * Expects: LANES, VEC (vector type), FN (function name suffix), TARGET
 * (attribute), and the macros VSET1, VLOAD_TRANSPOSED, VROL, VF, VG, VH, VI,
 * VSTORE.
 */

#define MB_STRIDE 512 /* bytes per lane buffer: longest message + padding */

/* One MD5 block on every lane: st[0..3] = a, b, c, d; x[i] = word i of each
 * lane's block. Latency matters more than throughput when one graph fills
 * the lanes, so each step adds x + K into a first, off the dependency chain:
 * the chain is then F (one ternary-logic op with AVX-512), one add, the
 * rotate and the add of b. The empty asm keeps the compiler from
 * reassociating a + (x + K) + F back into the longer (a + F) + (x + K). */
TARGET static inline void FN(md5_block)(VEC st[4], const VEC x[16])
{
    VEC a = st[0], b = st[1], c = st[2], d = st[3];
#define S(f, a, b, c, d, x, t, s)                        \
    do {                                                 \
        VEC s_ = a + x + VSET1(t);                       \
        __asm__("" : "+v"(s_));                          \
        a = VROL(s_ + f(b, c, d), s) + b;                \
    } while (0)
    S(VF, a, b, c, d, x[0], 0xd76aa478, 7); S(VF, d, a, b, c, x[1], 0xe8c7b756, 12);
    S(VF, c, d, a, b, x[2], 0x242070db, 17); S(VF, b, c, d, a, x[3], 0xc1bdceee, 22);
    S(VF, a, b, c, d, x[4], 0xf57c0faf, 7); S(VF, d, a, b, c, x[5], 0x4787c62a, 12);
    S(VF, c, d, a, b, x[6], 0xa8304613, 17); S(VF, b, c, d, a, x[7], 0xfd469501, 22);
    S(VF, a, b, c, d, x[8], 0x698098d8, 7); S(VF, d, a, b, c, x[9], 0x8b44f7af, 12);
    S(VF, c, d, a, b, x[10], 0xffff5bb1, 17); S(VF, b, c, d, a, x[11], 0x895cd7be, 22);
    S(VF, a, b, c, d, x[12], 0x6b901122, 7); S(VF, d, a, b, c, x[13], 0xfd987193, 12);
    S(VF, c, d, a, b, x[14], 0xa679438e, 17); S(VF, b, c, d, a, x[15], 0x49b40821, 22);
    S(VG, a, b, c, d, x[1], 0xf61e2562, 5); S(VG, d, a, b, c, x[6], 0xc040b340, 9);
    S(VG, c, d, a, b, x[11], 0x265e5a51, 14); S(VG, b, c, d, a, x[0], 0xe9b6c7aa, 20);
    S(VG, a, b, c, d, x[5], 0xd62f105d, 5); S(VG, d, a, b, c, x[10], 0x02441453, 9);
    S(VG, c, d, a, b, x[15], 0xd8a1e681, 14); S(VG, b, c, d, a, x[4], 0xe7d3fbc8, 20);
    S(VG, a, b, c, d, x[9], 0x21e1cde6, 5); S(VG, d, a, b, c, x[14], 0xc33707d6, 9);
    S(VG, c, d, a, b, x[3], 0xf4d50d87, 14); S(VG, b, c, d, a, x[8], 0x455a14ed, 20);
    S(VG, a, b, c, d, x[13], 0xa9e3e905, 5); S(VG, d, a, b, c, x[2], 0xfcefa3f8, 9);
    S(VG, c, d, a, b, x[7], 0x676f02d9, 14); S(VG, b, c, d, a, x[12], 0x8d2a4c8a, 20);
    S(VH, a, b, c, d, x[5], 0xfffa3942, 4); S(VH, d, a, b, c, x[8], 0x8771f681, 11);
    S(VH, c, d, a, b, x[11], 0x6d9d6122, 16); S(VH, b, c, d, a, x[14], 0xfde5380c, 23);
    S(VH, a, b, c, d, x[1], 0xa4beea44, 4); S(VH, d, a, b, c, x[4], 0x4bdecfa9, 11);
    S(VH, c, d, a, b, x[7], 0xf6bb4b60, 16); S(VH, b, c, d, a, x[10], 0xbebfbc70, 23);
    S(VH, a, b, c, d, x[13], 0x289b7ec6, 4); S(VH, d, a, b, c, x[0], 0xeaa127fa, 11);
    S(VH, c, d, a, b, x[3], 0xd4ef3085, 16); S(VH, b, c, d, a, x[6], 0x04881d05, 23);
    S(VH, a, b, c, d, x[9], 0xd9d4d039, 4); S(VH, d, a, b, c, x[12], 0xe6db99e5, 11);
    S(VH, c, d, a, b, x[15], 0x1fa27cf8, 16); S(VH, b, c, d, a, x[2], 0xc4ac5665, 23);
    S(VI, a, b, c, d, x[0], 0xf4292244, 6); S(VI, d, a, b, c, x[7], 0x432aff97, 10);
    S(VI, c, d, a, b, x[14], 0xab9423a7, 15); S(VI, b, c, d, a, x[5], 0xfc93a039, 21);
    S(VI, a, b, c, d, x[12], 0x655b59c3, 6); S(VI, d, a, b, c, x[3], 0x8f0ccc92, 10);
    S(VI, c, d, a, b, x[10], 0xffeff47d, 15); S(VI, b, c, d, a, x[1], 0x85845dd1, 21);
    S(VI, a, b, c, d, x[8], 0x6fa87e4f, 6); S(VI, d, a, b, c, x[15], 0xfe2ce6e0, 10);
    S(VI, c, d, a, b, x[6], 0xa3014314, 15); S(VI, b, c, d, a, x[13], 0x4e0811a1, 21);
    S(VI, a, b, c, d, x[4], 0xf7537e82, 6); S(VI, d, a, b, c, x[11], 0xbd3af235, 10);
    S(VI, c, d, a, b, x[2], 0x2ad7d2bb, 15); S(VI, b, c, d, a, x[9], 0xeb86d391, 21);
#undef S
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
}

/* MD5 padding of a len-byte message at p, in place: 0x80, zeros, the bit
 * length. One 64-byte zero store covers every zero byte (there are at most
 * 63), cheaper than a memset of variable length. Returns the block count. */
TARGET static inline size_t FN(pad)(uint8_t *p, size_t len)
{
    size_t nb = (len + 8) / 64 + 1;
    uint64_t bits = (uint64_t)len * 8;
    memset(p + len, 0, 64); /* constant size: two vector stores */
    p[len] = 0x80;
    memcpy(p + nb * 64 - 8, &bits, 8); /* little-endian host (x86 only) */
    return nb;
}

/* MD5 of LANES padded messages, lane l of nblocks[l] blocks at
 * buf + l * MB_STRIDE. Lanes with fewer blocks stop updating their state
 * once their last block is done (masked), so lengths may differ. */
TARGET static void FN(md5_padded)(const uint8_t *buf, const uint32_t nblocks[LANES],
                                  uint32_t out[4][LANES])
{
    uint32_t blocks = 0, ragged = 0;
    for (int l = 0; l < LANES; l++) {
        ragged |= nblocks[l] != nblocks[0];
        blocks = nblocks[l] > blocks ? nblocks[l] : blocks;
    }
    VEC vblocks;
    memcpy(&vblocks, nblocks, sizeof vblocks);
    VEC st[4] = {VSET1(0x67452301), VSET1(0xefcdab89), VSET1(0x98badcfe), VSET1(0x10325476)};
    for (uint32_t k = 0; k < blocks; k++) {
        VEC x[16], old[4] = {st[0], st[1], st[2], st[3]};
        VLOAD_TRANSPOSED(buf + k * 64, x);
        FN(md5_block)(st, x);
        if (ragged) { /* lanes already finished keep their digest */
            VEC live = (VEC)(VSET1(k) < vblocks);
            for (int i = 0; i < 4; i++)
                st[i] = (st[i] & live) | (old[i] & ~live);
        }
    }
    for (int i = 0; i < 4; i++)
        VSTORE(out[i], st[i]);
}

/* Lowercase hex of a digest with SSSE3 byte shuffles (one table lookup per
 * nibble, 16 at a time), stored with one 32-byte store: later 32-byte loads
 * of it are then forwarded from the store instead of waiting for it to
 * reach the cache (a load spanning two stores cannot be forwarded). */
TARGET static inline void FN(hex)(const uint8_t digest[16], char out[32])
{
    const __m128i lut = _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b',
                                      'c', 'd', 'e', 'f');
    const __m128i low = _mm_set1_epi8(0x0f);
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)digest);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), low), lo = _mm_and_si128(x, low);
    __m128i first = _mm_shuffle_epi8(lut, _mm_unpacklo_epi8(hi, lo));
    __m128i second = _mm_shuffle_epi8(lut, _mm_unpackhi_epi8(hi, lo));
    _mm256_storeu_si256((__m256i *)(void *)out, _mm256_set_m128i(second, first));
}

/* Digest words of lane l into 16 bytes (little-endian host), with one store
 * for the same reason. */
TARGET static void FN(take)(uint32_t words[4][LANES], int l, uint8_t digest[16])
{
    __m128i d = _mm_setr_epi32((int)words[0][l], (int)words[1][l], (int)words[2][l],
                               (int)words[3][l]);
    _mm_storeu_si128((__m128i *)(void *)digest, d);
}

#ifndef NB_HASH_SIMD_SINGLE_ONLY
/* The same for messages of len[l] bytes, padded here in place. */
TARGET static void FN(md5_mb)(uint8_t *buf, const size_t len[LANES], uint32_t out[4][LANES])
{
    uint32_t nblocks[LANES];
    for (int l = 0; l < LANES; l++)
        nblocks[l] = (uint32_t)FN(pad)(buf + l * MB_STRIDE, len[l]);
    FN(md5_padded)(buf, nblocks, out);
}

/* Up to LANES graphs of n vertices: lane l hashes succ[l], pred[l] with the
 * labels at labels[l] (count lanes used; the others repeat lane 0). */
TARGET static void FN(batch)(int n, const uint16_t (*succ)[NB_MAX_VERTICES],
                             const uint16_t (*pred)[NB_MAX_VERTICES], const int8_t *const *labels,
                             int count, uint8_t (*digests)[16])
{
    _Alignas(64) uint8_t buf[LANES * MB_STRIDE];
    uint8_t h[LANES][NB_MAX_VERTICES][16];
    char hex[LANES][NB_MAX_VERTICES][32];
    int order[LANES][NB_MAX_VERTICES], rank[LANES][NB_MAX_VERTICES];
    uint32_t words[4][LANES];
    size_t len[LANES];
    int src[LANES]; /* the input lane each SIMD lane computes */

    for (int l = 0; l < LANES; l++) {
        src[l] = l < count ? l : 0;
        for (int v = 0; v < n; v++)
            nb_hash_init_digest(__builtin_popcount(succ[src[l]][v]),
                                __builtin_popcount(pred[src[l]][v]), labels[src[l]][v], h[l][v]);
    }
    for (int round = 0; round < n; round++) {
        for (int l = 0; l < LANES; l++) {
            nb_hash_sort_order(n, (const uint8_t(*)[16])h[l], order[l]);
            nb_hash_ranks(n, order[l], rank[l]);
            for (int v = 0; v < n; v++)
                FN(hex)(h[l][v], hex[l][v]);
        }
        for (int v = 0; v < n; v++) {
            for (int l = 0; l < LANES; l++)
                len[l] = nb_hash_message(v, pred[src[l]][v], succ[src[l]][v], order[l], rank[l],
                                         (const char(*)[32])hex[l], (char *)buf + l * MB_STRIDE);
            FN(md5_mb)(buf, len, words);
            for (int l = 0; l < LANES; l++)
                FN(take)(words, l, h[l][v]);
        }
    }
    for (int l = 0; l < LANES; l++)
        len[l] = nb_hash_final_text(n, (const uint8_t(*)[16])h[l], (char *)buf + l * MB_STRIDE);
    FN(md5_mb)(buf, len, words);
    for (int l = 0; l < count; l++)
        FN(take)(words, l, digests[l]);
}

/* All labellings of one graph, LANES at a time. */
TARGET static void FN(graph_batch)(int n, const uint16_t succ[], int count, const int8_t *labels,
                                   uint8_t (*digests)[16])
{
    uint16_t s[LANES][NB_MAX_VERTICES], p[LANES][NB_MAX_VERTICES];
    const int8_t *lab[LANES];
    for (int l = 0; l < LANES; l++) {
        memcpy(s[l], succ, sizeof s[l][0] * (size_t)n);
        nb_hash_pred_masks(n, succ, p[l]);
    }
    for (int i = 0; i < count; i += LANES) {
        int m = count - i < LANES ? count - i : LANES;
        for (int l = 0; l < m; l++)
            lab[l] = labels + (size_t)(i + l) * (size_t)n;
        FN(batch)(n, (const uint16_t(*)[NB_MAX_VERTICES])s, (const uint16_t(*)[NB_MAX_VERTICES])p,
                  lab, m, digests + i);
    }
}

/* Different graphs of equal size n, LANES at a time. */
TARGET static void FN(graphs)(int n, int count, const uint16_t (*succ)[NB_MAX_VERTICES],
                              const int8_t *labels, uint8_t (*digests)[16])
{
    uint16_t p[LANES][NB_MAX_VERTICES];
    const int8_t *lab[LANES];
    for (int i = 0; i < count; i += LANES) {
        int m = count - i < LANES ? count - i : LANES;
        for (int l = 0; l < m; l++) {
            nb_hash_pred_masks(n, succ[i + l], p[l]);
            lab[l] = labels + (size_t)(i + l) * (size_t)n;
        }
        FN(batch)(n, succ + i, (const uint16_t(*)[NB_MAX_VERTICES])p, lab, m, digests + i);
    }
}

#endif /* NB_HASH_SIMD_SINGLE_ONLY */

/* One graph, its vertices in the lanes (LANES at a time when n > LANES),
 * built for the latency of a single call:
 * - a vertex's message length depends only on its degrees, so lengths,
 *   block counts and the MD5 padding are set up once, not every round;
 * - each round ranks the digests without branches (nb_hash_rank), writes the
 *   hex in rank order, and turns the neighbour sets into rank bit masks with
 *   one pass over the edge list, so a message is the hex of the set bits in
 *   ascending order, '|', the same for successors, '|', the vertex's own hex;
 * - the final list reuses the last ranks and the SIMD hex. */
#define SINGLE_LANES ((NB_MAX_VERTICES + LANES - 1) / LANES * LANES)

struct FN(single_state) {
    _Alignas(64) uint8_t buf[SINGLE_LANES * MB_STRIDE]; /* lane v: message of vertex v */
    uint32_t nblocks[SINGLE_LANES];
    uint8_t h[NB_MAX_VERTICES][16]; /* vertex values */
    char hexr[NB_MAX_VERTICES][32]; /* their hex, in rank order */
    int rank[NB_MAX_VERTICES];
    uint8_t edge_from[NB_MAX_VERTICES * NB_MAX_VERTICES], edge_to[NB_MAX_VERTICES * NB_MAX_VERTICES];
    int edges;
    /* Up to 8 vertices: byte w of bytes_succ[v] is 0xff iff v -> w (and
     * bytes_pred[v] iff w -> v), for FN(rank_masks8). */
    uint64_t bytes_succ[NB_MAX_VERTICES], bytes_pred[NB_MAX_VERTICES];
};

/* Bit w of mask (w < 8) widened to byte w = 0xff. */
static inline uint64_t FN(widen8)(unsigned mask)
{
    uint64_t r = 0;
    for (int w = 0; w < 8; w++)
        r |= (uint64_t)((mask >> w & 1u) * 0xffu) << (8 * w);
    return r;
}

/* Initial values, edge list, and the padding of every lane (lanes past n
 * hash an empty message nobody reads). */
TARGET static void FN(single_setup)(struct FN(single_state) *st, int n, const uint16_t succ[],
                                    const int *labels)
{
    uint16_t pred[NB_MAX_VERTICES];
    nb_hash_pred_masks(n, succ, pred);
    st->edges = 0;
    for (int v = 0; v < n; v++) {
        int out = __builtin_popcount(succ[v]), in = __builtin_popcount(pred[v]);
        nb_hash_init_digest(out, in, labels[v], st->h[v]);
        for (uint16_t m = succ[v]; m; m &= (uint16_t)(m - 1)) {
            st->edge_from[st->edges] = (uint8_t)v;
            st->edge_to[st->edges++] = (uint8_t)__builtin_ctz(m);
        }
        st->bytes_succ[v] = FN(widen8)(succ[v]);
        st->bytes_pred[v] = FN(widen8)(pred[v]);
        size_t len = 32 * (size_t)(in + out + 1) + 2;
        st->nblocks[v] = (uint32_t)FN(pad)(st->buf + v * MB_STRIDE, len);
    }
    for (int l = n; l < SINGLE_LANES; l++)
        st->nblocks[l] = (uint32_t)FN(pad)(st->buf + l * MB_STRIDE, 0);
}

/* Rank the values and write their hex in rank order. */
TARGET static inline void FN(single_rank)(struct FN(single_state) *st, int n)
{
    nb_hash_rank(n, (const uint8_t(*)[16])st->h, st->rank);
    for (int v = 0; v < n; v++)
        FN(hex)(st->h[v], st->hexr[st->rank[v]]);
}

/* Hex of the rank bits of mask, in rank order. */
static inline char *FN(put_ranks)(char *p, uint32_t mask, const char hexr[][32])
{
    for (; mask; mask &= mask - 1, p += 32)
        memcpy(p, hexr[__builtin_ctz(mask)], 32);
    return p;
}

/* The neighbour sets as rank bit masks: rsucc[v] has bit rank[w] for every
 * v -> w. Up to 8 vertices without a loop over edges (whose updates of the
 * same vertex chain through memory): byte w of `one` is 1 << rank[w]; the
 * bytes of the successors, summed by one multiply, are the mask (the bits
 * are distinct, so the sum carries nothing). */
static inline void FN(rank_masks)(const struct FN(single_state) *st, int n, uint32_t rpred[],
                                  uint32_t rsucc[])
{
    if (n <= 8) {
        uint64_t one = 0;
        for (int w = 0; w < n; w++)
            one |= (uint64_t)1 << (8 * w + st->rank[w]);
        for (int v = 0; v < n; v++) {
            rsucc[v] = (uint32_t)(((one & st->bytes_succ[v]) * 0x0101010101010101ull) >> 56);
            rpred[v] = (uint32_t)(((one & st->bytes_pred[v]) * 0x0101010101010101ull) >> 56);
        }
        return;
    }
    for (int v = 0; v < n; v++)
        rpred[v] = rsucc[v] = 0;
    for (int e = 0; e < st->edges; e++) {
        rsucc[st->edge_from[e]] |= 1u << st->rank[st->edge_to[e]];
        rpred[st->edge_to[e]] |= 1u << st->rank[st->edge_from[e]];
    }
}

/* The messages of one round, into the lanes (padding is already there). */
TARGET static void FN(single_messages)(struct FN(single_state) *st, int n)
{
    uint32_t rpred[NB_MAX_VERTICES], rsucc[NB_MAX_VERTICES];
    FN(rank_masks)(st, n, rpred, rsucc);
    for (int v = 0; v < n; v++) {
        char *p = FN(put_ranks)((char *)st->buf + v * MB_STRIDE, rpred[v],
                                (const char(*)[32])st->hexr);
        *p++ = '|';
        p = FN(put_ranks)(p, rsucc[v], (const char(*)[32])st->hexr);
        *p++ = '|';
        memcpy(p, st->hexr[st->rank[v]], 32);
    }
}

/* Python's repr of the sorted list, from the last ranks. */
static inline size_t FN(single_final_text)(const struct FN(single_state) *st, int n, char *buf)
{
    char *p = buf;
    for (int r = 0; r < n; r++) {
        memcpy(p, ", '", 3);
        memcpy(p + 3, st->hexr[r], 32);
        p[35] = '\'';
        p += 36;
    }
    buf[1] = '['; /* the first ", " becomes " [" and is skipped */
    *p++ = ']';
    return (size_t)(p - buf - 1);
}

TARGET static void FN(single)(int n, const uint16_t succ[], const int *labels,
                              uint8_t digest[16])
{
    struct FN(single_state) st;
    uint32_t words[4][LANES];
    FN(single_setup)(&st, n, succ, labels);
    for (int round = 0; round < n; round++) {
        FN(single_rank)(&st, n);
        FN(single_messages)(&st, n);
        for (int first = 0; first < n; first += LANES) {
            FN(md5_padded)(st.buf + first * MB_STRIDE, st.nblocks + first, words);
            for (int l = 0; l < LANES && first + l < n; l++)
                FN(take)(words, l, st.h[first + l]);
        }
    }
    FN(single_rank)(&st, n);
    char text[NB_HASH_MSG_MAX + 1];
    size_t len = FN(single_final_text)(&st, n, text);
    nb_md5(text + 1, len, digest);
}
