/*
 * GEMM on the net's own threads: C's rows are cut into one contiguous block
 * per thread and each thread runs a single-threaded OpenBLAS sgemm on its
 * block. The network's GEMMs are tall (pixel rows) or have a tall K, so this
 * keeps both cores busy without OpenBLAS's worker threads, which spin after
 * every call and would compete with the element-wise loops that follow.
 * Each element of C is computed by exactly one thread, in the same order
 * for a given thread count: deterministic.
 */
#include <cblas.h>

#include "nb_layer.h"

struct gemm_job {
    int ta, tb, m, n, k;
    const float *a, *b;
    float *c;
    int lda, ldb, ldc;
    float beta;
};

#define NB_GEMM_ROW_BLOCK 16 /* thread blocks start on multiples of this */

static void gemm_part(void *p, int part, long begin, long end)
{
    (void)part;
    const struct gemm_job *j = p;
    long m0 = begin * NB_GEMM_ROW_BLOCK, m1 = end * NB_GEMM_ROW_BLOCK;
    if (m1 > j->m)
        m1 = j->m;
    if (m0 >= m1)
        return;
    /* rows m0..m1 of op(A): rows of A, or columns when A is transposed */
    const float *a = j->ta ? j->a + m0 : j->a + (size_t)m0 * j->lda;
    cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans, j->tb ? CblasTrans : CblasNoTrans,
                (int)(m1 - m0), j->n, j->k, 1.0f, a, j->lda, j->b, j->ldb, j->beta,
                j->c + (size_t)m0 * j->ldc, j->ldc);
}

void nb_gemm(nb_pool *pool, int ta, int tb, int m, int n, int k, const float *a, int lda,
             const float *b, int ldb, float beta, float *c, int ldc)
{
    struct gemm_job job = {ta, tb, m, n, k, a, b, c, lda, ldb, ldc, beta};
    long blocks = (m + NB_GEMM_ROW_BLOCK - 1) / NB_GEMM_ROW_BLOCK;
    /* below a few hundred thousand multiply-adds a second thread costs more
     * than it saves */
    if ((double)m * n * k < 3e5)
        gemm_part(&job, 0, 0, blocks);
    else
        nb_pool_for(pool, blocks, gemm_part, &job);
}
