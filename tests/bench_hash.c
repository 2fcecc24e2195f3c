/* Benchmark: module-hash throughput per core on random in-space 7-vertex
 * specs, for the one-spec API (scalar), each multi-buffer variant, and the
 * enumeration workload (all labellings of one graph). Times are the thread's
 * CPU time, so the numbers are per core even on a busy machine; wall time is
 * printed too. Every variant's digests are compared with the scalar ones.
 *
 * usage: bench_hash [specs]   (default 100000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nasbench/error.h"
#include "nasbench/spec.h"
#include "nb_hash.h"
#include "nb_bench.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    /* xorshift64*: fixed seed, so every run times the same specs */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double wall_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A random spec of the space with exactly 7 vertices after pruning. */
static void random_spec(nb_spec *s)
{
    static const char *const ops[] = {"conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"};
    for (;;) {
        memset(s, 0, sizeof *s);
        s->num_vertices = 7;
        for (int i = 0; i < 7; i++)
            for (int j = i + 1; j < 7; j++)
                s->matrix[i][j] = rng() % 100 < 40;
        strcpy(s->ops[0], "input");
        strcpy(s->ops[6], "output");
        for (int v = 1; v < 6; v++)
            strcpy(s->ops[v], ops[rng() % 3]);
        nb_spec p;
        if (nb_spec_resolve(s, &p, NULL) == NB_OK && p.num_vertices == 7)
            return;
    }
}

static const char *const variant_names[] = {"scalar", "avx2", "avx512", "avx512vl"};

static void report(const char *what, long count, double cpu, double wall)
{
    printf("%-44s %9ld specs  %7.3f s cpu  %7.3f s wall  %10.0f specs/s per core\n", what, count,
           cpu, wall, (double)count / cpu);
}

int main(int argc, char **argv)
{
    nb_bench_help(argc, argv,
                  "usage: bench_hash [SPECS]\n"
                  "  Module-hash throughput per core on SPECS random 7-vertex specs (default\n"
                  "  100000), scalar and multi-buffer, digests checked against the scalar ones.\n");
    long count = argc > 1 ? atol(argv[1]) : 100000;
    if (count < 1)
        return 2;
    nb_spec *specs = malloc((size_t)count * sizeof *specs);
    char(*hashes)[NB_HASH_HEX + 1] = malloc((size_t)count * sizeof *hashes);
    char(*many)[NB_HASH_HEX + 1] = malloc((size_t)count * sizeof *many);
    uint16_t(*succ)[NB_MAX_VERTICES] = malloc((size_t)count * sizeof *succ);
    int8_t *labels = malloc((size_t)count * 7);
    uint8_t(*ref)[16] = malloc((size_t)count * 16);
    uint8_t(*dig)[16] = malloc((size_t)count * 16);
    for (long i = 0; i < count; i++) {
        random_spec(&specs[i]);
        nb_hash_succ_masks(7, specs[i].matrix, succ[i]);
        labels[i * 7] = NB_LABEL_INPUT;
        labels[i * 7 + 6] = NB_LABEL_OUTPUT;
        for (int v = 1; v < 6; v++)
            labels[i * 7 + v] = (int8_t)nb_op_label(specs[i].ops[v]);
    }
    printf("random in-space 7-vertex specs: %ld; default batch variant: %s\n", count,
           variant_names[nb_hash_batch_variant()]);

    double c0 = cpu_now(), w0 = wall_now();
    for (long i = 0; i < count; i++)
        nb_spec_hash(&specs[i], hashes[i]);
    report("nb_spec_hash, one spec per call", count, cpu_now() - c0, wall_now() - w0);
    int bad = 0;
    for (int which = NB_HASH_SCALAR; which <= NB_HASH_AVX512VL; which++) {
        int lab[7];
        uint8_t d[16], r[16];
        c0 = cpu_now(), w0 = wall_now();
        long i = 0;
        for (; i < count; i++) {
            for (int v = 0; v < 7; v++)
                lab[v] = labels[i * 7 + v];
            if (nb_hash_graph_with(which, 7, succ[i], lab, d))
                break;
        }
        if (i < count) {
            printf("%-44s not available on this CPU\n", variant_names[which]);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "one graph per call, vertices in lanes, %s",
                 variant_names[which]);
        report(what, count, cpu_now() - c0, wall_now() - w0);
        for (i = 0; i < count; i += 101) {
            for (int v = 0; v < 7; v++)
                lab[v] = labels[i * 7 + v];
            nb_hash_graph_scalar(7, succ[i], lab, r);
            nb_hash_graph_with(which, 7, succ[i], lab, d);
            bad |= memcmp(r, d, 16) != 0;
        }
    }

    c0 = cpu_now(), w0 = wall_now();
    if (nb_spec_hash_many(specs, (size_t)count, many)) {
        fprintf(stderr, "nb_spec_hash_many: %s\n", nb_errmsg());
        return 1;
    }
    report("nb_spec_hash_many (default variant)", count, cpu_now() - c0, wall_now() - w0);
    bad |= memcmp(hashes, many, (size_t)count * sizeof *hashes) != 0;

    nb_hash_graphs_with(NB_HASH_SCALAR, 7, (int)count, (const uint16_t(*)[NB_MAX_VERTICES])succ,
                        labels, ref);
    for (int which = NB_HASH_SCALAR; which <= NB_HASH_AVX512; which++) {
        c0 = cpu_now(), w0 = wall_now();
        if (nb_hash_graphs_with(which, 7, (int)count, (const uint16_t(*)[NB_MAX_VERTICES])succ,
                                labels, dig)) {
            printf("%-44s not available on this CPU\n", variant_names[which]);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "digests of different graphs, %s", variant_names[which]);
        report(what, count, cpu_now() - c0, wall_now() - w0);
        bad |= memcmp(ref, dig, (size_t)count * 16) != 0;
    }

    /* Enumeration workload: all 243 labellings of one graph per call. */
    int8_t all[243 * 7];
    for (int l = 0; l < 243; l++) {
        all[l * 7] = NB_LABEL_INPUT;
        all[l * 7 + 6] = NB_LABEL_OUTPUT;
        for (int v = 5, x = l; v >= 1; v--, x /= 3)
            all[l * 7 + v] = (int8_t)(x % 3);
    }
    long graphs = count / 243 > 0 ? count / 243 : 1;
    uint8_t(*eref)[16] = malloc((size_t)graphs * 243 * 16);
    uint8_t(*edig)[16] = malloc((size_t)graphs * 243 * 16);
    for (int which = NB_HASH_SCALAR; which <= NB_HASH_AVX512; which++) {
        c0 = cpu_now(), w0 = wall_now();
        int rc = 0;
        for (long g = 0; g < graphs && !rc; g++)
            rc = nb_hash_graph_batch_with(which, 7, succ[g], 243, all, (which ? edig : eref) + g * 243);
        if (rc) {
            printf("%-44s not available on this CPU\n", variant_names[which]);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "labellings of one graph, %s", variant_names[which]);
        report(what, graphs * 243, cpu_now() - c0, wall_now() - w0);
        if (which)
            bad |= memcmp(eref, edig, (size_t)graphs * 243 * 16) != 0;
    }
    printf("all variants agree: %s\n", bad ? "NO" : "yes");
    free(specs), free(hashes), free(many), free(succ), free(labels), free(ref), free(dig);
    free(eref), free(edig);
    return bad;
}
