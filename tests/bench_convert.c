/*
 * Benchmark of the converter (numbers in docs/store.md).
 *
 * Writes synthetic dataset files in the original format (the 108-only subset:
 * 1,270,872 records; the full file: 5,083,488 records, about 2 GB), converts
 * each into a fresh database in a child process, and prints: wall time,
 * records per second, the child's peak RSS, database size against input
 * size, and the time a new process takes to open the database and answer a
 * first point query.
 *
 * usage: bench_convert [--dir DIR] [--modules N] [--only108] [--keep]
 *   --dir DIR    where the big files go (default /tmp); removed at the end
 *   --modules N  the first N modules only (quick runs); default all 423,624
 *   --only108    skip the full-size file
 *   --keep       keep the files and databases
 * Run it with `nice` on a shared machine.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nb_convert.h"
#include "nb_synth.h"
#include "nb_bench.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) ? -1 : (long long)sb.st_size;
}

/* Child: convert, write the report to the pipe. */
static void convert_child(const char *db_path, const char *file, int fd)
{
    nb_db *db;
    nb_convert_report r;
    int rc = nb_db_open(db_path, NB_OPEN_CREATE, &db);
    if (!rc)
        rc = nb_convert_file(db, file, NULL, &r);
    if (!rc)
        rc = nb_db_close(db);
    if (rc) {
        fprintf(stderr, "bench_convert: %s\n", nb_errmsg());
        _exit(1);
    }
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(1);
    _exit(0);
}

static int convert(const char *label, const char *file, const char *db_path)
{
    unlink(db_path);
    int fds[2];
    if (pipe(fds))
        return 1;
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        convert_child(db_path, file, fds[1]);
    }
    close(fds[1]);
    nb_convert_report r;
    ssize_t got = read(fds[0], &r, sizeof r);
    close(fds[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    double wall = now() - t0;
    if (got != (ssize_t)sizeof r || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench_convert: conversion of %s failed\n", file);
        return 1;
    }
    long long in = file_size(file), out = file_size(db_path);
    printf("%s: %lld records, %.1f MB in %.2f s (%.0f records/s, %.1f MB/s); "
           "cpu user %.2f s sys %.2f s\n",
           label, (long long)r.records, (double)in / 1e6, wall, (double)r.records / wall,
           (double)in / 1e6 / wall, (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    printf("%s: CPU of the stages: parser thread %.2f s, writer thread %.2f s (wall on an idle "
           "2-core machine is about the larger)\n",
           label, r.parser_cpu_seconds, r.writer_cpu_seconds);
    printf("%s: peak RSS %.1f MB; database %.1f MB = %.2f x input; raw payloads %lld\n", label,
           (double)ru.ru_maxrss / 1024.0, (double)out / 1e6, (double)out / (double)in,
           (long long)r.raw_records);
    return 0;
}

/* Child: open and one point query, timed inside; parent: timed around. */
static int first_query(const char *label, const char *db_path)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        double t0 = now();
        pid_t pid = fork();
        if (pid == 0) {
            double c0 = now();
            nb_db *db;
            sqlite3_stmt *st;
            int n = 0;
            if (nb_db_open(db_path, NB_OPEN_READONLY, &db) ||
                nb_db_stmt(db, "SELECT final_test_accuracy FROM run_metrics WHERE hash = ?1"
                               " AND epochs = 108", &st))
                _exit(1);
            sqlite3_bind_text(st, 1, "00005c142e6f48ac74fdcf73e3439874", -1, SQLITE_STATIC);
            while (sqlite3_step(st) == SQLITE_ROW)
                n++;
            sqlite3_reset(st);
            nb_db_close(db);
            printf("%s: open + first point query (%d rows) in a new process: %.2f ms inside",
                   label, n, (now() - c0) * 1e3);
            fflush(stdout);
            _exit(n == 3 ? 0 : 2);
        }
        int status;
        waitpid(pid, &status, 0);
        printf(", %.2f ms fork to exit\n", (now() - t0) * 1e3);
        if (!WIFEXITED(status) || WEXITSTATUS(status))
            return 1;
    }
    return 0;
}

static void print_load(const char *when)
{
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = '\0';
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = '\0';
    printf("load average %s: %s\n", when, buf);
}

static int make_file(const char *path, int64_t modules, int full)
{
    nb_synth_options o;
    nb_synth_defaults(&o);
    o.modules = modules;
    if (!full) {
        o.num_budgets = 1;
        o.budgets[0] = 108;
    }
    double t0 = now();
    int64_t n;
    if (nb_synth_write(path, &o, &n)) {
        fprintf(stderr, "bench_convert: %s\n", nb_errmsg());
        return 1;
    }
    printf("wrote %s: %lld records, %.1f MB (synthetic) in %.1f s\n", path, (long long)n,
           (double)file_size(path) / 1e6, now() - t0);
    return 0;
}

static int run(const char *dir, int64_t modules, int full, int keep)
{
    char file[1024], db[1024];
    const char *name = full ? "full" : "only108";
    snprintf(file, sizeof file, "%s/nb-bench-%s-%d.tfrecord", dir, name, (int)getpid());
    snprintf(db, sizeof db, "%s/nb-bench-%s-%d.db", dir, name, (int)getpid());
    int rc = make_file(file, modules, full);
    print_load("before converting");
    if (!rc)
        rc = convert(name, file, db);
    print_load("after converting");
    if (!rc)
        rc = first_query(name, db);
    if (!keep) {
        unlink(file);
        unlink(db);
    }
    return rc;
}

int main(int argc, char **argv)
{
    nb_bench_help(argc, argv,
                  "usage: bench_convert [--dir DIR] [--modules N] [--only108] [--keep]\n"
                  "  Writes synthetic dataset files (108-only, then full size) in DIR (default /tmp),\n"
                  "  converts each in a child process, prints time, records/s, peak RSS, size ratio.\n"
                  "  --modules N  the first N modules only; --only108 skip the full file;\n"
                  "  --keep keep the files and databases\n");
    static const struct option longopts[] = {{"dir", required_argument, NULL, 'd'},
                                             {"modules", required_argument, NULL, 'm'},
                                             {"only108", no_argument, NULL, 'o'},
                                             {"keep", no_argument, NULL, 'k'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = "/tmp";
    int64_t modules = 0;
    int only108 = 0, keep = 0, c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'd')
            dir = optarg;
        else if (c == 'm')
            modules = atoll(optarg);
        else if (c == 'o')
            only108 = 1;
        else if (c == 'k')
            keep = 1;
        else
            return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rc = run(dir, modules, 0, keep);
    if (!rc && !only108)
        rc = run(dir, modules, 1, keep);
    return rc;
}
