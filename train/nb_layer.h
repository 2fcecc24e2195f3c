/*
 * Internal: the layer kernels of the network (NHWC float32) and the small
 * thread pool they share. Each kernel works on "views": a pointer to the first
 * channel of the first row and a row stride ld (floats between consecutive
 * pixels), so truncating a tensor to its first c channels and writing a slice
 * of a concatenation cost nothing. A tensor of n images of h x w pixels has
 * rows = n * h * w.
 *
 * Backward kernels ADD into input gradients (several consumers share one
 * tensor) and into parameter gradients (the net's contract, nb_net.h).
 */
#ifndef NB_LAYER_H
#define NB_LAYER_H

#include <stddef.h>

/* The element-wise loops are compiled for AVX-512, AVX2+FMA and baseline
 * x86-64, picked at load time: the build stays portable (no -march) and the
 * loops still use the machine's vector width. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(NB_NO_CLONES)
#define NB_SIMD __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NB_SIMD
#endif

/* ---- thread pool (layer_pool_threads.c) ---------------------------------- */

typedef struct nb_pool nb_pool;

/* threads >= 1 (1 = run everything on the caller). NULL on failure. */
nb_pool *nb_pool_create(int threads);
void nb_pool_free(nb_pool *pool);
int nb_pool_threads(const nb_pool *pool);

/* Run fn(ctx, part, begin, end) over [0, n) cut into contiguous parts, one
 * per thread (part = 0 .. threads-1; empty parts are skipped). The cut depends
 * only on n and the thread count, so reductions that combine per-part results
 * in part order are deterministic. pool may be NULL (one part). */
typedef void (*nb_range_fn)(void *ctx, int part, long begin, long end);
void nb_pool_for(nb_pool *pool, long n, nb_range_fn fn, void *ctx);

/* ---- GEMM (gemm.c) ------------------------------------------------------- */

/* Row-major C = op(A) op(B) + beta C with alpha 1, op = transpose when ta /
 * tb; C's rows are split over the pool's threads (OpenBLAS itself is set to
 * one thread by the net). */
void nb_gemm(nb_pool *pool, int ta, int tb, int m, int n, int k, const float *a, int lda,
             const float *b, int ldb, float beta, float *c, int ldc);

/* ---- convolution (layer_conv.c) ------------------------------------------ */

typedef struct nb_conv_geom {
    int n, h, w;    /* images and spatial size (stride 1, "same" padding) */
    int k;          /* kernel size: 1 or 3 */
    int cin, cout;
} nb_conv_geom;

/* Floats of workspace a convolution needs with a pool of `threads` (im2col
 * buffer for 3x3 in chunks of images, or the direct kernels' buffers; 0 for
 * 1x1). */
size_t nb_conv_workspace(const nb_conv_geom *g, int threads);

/* y = conv(x, w); w is [k][k][cin][cout]. y is overwritten. */
void nb_conv_forward(nb_pool *pool, const nb_conv_geom *g, const float *x, int ldx,
                     const float *w, float *y, int ldy, float *ws);

/* dw += conv weight gradient; dx += input gradient when dx != NULL. */
void nb_conv_backward(nb_pool *pool, const nb_conv_geom *g, const float *x, int ldx,
                      const float *w, const float *dy, int lddy, float *dw, float *dx,
                      int lddx, float *ws);

/* Direct 3x3 kernels for narrow layers (layer_conv_direct.c); the
 * nb_conv_* entry points above pick them when nb_conv3_direct_ok. */
int nb_conv3_direct_ok(const nb_conv_geom *g);
/* Widest cin and cout that use the direct kernels (64; the benchmark
 * changes it to compare both paths). */
extern int nb_conv3_direct_max_channels;
size_t nb_conv3_direct_workspace(const nb_conv_geom *g, int threads);
void nb_conv3_direct_forward(nb_pool *pool, const nb_conv_geom *g, const float *x, int ldx,
                             const float *w, float *y, int ldy);
void nb_conv3_direct_backward(nb_pool *pool, const nb_conv_geom *g, const float *x, int ldx,
                              const float *w, const float *dy, int lddy, float *dw, float *dx,
                              int lddx, float *ws);

/* ---- batch norm + ReLU (layer_bn.c) -------------------------------------- */

typedef struct nb_bn {
    int c;
    float *gamma, *beta, *moving_mean, *moving_var; /* [c] each */
    float *dgamma, *dbeta;                          /* [c] each */
} nb_bn;

/* Training: y = relu(gamma * (x - mean) * invstd + beta) with batch
 * statistics over each group of `group_rows` consecutive rows (rows must be a
 * multiple of it); mean and invstd [groups][c] are kept for backward; the
 * moving averages are updated once per group with the unbiased variance
 * (as TensorFlow's fused batch norm does). x has row stride ldx. */
void nb_bn_relu_train(nb_pool *pool, const nb_bn *bn, long rows, long group_rows,
                      float momentum, float eps, const float *x, int ldx, float *y, int ldy,
                      float *mean, float *invstd);
/* Inference: moving statistics. */
void nb_bn_relu_infer(nb_pool *pool, const nb_bn *bn, long rows, float eps, const float *x,
                      int ldx, float *y, int ldy);
/* dx (row stride lddx, overwritten) from dy, given the forward's x, y (for
 * the ReLU mask), mean and invstd; adds dgamma and dbeta. */
void nb_bn_relu_backward(nb_pool *pool, const nb_bn *bn, long rows, long group_rows,
                         const float *x, int ldx, const float *y, int ldy, const float *dy,
                         int lddy, const float *mean, const float *invstd, float *dx, int lddx);

/* ---- pooling (layer_maxpool.c) ------------------------------------------- */

/* 3x3, stride 1, "same": out-of-image positions do not take part. */
void nb_maxpool3_forward(nb_pool *pool, int n, int h, int w, int c, const float *x, int ldx,
                         float *y, int ldy);
/* dx += gradient, routed to the first maximum of each window (row-major
 * window order). */
void nb_maxpool3_backward(nb_pool *pool, int n, int h, int w, int c, const float *x, int ldx,
                          const float *y, int ldy, const float *dy, int lddy, float *dx,
                          int lddx);

/* 2x2, stride 2, "same": output ceil(h/2) x ceil(w/2); padding (only for odd
 * sizes) at the bottom / right, as TensorFlow pads. Contiguous tensors. */
void nb_maxpool2_forward(nb_pool *pool, int n, int h, int w, int c, const float *x, float *y);
void nb_maxpool2_backward(nb_pool *pool, int n, int h, int w, int c, const float *x,
                          const float *y, const float *dy, float *dx);

/* ---- element-wise, head (layer_misc.c) ----------------------------------- */

/* y[:, 0:c] = sum of the k inputs' first c channels. y is contiguous. */
void nb_sum_forward(nb_pool *pool, long rows, int c, int k, const float *const *x,
                    const int *ldx, float *y);
/* y[:, 0:c] += x[:, 0:c] (views). */
void nb_add_into(nb_pool *pool, long rows, int c, const float *x, int ldx, float *y, int ldy);

/* Global average pool: y[n][c] = mean over the hw rows of each image. */
void nb_gap_forward(int n, int hw, int c, const float *x, float *y);
/* dx (contiguous, overwritten) = dy / hw broadcast. */
void nb_gap_backward(int n, int hw, int c, const float *dy, float *dx);

/* Dense: y[n][k] = x[n][c] w[c][k] + b. */
void nb_dense_forward(int n, int c, int k, const float *x, const float *w, const float *b,
                      float *y);
/* dw += x^T dy, db += column sums, dx = dy w^T (overwritten, may be NULL). */
void nb_dense_backward(int n, int c, int k, const float *x, const float *w, const float *dy,
                       float *dw, float *db, float *dx);

#endif
