/*
 * Benchmark of the network: images per second for a training step (forward,
 * loss, backward, RMSProp update) and for inference, the GFLOP/s of the
 * convolutions and a per-layer time profile.
 *
 * usage: bench_net [--config full|reduced] [--cell inception|00005c14]
 *                  [--steps N] [--threads T] [--batch B]
 * Full configuration: stem 128, 3 stacks of 3 modules, batch 256. Reduced:
 * stem 16, 3 stacks of 1 module, batch 64. Random images (the speed does not
 * depend on them).
 */
#include <cblas.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nasbench/error.h"
#include "nb_net.h"
#include "nb_net_internal.h"
#include "nb_train.h"
#include "nb_bench.h"

static const char *cells[][3] = {
    {"inception",
     "[[0,1,1,1,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,1,0,0],[0,0,0,0,0,0,1],"
     "[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]",
     "input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output"},
    {"00005c14", "0100110001000000010010000010000001000000010000000",
     "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv1x1-bn-relu,output"},
};

/* CPU seconds of the whole process: on a shared machine, images per CPU
 * second of a 1-thread run estimate what one idle core delivers. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void print_profile(const nb_net_profile *p, int steps, double total)
{
    printf("  per-layer profile, ms per step (forward / backward):\n");
    double sum = 0;
    for (int k = 0; k < NB_PROF_KINDS; k++) {
        printf("    %-11s %9.1f %9.1f\n", nb_net_profile_kind_name(k), 1e3 * p->forward[k] / steps,
               1e3 * p->backward[k] / steps);
        sum += p->forward[k] + p->backward[k];
    }
    printf("    %-11s %9.1f   (step total %.1f)\n", "layers", 1e3 * sum / steps, 1e3 * total / steps);
}

/* The BLAS alone on a convolution-like GEMM, for the peak comparison. */
static void bench_sgemm(int threads)
{
    nb_pool *pool = nb_pool_create(threads);
    int m = 8192, k = 1152, n = 128;
    float *a = calloc((size_t)m * k, 4), *b = calloc((size_t)k * n, 4), *c = calloc((size_t)m * n, 4);
    nb_gemm(pool, 0, 0, m, n, k, a, k, b, n, 0, c, n);
    double t0 = nb_net_now();
    int reps = 20;
    for (int i = 0; i < reps; i++)
        nb_gemm(pool, 0, 0, m, n, k, a, k, b, n, 0, c, n);
    double dt = nb_net_now() - t0;
    printf("reference sgemm %dx%dx%d on %d threads: %.1f GFLOP/s (%s)\n", m, n, k, threads,
           2.0 * m * n * k * reps / dt / 1e9, openblas_get_config());
    nb_pool_free(pool);
    free(a), free(b), free(c);
}

/* 3x3 convolution shapes of the reduced and full configurations, both
 * paths: forward and backward GFLOP/s. */
static void bench_conv_paths(int threads)
{
    nb_pool *pool = nb_pool_create(threads);
    int shapes[][4] = {{64, 32, 4, 4},   {64, 32, 8, 8},   {64, 16, 16, 16}, {64, 8, 32, 32},
                       {256, 32, 32, 32}, {64, 16, 64, 64}, {256, 16, 64, 64},
                       {256, 32, 64, 64}, {256, 16, 128, 128}, {256, 8, 256, 256}};
    printf("3x3 convolutions (n, size, cin, cout): GFLOP/s forward / backward\n");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        nb_conv_geom g = {shapes[s][0], shapes[s][1], shapes[s][1], 3, shapes[s][2], shapes[s][3]};
        size_t rows = (size_t)g.n * g.h * g.w;
        float *x = calloc(rows * g.cin, 4), *y = calloc(rows * g.cout, 4), *dx = calloc(rows * g.cin, 4);
        float *w = calloc(9 * (size_t)g.cin * g.cout, 4), *dw = calloc(9 * (size_t)g.cin * g.cout, 4);
        double flops = 2.0 * rows * 9 * g.cin * g.cout;
        printf("  %4d %3d %3d %3d:", g.n, g.h, g.cin, g.cout);
        for (int direct = 1; direct >= 0; direct--) {
            nb_conv3_direct_max_channels = direct ? 1 << 20 : 0;
            float *ws = malloc(sizeof(float) * (nb_conv_workspace(&g, threads) + 1));
            nb_conv_forward(pool, &g, x, g.cin, w, y, g.cout, ws);
            double t0 = nb_net_now();
            nb_conv_forward(pool, &g, x, g.cin, w, y, g.cout, ws);
            double t1 = nb_net_now();
            nb_conv_backward(pool, &g, x, g.cin, w, y, g.cout, dw, dx, g.cin, ws);
            double t2 = nb_net_now();
            printf("  %s %6.1f / %6.1f", direct ? "direct" : "im2col+gemm", flops / (t1 - t0) / 1e9,
                   2 * flops / (t2 - t1) / 1e9);
            free(ws);
        }
        printf("\n");
        free(x), free(y), free(dx), free(w), free(dw);
    }
    nb_conv3_direct_max_channels = 64;
    nb_pool_free(pool);
}

int main(int argc, char **argv)
{
    nb_bench_help(argc, argv,
                  "usage: bench_net [--config full|reduced] [--cell inception|00005c14]\n"
                  "                 [--steps N] [--threads T] [--batch B] [--conv-paths]\n"
                  "  Training-step and inference images/s, convolution GFLOP/s, per-layer profile.\n");
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"cell", required_argument, NULL, 'C'},
        {"steps", required_argument, NULL, 's'},  {"threads", required_argument, NULL, 't'},
        {"batch", required_argument, NULL, 'b'},  {"conv-paths", no_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    int conv_paths = 0;
    const char *config = "reduced", *cell = "inception";
    int steps = 5, threads = 0, batch = 0, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'C': cell = optarg; break;
        case 's': steps = atoi(optarg); break;
        case 't': threads = atoi(optarg); break;
        case 'b': batch = atoi(optarg); break;
        case 'p': conv_paths = 1; break;
        default: return 2;
        }
    }
    nb_net_config cfg;
    nb_net_config_default(&cfg);
    if (!strcmp(config, "reduced")) {
        cfg.shape = (nb_net_shape){16, 3, 1, 10};
        cfg.max_batch = 64;
    } else if (strcmp(config, "full")) {
        fprintf(stderr, "unknown config %s\n", config);
        return 2;
    }
    if (batch > 0)
        cfg.max_batch = batch;
    cfg.threads = threads;
    int ci = !strcmp(cell, "inception") ? 0 : !strcmp(cell, "00005c14") ? 1 : -1;
    if (ci < 0 || steps < 1) {
        fprintf(stderr, "unknown cell %s or bad steps\n", cell);
        return 2;
    }
    nb_spec s, p;
    nb_net *net;
    if (nb_spec_parse(&s, cells[ci][1], cells[ci][2]) || nb_spec_resolve(&s, &p, NULL) ||
        nb_net_create(&p, &cfg, 1, &net)) {
        fprintf(stderr, "bench_net: %s\n", nb_errmsg());
        return 1;
    }
    bench_sgemm(nb_net_get_config(net)->threads);
    if (conv_paths) {
        bench_conv_paths(nb_net_get_config(net)->threads);
        return 0;
    }
    int n = cfg.max_batch, size = cfg.image_size, nl = cfg.shape.num_labels;
    size_t pixels = (size_t)n * size * size * 3;
    float *x = malloc(sizeof(float) * pixels), *logits = malloc(sizeof(float) * n * nl);
    float *dl = malloc(sizeof(float) * n * nl);
    int32_t *labels = malloc(sizeof(int32_t) * n);
    for (size_t i = 0; i < pixels; i++)
        x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    for (int i = 0; i < n; i++)
        labels[i] = i % nl;
    /* optimizer slots over every trainable tensor */
    int count, nt = nb_net_num_trainable(net);
    const nb_param *t = nb_net_params(net, &count);
    size_t total = (size_t)nb_net_num_params(net);
    float *ms = malloc(sizeof(float) * total), *mom = malloc(sizeof(float) * total);
    nb_rmsprop_init_slots(ms, mom, total);
    nb_rmsprop opt = {0.9f, 0.9f, 1.0f, 1e-4f};
    printf("%s config, cell %s, batch %d, %d threads, %lld parameters\n", config, cell, n,
           nb_net_get_config(net)->threads, (long long)total);

    for (int phase = 0; phase < 2; phase++) { /* 0: training step, 1: inference */
        double loss;
        /* warm-up: allocates activations, faults pages in */
        nb_net_forward(net, x, n, !phase, logits);
        if (!phase) {
            nb_softmax_xent(logits, labels, n, nl, &loss, NULL, dl);
            nb_net_backward(net, dl, NULL);
        }
        nb_net_profile_enable(net, 1);
        nb_net_profile profile;
        nb_net_profile_take(net, &profile);
        double t0 = nb_net_now(), c0 = cpu_now(), opt_time = 0;
        for (int i = 0; i < steps; i++) {
            if (nb_net_forward(net, x, n, !phase, logits)) {
                fprintf(stderr, "bench_net: %s\n", nb_errmsg());
                return 1;
            }
            if (phase)
                continue;
            nb_net_zero_grad(net);
            nb_softmax_xent(logits, labels, n, nl, &loss, NULL, dl);
            nb_net_backward(net, dl, NULL);
            double t1 = nb_net_now();
            size_t off = 0;
            for (int j = 0; j < nt; off += t[j].count, j++)
                nb_rmsprop_update(&opt, 0.01f, t[j].value, t[j].grad, ms + off, mom + off, t[j].count);
            opt_time += nb_net_now() - t1;
        }
        double dt = nb_net_now() - t0, cpu = cpu_now() - c0;
        nb_net_profile_take(net, &profile);
        double conv_time = 0;
        for (int k = NB_PROF_CONV3X3; k <= NB_PROF_CONV1X1; k++)
            conv_time += profile.forward[k] + profile.backward[k];
        double flops = profile.conv_flops_fwd + profile.conv_flops_bwd;
        printf("%s: %.1f images/s (%.3f s per batch of %d, %d steps); convolutions %.1f GFLOP/s "
               "(%.1f GFLOP per step)%s\n",
               phase ? "inference" : "training step", n * steps / dt, dt / steps, n, steps,
               flops / conv_time / 1e9, flops / steps / 1e9,
               phase ? "" : ", incl. RMSProp update");
        printf("  %.1f images per CPU second (%.2f CPU s per batch)\n", n * steps / cpu, cpu / steps);
        if (!phase)
            printf("  optimizer update %.1f ms per step\n", 1e3 * opt_time / steps);
        print_profile(&profile, steps, dt);
    }
    free(x), free(logits), free(dl), free(labels), free(ms), free(mom);
    nb_net_free(net);
    return 0;
}
