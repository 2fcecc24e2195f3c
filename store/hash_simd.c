/* The batch module hash: a multi-buffer MD5 on AVX-512 (16 lanes) or AVX2
 * (8 lanes), chosen at run time, with the scalar path as the portable
 * fallback. The template is store/nb_hash_simd_impl.h. */
#include "nasbench/error.h"
#include "nb_hash.h"
#include "nb_hash_util.h"
#include "nb_md5.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(NB_NO_SIMD)
#define NB_HAVE_X86_SIMD 1
#include <immintrin.h>

/* ---- AVX-512: 16 lanes; rotate and ternary logic in one instruction each */

/* Word i of every lane's 64-byte block into x[i]: one load per lane and a
 * 16x16 transpose of 32-bit words (unpacks within 128-bit lanes, then two
 * rounds of 128-bit lane shuffles), cheaper than 16 gathers on current CPUs. */
#define MB_STRIDE_AVX512 512 /* = MB_STRIDE of the template */
__attribute__((target("avx512f"))) static inline void
load_transposed_avx512(const uint8_t *base, __m512i x[16])
{
    __m512i r[16], a[16], b[16];
    for (int i = 0; i < 16; i++)
        r[i] = _mm512_loadu_si512((const void *)(base + i * MB_STRIDE_AVX512));
    for (int g = 0; g < 4; g++) {
        __m512i *rr = r + 4 * g, *aa = a + 4 * g, *bb = b + 4 * g;
        aa[0] = _mm512_unpacklo_epi32(rr[0], rr[1]);
        aa[1] = _mm512_unpackhi_epi32(rr[0], rr[1]);
        aa[2] = _mm512_unpacklo_epi32(rr[2], rr[3]);
        aa[3] = _mm512_unpackhi_epi32(rr[2], rr[3]);
        /* bb[m]: 128-bit lane q holds word 4q+m of rows 4g..4g+3 */
        bb[0] = _mm512_unpacklo_epi64(aa[0], aa[2]);
        bb[1] = _mm512_unpackhi_epi64(aa[0], aa[2]);
        bb[2] = _mm512_unpacklo_epi64(aa[1], aa[3]);
        bb[3] = _mm512_unpackhi_epi64(aa[1], aa[3]);
    }
    for (int m = 0; m < 4; m++) {
        __m512i e0 = _mm512_shuffle_i32x4(b[m], b[4 + m], 0x44);
        __m512i e1 = _mm512_shuffle_i32x4(b[m], b[4 + m], 0xee);
        __m512i e2 = _mm512_shuffle_i32x4(b[8 + m], b[12 + m], 0x44);
        __m512i e3 = _mm512_shuffle_i32x4(b[8 + m], b[12 + m], 0xee);
        x[m] = _mm512_shuffle_i32x4(e0, e2, 0x88);
        x[4 + m] = _mm512_shuffle_i32x4(e0, e2, 0xdd);
        x[8 + m] = _mm512_shuffle_i32x4(e1, e3, 0x88);
        x[12 + m] = _mm512_shuffle_i32x4(e1, e3, 0xdd);
    }
}
#define VLOAD_TRANSPOSED(base, x) load_transposed_avx512((base), (__m512i *)(x))

typedef uint32_t v16u __attribute__((vector_size(64)));
#define LANES 16
#define VEC v16u
#define TARGET __attribute__((target("avx512f")))
#define FN(x) x##_avx512
#define VSET1(k) ((v16u)_mm512_set1_epi32((int)(k)))
#define VROL(x, s) ((v16u)_mm512_rol_epi32((__m512i)(x), (s)))
#define VTERN(x, y, z, imm) \
    ((v16u)_mm512_ternarylogic_epi32((__m512i)(x), (__m512i)(y), (__m512i)(z), (imm)))
#define VF(x, y, z) VTERN(x, y, z, 0xca) /* x ? y : z */
#define VG(x, y, z) VTERN(x, y, z, 0xe4) /* z ? x : y */
#define VH(x, y, z) VTERN(x, y, z, 0x96) /* x ^ y ^ z */
#define VI(x, y, z) VTERN(x, y, z, 0x39) /* y ^ (x | ~z) */
#define VSTORE(p, v) _mm512_storeu_si512((void *)(p), (__m512i)(v))
#include "nb_hash_simd_impl.h"
#undef LANES
#undef VEC
#undef TARGET
#undef FN
#undef VSET1
#undef VROL
#undef VF
#undef VG
#undef VH
#undef VI
#undef VSTORE
#undef MB_STRIDE
#undef VLOAD_TRANSPOSED

/* ---- 8 lanes (AVX2, and AVX-512VL on ymm registers) */

/* The same transposed load for 8 lanes: two 8x8 transposes of 32-bit words
 * (words 0-7 and 8-15 of the block). AMD's vpgatherdd is microcoded and
 * slow (16 gathers per block cost more than the 48 shuffles here), and a
 * gather loop cannot start before the previous block's steps are issued. */
#define MB_STRIDE_8 512 /* = MB_STRIDE of the template */
__attribute__((target("avx2"), always_inline)) static inline void transpose8(const __m256i r[8], __m256i x[8])
{
    __m256i t[8], u[8];
    /* unrolled, or GCC -O2 keeps t[] and u[] in memory */
#pragma GCC unroll 8
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);     /* words 0,1 | 4,5 of rows i, i+1 */
        t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]); /* words 2,3 | 6,7 */
    }
#pragma GCC unroll 2
    for (int g = 0; g < 8; g += 4) { /* u[g + m]: word m | m + 4 of rows g..g+3 */
        u[g] = _mm256_unpacklo_epi64(t[g], t[g + 2]);
        u[g + 1] = _mm256_unpackhi_epi64(t[g], t[g + 2]);
        u[g + 2] = _mm256_unpacklo_epi64(t[g + 1], t[g + 3]);
        u[g + 3] = _mm256_unpackhi_epi64(t[g + 1], t[g + 3]);
    }
#pragma GCC unroll 4
    for (int m = 0; m < 4; m++) {
        x[m] = _mm256_permute2x128_si256(u[m], u[4 + m], 0x20);
        x[m + 4] = _mm256_permute2x128_si256(u[m], u[4 + m], 0x31);
    }
}

__attribute__((target("avx2"), always_inline)) static inline void load_transposed_8(const uint8_t *base,
                                                                       __m256i x[16])
{
#pragma GCC unroll 2
    for (int half = 0; half < 2; half++) {
        __m256i r[8];
#pragma GCC unroll 8
        for (int l = 0; l < 8; l++)
            r[l] = _mm256_loadu_si256((const __m256i *)(const void *)(base + l * MB_STRIDE_8 +
                                                                      32 * half));
        transpose8(r, x + 8 * half);
    }
}

typedef uint32_t v8u __attribute__((vector_size(32)));
#define LANES 8
#define VEC v8u
#define VSET1(k) ((v8u)_mm256_set1_epi32((int)(k)))
#define VLOAD_TRANSPOSED(base, x) load_transposed_8((base), (__m256i *)(x))
#define VSTORE(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (__m256i)(v))

/* AVX-512VL on 8 lanes: for one graph (7 vertices in the space) latency is
 * what counts, and vprold and vpternlogd make an MD5 step's dependency
 * chain 4 single-cycle ops (F, add, rotate, add) against 6 with AVX2's
 * shift-shift-or rotates and two-op F/G/I. Only the one-graph function is
 * built: the batch paths are throughput-bound and have 16-lane AVX-512. */
#define TARGET __attribute__((target("avx2,avx512f,avx512vl")))
#define FN(x) x##_avx512vl
#define NB_HASH_SIMD_SINGLE_ONLY
#define VROL(x, s) ((v8u)_mm256_rol_epi32((__m256i)(x), (s)))
#define VTERN8(x, y, z, imm) \
    ((v8u)_mm256_ternarylogic_epi32((__m256i)(x), (__m256i)(y), (__m256i)(z), (imm)))
#define VF(x, y, z) VTERN8(x, y, z, 0xca)
#define VG(x, y, z) VTERN8(x, y, z, 0xe4)
#define VH(x, y, z) VTERN8(x, y, z, 0x96)
#define VI(x, y, z) VTERN8(x, y, z, 0x39)
#include "nb_hash_simd_impl.h"
#undef TARGET
#undef FN
#undef NB_HASH_SIMD_SINGLE_ONLY
#undef VROL
#undef VF
#undef VG
#undef VH
#undef VI
#undef MB_STRIDE

/* AVX2: 8 lanes. */
#define TARGET __attribute__((target("avx2")))
#define FN(x) x##_avx2
#define VROL(x, s) (((x) << (s)) | ((x) >> (32 - (s))))
#define VF(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define VG(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define VH(x, y, z) ((x) ^ (y) ^ (z))
#define VI(x, y, z) ((y) ^ ((x) | ~(z)))
#include "nb_hash_simd_impl.h"
#endif

typedef void (*batch_fn)(int n, const uint16_t succ[], int count, const int8_t *labels,
                         uint8_t (*digests)[16]);
typedef void (*graphs_fn)(int n, int count, const uint16_t (*succ)[NB_MAX_VERTICES],
                          const int8_t *labels, uint8_t (*digests)[16]);

static void graphs_scalar(int n, int count, const uint16_t (*succ)[NB_MAX_VERTICES],
                          const int8_t *labels, uint8_t (*digests)[16])
{
    for (int i = 0; i < count; i++)
        nb_hash_graph_batch_scalar(n, succ[i], 1, labels + (size_t)i * (size_t)n, digests + i);
}

static graphs_fn graphs_variant(int which)
{
    switch (which) {
#ifdef NB_HAVE_X86_SIMD
    case NB_HASH_AVX2: return graphs_avx2;
    case NB_HASH_AVX512: return graphs_avx512;
#endif
    default: return graphs_scalar;
    }
}

static batch_fn variant(int which)
{
    switch (which) {
    case NB_HASH_SCALAR: return nb_hash_graph_batch_scalar;
#ifdef NB_HAVE_X86_SIMD
    case NB_HASH_AVX2: return __builtin_cpu_supports("avx2") ? graph_batch_avx2 : NULL;
    case NB_HASH_AVX512: return __builtin_cpu_supports("avx512f") ? graph_batch_avx512 : NULL;
#endif
    default: return NULL;
    }
}

/* The best variant of this CPU; NB_HASH_SIMD=scalar|avx2|avx512 in the
 * environment forces one (for benchmarks and tests). */
static int choose(void)
{
    const char *force = getenv("NB_HASH_SIMD");
    if (force) {
        int which = !strcmp(force, "avx512") ? NB_HASH_AVX512
                    : !strcmp(force, "avx2") ? NB_HASH_AVX2 : NB_HASH_SCALAR;
        if (variant(which))
            return which;
    }
    if (variant(NB_HASH_AVX512))
        return NB_HASH_AVX512;
    if (variant(NB_HASH_AVX2))
        return NB_HASH_AVX2;
    return NB_HASH_SCALAR;
}

int nb_hash_batch_variant(void)
{
    static _Atomic int chosen = -1;
    int which = chosen;
    if (which < 0)
        chosen = which = choose(); /* idempotent: a race computes the same value */
    return which;
}

int nb_hash_graph_batch_with(int which, int n, const uint16_t succ[], int count,
                             const int8_t *labels, uint8_t (*digests)[16])
{
    batch_fn fn = variant(which);
    if (!fn)
        return nb_seterr(NB_ENOTFOUND, "hash variant %d is not available on this CPU", which);
    fn(n, succ, count, labels, digests);
    return NB_OK;
}

void nb_hash_graph_batch(int n, const uint16_t succ[], int count, const int8_t *labels,
                         uint8_t (*digests)[16])
{
    variant(nb_hash_batch_variant())(n, succ, count, labels, digests);
}

/* One graph: its vertices fill the lanes, so 8 lanes (AVX2) suit the
 * 7-vertex space better than 16. */
typedef void (*single_fn)(int n, const uint16_t succ[], const int *labels, uint8_t digest[16]);

static single_fn single_variant(int which)
{
    switch (which) {
#ifdef NB_HAVE_X86_SIMD
    case NB_HASH_AVX2: return __builtin_cpu_supports("avx2") ? single_avx2 : NULL;
    case NB_HASH_AVX512: return __builtin_cpu_supports("avx512f") ? single_avx512 : NULL;
    case NB_HASH_AVX512VL:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
                   ? single_avx512vl : NULL;
#endif
    case NB_HASH_SCALAR: return nb_hash_graph_scalar;
    default: return NULL;
    }
}

int nb_hash_graph_with(int which, int n, const uint16_t succ[], const int *labels,
                       uint8_t digest[16])
{
    single_fn fn = single_variant(which);
    if (!fn)
        return nb_seterr(NB_ENOTFOUND, "hash variant %d is not available on this CPU", which);
    fn(n, succ, labels, digest);
    return NB_OK;
}

/* For one graph the fastest is the 8-lane AVX-512VL variant, then AVX2
 * (7 vertices fit 8 lanes; 16 lanes only add work), then scalar. The
 * NB_HASH_SIMD override of the batch variant applies here too, capped at the
 * variant it names. */
static single_fn choose_single(void)
{
    int cap = nb_hash_batch_variant();
    if (cap == NB_HASH_AVX512 && single_variant(NB_HASH_AVX512VL))
        return single_variant(NB_HASH_AVX512VL);
    if (cap != NB_HASH_SCALAR && single_variant(NB_HASH_AVX2))
        return single_variant(NB_HASH_AVX2);
    return nb_hash_graph_scalar;
}

void nb_hash_graph(int n, const uint16_t succ[], const int *labels, uint8_t digest[16])
{
    static _Atomic(single_fn) chosen; /* zero: not chosen yet */
    single_fn fn = chosen;
    if (!fn)
        chosen = fn = choose_single(); /* idempotent: a race computes the same value */
    fn(n, succ, labels, digest);
}

int nb_hash_graphs_with(int which, int n, int count, const uint16_t (*succ)[NB_MAX_VERTICES],
                        const int8_t *labels, uint8_t (*digests)[16])
{
    if (!variant(which)) /* same availability as the single-graph batch */
        return nb_seterr(NB_ENOTFOUND, "hash variant %d is not available on this CPU", which);
    graphs_variant(which)(n, count, succ, labels, digests);
    return NB_OK;
}

void nb_hash_graphs(int n, int count, const uint16_t (*succ)[NB_MAX_VERTICES], const int8_t *labels,
                    uint8_t (*digests)[16])
{
    graphs_variant(nb_hash_batch_variant())(n, count, succ, labels, digests);
}

/* Specs of equal size go to the lanes together; a chunk at a time keeps the
 * scratch arrays on the stack. */
#define CHUNK 64

int nb_spec_hash_many(const nb_spec *specs, size_t count, char (*hashes)[NB_HASH_HEX + 1])
{
    uint16_t succ[CHUNK][NB_MAX_VERTICES];
    int8_t labels[CHUNK * NB_MAX_VERTICES];
    uint8_t digests[CHUNK][16];
    size_t index[CHUNK];
    /* Check everything first, so that a failure leaves no hash behind. */
    for (size_t i = 0; i < count; i++) {
        int n = specs[i].num_vertices;
        if (n < 2 || n > NB_MAX_VERTICES)
            return nb_seterr(NB_ESPEC, "spec %zu: cannot hash a spec of %d vertices", i, n);
        for (int v = 1; v < n - 1; v++)
            if (nb_op_label(specs[i].ops[v]) < 0)
                return nb_seterr(NB_EDOMAIN, "spec %zu: cannot hash: op '%s' of vertex %d is not "
                                 "one of conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3", i,
                                 specs[i].ops[v], v);
    }
    for (size_t start = 0; start < count; start += CHUNK) {
        size_t end = count - start < CHUNK ? count : start + CHUNK;
        for (int n = 2; n <= NB_MAX_VERTICES; n++) {
            int m = 0;
            for (size_t i = start; i < end; i++) {
                if (specs[i].num_vertices != n)
                    continue;
                nb_hash_succ_masks(n, specs[i].matrix, succ[m]);
                int8_t *lab = labels + (size_t)m * (size_t)n;
                lab[0] = NB_LABEL_INPUT;
                lab[n - 1] = NB_LABEL_OUTPUT;
                for (int v = 1; v < n - 1; v++)
                    lab[v] = (int8_t)nb_op_label(specs[i].ops[v]);
                index[m++] = i;
            }
            if (!m)
                continue;
            nb_hash_graphs(n, m, (const uint16_t(*)[NB_MAX_VERTICES])succ, labels, digests);
            for (int k = 0; k < m; k++) {
                nb_md5_hex(digests[k], hashes[index[k]]);
                hashes[index[k]][NB_HASH_HEX] = '\0';
            }
        }
    }
    return NB_OK;
}
