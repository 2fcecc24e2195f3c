/* Benchmark of the trainer around the network: the input pipeline
 * (augment + normalise), the RMSProp update, a checkpoint of the full
 * network, and whole training runs at the reduced configuration (stem 16,
 * 3 stacks of 1 module, batch 64) on synthetic CIFAR-10 files, for the two
 * cells of issue 5. Prints its numbers; docs/training.md quotes them.
 * usage: bench_trainer [threads]   (default: all cores) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nasbench/error.h"
#include "nasbench/train.h"
#include "nb_net.h"
#include "nb_train.h"
#include "nb_bench.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *cells[2][3] = {
    {"inception", "[[0,1,1,1,1,0,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],[0,0,0,0,0,0,1],"
                  "[0,0,0,0,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]]",
     "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,output"},
    {"00005c14", "0100110001000000010010000010000001000000010000000",
     "input,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,conv1x1-bn-relu,output"}};

static void bench_pipeline(void)
{
    nb_cifar_split s = {0};
    s.count = 10000;
    s.labels = malloc((size_t)s.count);
    s.pixels = malloc((size_t)s.count * NB_CIFAR_PIXELS);
    for (size_t i = 0; i < (size_t)s.count * NB_CIFAR_PIXELS; i++)
        s.pixels[i] = (uint8_t)(i * 2654435761u >> 24);
    for (int i = 0; i < s.count; i++)
        s.labels[i] = (uint8_t)(i % 10);
    nb_cifar_stream st;
    nb_cifar_stream_init(&st, &s, 1);
    float *x = malloc(sizeof(float) * 256 * NB_CIFAR_PIXELS);
    int32_t labels[256];
    double t = now();
    int steps = 200;
    for (int k = 0; k < steps; k++)
        nb_cifar_stream_batch(&st, k, 256, NB_LAYOUT_NHWC, x, labels);
    t = now() - t;
    printf("input pipeline (pad, crop, flip, normalise; 1 thread): %.0f images/s, %.2f ms per "
           "batch of 256\n",
           steps * 256 / t, 1e3 * t / steps);
    nb_cifar_stream_free(&st);
    nb_cifar_free(&s);
    free(x);
}

static void bench_optimizer(void)
{
    size_t n = 8555530; /* 00005c14's parameters */
    float *w = malloc(n * 4), *g = malloc(n * 4), *ms = malloc(n * 4), *mom = malloc(n * 4);
    for (size_t i = 0; i < n; i++) {
        w[i] = (float)(i % 97) * 1e-3f;
        g[i] = (float)(i % 89) * 1e-4f;
    }
    nb_rmsprop_init_slots(ms, mom, n);
    nb_rmsprop opt = {0.9f, 0.9f, 1.0f, 1e-4f};
    double t = now();
    for (int k = 0; k < 20; k++)
        nb_rmsprop_update(&opt, 0.1f, w, g, ms, mom, n);
    t = (now() - t) / 20;
    printf("RMSProp update of 8,555,530 parameters: %.1f ms per step (%.2f GB/s moved)\n", 1e3 * t,
           n * 28.0 / t / 1e9); /* read w, g, ms, mom; write w, ms, mom */
    free(w);
    free(g);
    free(ms);
    free(mom);
}

static void bench_checkpoint(const char *dir)
{
    nb_spec spec, pruned;
    nb_spec_parse(&spec, cells[0][1], cells[0][2]);
    nb_spec_resolve(&spec, &pruned, NULL);
    nb_net *net;
    if (nb_net_create(&pruned, NULL, 1, &net) != NB_OK) {
        printf("checkpoint: %s\n", nb_errmsg());
        return;
    }
    int np;
    const nb_param *p = nb_net_params(net, &np);
    size_t trainable = (size_t)nb_net_num_params(net);
    float *ms = malloc(trainable * 4), *mom = malloc(trainable * 4);
    nb_rmsprop_init_slots(ms, mom, trainable);
    nb_ckpt_array *arr = malloc(sizeof *arr * (size_t)(np + 2));
    size_t floats = 2 * trainable;
    for (int i = 0; i < np; i++) {
        arr[i] = (nb_ckpt_array){p[i].value, p[i].count};
        floats += p[i].count;
    }
    arr[np] = (nb_ckpt_array){ms, trainable};
    arr[np + 1] = (nb_ckpt_array){mom, trainable};
    nb_ckpt_header h;
    memset(&h, 0, sizeof h);
    strcpy(h.key, "bench");
    char path[1024];
    snprintf(path, sizeof path, "%s/bench.ckpt", dir);
    double t = now();
    int rc = nb_ckpt_save(path, &h, arr, np + 2);
    double ts = now() - t;
    struct stat sb;
    stat(path, &sb);
    t = now();
    if (rc == NB_OK)
        rc = nb_ckpt_load(path, &h, arr, np + 2);
    double tl = now() - t;
    if (rc != NB_OK)
        printf("checkpoint: %s\n", nb_errmsg());
    else
        printf("checkpoint of the full Inception-like network (%.1f MB of state): %.1f MB on disk, "
               "write %.0f ms (fsync included), read %.0f ms\n",
               floats * 4 / 1e6, sb.st_size / 1e6, 1e3 * ts, 1e3 * tl);
    unlink(path);
    free(arr);
    free(ms);
    free(mom);
    nb_net_free(net);
}

static void write_data(const char *dir, int n)
{
    const char *names[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                           "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
    uint32_t s = 12345;
    for (int f = 0; f < 6; f++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        FILE *out = fopen(path, "wb");
        for (int i = 0; i < n; i++) {
            fputc(i % 10, out);
            for (int k = 0; k < NB_CIFAR_PIXELS; k++) {
                s = s * 1664525u + 1013904223u;
                fputc((int)(s >> 24), out);
            }
        }
        fclose(out);
    }
}

static void result(const nb_train_result *r, void *ctx)
{
    *(nb_train_result *)ctx = *r;
}

static void bench_runs(const char *dir, int threads)
{
    char data[1100], db_path[1100], ck[1100];
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(db_path, sizeof db_path, "%s/bench.db", dir);
    snprintf(ck, sizeof ck, "%s/ckpt", dir);
    mkdir(data, 0755);
    write_data(data, 1280);
    nb_train_options o;
    nb_train_options_default(&o);
    o.config.stem_channels = 16;
    o.config.num_stacks = 3;
    o.config.modules_per_stack = 1;
    o.config.batch_size = 64;
    o.config.train_images = 2560;
    o.config.eval_images = 1024;
    o.epochs = 2; /* 80 steps */
    o.threads = threads;
    o.checkpoint_dir = ck;
    nb_train_data *d;
    nb_db *db;
    if (nb_train_data_open(data, &o.config, &d) != NB_OK ||
        nb_db_open(db_path, NB_OPEN_CREATE, &db) != NB_OK) {
        printf("runs: %s\n", nb_errmsg());
        return;
    }
    for (int c = 0; c < 2; c++) {
        nb_train_work w = {0};
        nb_spec spec;
        nb_spec_parse(&spec, cells[c][1], cells[c][2]);
        nb_train_work_add_spec(&w, &spec);
        nb_train_result r;
        double t = now();
        int rc = nb_train_session(db, &w, d, &o, result, &r);
        t = now() - t;
        if (rc != NB_OK) {
            printf("run %s: %s\n", cells[c][0], nb_errmsg());
        } else {
            double train_s = r.evaluations[2].training_time;
            printf("run %-9s (stem 16, 3x1 modules, batch 64, 80 steps, 3 evaluations of "
                   "3x1024 images): training %.1f images/s (%.2f s), whole run %.2f s, "
                   "stored in %.3f s\n",
                   cells[c][0], 80 * 64 / train_s, train_s, r.total_time, t - r.total_time);
        }
        nb_train_work_free(&w);
    }
    nb_db_close(db);
    nb_train_data_close(d);
}

int main(int argc, char **argv)
{
    nb_bench_help(argc, argv,
                  "usage: bench_trainer [THREADS]\n"
                  "  Input pipeline, RMSProp update, checkpoint and whole reduced training runs\n"
                  "  on synthetic CIFAR-10 files; THREADS default 0 = all cores.\n");
    int threads = argc > 1 ? atoi(argv[1]) : 0;
    char dir[] = "/tmp/nbbench.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    printf("bench_trainer: threads %d (0 = all cores)\n", threads);
    bench_pipeline();
    bench_optimizer();
    bench_checkpoint(dir);
    bench_runs(dir, threads);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
