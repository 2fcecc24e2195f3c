/* nasbench query: the original query() on a database, one spec or JSON lines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nasbench/query.h"
#include "nb_query_line.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench query DB --matrix MATRIX --ops OPS [options]\n"
            "       nasbench query DB --hash HASH [options]\n"
            "       nasbench query DB --jsonl [options] < specs.jsonl\n"
            "\n"
            "Query a module as the original NASBench.query(spec, epochs, stop_halfway)\n"
            "does: prune and check the spec, hash it, look it up, and print one repeat of\n"
            "its training at that budget as one JSON line:\n"
            "  {\"module_adjacency\": ..., \"module_operations\": ..., \"trainable_parameters\":\n"
            "   ..., \"training_time\": ..., \"train_accuracy\": ..., \"validation_accuracy\":\n"
            "   ..., \"test_accuracy\": ..., \"repeat\": K, \"hash\": ...}\n"
            "The adjacency and ops printed are the stored canonical form of the module.\n"
            "Values are exactly as stored; null marks a value the run does not have.\n"
            "\n"
            "  --matrix M        adjacency as JSON ('[[0,1],[0,0]]') or bit string ('0100')\n"
            "  --ops O           op names, comma-separated or a JSON array\n"
            "  --hash H          a module hash instead of a spec\n"
            "  --jsonl           one {\"matrix\": ..., \"ops\": ...} or {\"hash\": ...} per stdin\n"
            "                    line; one result per line, in order; a bad line gives\n"
            "                    {\"error\": ..., \"code\": N, \"line\": L} and the batch goes on\n"
            "  --epochs E        budget (default 108); must be stored in the database\n"
            "  --stop-halfway    the state at epoch E/2 of the E-epoch run\n"
            "  --seed N          seed the random repeat as Python's random.seed(N): the\n"
            "                    draws match NASBench(file, seed=N) (default: OS entropy)\n"
            "  --repeat K        read repeat K instead of a random one\n"
            "  --mean            the mean over all repeats (\"repeat\": \"mean\")\n"
            "  --counters        finally print {\"training_time_spent\": ..., \"total_epochs_spent\":\n"
            "                    ...}: the original's budget counters after these queries\n"
            "  --help            this text\n"
            "\n"
            "Exit status: 0 ok, 2 usage, 3 malformed input, 4 invalid spec, 5 out of domain\n"
            "(spec not in the search space, or a budget not in the database), 6 not found,\n"
            "9 database error. With --jsonl, the code of the first failed line (0 if none).\n");
}

typedef struct query_opts {
    int epochs, stop_halfway, repeat, counters;
} query_opts;

typedef struct query_ctx {
    nb_bench *bench;
    const query_opts *opts;
} query_ctx;

static int answer(void *ctx, const nb_query_line *line, FILE *out)
{
    const query_ctx *q = ctx;
    const query_opts *o = q->opts;
    nb_query_result r;
    int rc = line->is_hash
                 ? nb_query_hash(q->bench, line->hash, o->epochs, o->stop_halfway, o->repeat, &r)
                 : nb_query(q->bench, &line->spec, o->epochs, o->stop_halfway, o->repeat, &r);
    if (!rc) {
        nb_query_result_write_json(out, &r);
        fputc('\n', out);
    }
    return rc;
}

int cmd_query(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"matrix", required_argument, 0, 'm'}, {"ops", required_argument, 0, 'o'},
        {"hash", required_argument, 0, 'H'},   {"jsonl", no_argument, 0, 'j'},
        {"epochs", required_argument, 0, 'e'}, {"stop-halfway", no_argument, 0, 's'},
        {"seed", required_argument, 0, 'S'},   {"repeat", required_argument, 0, 'r'},
        {"mean", no_argument, 0, 'M'},         {"counters", no_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *matrix = NULL, *ops = NULL, *hash = NULL;
    int jsonl = 0, seeded = 0, explicit_repeat = 0, mean = 0;
    long long seed = 0, v;
    query_opts o = {108, 0, NB_REPEAT_RANDOM, 0};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': matrix = optarg; break;
        case 'o': ops = optarg; break;
        case 'H': hash = optarg; break;
        case 'j': jsonl = 1; break;
        case 's': o.stop_halfway = 1; break;
        case 'M': mean = 1; break;
        case 'c': o.counters = 1; break;
        case 'e':
            if (cli_parse_int("query", "--epochs", optarg, &v))
                return NB_EUSAGE;
            if (v < 1 || v > 1000000)
                return cli_usage("query", "--epochs must be a positive budget");
            o.epochs = (int)v;
            break;
        case 'S':
            if (cli_parse_int("query", "--seed", optarg, &seed))
                return NB_EUSAGE;
            seeded = 1;
            break;
        case 'r':
            if (cli_parse_int("query", "--repeat", optarg, &v))
                return NB_EUSAGE;
            if (v < 0 || v > 1000000)
                return cli_usage("query", "--repeat must be >= 0");
            o.repeat = (int)v;
            explicit_repeat = 1;
            break;
        case 'h': usage(stdout); return NB_OK;
        default: return cli_bad_option("query", argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage("query", "expected one database file");
    if (mean && explicit_repeat)
        return cli_usage("query", "--repeat and --mean exclude each other");
    if (mean)
        o.repeat = NB_REPEAT_MEAN;
    nb_query_line line;
    int rc = cli_module_args("query", jsonl, hash, matrix, ops, &line);
    if (rc)
        return rc;
    nb_bench *b;
    rc = nb_bench_open(argv[optind], &b);
    if (rc)
        return cli_fail("query", rc);
    if (seeded)
        nb_bench_seed(b, (int64_t)seed);
    query_ctx ctx = {b, &o};
    /* Specs are not hashed ahead in blocks: nb_query finds a module by its
     * canonical code, cheaper than even the batch hash. */
    rc = cli_answer_modules("query", jsonl, 0, &line, answer, &ctx);
    if (o.counters) {
        double t;
        int64_t e;
        char num[40];
        nb_bench_budget_counters(b, &t, &e);
        printf("{\"training_time_spent\": %s, \"total_epochs_spent\": %lld}\n",
               nb_json_fmt_double(t, num), (long long)e);
    }
    nb_bench_close(b);
    return rc;
}
