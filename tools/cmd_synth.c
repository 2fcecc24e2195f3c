/* nasbench synth: write a SYNTHETIC dataset file in the original format. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nb_json.h"
#include "nb_synth.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench synth OUT [--modules N|all] [--budgets 4,12,36,108]\n"
            "                          [--repeats 3] [--seed S] [--zstd-level L]\n"
            "                          [--max-vertices V]\n"
            "\n"
            "Write a dataset file in the format of nasbench_full.tfrecord (TFRecord\n"
            "framing, JSON rows, base64 ModelMetrics protobufs), compressed with zstd when\n"
            "OUT ends in .zst.\n"
            "\n"
            "THE NUMBERS ARE SYNTHETIC. Modules, adjacency, ops, hashes and trainable\n"
            "parameters are those of the real search space; accuracies, times and diverged\n"
            "runs come from a small random model that imitates only the form of the real\n"
            "data (accuracies float32(k/9984), float32 times, halfway below final, time\n"
            "growing with budget and parameters). Never use them as results.\n"
            "\n"
            "Records are sorted by module hash, budgets ascending within a module, repeats\n"
            "adjacent, as in the real files. Every value depends only on (seed, module\n"
            "hash, budget, repeat), so a subset holds exactly the full file's records of\n"
            "its modules.\n"
            "\n"
            "  --modules N   the first N modules in ascending hash order (default all:\n"
            "                423,624)\n"
            "  --budgets L   comma-separated epoch budgets, ascending (default 4,12,36,108)\n"
            "  --repeats R   runs per module and budget (default 3)\n"
            "  --seed S      seed of the synthetic values (default 0)\n"
            "  --zstd-level L  zstd level for .zst outputs (default 3)\n"
            "  --max-vertices V  only modules of at most V vertices (2..7, default 7: the\n"
            "                whole space; 5 gives 2,532 modules, instantly: for quick tests)\n"
            "  --help        this text\n"
            "\n"
            "Prints one JSON line: {\"file\": ..., \"records\": ..., \"modules\": ...,\n"
            "\"synthetic\": true}. Exit status: 0 ok, 2 usage, 8 I/O error.\n");
}

static int parse_budgets(const char *text, nb_synth_options *o)
{
    o->num_budgets = 0;
    const char *p = text;
    for (;;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 1000000 || (*end != ',' && *end != '\0'))
            return cli_usage("synth", "--budgets wants ascending positive integers, got '%s'",
                             text);
        if (o->num_budgets == NB_SYNTH_MAX_BUDGETS)
            return cli_usage("synth", "at most %d budgets", NB_SYNTH_MAX_BUDGETS);
        o->budgets[o->num_budgets++] = (int)v;
        if (*end == '\0')
            return NB_OK;
        p = end + 1;
    }
}

static void progress(void *ctx, int64_t done, int64_t total)
{
    (void)ctx;
    fprintf(stderr, "\rnasbench synth: %lld / %lld records (%.0f%%)", (long long)done,
            (long long)total, total ? 100.0 * (double)done / (double)total : 100.0);
    if (done == total)
        fputc('\n', stderr);
}

int cmd_synth(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"modules", required_argument, NULL, 'm'}, {"budgets", required_argument, NULL, 'b'},
        {"repeats", required_argument, NULL, 'r'}, {"seed", required_argument, NULL, 's'},
        {"zstd-level", required_argument, NULL, 'z'}, {"max-vertices", required_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    nb_synth_options o;
    nb_synth_defaults(&o);
    long long v;
    int c, rc;
    optind = 0;
    while ((c = getopt_long(argc, argv, "m:b:r:s:z:v:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (strcmp(optarg, "all") == 0) {
                o.modules = 0;
                break;
            }
            if ((rc = cli_parse_int("synth", "--modules", optarg, &v)))
                return rc;
            if (v < 1)
                return cli_usage("synth", "--modules wants a positive count or 'all'");
            o.modules = v;
            break;
        case 'b':
            if ((rc = parse_budgets(optarg, &o)))
                return rc;
            break;
        case 'r':
            if ((rc = cli_parse_int("synth", "--repeats", optarg, &v)))
                return rc;
            if (v < 1 || v > 1000)
                return cli_usage("synth", "--repeats wants 1 to 1000");
            o.repeats = (int)v;
            break;
        case 's':
            if ((rc = cli_parse_int("synth", "--seed", optarg, &v)))
                return rc;
            if (v < 0)
                return cli_usage("synth", "--seed wants a non-negative integer");
            o.seed = (uint64_t)v;
            break;
        case 'z':
            if ((rc = cli_parse_int("synth", "--zstd-level", optarg, &v)))
                return rc;
            if (v < 1 || v > 19)
                return cli_usage("synth", "--zstd-level wants 1 to 19");
            o.zstd_level = (int)v;
            break;
        case 'v':
            if ((rc = cli_parse_int("synth", "--max-vertices", optarg, &v)))
                return rc;
            if (v < 2 || v > 7)
                return cli_usage("synth", "--max-vertices wants 2 to 7");
            o.max_vertices = v == 7 ? 0 : (int)v;
            break;
        case 'h': usage(stdout); return NB_OK;
        default: return cli_bad_option("synth", argv);
        }
    }
    if (optind + 1 != argc)
        return cli_usage("synth", "need exactly one output file");
    const char *out = argv[optind];
    if (cli_stderr_is_tty())
        o.progress = progress;
    int64_t records;
    if ((rc = nb_synth_write(out, &o, &records)))
        return cli_fail("synth", rc);
    int64_t per_module = (int64_t)o.num_budgets * o.repeats;
    fputs("{\"file\": ", stdout);
    nb_json_put_string(stdout, out);
    printf(", \"records\": %lld, \"modules\": %lld, \"synthetic\": true}\n", (long long)records,
           (long long)(records / per_module));
    return fflush(stdout) ? cli_fail("synth", nb_seterr(NB_EIO, "writing stdout failed")) : NB_OK;
}
