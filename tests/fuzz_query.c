/* libFuzzer target: the query path of `nasbench query --jsonl` and `stats`
 * on any input lines (JSON parse, spec or hash, prune and hash in blocks,
 * the canonical-code lookup in the query cache, the normalized tables, the
 * JSON writers) must never crash or read out of bounds. The first input byte
 * picks the budget, stop_halfway and repeat; the rest are the lines. The
 * database is made once per process: the synthetic dataset of every module
 * of at most 5 vertices (2,532), converted. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nasbench/db.h"
#include "nasbench/error.h"
#include "nasbench/query.h"
#include "nb_convert.h"
#include "nb_query_line.h"
#include "nb_synth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct opts {
    int epochs, stop_halfway, repeat;
} opts;

static nb_bench *bench;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_query: %s: %s\n", what, nb_errmsg());
    abort();
}

static void make_bench(void)
{
    char dir[] = "/tmp/nbfuzz.XXXXXX", rec[64], path[64];
    if (!mkdtemp(dir))
        die("mkdtemp");
    snprintf(rec, sizeof rec, "%s/s.tfrecord", dir);
    snprintf(path, sizeof path, "%s/s.db", dir);
    nb_synth_options o;
    nb_synth_defaults(&o);
    o.max_vertices = 5;
    nb_db *db = NULL;
    nb_convert_report report;
    if (nb_synth_write(rec, &o, NULL) || nb_db_open(path, NB_OPEN_CREATE, &db))
        die("making the database");
    if (nb_convert_file(db, rec, NULL, &report) || nb_db_close(db) || nb_bench_open(path, &bench))
        die("converting");
    /* the open handle keeps the file; the directory goes at once */
    unlink(rec);
    unlink(path);
    rmdir(dir);
}

static int answer(void *ctx, const nb_query_line *line, FILE *out)
{
    const opts *o = ctx;
    nb_query_result r;
    int rc = line->is_hash
                 ? nb_query_hash(bench, line->hash, o->epochs, o->stop_halfway, o->repeat, &r)
                 : nb_query(bench, &line->spec, o->epochs, o->stop_halfway, o->repeat, &r);
    if (!rc)
        nb_query_result_write_json(out, &r);
    nb_module_stats *st;
    int src = line->is_hash ? nb_module_stats_by_hash(bench, line->hash, &st)
                            : nb_module_stats_by_spec(bench, &line->spec, &st);
    if (!src) {
        nb_module_stats_write_json(out, st);
        nb_module_stats_free(st);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!bench)
        make_bench();
    if (size < 2)
        return 0; /* the options byte and at least one byte of lines */
    static const int budgets[4] = {4, 108, 12, 7}; /* 7: not in the database */
    opts o = {budgets[data[0] & 3], (data[0] >> 2) & 1, (int)((data[0] >> 3) & 7) - 2};
    FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
    FILE *out = fopen("/dev/null", "w");
    if (in && out)
        nb_query_lines_run(in, out, 1, answer, &o);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    return 0;
}
