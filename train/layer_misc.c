/*
 * The element-wise and head layers: sums of vertex inputs, the global
 * average pool and the dense layer.
 */
#include <cblas.h>
#include <string.h>

#include "nb_layer.h"

struct sum_job {
    int c, k;
    const float *const *x;
    const int *ldx;
    float *y;
    int ldy;
};

NB_SIMD static void sum_rows(void *p, int part, long begin, long end)
{
    (void)part;
    const struct sum_job *j = p;
    int c = j->c;
    for (long r = begin; r < end; r++) {
        float *restrict y = j->y + (size_t)r * j->ldy;
        memcpy(y, j->x[0] + (size_t)r * j->ldx[0], sizeof(float) * c);
        for (int i = 1; i < j->k; i++) {
            const float *restrict b = j->x[i] + (size_t)r * j->ldx[i];
            for (int ch = 0; ch < c; ch++)
                y[ch] += b[ch];
        }
    }
}

void nb_sum_forward(nb_pool *pool, long rows, int c, int k, const float *const *x,
                    const int *ldx, float *y)
{
    struct sum_job job = {c, k, x, ldx, y, c};
    nb_pool_for(pool, rows, sum_rows, &job);
}

NB_SIMD static void add_rows(void *p, int part, long begin, long end)
{
    (void)part;
    const struct sum_job *j = p;
    int c = j->c;
    for (long r = begin; r < end; r++) {
        float *restrict y = j->y + (size_t)r * j->ldy;
        const float *restrict a = j->x[0] + (size_t)r * j->ldx[0];
        for (int ch = 0; ch < c; ch++)
            y[ch] += a[ch];
    }
}

void nb_add_into(nb_pool *pool, long rows, int c, const float *x, int ldx, float *y, int ldy)
{
    struct sum_job job = {c, 1, &x, &ldx, y, ldy};
    nb_pool_for(pool, rows, add_rows, &job);
}

void nb_gap_forward(int n, int hw, int c, const float *x, float *y)
{
    for (int i = 0; i < n; i++) {
        float *o = y + (size_t)i * c;
        memset(o, 0, sizeof(float) * c);
        for (int r = 0; r < hw; r++) {
            const float *s = x + ((size_t)i * hw + r) * c;
            for (int k = 0; k < c; k++)
                o[k] += s[k];
        }
        for (int k = 0; k < c; k++)
            o[k] /= hw;
    }
}

void nb_gap_backward(int n, int hw, int c, const float *dy, float *dx)
{
    for (int i = 0; i < n; i++)
        for (int r = 0; r < hw; r++) {
            float *d = dx + ((size_t)i * hw + r) * c;
            for (int k = 0; k < c; k++)
                d[k] = dy[(size_t)i * c + k] / hw;
        }
}

void nb_dense_forward(int n, int c, int k, const float *x, const float *w, const float *b,
                      float *y)
{
    for (int i = 0; i < n; i++)
        memcpy(y + (size_t)i * k, b, sizeof(float) * k);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, c, 1.0f, x, c, w, k, 1.0f, y, k);
}

void nb_dense_backward(int n, int c, int k, const float *x, const float *w, const float *dy,
                       float *dw, float *db, float *dx)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c, k, n, 1.0f, x, c, dy, k, 1.0f, dw, k);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            db[j] += dy[(size_t)i * k + j];
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, c, k, 1.0f, dy, k, w, k, 0.0f,
                    dx, c);
}
