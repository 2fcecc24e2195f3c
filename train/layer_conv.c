/*
 * Convolutions, stride 1, "same" zero padding, no bias, NHWC with HWIO
 * kernels. A 1x1 convolution is one GEMM on the pixel rows. A 3x3 one is
 * im2col + GEMM: the im2col row of a pixel holds its 3x3 neighbourhood in
 * (kh, kw, cin) order, which is exactly the row order of an HWIO kernel
 * seen as a (9 cin) x cout matrix. im2col runs over chunks of images so that
 * its buffer stays near the caches instead of growing with the batch.
 */
#include <string.h>

#include "nb_layer.h"

/* Floats of one im2col chunk; a chunk holds at least one image. */
#define NB_COL_CAP (1L << 21)

static int chunk_images(const nb_conv_geom *g)
{
    long per_image = (long)g->h * g->w * 9 * g->cin;
    long images = NB_COL_CAP / per_image;
    if (images < 1)
        images = 1;
    return images > g->n ? g->n : (int)images;
}

size_t nb_conv_workspace(const nb_conv_geom *g, int threads)
{
    if (g->k == 1)
        return 0;
    if (nb_conv3_direct_ok(g))
        return nb_conv3_direct_workspace(g, threads);
    /* col and dcol (backward) */
    return 2 * (size_t)chunk_images(g) * g->h * g->w * 9 * g->cin;
}

struct col_job {
    const nb_conv_geom *g;
    const float *x; /* first image of the chunk */
    int ldx;
    float *col;
};

/* One task = one output row (image, y) of the chunk. */
static void im2col_rows(void *p, int part, long begin, long end)
{
    (void)part;
    const struct col_job *j = p;
    const nb_conv_geom *g = j->g;
    int h = g->h, w = g->w, cin = g->cin;
    size_t kc = 9 * (size_t)cin;
    for (long task = begin; task < end; task++) {
        long img = task / h;
        int y = (int)(task % h);
        const float *xi = j->x + (size_t)img * h * w * j->ldx;
        float *out = j->col + ((size_t)img * h + y) * w * kc;
        for (int x = 0; x < w; x++, out += kc)
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    float *dst = out + ((dy + 1) * 3 + (dx + 1)) * (size_t)cin;
                    int yy = y + dy, xx = x + dx;
                    if (yy < 0 || yy >= h || xx < 0 || xx >= w)
                        memset(dst, 0, sizeof(float) * cin);
                    else
                        memcpy(dst, xi + ((size_t)yy * w + xx) * j->ldx, sizeof(float) * cin);
                }
    }
}

/* dx += col2im(dcol), as a gather so that tasks (image rows) never write
 * the same pixel. */
NB_SIMD static void col2im_rows(void *p, int part, long begin, long end)
{
    (void)part;
    const struct col_job *j = p;
    const nb_conv_geom *g = j->g;
    int h = g->h, w = g->w, cin = g->cin;
    size_t kc = 9 * (size_t)cin;
    float *dx = (float *)j->x;
    for (long task = begin; task < end; task++) {
        long img = task / h;
        int y = (int)(task % h);
        for (int x = 0; x < w; x++) {
            float *restrict d = dx + (((size_t)img * h + y) * w + x) * j->ldx;
            /* pixel (y, x) is tap (ky, kx) of output pixel (y - ky + 1, x - kx + 1) */
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    int oy = y - ky + 1, ox = x - kx + 1;
                    if (oy < 0 || oy >= h || ox < 0 || ox >= w)
                        continue;
                    const float *restrict s = j->col + (((size_t)img * h + oy) * w + ox) * kc +
                                     (size_t)(ky * 3 + kx) * cin;
                    for (int c = 0; c < cin; c++)
                        d[c] += s[c];
                }
        }
    }
}

void nb_conv_forward(nb_pool *pool, const nb_conv_geom *g, const float *x, int ldx,
                     const float *w, float *y, int ldy, float *ws)
{
    long hw = (long)g->h * g->w;
    if (g->k == 1) {
        nb_gemm(pool, 0, 0, (int)(g->n * hw), g->cout, g->cin, x, ldx, w, g->cout, 0.0f, y, ldy);
        return;
    }
    if (nb_conv3_direct_ok(g)) {
        nb_conv3_direct_forward(pool, g, x, ldx, w, y, ldy);
        return;
    }
    int chunk = chunk_images(g);
    int kc = 9 * g->cin;
    for (int i0 = 0; i0 < g->n; i0 += chunk) {
        int ni = g->n - i0 < chunk ? g->n - i0 : chunk;
        struct col_job job = {g, x + (size_t)i0 * hw * ldx, ldx, ws};
        nb_pool_for(pool, (long)ni * g->h, im2col_rows, &job);
        nb_gemm(pool, 0, 0, (int)(ni * hw), g->cout, kc, ws, kc, w, g->cout, 0.0f,
                y + (size_t)i0 * hw * ldy, ldy);
    }
}

void nb_conv_backward(nb_pool *pool, const nb_conv_geom *g, const float *x, int ldx,
                      const float *w, const float *dy, int lddy, float *dw, float *dx,
                      int lddx, float *ws)
{
    long hw = (long)g->h * g->w;
    if (g->k == 1) {
        int rows = (int)(g->n * hw);
        nb_gemm(pool, 1, 0, g->cin, g->cout, rows, x, ldx, dy, lddy, 1.0f, dw, g->cout);
        if (dx)
            nb_gemm(pool, 0, 1, rows, g->cin, g->cout, dy, lddy, w, g->cout, 1.0f, dx, lddx);
        return;
    }
    if (nb_conv3_direct_ok(g)) {
        nb_conv3_direct_backward(pool, g, x, ldx, w, dy, lddy, dw, dx, lddx, ws);
        return;
    }
    int chunk = chunk_images(g);
    int kc = 9 * g->cin;
    float *col = ws, *dcol = ws + (size_t)chunk * hw * kc;
    for (int i0 = 0; i0 < g->n; i0 += chunk) {
        int ni = g->n - i0 < chunk ? g->n - i0 : chunk;
        int rows = (int)(ni * hw);
        const float *dyc = dy + (size_t)i0 * hw * lddy;
        struct col_job job = {g, x + (size_t)i0 * hw * ldx, ldx, col};
        nb_pool_for(pool, (long)ni * g->h, im2col_rows, &job);
        nb_gemm(pool, 1, 0, kc, g->cout, rows, col, kc, dyc, lddy, 1.0f, dw, g->cout);
        if (!dx)
            continue;
        nb_gemm(pool, 0, 1, rows, kc, g->cout, dyc, lddy, w, g->cout, 0.0f, dcol, kc);
        struct col_job back = {g, dx + (size_t)i0 * hw * lddx, lddx, dcol};
        nb_pool_for(pool, (long)ni * g->h, col2im_rows, &back);
    }
}
