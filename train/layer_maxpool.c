/*
 * Max pooling: 3x3 stride 1 "same" inside modules and 2x2 stride 2 "same"
 * between stacks. Positions outside the image never take part (TensorFlow's
 * max pool pads with -inf). Backward recomputes which input held the maximum
 * (first in row-major window order) instead of storing arg-max indices.
 */
#include <string.h>

#include "nb_layer.h"

struct pool_job {
    int h, w, c;
    const float *x, *y, *dy;
    float *out;
    int ldx, ldy, lddy, ldo;
};

/* Tasks are output rows (image, y). */
static void mp3_fwd(void *p, int part, long begin, long end)
{
    (void)part;
    const struct pool_job *j = p;
    int h = j->h, w = j->w, c = j->c;
    for (long task = begin; task < end; task++) {
        long img = task / h;
        int y = (int)(task % h);
        int y0 = y > 0 ? y - 1 : 0, y1 = y < h - 1 ? y + 1 : h - 1;
        for (int x = 0; x < w; x++) {
            int x0 = x > 0 ? x - 1 : 0, x1 = x < w - 1 ? x + 1 : w - 1;
            float *o = j->out + (((size_t)img * h + y) * w + x) * j->ldo;
            memcpy(o, j->x + (((size_t)img * h + y0) * w + x0) * j->ldx, sizeof(float) * c);
            for (int yy = y0; yy <= y1; yy++)
                for (int xx = x0; xx <= x1; xx++) {
                    const float *s = j->x + (((size_t)img * h + yy) * w + xx) * j->ldx;
                    for (int k = 0; k < c; k++)
                        o[k] = s[k] > o[k] ? s[k] : o[k];
                }
        }
    }
}

void nb_maxpool3_forward(nb_pool *pool, int n, int h, int w, int c, const float *x, int ldx,
                         float *y, int ldy)
{
    struct pool_job job = {.h = h, .w = w, .c = c, .x = x, .ldx = ldx, .out = y, .ldo = ldy};
    nb_pool_for(pool, (long)n * h, mp3_fwd, &job);
}

/* Gather form: each task owns the input rows (image, y) it writes, and looks
 * at the (at most 9) windows that contain each of its pixels. */
static void mp3_bwd(void *p, int part, long begin, long end)
{
    (void)part;
    const struct pool_job *j = p;
    int h = j->h, w = j->w, c = j->c;
    for (long task = begin; task < end; task++) {
        long img = task / h;
        int y = (int)(task % h);
        for (int x = 0; x < w; x++) {
            size_t me = ((size_t)img * h + y) * w + x;
            float *d = j->out + me * j->ldo;
            for (int oy = y - 1; oy <= y + 1; oy++)
                for (int ox = x - 1; ox <= x + 1; ox++) {
                    if (oy < 0 || oy >= h || ox < 0 || ox >= w)
                        continue;
                    size_t o = ((size_t)img * h + oy) * w + ox;
                    const float *yo = j->y + o * j->ldy, *go = j->dy + o * j->lddy;
                    int wy0 = oy > 0 ? oy - 1 : 0, wy1 = oy < h - 1 ? oy + 1 : h - 1;
                    int wx0 = ox > 0 ? ox - 1 : 0, wx1 = ox < w - 1 ? ox + 1 : w - 1;
                    for (int k = 0; k < c; k++) {
                        if (j->x[me * j->ldx + k] != yo[k])
                            continue;
                        /* route only if (y, x) is the first maximum of window o */
                        int first = 1;
                        for (int yy = wy0; yy <= wy1 && first; yy++)
                            for (int xx = wx0; xx <= wx1; xx++) {
                                if (yy == y && xx == x) {
                                    yy = wy1;
                                    break;
                                }
                                size_t q = ((size_t)img * h + yy) * w + xx;
                                if (j->x[q * j->ldx + k] == yo[k]) {
                                    first = 0;
                                    break;
                                }
                            }
                        if (first)
                            d[k] += go[k];
                    }
                }
        }
    }
}

void nb_maxpool3_backward(nb_pool *pool, int n, int h, int w, int c, const float *x, int ldx,
                          const float *y, int ldy, const float *dy, int lddy, float *dx,
                          int lddx)
{
    struct pool_job job = {.h = h, .w = w, .c = c, .x = x, .ldx = ldx, .y = y, .ldy = ldy,
                           .dy = dy, .lddy = lddy, .out = dx, .ldo = lddx};
    nb_pool_for(pool, (long)n * h, mp3_bwd, &job);
}

/* 2x2 stride 2: tasks are output rows; windows do not overlap, so backward
 * can scatter without conflicts. */
static void mp2(void *p, int part, long begin, long end)
{
    (void)part;
    const struct pool_job *j = p;
    int h = j->h, w = j->w, c = j->c;
    int oh = (h + 1) / 2, ow = (w + 1) / 2;
    for (long task = begin; task < end; task++) {
        long img = task / oh;
        int oy = (int)(task % oh);
        for (int ox = 0; ox < ow; ox++) {
            size_t o = ((size_t)img * oh + oy) * ow + ox;
            for (int k = 0; k < c; k++) {
                size_t best = ((size_t)img * h + 2 * oy) * w + 2 * ox;
                for (int yy = 2 * oy; yy < 2 * oy + 2 && yy < h; yy++)
                    for (int xx = 2 * ox; xx < 2 * ox + 2 && xx < w; xx++) {
                        size_t q = ((size_t)img * h + yy) * w + xx;
                        if (j->x[q * c + k] > j->x[best * c + k])
                            best = q;
                    }
                if (j->dy)
                    j->out[best * c + k] += j->dy[o * c + k];
                else
                    j->out[o * c + k] = j->x[best * c + k];
            }
        }
    }
}

void nb_maxpool2_forward(nb_pool *pool, int n, int h, int w, int c, const float *x, float *y)
{
    struct pool_job job = {.h = h, .w = w, .c = c, .x = x, .out = y};
    nb_pool_for(pool, (long)n * ((h + 1) / 2), mp2, &job);
}

void nb_maxpool2_backward(nb_pool *pool, int n, int h, int w, int c, const float *x,
                          const float *y, const float *dy, float *dx)
{
    (void)y;
    struct pool_job job = {.h = h, .w = w, .c = c, .x = x, .dy = dy, .out = dx};
    nb_pool_for(pool, (long)n * ((h + 1) / 2), mp2, &job);
}
