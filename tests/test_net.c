/* The whole network: parameter counts, determinism, and finite-difference
 * checks of the gradients of every tensor on tiny configurations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_net.h"
#include "nb_net_internal.h"
#include "nb_test.h"

#define INCEPTION_M "[[0,1,1,1,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,1,0,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]"
#define INCEPTION_O "input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output"
#define C5C14_M "0100110001000000010010000010000001000000010000000"
#define C5C14_O "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv1x1-bn-relu,output"

static nb_spec spec_of(const char *m, const char *o)
{
    nb_spec s, p;
    assert_int_equal(nb_spec_parse(&s, m, o), NB_OK);
    assert_int_equal(nb_spec_resolve(&s, &p, NULL), NB_OK);
    return p;
}

static void test_param_counts(void **state)
{
    (void)state;
    struct {
        const char *m, *o;
        int64_t want;
    } cases[] = {
        {INCEPTION_M, INCEPTION_O, 2694282},
        {C5C14_M, C5C14_O, 8555530},
        {"[[0,1],[0,0]]", "input,output", 882570},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nb_spec p = spec_of(cases[i].m, cases[i].o);
        int64_t n = 0, formula = 0;
        assert_int_equal(nb_net_count_params(&p, NULL, &n), NB_OK);
        assert_int_equal(n, cases[i].want);
        assert_int_equal(nb_spec_trainable_parameters(&p, NULL, &formula), NB_OK);
        assert_int_equal(formula, n);
    }
    /* a reduced shape agrees with the formula too */
    nb_net_shape small = {16, 3, 1, 10};
    nb_spec p = spec_of(C5C14_M, C5C14_O);
    int64_t n, formula;
    assert_int_equal(nb_net_count_params(&p, &small, &n), NB_OK);
    assert_int_equal(nb_spec_trainable_parameters(&p, &small, &formula), NB_OK);
    assert_int_equal(n, formula);
}

static void test_tensors(void **state)
{
    (void)state;
    nb_spec p = spec_of(INCEPTION_M, INCEPTION_O);
    nb_net_config cfg;
    nb_net_config_default(&cfg);
    cfg.shape = (nb_net_shape){8, 2, 2, 10};
    cfg.image_size = 8;
    cfg.max_batch = 2;
    nb_net *a, *b;
    assert_int_equal(nb_net_create(&p, &cfg, 7, &a), NB_OK);
    assert_int_equal(nb_net_create(&p, &cfg, 7, &b), NB_OK);
    assert_int_equal(a->nallocs, 0); /* no activations before the first forward */
    int count, nt = nb_net_num_trainable(a);
    const nb_param *t = nb_net_params(a, &count), *u = nb_net_params(b, &count);
    int64_t floats = 0;
    for (int i = 0; i < count; i++) {
        assert_true((i < nt) == (t[i].grad != NULL));
        if (i < nt)
            floats += (int64_t)t[i].count;
        for (int j = 0; j < i; j++)
            assert_string_not_equal(t[i].name, t[j].name);
        /* same seed, same weights */
        assert_memory_equal(t[i].value, u[i].value, sizeof(float) * t[i].count);
    }
    assert_int_equal(floats, nb_net_num_params(a));
    assert_string_equal(t[0].name, "stem/conv/kernel");
    assert_string_equal(t[count - 1].name, "stack1/module1/vertex5/projection/bn/moving_variance");
    /* the kernel init: truncated normal, stddev ~ sqrt(1/fan_in)/0.8796 before truncation */
    double s = 0, q = 0, lim = 2 * sqrt(1.0 / 27) / 0.87962566103423978;
    for (size_t i = 0; i < t[0].count; i++) {
        assert_true(fabs(t[0].value[i]) <= lim * 1.0001);
        s += t[0].value[i];
        q += t[0].value[i] * t[0].value[i];
    }
    assert_true(fabs(sqrt(q / t[0].count) - sqrt(1.0 / 27)) < 0.35 * sqrt(1.0 / 27));
    nb_net *c;
    assert_int_equal(nb_net_create(&p, &cfg, 8, &c), NB_OK);
    const nb_param *v = nb_net_params(c, &count);
    assert_memory_not_equal(t[0].value, v[0].value, sizeof(float) * t[0].count);
    nb_net_free(a), nb_net_free(b), nb_net_free(c);
}

/* ---- gradient checks ---------------------------------------------------------- */

typedef struct gcase {
    nb_net *net;
    float *images, *logits;
    int32_t *labels;
    int n;
} gcase;

static double loss_of(gcase *g)
{
    double loss;
    assert_int_equal(nb_net_forward(g->net, g->images, g->n, 1, g->logits), NB_OK);
    assert_int_equal(nb_softmax_xent(g->logits, g->labels, g->n, 10, &loss, NULL, NULL), NB_OK);
    return loss;
}

static unsigned long long seed = 99;
static double urand(void)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 11) * 0x1.0p-53;
}

/* Directional derivative along a random +-1 direction of x, against the
 * analytic gradient: robust to the float32 noise of single coordinates.
 * ReLU kinks and max-pool switches make large steps inexact and float32
 * rounding makes tiny ones noisy, so several steps are tried and the best
 * agreement counts; a wrong gradient disagrees at every step. */
static double directional_error(gcase *g, float *x, const float *grad, size_t count)
{
    float *dir = malloc(sizeof(float) * count), *keep = malloc(sizeof(float) * count);
    double analytic = 0, xnorm = 0;
    for (size_t i = 0; i < count; i++) {
        dir[i] = urand() < 0.5 ? -1.0f : 1.0f;
        analytic += (double)dir[i] * grad[i];
        xnorm += (double)x[i] * x[i];
    }
    memcpy(keep, x, sizeof(float) * count);
    double best = INFINITY;
    for (double rel = 1e-3; rel > 2e-5; rel /= 3) {
        double h = rel * (sqrt(xnorm / count) + 0.1);
        for (size_t i = 0; i < count; i++)
            x[i] = keep[i] + (float)h * dir[i];
        double up = loss_of(g);
        for (size_t i = 0; i < count; i++)
            x[i] = keep[i] - (float)h * dir[i];
        double down = loss_of(g);
        memcpy(x, keep, sizeof(float) * count);
        double fd = (up - down) / (2 * h);
        /* 1% of the derivative, plus the float32 rounding of the loss (a few
         * 1e-7) divided by the step */
        double err = fabs(fd - analytic) / (1e-2 * (fabs(fd) + fabs(analytic)) + 1e-6 / h);
        best = err < best ? err : best;
    }
    free(dir), free(keep);
    return best;
}

static void gradcheck(const char *m, const char *o, nb_net_shape shape, int size, int n,
                      int bn_group, int threads)
{
    nb_spec p = spec_of(m, o);
    nb_net_config cfg;
    nb_net_config_default(&cfg);
    cfg.shape = shape;
    cfg.image_size = size;
    cfg.max_batch = n;
    cfg.bn_group = bn_group;
    cfg.threads = threads;
    gcase g = {.n = n};
    assert_int_equal(nb_net_create(&p, &cfg, 1, &g.net), NB_OK);
    size_t pixels = (size_t)n * size * size * 3;
    g.images = malloc(sizeof(float) * pixels);
    g.logits = malloc(sizeof(float) * n * 10);
    g.labels = malloc(sizeof(int32_t) * n);
    for (size_t i = 0; i < pixels; i++)
        g.images[i] = (float)(urand() * 2 - 1);
    for (int i = 0; i < n; i++)
        g.labels[i] = i % 10;
    /* the dense layer starts random, so the logits and their gradient are not tiny */
    float *dl = malloc(sizeof(float) * n * 10), *dimg = malloc(sizeof(float) * pixels);
    double loss;
    nb_net_zero_grad(g.net);
    loss_of(&g);
    assert_int_equal(nb_softmax_xent(g.logits, g.labels, n, 10, &loss, NULL, dl), NB_OK);
    assert_int_equal(nb_net_backward(g.net, dl, dimg), NB_OK);
    int count, nt = nb_net_num_trainable(g.net);
    const nb_param *t = nb_net_params(g.net, &count);
    /* gradients of float copies: loss_of() below must not change them */
    int bad = 0;
    double worst = 0;
    for (int i = 0; i < nt; i++) {
        float *grad = malloc(sizeof(float) * t[i].count);
        memcpy(grad, t[i].grad, sizeof(float) * t[i].count);
        double e = directional_error(&g, t[i].value, grad, t[i].count);
        if (e > 1) {
            print_error("%s: %s: error %.3g of the tolerance\n", o, t[i].name, e);
            bad++;
        }
        worst = e > worst ? e : worst;
        if (getenv("NB_VERBOSE"))
            print_message("%s %.3g\n", t[i].name, e);
        free(grad);
    }
    double e = directional_error(&g, g.images, dimg, pixels);
    if (e > 1) {
        print_error("%s: images: error %.3g of the tolerance\n", o, e);
        bad++;
    }
    assert_int_equal(bad, 0);
    /* backward twice accumulates: the gradient doubles */
    float *once = malloc(sizeof(float) * t[0].count);
    nb_net_zero_grad(g.net);
    loss_of(&g);
    nb_net_backward(g.net, dl, NULL);
    memcpy(once, t[0].grad, sizeof(float) * t[0].count);
    loss_of(&g);
    nb_net_backward(g.net, dl, NULL);
    for (size_t i = 0; i < t[0].count; i++)
        assert_float_equal(t[0].grad[i], 2 * once[i], 1e-5 * (1 + fabs(once[i])));
    /* inference differs from training (moving statistics) and needs no backward */
    float *infer = malloc(sizeof(float) * n * 10);
    assert_int_equal(nb_net_forward(g.net, g.images, n, 0, infer), NB_OK);
    assert_int_not_equal(nb_net_backward(g.net, dl, NULL), NB_OK);
    free(once), free(infer);
    free(g.images), free(g.logits), free(g.labels), free(dl), free(dimg);
    nb_net_free(g.net);
}

static void test_grad_inception(void **state)
{
    (void)state;
    gradcheck(INCEPTION_M, INCEPTION_O, (nb_net_shape){8, 2, 1, 10}, 6, 4, 0, 1);
}

static void test_grad_00005c14(void **state)
{
    (void)state;
    /* 3 stacks from 6x6: 6 -> 3 -> 2 exercises the odd "same" max-pool */
    gradcheck(C5C14_M, C5C14_O, (nb_net_shape){4, 3, 1, 10}, 6, 4, 2, 2);
}

static void test_grad_cut_and_output_projection(void **state)
{
    (void)state;
    /* 5 output channels over 2 vertices: 3 and 2, so vertex 1 is cut from 3 to
     * 2 channels for vertex 2; the input feeds the output through a projection */
    gradcheck("[[0,1,0,1],[0,0,1,1],[0,0,0,1],[0,0,0,0]]",
              "input,conv3x3-bn-relu,maxpool3x3,output", (nb_net_shape){5, 2, 2, 10}, 4, 3, 0, 2);
    gradcheck("[[0,1],[0,0]]", "input,output", (nb_net_shape){4, 2, 1, 10}, 4, 2, 0, 1);
}

/* Same seed and thread count: bit-identical logits and moving averages. */
static void test_deterministic(void **state)
{
    (void)state;
    nb_spec p = spec_of(INCEPTION_M, INCEPTION_O);
    nb_net_config cfg;
    nb_net_config_default(&cfg);
    cfg.shape = (nb_net_shape){8, 2, 1, 10};
    cfg.image_size = 8;
    cfg.max_batch = 8;
    cfg.threads = 2;
    float images[8 * 8 * 8 * 3], out[2][80], grads[2][8 * 9 * 3];
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++)
        images[i] = (float)sin(i * 0.37);
    for (int r = 0; r < 2; r++) {
        nb_net *net;
        assert_int_equal(nb_net_create(&p, &cfg, 3, &net), NB_OK);
        nb_net_zero_grad(net);
        assert_int_equal(nb_net_forward(net, images, 8, 1, out[r]), NB_OK);
        assert_int_equal(nb_net_backward(net, out[r], NULL), NB_OK);
        int count;
        memcpy(grads[r], nb_net_params(net, &count)[0].grad, sizeof grads[r]);
        nb_net_free(net);
    }
    assert_memory_equal(out[0], out[1], sizeof out[0]);
    assert_memory_equal(grads[0], grads[1], sizeof grads[0]);
}

static void test_errors(void **state)
{
    (void)state;
    nb_spec p = spec_of(INCEPTION_M, INCEPTION_O);
    nb_net_config cfg;
    nb_net_config_default(&cfg);
    cfg.shape = (nb_net_shape){4, 1, 1, 10};
    cfg.image_size = 4;
    cfg.max_batch = 4;
    cfg.bn_group = 2;
    nb_net *net;
    assert_int_equal(nb_net_create(&p, &cfg, 1, &net), NB_OK);
    float img[4 * 4 * 4 * 3] = {0}, logits[40];
    assert_int_equal(nb_net_forward(net, img, 5, 1, logits), NB_EINVAL);
    assert_int_equal(nb_net_forward(net, img, 3, 1, logits), NB_EINVAL); /* not a multiple of 2 */
    assert_int_equal(nb_net_forward(net, img, 3, 0, logits), NB_OK);     /* inference: any n */
    nb_net_free(net);
    cfg.max_batch = 0;
    assert_int_equal(nb_net_create(&p, &cfg, 1, &net), NB_EINVAL);
    nb_spec bad = p;
    strcpy(bad.ops[1], "conv5x5");
    int64_t n;
    assert_int_equal(nb_net_count_params(&bad, NULL, &n), NB_EDOMAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_param_counts),
        cmocka_unit_test(test_tensors),
        cmocka_unit_test(test_grad_inception),
        cmocka_unit_test(test_grad_00005c14),
        cmocka_unit_test(test_grad_cut_and_output_projection),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
