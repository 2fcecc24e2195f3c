/* nasbench stats: fixed and computed statistics of a module (the original's
 * get_metrics_from_spec / get_metrics_from_hash). */
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
            "usage: nasbench stats DB --hash HASH\n"
            "       nasbench stats DB --matrix MATRIX --ops OPS\n"
            "       nasbench stats DB --jsonl < specs.jsonl\n"
            "\n"
            "Print every stored run of one module as one JSON line, with the original\n"
            "API's key names:\n"
            "  {\"hash\": ..., \"fixed\": {\"module_adjacency\": ..., \"module_operations\": ...,\n"
            "   \"trainable_parameters\": ...},\n"
            "   \"computed\": {\"4\": [...], \"12\": [...], \"36\": [...], \"108\": [...]}}\n"
            "Each budget lists its repeats in stored order, each with halfway_training_time,\n"
            "halfway_train_accuracy, halfway_validation_accuracy, halfway_test_accuracy,\n"
            "final_training_time, final_train_accuracy, final_validation_accuracy and\n"
            "final_test_accuracy, exactly as stored (null: absent from the run).\n"
            "A spec is pruned, checked and hashed first. No randomness, no counters.\n"
            "\n"
            "  --hash H     a module hash\n"
            "  --matrix M   adjacency as JSON ('[[0,1],[0,0]]') or bit string ('0100')\n"
            "  --ops O      op names, comma-separated or a JSON array\n"
            "  --jsonl      one {\"matrix\": ..., \"ops\": ...} or {\"hash\": ...} per stdin line;\n"
            "               one result per line, in order; a bad line gives {\"error\": ...,\n"
            "               \"code\": N, \"line\": L} and the batch goes on\n"
            "  --help       this text\n"
            "\n"
            "Exit status: 0 ok, 2 usage, 3 malformed input, 4 invalid spec, 5 out of domain,\n"
            "6 not found, 9 database error. With --jsonl, the code of the first failed line.\n");
}

static int answer(void *ctx, const nb_query_line *line, FILE *out)
{
    nb_bench *b = ctx;
    nb_module_stats *s;
    int rc = line->is_hash ? nb_module_stats_by_hash(b, line->hash, &s)
                           : nb_module_stats_by_spec(b, &line->spec, &s);
    if (!rc) {
        nb_module_stats_write_json(out, s);
        fputc('\n', out);
        nb_module_stats_free(s);
    }
    return rc;
}

int cmd_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"matrix", required_argument, 0, 'm'}, {"ops", required_argument, 0, 'o'},
        {"hash", required_argument, 0, 'H'},   {"jsonl", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *matrix = NULL, *ops = NULL, *hash = NULL;
    int jsonl = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': matrix = optarg; break;
        case 'o': ops = optarg; break;
        case 'H': hash = optarg; break;
        case 'j': jsonl = 1; break;
        case 'h': usage(stdout); return NB_OK;
        default: return cli_bad_option("stats", argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage("stats", "expected one database file");
    nb_query_line line;
    int rc = cli_module_args("stats", jsonl, hash, matrix, ops, &line);
    if (rc)
        return rc;
    nb_bench *b;
    rc = nb_bench_open(argv[optind], &b);
    if (rc)
        return cli_fail("stats", rc);
    rc = cli_answer_modules("stats", jsonl, 1, &line, answer, b);
    nb_bench_close(b);
    return rc;
}
