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
 * (attribute), and the macros VSET1, VGATHER, VROL, VF, VG, VH, VI, VSTORE.
 */

#define MB_STRIDE 512 /* bytes per lane buffer: longest message + padding */

/* MD5 of LANES messages, lane l of len[l] bytes at buf + l * MB_STRIDE.
 * Pads the buffers in place. Lanes with fewer blocks stop updating their
 * state once their last block is done (masked), so lengths may differ. */
TARGET static void FN(md5_mb)(uint8_t *buf, const size_t len[LANES], uint32_t out[4][LANES])
{
    uint32_t nblocks[LANES];
    size_t blocks = 0;
    int ragged = 0;
    for (int l = 0; l < LANES; l++) {
        uint8_t *p = buf + l * MB_STRIDE;
        size_t nb = (len[l] + 8) / 64 + 1, total = nb * 64;
        uint64_t bits = (uint64_t)len[l] * 8;
        p[len[l]] = 0x80;
        memset(p + len[l] + 1, 0, total - len[l] - 9);
        memcpy(p + total - 8, &bits, 8); /* little-endian host (x86 only) */
        nblocks[l] = (uint32_t)nb;
        ragged |= nb != (size_t)nblocks[0];
        if (nb > blocks)
            blocks = nb;
    }
    VEC vblocks;
    memcpy(&vblocks, nblocks, sizeof vblocks);
    VIDX_INIT;
    VEC a = VSET1(0x67452301), b = VSET1(0xefcdab89), c = VSET1(0x98badcfe),
        d = VSET1(0x10325476);
    for (size_t k = 0; k < blocks; k++) {
        const uint8_t *base = buf + k * 64;
        VEC x[16];
#ifdef VLOAD_TRANSPOSED
        VLOAD_TRANSPOSED(base, x);
#else
        for (int i = 0; i < 16; i++)
            x[i] = VGATHER(base + 4 * i);
#endif
        VEC aa = a, bb = b, cc = c, dd = d;
#define S(f, a, b, c, d, x, t, s) a = VROL(a + f(b, c, d) + x + VSET1(t), s) + b
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
        a += aa;
        b += bb;
        c += cc;
        d += dd;
        if (ragged) { /* lanes already finished keep their digest */
            VEC live = (VEC)(VSET1((uint32_t)k) < vblocks);
            a = (a & live) | (aa & ~live);
            b = (b & live) | (bb & ~live);
            c = (c & live) | (cc & ~live);
            d = (d & live) | (dd & ~live);
        }
    }
    VSTORE(out[0], a);
    VSTORE(out[1], b);
    VSTORE(out[2], c);
    VSTORE(out[3], d);
}

/* Lowercase hex of a digest with SSSE3 byte shuffles (one table lookup per
 * nibble, 16 at a time). */
TARGET static inline void FN(hex)(const uint8_t digest[16], char out[32])
{
    const __m128i lut = _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b',
                                      'c', 'd', 'e', 'f');
    const __m128i low = _mm_set1_epi8(0x0f);
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)digest);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), low), lo = _mm_and_si128(x, low);
    __m128i first = _mm_shuffle_epi8(lut, _mm_unpacklo_epi8(hi, lo));
    __m128i second = _mm_shuffle_epi8(lut, _mm_unpackhi_epi8(hi, lo));
    _mm_storeu_si128((__m128i *)(void *)out, first);
    _mm_storeu_si128((__m128i *)(void *)(out + 16), second);
}

/* Digest words of lane l into 16 bytes (little-endian host). */
TARGET static void FN(take)(uint32_t words[4][LANES], int l, uint8_t digest[16])
{
    for (int i = 0; i < 4; i++)
        memcpy(digest + 4 * i, &words[i][l], 4);
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

/* One graph, its vertices in the lanes: each round hashes the n vertex
 * messages together (LANES at a time; lengths differ, so lanes are masked),
 * then the final list is hashed by the scalar MD5. */
TARGET static void FN(single)(int n, const uint16_t succ[], const int *labels,
                              uint8_t digest[16])
{
    _Alignas(64) uint8_t buf[LANES * MB_STRIDE];
    uint16_t pred[NB_MAX_VERTICES];
    uint8_t h[NB_MAX_VERTICES][16];
    char hex[NB_MAX_VERTICES][32];
    int order[NB_MAX_VERTICES], rank[NB_MAX_VERTICES];
    uint32_t words[4][LANES];
    size_t len[LANES];

    nb_hash_pred_masks(n, succ, pred);
    for (int v = 0; v < n; v++)
        nb_hash_init_digest(__builtin_popcount(succ[v]), __builtin_popcount(pred[v]), labels[v],
                            h[v]);
    for (int round = 0; round < n; round++) {
        nb_hash_sort_order(n, (const uint8_t(*)[16])h, order);
        nb_hash_ranks(n, order, rank);
        for (int v = 0; v < n; v++)
            FN(hex)(h[v], hex[v]);
        uint8_t nh[NB_MAX_VERTICES][16];
        for (int first = 0; first < n; first += LANES) {
            int m = n - first < LANES ? n - first : LANES;
            for (int l = 0; l < LANES; l++) {
                int v = first + (l < m ? l : 0); /* spare lanes repeat the first */
                len[l] = nb_hash_message(v, pred[v], succ[v], order, rank,
                                         (const char(*)[32])hex, (char *)buf + l * MB_STRIDE);
            }
            FN(md5_mb)(buf, len, words);
            for (int l = 0; l < m; l++)
                FN(take)(words, l, nh[first + l]);
        }
        memcpy(h, nh, sizeof(h[0]) * (size_t)n);
    }
    char text[NB_HASH_MSG_MAX];
    nb_md5(text, nb_hash_final_text(n, (const uint8_t(*)[16])h, text), digest);
}
