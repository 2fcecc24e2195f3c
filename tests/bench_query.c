/*
 * Benchmark of the query API on a database (a full-size one for the numbers
 * in docs/query.md):
 *   - in-process query(spec): parse-free spec -> prune, check, hash, lookup,
 *     result; microseconds per call (and the parts: resolve, lookup by hash);
 *   - the --jsonl batch of `nasbench query` as a user runs it: queries/s;
 *   - a full-scan aggregate: best module by mean validation accuracy at 108
 *     epochs (nb_top with mean), seconds.
 * In-process times are CPU time of this process; load average printed.
 *
 * usage: bench_query DB [--nasbench PATH] [--queries N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nasbench/error.h"
#include "nasbench/query.h"
#include "nb_bench.h"

/* Process CPU time: the API is single-threaded, and on a shared machine
 * wall time mostly measures the other processes. The batch through the
 * command line is timed by wall clock (it includes process start). */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct hashes {
    int n, cap;
    char (*h)[NB_HASH_HEX + 1];
} hashes;

static int collect(void *ctx, const char *hash)
{
    hashes *hs = ctx;
    if (hs->n == hs->cap) {
        hs->cap = hs->cap ? 2 * hs->cap : 1024;
        void *p = realloc(hs->h, (size_t)hs->cap * sizeof *hs->h);
        if (!p)
            return NB_ENOMEM;
        hs->h = p;
    }
    memcpy(hs->h[hs->n++], hash, NB_HASH_HEX + 1);
    return 0;
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static int die(const char *what)
{
    fprintf(stderr, "bench_query: %s: %s\n", what, nb_errmsg());
    return 1;
}

int main(int argc, char **argv)
{
    nb_bench_help(argc, argv,
                  "usage: bench_query DB [--nasbench PATH] [--queries N]\n"
                  "  In-process query(spec) and query-by-hash microseconds per call, the full-scan\n"
                  "  aggregate in seconds, and with --nasbench the --jsonl batch in queries/s.\n");
    const char *db = NULL, *cli = NULL;
    int queries = 200000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--nasbench") && i + 1 < argc)
            cli = argv[++i];
        else if (!strcmp(argv[i], "--queries") && i + 1 < argc)
            queries = atoi(argv[++i]);
        else
            db = argv[i];
    }
    if (!db || queries < 1) {
        fprintf(stderr, "usage: bench_query DB [--nasbench PATH] [--queries N]\n");
        return 2;
    }
    nb_bench *b;
    double t0 = now();
    if (nb_bench_open(db, &b))
        return die("open");
    nb_filter f;
    nb_filter_init(&f);
    f.epochs = 108;
    hashes hs = {0, 0, NULL};
    if (nb_module_foreach(b, &f, collect, &hs))
        return die("iterate");
    double t_iter = now() - t0;
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 0)
        load[0] = -1;
    printf("load average at start: %.2f\n", load[0]);
    printf("modules with 108-epoch runs: %d (open + iterate %.3f s)\n", hs.n, t_iter);
    if (hs.n == 0)
        return 1;

    /* The specs users send: the stored canonical ones, in random order. */
    int distinct = queries < hs.n ? queries : hs.n;
    nb_spec *specs = malloc((size_t)distinct * sizeof *specs);
    int *pick = malloc((size_t)queries * sizeof *pick);
    char(*r_hash)[NB_HASH_HEX + 1] = malloc((size_t)distinct * sizeof *r_hash);
    uint64_t seed = 1;
    for (int i = 0; i < distinct; i++) {
        nb_module_info info;
        memcpy(r_hash[i], hs.h[lcg(&seed) % (uint64_t)hs.n], sizeof r_hash[i]);
        if (nb_module_lookup(b, r_hash[i], &info))
            return die("lookup");
        specs[i] = info.module;
    }
    for (int i = 0; i < queries; i++)
        pick[i] = (int)(lcg(&seed) % (uint64_t)distinct);

    /* First touch: each database page a query reads is mapped into this
     * process the first time (a page fault, costly in a virtual machine),
     * so a process's first pass over the data is slower: timed apart. The
     * passes below are the steady state of a search that runs for a while. */
    nb_query_result r;
    double sink = 0;
    t0 = now();
    for (int i = 0; i < queries; i++) {
        if (nb_query(b, &specs[pick[i]], 108, 0, NB_REPEAT_RANDOM, &r))
            return die("query");
        sink += r.validation_accuracy;
    }
    double t_first = now() - t0;
    t0 = now();
    /* The parts of query(spec) before the lookup: prune and check, then the
     * canonical code it looks the row up by; the hash, which it computes
     * only when no row has the code, for comparison. */
    for (int i = 0; i < queries; i++) {
        nb_spec pruned;
        uint64_t code;
        if (nb_spec_resolve(&specs[pick[i]], &pruned, NULL) || nb_spec_canon(&pruned, &code))
            return die("resolve");
        sink += (double)(code & 1);
    }
    double t_resolve = now() - t0;
    t0 = now();
    for (int i = 0; i < queries; i++) {
        char hash[NB_HASH_HEX + 1];
        if (nb_spec_resolve(&specs[pick[i]], NULL, hash))
            return die("resolve");
        sink += hash[0];
    }
    double t_resolve_hash = now() - t0;
    t0 = now();
    for (int i = 0; i < queries; i++) {
        if (nb_query(b, &specs[pick[i]], 108, 0, NB_REPEAT_RANDOM, &r))
            return die("query");
        sink += r.validation_accuracy;
    }
    double t_query = now() - t0;
    t0 = now();
    for (int i = 0; i < queries; i++) {
        if (nb_query_hash(b, r_hash[pick[i]], 108, 0, NB_REPEAT_MEAN, &r))
            return die("query by hash");
        sink += r.validation_accuracy;
    }
    double t_hash = now() - t0;
    if (nb_bench_hold_snapshot(b, 1))
        return die("snapshot");
    t0 = now();
    for (int i = 0; i < queries; i++) {
        if (nb_query(b, &specs[pick[i]], 108, 0, NB_REPEAT_RANDOM, &r))
            return die("query");
        sink += r.validation_accuracy;
    }
    double t_snap = now() - t0;
    if (nb_bench_hold_snapshot(b, 0))
        return die("snapshot end");
    printf("in-process, %d queries at 108 epochs:\n", queries);
    printf("  query(spec), first touch:    %.2f us/call\n", t_first / queries * 1e6);
    printf("  query(spec) random repeat:   %.2f us/call\n", t_query / queries * 1e6);
    printf("    of which prune+check+code: %.2f us/call (prune+check+hash: %.2f)\n",
           t_resolve / queries * 1e6, t_resolve_hash / queries * 1e6);
    printf("  query by hash, mean:         %.2f us/call\n", t_hash / queries * 1e6);
    printf("  query(spec), held snapshot:  %.2f us/call\n", t_snap / queries * 1e6);

    /* Full-scan aggregate: the best module by mean validation accuracy. */
    nb_top_query q = {.metric = "final_validation_accuracy", .epochs = 108, .mean = 1, .limit = 1};
    nb_filter_init(&q.filter);
    nb_top_row row;
    int n;
    t0 = now();
    if (nb_top(b, &q, &row, &n) || n != 1)
        return die("top");
    double t_top = now() - t0;
    printf("full-scan aggregate, best module by mean final validation accuracy at 108:\n");
    printf("  %s %.17g over %d repeats: %.3f s\n", row.hash, row.value, row.num_repeats, t_top);
    q.mean = 0;
    q.limit = 10;
    nb_top_row rows[10];
    t0 = now();
    if (nb_top(b, &q, rows, &n))
        return die("top runs");
    printf("  top-10 single runs by final validation accuracy: %.3f s\n", now() - t0);

    if (cli) {
        /* The --jsonl batch as users run it: one process, specs on stdin. */
        char path[] = "/tmp/bench_query_XXXXXX";
        int fd = mkstemp(path);
        FILE *in = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!in)
            return die("temporary file");
        for (int i = 0; i < queries; i++) {
            char bits[64], ops[256];
            nb_spec_adjacency_bits(&specs[pick[i]], bits, sizeof bits);
            nb_spec_ops_csv(&specs[pick[i]], ops, sizeof ops);
            fprintf(in, "{\"matrix\": \"%s\", \"ops\": \"%s\"}\n", bits, ops);
        }
        fclose(in);
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "'%s' query '%s' --jsonl --seed 0 < %s > /dev/null", cli, db,
                 path);
        struct rusage before, after;
        getrusage(RUSAGE_CHILDREN, &before);
        t0 = wall();
        int rc = system(cmd);
        double t_cli = wall() - t0;
        getrusage(RUSAGE_CHILDREN, &after);
        double cpu = (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
                     (double)(after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
                     (after.ru_utime.tv_usec - before.ru_utime.tv_usec) * 1e-6 +
                     (after.ru_stime.tv_usec - before.ru_stime.tv_usec) * 1e-6;
        remove(path);
        if (rc != 0) {
            fprintf(stderr, "bench_query: '%s' failed (%d)\n", cmd, rc);
            return 1;
        }
        printf("nasbench query --jsonl, %d lines: wall %.3f s (%.0f queries/s), "
               "CPU %.3f s (%.0f queries/s per core)\n",
               queries, t_cli, queries / t_cli, cpu, queries / cpu);
    }
    if (sink == 0.5)
        printf("(unlikely)\n");
    free(specs);
    free(pick);
    free(r_hash);
    free(hs.h);
    nb_bench_close(b);
    return 0;
}
