/*
 * Batch norm fused with the ReLU that always follows it in this network
 * (conv-bn-relu and the projections). Statistics are per channel over the
 * rows of a group; sums run in double so that 262,144 rows (batch 256 at
 * 32x32) do not lose the small variances. Per-thread partial sums are
 * combined in thread order: deterministic for a given thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nb_layer.h"

struct stat_job {
    const float *x;  /* [rows][c], row stride ldx */
    int ldx, lddx;   /* lddx: stride of dx (backward) */
    const float *y;  /* backward: forward output (ReLU mask), ld ldy */
    const float *dy; /* backward: output gradient, ld lddy */
    int ldy, lddy;
    int c;
    double *part_sums; /* [parts][2][c] */
    float *part_block; /* [parts][2][c]: float sums of one block of rows */
    float *out;        /* y (forward, ld ldy) or dx (backward, ld lddx) */
    const float *scale, *shift; /* per-channel affine of the apply passes */
    const float *k1, *k2;       /* backward coefficients */
};

/* Rows are summed in float over blocks of NB_BN_BLOCK rows (vectorises
 * well), and the block sums in double (keeps the precision over 262,144
 * rows). */
#define NB_BN_BLOCK 64

static void flush_block(double *restrict s, float *restrict b, int n)
{
    for (int k = 0; k < n; k++) {
        s[k] += b[k];
        b[k] = 0.0f;
    }
}

NB_SIMD static void sums_fwd(void *p, int part, long begin, long end)
{
    struct stat_job *j = p;
    int c = j->c;
    double *s = j->part_sums + (size_t)part * 2 * c;
    float *restrict bs = j->part_block + (size_t)part * 2 * c, *restrict bq = bs + c;
    memset(bs, 0, sizeof(float) * 2 * c);
    const float *restrict x = j->x + (size_t)begin * j->ldx;
    for (long r = begin; r < end; r++, x += j->ldx) {
        for (int k = 0; k < c; k++) {
            bs[k] += x[k];
            bq[k] += x[k] * x[k];
        }
        if ((r - begin) % NB_BN_BLOCK == NB_BN_BLOCK - 1 || r == end - 1)
            flush_block(s, bs, 2 * c);
    }
}

NB_SIMD static void apply_fwd(void *p, int part, long begin, long end)
{
    (void)part;
    struct stat_job *j = p;
    int c = j->c, ldy = j->ldy;
    const float *restrict scale = j->scale, *restrict shift = j->shift;
    const float *restrict x = j->x + (size_t)begin * j->ldx;
    float *restrict y = j->out + (size_t)begin * ldy;
    for (long r = begin; r < end; r++, x += j->ldx, y += ldy)
        for (int k = 0; k < c; k++) {
            float v = x[k] * scale[k] + shift[k];
            y[k] = v > 0.0f ? v : 0.0f;
        }
}

/* [threads][2][c] doubles, followed by [threads][2][c] floats */
static double *part_sums(nb_pool *pool, int c)
{
    size_t n = (size_t)nb_pool_threads(pool) * 2 * c;
    return calloc(n + (n + 1) / 2, sizeof(double));
}

static float *part_block(nb_pool *pool, double *sums, int c)
{
    return (float *)(sums + (size_t)nb_pool_threads(pool) * 2 * c);
}

/* Sum the per-part partials into part 0. */
static void combine(nb_pool *pool, double *sums, int c)
{
    for (int t = 1; t < nb_pool_threads(pool); t++)
        for (int k = 0; k < 2 * c; k++)
            sums[k] += sums[(size_t)t * 2 * c + k];
}

void nb_bn_relu_train(nb_pool *pool, const nb_bn *bn, long rows, long group_rows,
                      float momentum, float eps, const float *x, int ldx, float *y, int ldy,
                      float *mean, float *invstd)
{
    int c = bn->c;
    if (group_rows <= 0 || group_rows > rows)
        group_rows = rows;
    double *sums = part_sums(pool, c);
    float *scale = malloc(sizeof(float) * 2 * c);
    if (!sums || !scale)
        abort(); /* a few KB; the activations are allocated already */
    float *shift = scale + c;
    for (long g = 0; g * group_rows < rows; g++) {
        const float *xg = x + (size_t)g * group_rows * ldx;
        float *m = mean + (size_t)g * c, *is = invstd + (size_t)g * c;
        memset(sums, 0, sizeof(double) * nb_pool_threads(pool) * 2 * c);
        struct stat_job job = {.x = xg, .ldx = ldx, .c = c, .part_sums = sums,
                               .part_block = part_block(pool, sums, c)};
        nb_pool_for(pool, group_rows, sums_fwd, &job);
        combine(pool, sums, c);
        for (int k = 0; k < c; k++) {
            double mu = sums[k] / group_rows;
            double var = sums[c + k] / group_rows - mu * mu;
            if (var < 0)
                var = 0;
            m[k] = (float)mu;
            is[k] = (float)(1.0 / sqrt(var + eps));
            scale[k] = bn->gamma[k] * is[k];
            shift[k] = bn->beta[k] - (float)mu * scale[k];
            /* TensorFlow's fused batch norm feeds the moving variance with the
             * unbiased (Bessel-corrected) batch variance. */
            double unbiased = group_rows > 1 ? var * group_rows / (group_rows - 1) : var;
            bn->moving_mean[k] = momentum * bn->moving_mean[k] + (1.0f - momentum) * (float)mu;
            bn->moving_var[k] = momentum * bn->moving_var[k] + (1.0f - momentum) * (float)unbiased;
        }
        job.out = y + (size_t)g * group_rows * ldy;
        job.ldy = ldy;
        job.scale = scale;
        job.shift = shift;
        nb_pool_for(pool, group_rows, apply_fwd, &job);
    }
    free(sums);
    free(scale);
}

void nb_bn_relu_infer(nb_pool *pool, const nb_bn *bn, long rows, float eps, const float *x,
                      int ldx, float *y, int ldy)
{
    int c = bn->c;
    float *scale = malloc(sizeof(float) * 2 * c);
    if (!scale)
        abort();
    float *shift = scale + c;
    for (int k = 0; k < c; k++) {
        scale[k] = bn->gamma[k] / sqrtf(bn->moving_var[k] + eps);
        shift[k] = bn->beta[k] - bn->moving_mean[k] * scale[k];
    }
    struct stat_job job = {.x = x, .ldx = ldx, .c = c, .out = y, .ldy = ldy, .scale = scale,
                           .shift = shift};
    nb_pool_for(pool, rows, apply_fwd, &job);
    free(scale);
}

/* Partial sums of dz = dy * relu'(y) and of dz * x; the second becomes
 * sum(dz * xhat) = (sum(dz * x) - mean * sum(dz)) * invstd once combined,
 * which keeps this loop to two multiply-adds per element. */
NB_SIMD static void sums_bwd(void *p, int part, long begin, long end)
{
    struct stat_job *j = p;
    int c = j->c, ldy = j->ldy, lddy = j->lddy;
    double *s = j->part_sums + (size_t)part * 2 * c;
    float *restrict bs = j->part_block + (size_t)part * 2 * c, *restrict bq = bs + c;
    memset(bs, 0, sizeof(float) * 2 * c);
    const float *restrict x = j->x + (size_t)begin * j->ldx;
    const float *restrict y = j->y + (size_t)begin * ldy;
    const float *restrict dy = j->dy + (size_t)begin * lddy;
    for (long r = begin; r < end; r++, x += j->ldx, y += ldy, dy += lddy) {
        for (int k = 0; k < c; k++) {
            float g = dy[k]; /* loaded unconditionally so that the select vectorises */
            float dz = y[k] > 0.0f ? g : 0.0f;
            bs[k] += dz;
            bq[k] += dz * x[k];
        }
        if ((r - begin) % NB_BN_BLOCK == NB_BN_BLOCK - 1 || r == end - 1)
            flush_block(s, bs, 2 * c);
    }
}

/* dx = k1 * dz + k2 * x + shift, the expanded form of
 * gamma * invstd * (dz - mean(dz) - xhat * mean(dz * xhat)). */
NB_SIMD static void apply_bwd(void *p, int part, long begin, long end)
{
    (void)part;
    struct stat_job *j = p;
    int c = j->c, ldy = j->ldy, lddy = j->lddy;
    const float *restrict k1 = j->k1, *restrict k2 = j->k2, *restrict shift = j->shift;
    const float *restrict x = j->x + (size_t)begin * j->ldx;
    const float *restrict y = j->y + (size_t)begin * ldy;
    const float *restrict dy = j->dy + (size_t)begin * lddy;
    float *restrict dx = j->out + (size_t)begin * j->lddx;
    for (long r = begin; r < end; r++, x += j->ldx, y += ldy, dy += lddy, dx += j->lddx)
        for (int k = 0; k < c; k++) {
            float dz = y[k] > 0.0f ? dy[k] : 0.0f;
            dx[k] = k1[k] * dz + k2[k] * x[k] + shift[k];
        }
}

void nb_bn_relu_backward(nb_pool *pool, const nb_bn *bn, long rows, long group_rows,
                         const float *x, int ldx, const float *y, int ldy, const float *dy,
                         int lddy, const float *mean, const float *invstd, float *dx, int lddx)
{
    int c = bn->c;
    if (group_rows <= 0 || group_rows > rows)
        group_rows = rows;
    double *sums = part_sums(pool, c);
    float *coef = malloc(sizeof(float) * 3 * c);
    if (!sums || !coef)
        abort();
    float *k1 = coef, *k2 = coef + c, *shift = coef + 2 * c;
    for (long g = 0; g * group_rows < rows; g++) {
        size_t off = (size_t)g * group_rows;
        const float *m = mean + (size_t)g * c, *is = invstd + (size_t)g * c;
        memset(sums, 0, sizeof(double) * nb_pool_threads(pool) * 2 * c);
        struct stat_job job = {.x = x + off * ldx, .ldx = ldx, .y = y + off * ldy,
                               .dy = dy + off * lddy, .ldy = ldy, .lddy = lddy, .lddx = lddx,
                               .c = c, .part_sums = sums, .part_block = part_block(pool, sums, c)};
        nb_pool_for(pool, group_rows, sums_bwd, &job);
        combine(pool, sums, c);
        for (int k = 0; k < c; k++) {
            double dbeta = sums[k], dgamma = (sums[c + k] - m[k] * sums[k]) * is[k];
            bn->dbeta[k] += (float)dbeta;
            bn->dgamma[k] += (float)dgamma;
            double a = (double)bn->gamma[k] * is[k];
            double mdz = dbeta / group_rows, mdzx = dgamma / group_rows;
            /* dx = a * (dz - mdz - (x - mu) * is * mdzx) */
            k1[k] = (float)a;
            k2[k] = (float)(-a * is[k] * mdzx);
            shift[k] = (float)(a * (-mdz + m[k] * is[k] * mdzx));
        }
        job.out = dx + off * lddx;
        job.k1 = k1;
        job.k2 = k2;
        job.shift = shift;
        nb_pool_for(pool, group_rows, apply_bwd, &job);
    }
    free(sums);
    free(coef);
}
