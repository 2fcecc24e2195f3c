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
NB_SIMD static void mp3_fwd(void *p, int part, long begin, long end)
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

/* Tasks are whole images, so the scatter into overlapping windows never
 * races. For each output pixel the window is scanned in row-major order and
 * each channel's gradient goes to the first input equal to the maximum. */
#define NB_MP_CHUNK 256
NB_SIMD static void mp3_bwd(void *p, int part, long begin, long end)
{
    (void)part;
    const struct pool_job *j = p;
    int h = j->h, w = j->w, c = j->c;
    float todo[NB_MP_CHUNK]; /* 1 until the channel's maximum is found */
    for (long img = begin; img < end; img++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t o = ((size_t)img * h + y) * w + x;
                int y0 = y > 0 ? y - 1 : 0, y1 = y < h - 1 ? y + 1 : h - 1;
                int x0 = x > 0 ? x - 1 : 0, x1 = x < w - 1 ? x + 1 : w - 1;
                for (int c0 = 0; c0 < c; c0 += NB_MP_CHUNK) {
                    int cn = c - c0 < NB_MP_CHUNK ? c - c0 : NB_MP_CHUNK;
                    const float *restrict yo = j->y + o * j->ldy + c0;
                    const float *restrict go = j->dy + o * j->lddy + c0;
                    for (int k = 0; k < cn; k++)
                    todo[k] = 1.0f;
                    for (int yy = y0; yy <= y1; yy++)
                        for (int xx = x0; xx <= x1; xx++) {
                            size_t q = ((size_t)img * h + yy) * w + xx;
                            const float *restrict xq = j->x + q * j->ldx + c0;
                            float *restrict dq = j->out + q * j->ldo + c0;
                            for (int k = 0; k < cn; k++) {
                                float hit = xq[k] == yo[k] ? todo[k] : 0.0f;
                                dq[k] += hit * go[k];
                                todo[k] -= hit;
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
    nb_pool_for(pool, n, mp3_bwd, &job);
}

/* 2x2 stride 2: tasks are output rows; windows do not overlap, so backward
 * can scatter without conflicts. Backward routes to the first maximum in
 * row-major order, like the 3x3 pool. */
NB_SIMD static void mp2(void *p, int part, long begin, long end)
{
    (void)part;
    const struct pool_job *j = p;
    int h = j->h, w = j->w, c = j->c;
    int oh = (h + 1) / 2, ow = (w + 1) / 2;
    float todo[NB_MP_CHUNK]; /* 1 until the channel's maximum is found */
    for (long task = begin; task < end; task++) {
        long img = task / oh;
        int oy = (int)(task % oh);
        for (int ox = 0; ox < ow; ox++) {
            size_t o = ((size_t)img * oh + oy) * ow + ox;
            int y1 = 2 * oy + 1 < h ? 2 * oy + 1 : 2 * oy, x1 = 2 * ox + 1 < w ? 2 * ox + 1 : 2 * ox;
            if (!j->dy) {
                float *restrict out = j->out + o * c;
                memcpy(out, j->x + (((size_t)img * h + 2 * oy) * w + 2 * ox) * c, sizeof(float) * c);
                for (int yy = 2 * oy; yy <= y1; yy++)
                    for (int xx = 2 * ox; xx <= x1; xx++) {
                        const float *restrict xq = j->x + (((size_t)img * h + yy) * w + xx) * c;
                        for (int k = 0; k < c; k++)
                            out[k] = xq[k] > out[k] ? xq[k] : out[k];
                    }
                continue;
            }
            for (int c0 = 0; c0 < c; c0 += NB_MP_CHUNK) {
                int cn = c - c0 < NB_MP_CHUNK ? c - c0 : NB_MP_CHUNK;
                const float *restrict yo = j->y + o * c + c0, *restrict go = j->dy + o * c + c0;
                for (int k = 0; k < cn; k++)
                    todo[k] = 1.0f;
                for (int yy = 2 * oy; yy <= y1; yy++)
                    for (int xx = 2 * ox; xx <= x1; xx++) {
                        size_t q = ((size_t)img * h + yy) * w + xx;
                        const float *restrict xq = j->x + q * c + c0;
                        float *restrict dq = j->out + q * c + c0;
                        for (int k = 0; k < cn; k++) {
                            float hit = xq[k] == yo[k] ? todo[k] : 0.0f;
                            dq[k] += hit * go[k];
                            todo[k] -= hit;
                        }
                    }
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
    struct pool_job job = {.h = h, .w = w, .c = c, .x = x, .y = y, .dy = dy, .out = dx};
    nb_pool_for(pool, (long)n * ((h + 1) / 2), mp2, &job);
}
