/*
 * Benchmark of the file-format layer: CRC-32C, the synthetic writer at full
 * scale (plain and zstd) and reading back (framing + CRC, decode, validate,
 * canonical check). Prints its numbers; docs/file-format.md records them.
 *
 *   build/bench/bench_records [DIR [MODULES]]   (default /tmp, all 423,624)
 *
 * Writes DIR/bench_records.tfrecord (about 2 GB at full scale) and
 * DIR/bench_records.tfrecord.zst, and removes both at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "nasbench/error.h"
#include "nb_crc32c.h"
#include "nb_record.h"
#include "nb_synth.h"
#include "nb_tfrecord.h"
#include "nb_bench.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static double file_mb(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size / 1e6 : -1;
}

static void bench_crc(void)
{
    size_t n = 64u << 20;
    uint8_t *buf = malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i * 2654435761u >> 13);
    double t = now();
    uint32_t a = nb_crc32c_portable(0, buf, n);
    double tp = now() - t;
    printf("crc32c portable (slicing-by-8): %.2f GB/s\n", (double)n / tp / 1e9);
    if (nb_crc32c_hw_available()) {
        t = now();
        uint32_t b = nb_crc32c_hw(0, buf, n);
        double th = now() - t;
        printf("crc32c sse4.2:                  %.2f GB/s%s\n", (double)n / th / 1e9,
               a == b ? "" : "  MISMATCH");
    }
    free(buf);
}

enum { FRAMES, DECODE, FULL };

static int read_back(const char *path, int level, const char *label)
{
    static const char *const what[] = {"framing + CRC", "+ decode", "+ validate + canonical"};
    nb_tfr_reader *r;
    nb_record_codec *c;
    if (nb_tfr_open(path, &r) || nb_record_codec_new(&c)) {
        fprintf(stderr, "%s\n", nb_errmsg());
        return 1;
    }
    double t = now(), c0 = cpu();
    nb_tfr_record tr;
    int got, rc, exact = 0;
    int64_t n = 0, canonical = 0;
    while ((rc = nb_tfr_next(r, &tr, &got)) == NB_OK && got) {
        nb_record rec;
        if (level >= DECODE && (rc = nb_record_decode(c, tr.data, tr.len, &rec, NULL)))
            break;
        if (level >= FULL && ((rc = nb_record_validate(&rec, NULL, NULL)) ||
                              (rc = nb_record_is_canonical(c, &rec, tr.data, tr.len, &exact))))
            break;
        canonical += exact;
        n++;
    }
    double dt = now() - t, dc = cpu() - c0;
    if (rc) {
        fprintf(stderr, "%s\n", nb_errmsg());
        return 1;
    }
    printf("read %-4s %-24s %lld records in %6.2f s (cpu %6.2f s): %5.2f M records/s, "
           "%6.0f MB/s of stream",
           label, what[level], (long long)n, dt, dc, (double)n / dt / 1e6,
           (double)nb_tfr_bytes_out(r) / dt / 1e6);
    if (level == FULL)
        printf(", %lld canonical", (long long)canonical);
    printf("\n");
    nb_tfr_close(r);
    nb_record_codec_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    nb_bench_help(argc, argv,
                  "usage: bench_records [DIR [MODULES]]\n"
                  "  CRC-32C speed, the synthetic writer (plain and zstd) and reading back, with\n"
                  "  files in DIR (default /tmp, removed at the end), MODULES default 423,624.\n");
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    nb_synth_options o;
    nb_synth_defaults(&o);
    if (argc > 2)
        o.modules = atoll(argv[2]);
    char plain[4096], zst[4096];
    snprintf(plain, sizeof plain, "%s/bench_records.tfrecord", dir);
    snprintf(zst, sizeof zst, "%s/bench_records.tfrecord.zst", dir);

    bench_crc();
    double t = now(), ce = cpu();
    nb_synth_space *space;
    if (nb_synth_space_new(0, &space)) {
        fprintf(stderr, "%s\n", nb_errmsg());
        return 1;
    }
    printf("enumerate + sort the space: %lld modules in %.2f s (cpu %.2f s, all threads)\n",
           (long long)nb_synth_space_size(space), now() - t, cpu() - ce);
    int64_t n;
    double c0 = cpu();
    t = now();
    if (nb_synth_write_space(space, plain, &o, &n)) {
        fprintf(stderr, "%s\n", nb_errmsg());
        return 1;
    }
    double dt = now() - t, dc = cpu() - c0;
    printf("synth plain: %lld records, %.0f MB in %.2f s (cpu %.2f s): %.2f M records/s\n",
           (long long)n, file_mb(plain), dt, dc, (double)n / dt / 1e6);
    c0 = cpu();
    t = now();
    if (nb_synth_write_space(space, zst, &o, &n)) {
        fprintf(stderr, "%s\n", nb_errmsg());
        return 1;
    }
    dt = now() - t, dc = cpu() - c0;
    printf("synth zstd:  %lld records, %.0f MB in %.2f s (cpu %.2f s): %.2f M records/s\n",
           (long long)n, file_mb(zst), dt, dc, (double)n / dt / 1e6);
    nb_synth_space_free(space);

    int bad = 0;
    for (int level = FRAMES; level <= FULL; level++)
        bad |= read_back(plain, level, "plain");
    bad |= read_back(zst, FRAMES, "zstd");
    bad |= read_back(zst, DECODE, "zstd");
    printf("peak RSS: %ld MB\n", peak_rss_mb());
    remove(plain);
    remove(zst);
    return bad;
}
