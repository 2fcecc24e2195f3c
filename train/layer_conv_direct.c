/*
 * Direct 3x3 convolutions for narrow layers (few channels), where im2col +
 * GEMM is dominated by the im2col traffic and by GEMM edge cases (an sgemm
 * with 4 or 8 output columns runs far below peak). Output channels are
 * processed in blocks of 16 / 8 / 4 / 1 whose accumulators stay in vector
 * registers; every input value is broadcast once per block.
 *
 * The input gradient is the same kernel run on dy with the kernel rotated
 * by 180 degrees and cin / cout swapped. The kernel gradient accumulates
 * per-thread partial sums over whole images, added in thread order.
 */
#include <stdlib.h>
#include <string.h>

#include "nb_layer.h"

int nb_conv3_direct_max_channels = 64;

int nb_conv3_direct_ok(const nb_conv_geom *g)
{
    int max = nb_conv3_direct_max_channels;
    return g->k == 3 && g->cin <= max && g->cout <= max;
}

struct direct_job {
    const nb_conv_geom *g;
    int cin, cout;          /* of this pass (swapped for the input gradient) */
    const float *x, *w, *dy;
    float *y;               /* output, or kernel-gradient partials */
    int ldx, ldy, accumulate;
    size_t partial;         /* floats per thread partial (kernel gradient) */
};

/* GCC vector types (lowered to the clone's widest registers); unaligned and
 * may alias the float arrays they are loaded from. */
typedef float v16 __attribute__((vector_size(64), aligned(4), may_alias));
typedef float v8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float v4 __attribute__((vector_size(16), aligned(4), may_alias));

/* out[0..B) over the valid taps of output pixel (oy, ox) for one block of
 * output channels: VT is the block's vector type. */
#define PIXEL_BLOCK(NAME, VT)                                                                  \
    static inline __attribute__((always_inline)) void NAME(                                   \
        const struct direct_job *j, const float *xi, int oy, int ox, int co0, float *out)      \
    {                                                                                          \
        int h = j->g->h, w = j->g->w, cin = j->cin, cout = j->cout;                            \
        VT acc = {0};                                                                          \
        if (j->accumulate)                                                                     \
            acc = *(const VT *)out;                                                            \
        for (int ky = 0; ky < 3; ky++) {                                                       \
            int iy = oy + ky - 1;                                                              \
            if (iy < 0 || iy >= h)                                                             \
                continue;                                                                      \
            for (int kx = 0; kx < 3; kx++) {                                                   \
                int ix = ox + kx - 1;                                                          \
                if (ix < 0 || ix >= w)                                                         \
                    continue;                                                                  \
                const float *xp = xi + ((size_t)iy * w + ix) * j->ldx;                         \
                const float *wp = j->w + (size_t)(ky * 3 + kx) * cin * cout + co0;             \
                for (int ci = 0; ci < cin; ci++, wp += cout)                                   \
                    acc += xp[ci] * *(const VT *)wp;                                           \
            }                                                                                  \
        }                                                                                      \
        *(VT *)out = acc;                                                                      \
    }
PIXEL_BLOCK(block16, v16)
PIXEL_BLOCK(block8, v8)
PIXEL_BLOCK(block4, v4)

static inline __attribute__((always_inline)) void
block1(const struct direct_job *j, const float *xi, int oy, int ox, int co0, float *out)
{
    int h = j->g->h, w = j->g->w, cin = j->cin, cout = j->cout;
    float acc = j->accumulate ? *out : 0.0f;
    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) {
            int iy = oy + ky - 1, ix = ox + kx - 1;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                continue;
            const float *xp = xi + ((size_t)iy * w + ix) * j->ldx;
            const float *wp = j->w + (size_t)(ky * 3 + kx) * cin * cout + co0;
            for (int ci = 0; ci < cin; ci++)
                acc += xp[ci] * wp[(size_t)ci * cout];
        }
    *out = acc;
}

/* Four neighbouring output pixels (ox .. ox+3, all taps inside the row) at
 * once: four independent accumulator chains hide the FMA latency and each
 * kernel vector is loaded once for four pixels. */
#define QUAD_BLOCK(NAME, VT)                                                                   \
    static inline __attribute__((always_inline)) void NAME(                                   \
        const struct direct_job *j, const float *xi, int oy, int ox, int co0, float *out,      \
        int ldo)                                                                               \
    {                                                                                          \
        int h = j->g->h, w = j->g->w, cin = j->cin, cout = j->cout, ldx = j->ldx;              \
        VT a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};                                             \
        if (j->accumulate) {                                                                   \
            a0 = *(const VT *)out;                                                             \
            a1 = *(const VT *)(out + ldo);                                                     \
            a2 = *(const VT *)(out + 2 * ldo);                                                 \
            a3 = *(const VT *)(out + 3 * ldo);                                                 \
        }                                                                                      \
        for (int ky = 0; ky < 3; ky++) {                                                       \
            int iy = oy + ky - 1;                                                              \
            if (iy < 0 || iy >= h)                                                             \
                continue;                                                                      \
            for (int kx = 0; kx < 3; kx++) {                                                   \
                const float *xp = xi + ((size_t)iy * w + ox + kx - 1) * ldx;                   \
                const float *wp = j->w + (size_t)(ky * 3 + kx) * cin * cout + co0;             \
                for (int ci = 0; ci < cin; ci++, wp += cout) {                                 \
                    VT wv = *(const VT *)wp;                                                   \
                    a0 += xp[ci] * wv;                                                         \
                    a1 += xp[ldx + ci] * wv;                                                   \
                    a2 += xp[2 * ldx + ci] * wv;                                               \
                    a3 += xp[3 * ldx + ci] * wv;                                               \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
        *(VT *)out = a0;                                                                       \
        *(VT *)(out + ldo) = a1;                                                               \
        *(VT *)(out + 2 * ldo) = a2;                                                           \
        *(VT *)(out + 3 * ldo) = a3;                                                           \
    }
QUAD_BLOCK(quad16, v16)
QUAD_BLOCK(quad8, v8)
QUAD_BLOCK(quad4, v4)

/* One output pixel, all channel blocks. */
static inline __attribute__((always_inline)) void
pixel(const struct direct_job *j, const float *xi, int oy, int ox, float *out)
{
    int co = 0, cout = j->cout;
    for (; co + 16 <= cout; co += 16)
        block16(j, xi, oy, ox, co, out + co);
    for (; co + 8 <= cout; co += 8)
        block8(j, xi, oy, ox, co, out + co);
    for (; co + 4 <= cout; co += 4)
        block4(j, xi, oy, ox, co, out + co);
    for (; co < cout; co++)
        block1(j, xi, oy, ox, co, out + co);
}

NB_SIMD static void direct_rows(void *p, int part, long begin, long end)
{
    (void)part;
    const struct direct_job *j = p;
    int h = j->g->h, w = j->g->w, cout = j->cout;
    for (long task = begin; task < end; task++) {
        long img = task / h;
        int oy = (int)(task % h);
        const float *xi = j->x + (size_t)img * h * w * j->ldx;
        float *row = j->y + ((size_t)img * h + oy) * w * j->ldy;
        int ox = 0;
        if (w > 0) /* the left border pixel: its x - 1 taps are padding */
            pixel(j, xi, oy, ox++, row);
        for (; ox + 4 < w; ox += 4) { /* interior quads: ox - 1 .. ox + 4 inside */
            float *out = row + (size_t)ox * j->ldy;
            int co = 0;
            for (; co + 16 <= cout; co += 16)
                quad16(j, xi, oy, ox, co, out + co, j->ldy);
            for (; co + 8 <= cout; co += 8)
                quad8(j, xi, oy, ox, co, out + co, j->ldy);
            for (; co + 4 <= cout; co += 4)
                quad4(j, xi, oy, ox, co, out + co, j->ldy);
            for (int q = 0; q < 4 && co < cout; q++) /* the last < 4 channels */
                for (int c = co; c < cout; c++)
                    block1(j, xi, oy, ox + q, c, out + (size_t)q * j->ldy + c);
        }
        for (; ox < w; ox++)
            pixel(j, xi, oy, ox, row + (size_t)ox * j->ldy);
    }
}

void nb_conv3_direct_forward(nb_pool *pool, const nb_conv_geom *g, const float *x, int ldx,
                             const float *w, float *y, int ldy)
{
    struct direct_job job = {g, g->cin, g->cout, x, w, NULL, y, ldx, ldy, 0, 0};
    nb_pool_for(pool, (long)g->n * g->h, direct_rows, &job);
}

/* dw[tap][ci .. ci+3][co block] += sum over the pixels of one output row of
 * x(pixel + tap)[ci + q] * dy(pixel)[co block]: four accumulator registers
 * per call, the row's x and dy stay in L1 across the blocks. */
#define DW_BLOCK(NAME, VT)                                                                     \
    static inline __attribute__((always_inline)) void NAME(                                   \
        const float *xr, int ldx, const float *dr, int lddy, int x0, int x1, int shift,       \
        int ci, int co, float *dw, int cout)                                                   \
    {                                                                                          \
        VT a0 = *(const VT *)(dw + (size_t)ci * cout + co);                                    \
        VT a1 = *(const VT *)(dw + (size_t)(ci + 1) * cout + co);                              \
        VT a2 = *(const VT *)(dw + (size_t)(ci + 2) * cout + co);                              \
        VT a3 = *(const VT *)(dw + (size_t)(ci + 3) * cout + co);                              \
        for (int ox = x0; ox < x1; ox++) {                                                     \
            VT d = *(const VT *)(dr + (size_t)ox * lddy + co);                                 \
            const float *xp = xr + (size_t)(ox + shift) * ldx + ci;                            \
            a0 += xp[0] * d;                                                                   \
            a1 += xp[1] * d;                                                                   \
            a2 += xp[2] * d;                                                                   \
            a3 += xp[3] * d;                                                                   \
        }                                                                                      \
        *(VT *)(dw + (size_t)ci * cout + co) = a0;                                             \
        *(VT *)(dw + (size_t)(ci + 1) * cout + co) = a1;                                       \
        *(VT *)(dw + (size_t)(ci + 2) * cout + co) = a2;                                       \
        *(VT *)(dw + (size_t)(ci + 3) * cout + co) = a3;                                       \
    }
DW_BLOCK(dw16, v16)
DW_BLOCK(dw8, v8)
DW_BLOCK(dw4, v4)

/* One input channel against a block of output channels (cin % 4 rest). */
#define DW_SINGLE(NAME, VT)                                                                    \
    static inline __attribute__((always_inline)) void NAME(                                   \
        const float *xr, int ldx, const float *dr, int lddy, int x0, int x1, int shift,       \
        int ci, int co, float *dw, int cout)                                                   \
    {                                                                                          \
        VT a = *(const VT *)(dw + (size_t)ci * cout + co);                                     \
        for (int ox = x0; ox < x1; ox++)                                                       \
            a += xr[(size_t)(ox + shift) * ldx + ci] * *(const VT *)(dr + (size_t)ox * lddy + co); \
        *(VT *)(dw + (size_t)ci * cout + co) = a;                                              \
    }
DW_SINGLE(dw16s, v16)
DW_SINGLE(dw8s, v8)
DW_SINGLE(dw4s, v4)

/* The remaining (ci, co) pairs of a row, one at a time. */
static inline void dw1(const float *xr, int ldx, const float *dr, int lddy, int x0, int x1,
                       int shift, int ci, int co, float *dw, int cout)
{
    float a = dw[(size_t)ci * cout + co];
    for (int ox = x0; ox < x1; ox++)
        a += xr[(size_t)(ox + shift) * ldx + ci] * dr[(size_t)ox * lddy + co];
    dw[(size_t)ci * cout + co] = a;
}

/* Per-thread partial kernel gradient over whole images. */
NB_SIMD static void direct_dw(void *p, int part, long begin, long end)
{
    const struct direct_job *j = p;
    int h = j->g->h, w = j->g->w, cin = j->cin, cout = j->cout;
    float *dwp = j->y + (size_t)part * j->partial;
    for (long img = begin; img < end; img++)
        for (int oy = 0; oy < h; oy++) {
            const float *dr = j->dy + ((size_t)img * h + oy) * w * j->ldy;
            for (int ky = 0; ky < 3; ky++) {
                int iy = oy + ky - 1;
                if (iy < 0 || iy >= h)
                    continue;
                const float *xr = j->x + ((size_t)img * h + iy) * w * j->ldx;
                for (int kx = 0; kx < 3; kx++) {
                    /* output pixels ox whose input ox + kx - 1 is inside the row */
                    int x0 = kx == 0 ? 1 : 0, x1 = kx == 2 ? w - 1 : w, shift = kx - 1;
                    float *dw = dwp + (size_t)(ky * 3 + kx) * cin * cout;
                    int ci = 0;
                    for (; ci + 4 <= cin; ci += 4) {
                        int co = 0;
                        for (; co + 16 <= cout; co += 16)
                            dw16(xr, j->ldx, dr, j->ldy, x0, x1, shift, ci, co, dw, cout);
                        for (; co + 8 <= cout; co += 8)
                            dw8(xr, j->ldx, dr, j->ldy, x0, x1, shift, ci, co, dw, cout);
                        for (; co + 4 <= cout; co += 4)
                            dw4(xr, j->ldx, dr, j->ldy, x0, x1, shift, ci, co, dw, cout);
                        for (; co < cout; co++)
                            for (int q = 0; q < 4; q++)
                                dw1(xr, j->ldx, dr, j->ldy, x0, x1, shift, ci + q, co, dw, cout);
                    }
                    for (; ci < cin; ci++) {
                        int co = 0;
                        for (; co + 16 <= cout; co += 16)
                            dw16s(xr, j->ldx, dr, j->ldy, x0, x1, shift, ci, co, dw, cout);
                        for (; co + 8 <= cout; co += 8)
                            dw8s(xr, j->ldx, dr, j->ldy, x0, x1, shift, ci, co, dw, cout);
                        for (; co + 4 <= cout; co += 4)
                            dw4s(xr, j->ldx, dr, j->ldy, x0, x1, shift, ci, co, dw, cout);
                        for (; co < cout; co++)
                            dw1(xr, j->ldx, dr, j->ldy, x0, x1, shift, ci, co, dw, cout);
                    }
                }
            }
        }
}

size_t nb_conv3_direct_workspace(const nb_conv_geom *g, int threads)
{
    /* rotated kernel + one kernel-gradient partial per thread */
    return (size_t)9 * g->cin * g->cout * (1 + (size_t)threads);
}

void nb_conv3_direct_backward(nb_pool *pool, const nb_conv_geom *g, const float *x, int ldx,
                              const float *w, const float *dy, int lddy, float *dw, float *dx,
                              int lddx, float *ws)
{
    size_t kernel = (size_t)9 * g->cin * g->cout;
    int threads = nb_pool_threads(pool);
    float *partials = ws + kernel;
    memset(partials, 0, sizeof(float) * kernel * threads);
    struct direct_job job = {g, g->cin, g->cout, x, NULL, dy, partials, ldx, lddy, 0, kernel};
    nb_pool_for(pool, g->n, direct_dw, &job);
    for (int t = 0; t < threads; t++)
        for (size_t i = 0; i < kernel; i++)
            dw[i] += partials[(size_t)t * kernel + i];
    if (!dx)
        return;
    /* rotated kernel: wr[8 - tap][co][ci] = w[tap][ci][co] */
    float *wr = ws;
    for (int tap = 0; tap < 9; tap++)
        for (int ci = 0; ci < g->cin; ci++)
            for (int co = 0; co < g->cout; co++)
                wr[((size_t)(8 - tap) * g->cout + co) * g->cin + ci] =
                    w[((size_t)tap * g->cin + ci) * g->cout + co];
    struct direct_job back = {g, g->cout, g->cin, dy, wr, NULL, dx, lddy, lddx, 1, 0};
    nb_pool_for(pool, (long)g->n * g->h, direct_rows, &back);
}
