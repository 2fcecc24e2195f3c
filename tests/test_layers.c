/* Layer kernels of the network: forward against naive definitions, and
 * finite-difference checks of every backward pass. Shapes are tiny and
 * views are strided (ld > channels) to exercise truncation and slices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nb_layer.h"
#include "nb_net.h"
#include "nb_test.h"

static unsigned long long lcg = 12345;
static float frand(void) /* uniform in [-1, 1) */
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((lcg >> 40) / (double)(1ULL << 24) * 2.0 - 1.0);
}
static float *rnd(size_t n)
{
    float *p = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++)
        p[i] = frand();
    return p;
}

/* Compare an analytic gradient with central differences of loss() in x. */
typedef double (*loss_fn)(void *ctx);
static void check_grad(const char *what, loss_fn loss, void *ctx, float *x, size_t n,
                       const float *grad, float h, double tol)
{
    for (size_t i = 0; i < n; i++) {
        float keep = x[i];
        x[i] = keep + h;
        double up = loss(ctx);
        x[i] = keep - h;
        double down = loss(ctx);
        x[i] = keep;
        double fd = (up - down) / (2.0 * h);
        double err = fabs(fd - grad[i]);
        if (err > tol * (1.0 + fabs(fd))) {
            print_error("%s[%zu]: analytic %.6g, finite difference %.6g\n", what, i, grad[i], fd);
            fail();
        }
    }
}

/* ---- convolution ----------------------------------------------------------- */

struct conv_ctx {
    nb_conv_geom g;
    float *x, *w, *y, *r, *ws;
    int ldx, ldy;
};

static void naive_conv(const nb_conv_geom *g, const float *x, int ldx, const float *w,
                       int n, int yy, int xx, int co, double *out)
{
    double s = 0;
    int pad = g->k / 2;
    for (int ky = 0; ky < g->k; ky++)
        for (int kx = 0; kx < g->k; kx++) {
            int iy = yy + ky - pad, ix = xx + kx - pad;
            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
                continue;
            for (int ci = 0; ci < g->cin; ci++)
                s += (double)x[(((size_t)n * g->h + iy) * g->w + ix) * ldx + ci] *
                     w[(((size_t)ky * g->k + kx) * g->cin + ci) * g->cout + co];
        }
    *out = s;
}

static double conv_loss(void *p)
{
    struct conv_ctx *c = p;
    nb_conv_forward(NULL, &c->g, c->x, c->ldx, c->w, c->y, c->ldy, c->ws);
    double s = 0;
    long rows = (long)c->g.n * c->g.h * c->g.w;
    for (long r = 0; r < rows; r++)
        for (int k = 0; k < c->g.cout; k++)
            s += (double)c->y[r * c->ldy + k] * c->r[r * c->ldy + k];
    return s;
}

/* cin, cout: the direct 3x3 kernels take up to 64 channels (29 = blocks of
 * 16 + 8 + 4 + 1), im2col + GEMM the wider ones. */
static void conv_case(int k, int cin, int cout, nb_pool *pool)
{
    struct conv_ctx c = {.g = {2, 5, 4, k, cin, cout}, .ldx = cin + 2, .ldy = cout + 2};
    long rows = 2 * 5 * 4;
    c.x = rnd(rows * c.ldx);
    c.w = rnd((size_t)k * k * cin * cout);
    c.y = rnd(rows * c.ldy);
    c.r = rnd(rows * c.ldy);
    c.ws = malloc(sizeof(float) * (nb_conv_workspace(&c.g, 2) + 1));
    nb_conv_forward(pool, &c.g, c.x, c.ldx, c.w, c.y, c.ldy, c.ws);
    for (int n = 0; n < 2; n++)
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 4; x++)
                for (int co = 0; co < cout; co++) {
                    double want;
                    naive_conv(&c.g, c.x, c.ldx, c.w, n, y, x, co, &want);
                    assert_float_equal(c.y[((n * 5 + y) * 4 + x) * c.ldy + co], want,
                                       1e-4 * (1 + fabs(want)));
                }
    /* gradients accumulate: start from known values and subtract them */
    size_t nw = (size_t)k * k * cin * cout;
    float *dw = calloc(nw, sizeof(float)), *dx = malloc(sizeof(float) * rows * c.ldx);
    for (long i = 0; i < rows * c.ldx; i++)
        dx[i] = 0.5f;
    nb_conv_backward(pool, &c.g, c.x, c.ldx, c.w, c.r, c.ldy, dw, dx, c.ldx, c.ws);
    for (long i = 0; i < rows * c.ldx; i++)
        dx[i] -= 0.5f;
    for (long r = 0; r < rows; r++) /* the channels beyond cin are not the conv's */
        for (int ch = cin; ch < c.ldx; ch++)
            assert_float_equal(dx[r * c.ldx + ch], 0.0f, 0.0f);
    check_grad("conv dw", conv_loss, &c, c.w, nw, dw, 1e-2f, 1e-3);
    check_grad("conv dx", conv_loss, &c, c.x, rows * c.ldx, dx, 1e-2f, 1e-3);
    free(c.x), free(c.w), free(c.y), free(c.r), free(c.ws), free(dw), free(dx);
}

static void test_conv(void **state)
{
    (void)state;
    nb_pool *pool = nb_pool_create(2);
    conv_case(1, 3, 4, NULL);
    conv_case(3, 3, 4, NULL);
    conv_case(3, 5, 29, pool);
    conv_case(3, 40, 6, NULL);
    conv_case(3, 66, 5, NULL);
    conv_case(3, 65, 3, pool);
    nb_pool_free(pool);
}

/* A 3x3 convolution large enough to be cut into several im2col chunks. */
static void test_conv_chunks(void **state)
{
    (void)state;
    nb_conv_geom g = {3, 32, 32, 3, 256, 2};
    long rows = 3L * 32 * 32;
    float *x = rnd(rows * 256), *w = rnd(9 * 256 * 2), *y = malloc(sizeof(float) * rows * 2);
    float *ws = malloc(sizeof(float) * nb_conv_workspace(&g, 1));
    assert_true(nb_conv_workspace(&g, 1) < 2 * (size_t)rows * 9 * 256); /* really chunked */
    nb_conv_forward(NULL, &g, x, 256, w, y, 2, ws);
    int probes[][3] = {{0, 0, 0}, {1, 31, 0}, {2, 31, 31}, {2, 7, 19}, {1, 0, 31}};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        for (int co = 0; co < 2; co++) {
            double want;
            naive_conv(&g, x, 256, w, probes[i][0], probes[i][1], probes[i][2], co, &want);
            assert_float_equal(y[((probes[i][0] * 32 + probes[i][1]) * 32 + probes[i][2]) * 2 + co],
                               want, 1e-3);
        }
    free(x), free(w), free(y), free(ws);
}

/* ---- batch norm + ReLU ------------------------------------------------------ */

struct bn_ctx {
    nb_bn bn;
    long rows, group;
    float *x, *y, *r, *mean, *invstd, mm[3], mv[3];
    int ldy;
};

static double bn_loss(void *p)
{
    struct bn_ctx *c = p;
    nb_bn_relu_train(NULL, &c->bn, c->rows, c->group, 0.9f, 1e-3f, c->x, 3, c->y, c->ldy, c->mean,
                     c->invstd);
    double s = 0;
    for (long r = 0; r < c->rows; r++)
        for (int k = 0; k < c->bn.c; k++)
            s += (double)c->y[r * c->ldy + k] * c->r[r * c->ldy + k];
    return s;
}

static void test_bn_relu(void **state)
{
    (void)state;
    struct bn_ctx c = {.rows = 24, .group = 12, .ldy = 5};
    float gamma[3] = {1.3f, -0.7f, 0.9f}, beta[3] = {0.2f, 0.1f, -0.3f}, dg[3] = {0}, db[3] = {0};
    c.bn = (nb_bn){3, gamma, beta, c.mm, c.mv, dg, db};
    c.x = rnd(24 * 3);
    for (int i = 0; i < 24 * 3; i++)
        c.x[i] = c.x[i] * 2 + 0.5f;
    c.y = rnd(24 * 5);
    c.r = rnd(24 * 5);
    c.mean = malloc(sizeof(float) * 6);
    c.invstd = malloc(sizeof(float) * 6);
    for (int k = 0; k < 3; k++)
        c.mm[k] = 0, c.mv[k] = 1;
    bn_loss(&c);
    /* moving statistics: group 0, then group 1, unbiased variance */
    for (int k = 0; k < 3; k++) {
        double want_m = 0, want_v = 1;
        for (int g = 0; g < 2; g++) {
            double s = 0, q = 0;
            for (int r = 0; r < 12; r++)
                s += c.x[(g * 12 + r) * 3 + k];
            s /= 12;
            for (int r = 0; r < 12; r++)
                q += pow(c.x[(g * 12 + r) * 3 + k] - s, 2);
            want_m = 0.9 * want_m + 0.1 * s;
            want_v = 0.9 * want_v + 0.1 * q / 11;
            assert_float_equal(c.mean[g * 3 + k], s, 1e-5);
            assert_float_equal(c.invstd[g * 3 + k], 1 / sqrt(q / 12 + 1e-3), 1e-4);
        }
        assert_float_equal(c.mm[k], want_m, 1e-5);
        assert_float_equal(c.mv[k], want_v, 1e-5);
    }
    float *dx = malloc(sizeof(float) * 24 * 3);
    nb_pool *pool = nb_pool_create(2);
    nb_bn_relu_backward(pool, &c.bn, c.rows, c.group, c.x, 3, c.y, c.ldy, c.r, c.ldy, c.mean,
                        c.invstd, dx, 3);
    nb_pool_free(pool);
    check_grad("bn dx", bn_loss, &c, c.x, 24 * 3, dx, 1e-3f, 2e-2);
    check_grad("bn dgamma", bn_loss, &c, gamma, 3, dg, 1e-3f, 2e-2);
    check_grad("bn dbeta", bn_loss, &c, beta, 3, db, 1e-3f, 2e-2);
    /* inference uses the moving statistics */
    nb_bn_relu_infer(NULL, &c.bn, c.rows, 1e-3f, c.x, 3, c.y, c.ldy);
    for (int k = 0; k < 3; k++) {
        double v = gamma[k] * (c.x[k] - c.mm[k]) / sqrt(c.mv[k] + 1e-3) + beta[k];
        assert_float_equal(c.y[k], v > 0 ? v : 0, 1e-5);
    }
    free(c.x), free(c.y), free(c.r), free(c.mean), free(c.invstd), free(dx);
}

/* ---- pooling ------------------------------------------------------------------ */

struct pool_ctx {
    int n, h, w, c, ld;
    float *x, *y, *r;
    int two;
};

static double pool_loss(void *p)
{
    struct pool_ctx *c = p;
    int oh = c->two ? (c->h + 1) / 2 : c->h, ow = c->two ? (c->w + 1) / 2 : c->w;
    int ldy = c->two ? c->c : c->ld;
    if (c->two)
        nb_maxpool2_forward(NULL, c->n, c->h, c->w, c->c, c->x, c->y);
    else
        nb_maxpool3_forward(NULL, c->n, c->h, c->w, c->c, c->x, c->ld, c->y, c->ld);
    double s = 0;
    for (long r = 0; r < (long)c->n * oh * ow; r++)
        for (int k = 0; k < c->c; k++)
            s += (double)c->y[r * ldy + k] * c->r[r * ldy + k];
    return s;
}

static void pool_case(int two)
{
    struct pool_ctx c = {2, 5, 5, 3, two ? 3 : 4, NULL, NULL, NULL, two};
    long rows = 2 * 5 * 5;
    c.x = rnd(rows * c.ld);
    c.y = rnd(rows * c.ld);
    c.r = rnd(rows * c.ld);
    pool_loss(&c);
    int oh = two ? 3 : 5, win = two ? 2 : 3, off = two ? 0 : 1, stride = two ? 2 : 1;
    int ldy = two ? c.c : c.ld;
    for (int n = 0; n < 2; n++)
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < oh; x++)
                for (int k = 0; k < 3; k++) {
                    float m = -INFINITY;
                    for (int dy = 0; dy < win; dy++)
                        for (int dx = 0; dx < win; dx++) {
                            int iy = y * stride + dy - off, ix = x * stride + dx - off;
                            if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5)
                                m = fmaxf(m, c.x[((n * 5 + iy) * 5 + ix) * c.ld + k]);
                        }
                    assert_float_equal(c.y[((n * oh + y) * oh + x) * ldy + k], m, 0);
                }
    float *dx = calloc(rows * c.ld, sizeof(float));
    if (two)
        nb_maxpool2_backward(NULL, 2, 5, 5, 3, c.x, c.y, c.r, dx);
    else
        nb_maxpool3_backward(NULL, 2, 5, 5, 3, c.x, c.ld, c.y, c.ld, c.r, c.ld, dx, c.ld);
    check_grad(two ? "maxpool2 dx" : "maxpool3 dx", pool_loss, &c, c.x, rows * c.ld, dx, 1e-4f,
               1e-2);
    free(c.x), free(c.y), free(c.r), free(dx);
}

/* With ties each output's gradient still goes to exactly one input. */
static void test_maxpool_ties(void **state)
{
    (void)state;
    long rows = 2 * 5 * 5;
    float *x = rnd(rows * 3), *y = malloc(sizeof(float) * rows * 3), *r = rnd(rows * 3);
    float *dx = calloc(rows * 3, sizeof(float));
    for (long i = 0; i < rows * 3; i++)
        x[i] = roundf(x[i]); /* -1, 0, 1: many ties */
    for (int two = 0; two < 2; two++) {
        long out = two ? 2 * 3 * 3 : rows;
        memset(dx, 0, sizeof(float) * rows * 3);
        if (two) {
            nb_maxpool2_forward(NULL, 2, 5, 5, 3, x, y);
            nb_maxpool2_backward(NULL, 2, 5, 5, 3, x, y, r, dx);
        } else {
            nb_maxpool3_forward(NULL, 2, 5, 5, 3, x, 3, y, 3);
            nb_maxpool3_backward(NULL, 2, 5, 5, 3, x, 3, y, 3, r, 3, dx, 3);
        }
        double in = 0, want = 0;
        for (long i = 0; i < rows * 3; i++)
            in += dx[i];
        for (long i = 0; i < out * 3; i++)
            want += r[i];
        assert_float_equal(in, want, 1e-4);
    }
    free(x), free(y), free(r), free(dx);
}

static void test_maxpool(void **state)
{
    (void)state;
    pool_case(0);
    pool_case(1);
}

/* ---- sums, head, loss ------------------------------------------------------- */

static void test_sum(void **state)
{
    (void)state;
    float a[12], b[8], y[8], z[12];
    for (int i = 0; i < 12; i++)
        a[i] = (float)i, z[i] = 1;
    for (int i = 0; i < 8; i++)
        b[i] = 100.0f * i;
    const float *xs[2] = {a, b};
    int lds[2] = {3, 2}; /* a cut from 3 channels to 2 */
    nb_sum_forward(NULL, 4, 2, 2, xs, lds, y);
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 2; k++)
            assert_float_equal(y[r * 2 + k], a[r * 3 + k] + b[r * 2 + k], 0);
    nb_add_into(NULL, 4, 2, y, 2, z, 3);
    for (int r = 0; r < 4; r++) {
        assert_float_equal(z[r * 3 + 2], 1, 0);
        assert_float_equal(z[r * 3], 1 + y[r * 2], 0);
    }
}

struct head_ctx {
    int n, hw, c, k;
    float *x, *feat, *w, *b, *logits;
    int32_t *labels;
};

static double head_loss(void *p)
{
    struct head_ctx *h = p;
    double loss;
    nb_gap_forward(h->n, h->hw, h->c, h->x, h->feat);
    nb_dense_forward(h->n, h->c, h->k, h->feat, h->w, h->b, h->logits);
    nb_softmax_xent(h->logits, h->labels, h->n, h->k, &loss, NULL, NULL);
    return loss;
}

static void test_head_and_loss(void **state)
{
    (void)state;
    int32_t labels[3] = {0, 4, 2};
    struct head_ctx h = {3, 4, 6, 5, rnd(3 * 4 * 6), rnd(18), rnd(30), rnd(5), rnd(15), labels};
    double loss = head_loss(&h);
    /* the loss by its definition */
    double want = 0;
    for (int i = 0; i < 3; i++) {
        double s = 0;
        for (int j = 0; j < 5; j++)
            s += exp(h.logits[i * 5 + j]);
        want += log(s) - h.logits[i * 5 + labels[i]];
    }
    assert_float_equal(loss, want / 3, 1e-6);
    float dl[15], dfeat[18], *dx = malloc(sizeof(float) * 72), dw[30] = {0}, db[5] = {0};
    int correct;
    assert_int_equal(nb_softmax_xent(h.logits, labels, 3, 5, &loss, &correct, dl), 0);
    nb_dense_backward(3, 6, 5, h.feat, h.w, dl, dw, db, dfeat);
    nb_gap_backward(3, 4, 6, dfeat, dx);
    check_grad("dense dw", head_loss, &h, h.w, 30, dw, 1e-3f, 1e-2);
    check_grad("dense db", head_loss, &h, h.b, 5, db, 1e-3f, 1e-2);
    check_grad("gap dx", head_loss, &h, h.x, 72, dx, 1e-3f, 1e-2);
    /* arg-max accounting and label checks */
    float z[4] = {0, 3, 3, 1};
    int32_t y1 = 1, y2 = 2, bad = 4;
    assert_int_equal(nb_softmax_xent(z, &y1, 1, 4, &loss, &correct, NULL), 0);
    assert_int_equal(correct, 1);
    assert_int_equal(nb_softmax_xent(z, &y2, 1, 4, &loss, &correct, NULL), 0);
    assert_int_equal(correct, 0); /* first maximum wins */
    assert_int_not_equal(nb_softmax_xent(z, &bad, 1, 4, &loss, &correct, NULL), 0);
    free(h.x), free(h.feat), free(h.w), free(h.b), free(h.logits), free(dx);
}

/* The pool's parts cover [0, n) exactly once, for any n. */
static void count_parts(void *ctx, int part, long begin, long end)
{
    (void)part;
    int *hits = ctx;
    for (long i = begin; i < end; i++)
        __atomic_add_fetch(&hits[i], 1, __ATOMIC_RELAXED);
}

static void test_pool(void **state)
{
    (void)state;
    nb_pool *pool = nb_pool_create(3);
    assert_non_null(pool);
    for (int n = 1; n < 50; n += 7) {
        int hits[50] = {0};
        for (int rep = 0; rep < 20; rep++)
            nb_pool_for(pool, n, count_parts, hits);
        for (int i = 0; i < n; i++)
            assert_int_equal(hits[i], 20);
    }
    nb_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv),         cmocka_unit_test(test_conv_chunks),
        cmocka_unit_test(test_bn_relu),      cmocka_unit_test(test_maxpool), cmocka_unit_test(test_maxpool_ties),
        cmocka_unit_test(test_sum),          cmocka_unit_test(test_head_and_loss),
        cmocka_unit_test(test_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
