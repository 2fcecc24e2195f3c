/* nasbench top: the best runs or modules at a budget by any metric. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "nasbench/query.h"
#include "nb_json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench top DB --by METRIC [--epochs 108] [-n 10] [--mean] [--ascending]\n"
            "                    [--min-vertices V] [--max-vertices V]\n"
            "                    [--min-params P] [--max-params P]\n"
            "       nasbench top DB --count [--epochs E] [vertex and parameter bounds]\n"
            "\n"
            "Rank the runs at one budget by a metric, best first, one JSON line per row:\n"
            "  {\"rank\": 1, \"hash\": ..., \"repeat\": K, \"METRIC\": value,\n"
            "   \"trainable_parameters\": ..., \"num_vertices\": ...}\n"
            "With --mean, rank modules by the mean over their repeats (\"repeat\": \"mean\",\n"
            "\"num_repeats\": N). Ties go to the smaller hash, then the smaller repeat.\n"
            "\n"
            "  --by METRIC        final_validation_accuracy, final_test_accuracy,\n"
            "                     final_train_accuracy, final_training_time,\n"
            "                     halfway_validation_accuracy, halfway_test_accuracy,\n"
            "                     halfway_train_accuracy, halfway_training_time or\n"
            "                     trainable_parameters\n"
            "  --epochs E         budget (default 108)\n"
            "  -n K               rows (default 10)\n"
            "  --mean             modules by their mean over repeats\n"
            "  --ascending        smallest first (e.g. for training time)\n"
            "  --min-vertices V, --max-vertices V, --min-params P, --max-params P\n"
            "                     only modules within these bounds (inclusive)\n"
            "  --count            print {\"modules\": N}: how many modules have runs at the\n"
            "                     budget and pass the bounds (with --epochs 0: all modules)\n"
            "  --help             this text\n"
            "\n"
            "Exit status: 0 ok, 2 usage (unknown metric), 5 budget not in the database,\n"
            "9 database error.\n");
}

static void print_row(const nb_top_query *q, int rank, const nb_top_row *row)
{
    char num[40];
    printf("{\"rank\": %d, \"hash\": \"%s\", ", rank, row->hash);
    if (row->repeat == NB_REPEAT_MEAN)
        printf("\"repeat\": \"mean\", \"num_repeats\": %d, ", row->num_repeats);
    else
        printf("\"repeat\": %d, ", row->repeat);
    printf("\"%s\": %s, \"trainable_parameters\": ", q->metric, nb_json_fmt_double(row->value, num));
    if (row->trainable_parameters < 0)
        printf("null");
    else
        printf("%" PRId64, row->trainable_parameters);
    printf(", \"num_vertices\": %d}\n", row->num_vertices);
}

static int parse_bound(const char *opt, const char *text, long long *v)
{
    return cli_parse_int("top", opt, text, v);
}

int cmd_top(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"by", required_argument, 0, 'b'},           {"epochs", required_argument, 0, 'e'},
        {"mean", no_argument, 0, 'M'},               {"ascending", no_argument, 0, 'a'},
        {"min-vertices", required_argument, 0, 'v'}, {"max-vertices", required_argument, 0, 'V'},
        {"min-params", required_argument, 0, 'p'},   {"max-params", required_argument, 0, 'P'},
        {"count", no_argument, 0, 'c'},              {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    nb_top_query q = {.metric = NULL, .epochs = 108, .limit = 10};
    nb_filter_init(&q.filter);
    int count_only = 0, c;
    long long v;
    optind = 0;
    while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': q.metric = optarg; break;
        case 'M': q.mean = 1; break;
        case 'a': q.ascending = 1; break;
        case 'c': count_only = 1; break;
        case 'e':
        case 'n':
        case 'v':
        case 'V':
            if (parse_bound(c == 'e' ? "--epochs" : c == 'n' ? "-n" : "--min/max-vertices", optarg,
                            &v))
                return NB_EUSAGE;
            if (v < 0 || v > INT_MAX)
                return cli_usage("top", "%s out of range", optarg);
            if (c == 'e')
                q.epochs = (int)v;
            else if (c == 'n')
                q.limit = (int)v;
            else if (c == 'v')
                q.filter.min_vertices = (int)v;
            else
                q.filter.max_vertices = (int)v;
            break;
        case 'p':
        case 'P':
            if (parse_bound(c == 'p' ? "--min-params" : "--max-params", optarg, &v))
                return NB_EUSAGE;
            if (c == 'p')
                q.filter.min_parameters = v;
            else
                q.filter.max_parameters = v;
            break;
        case 'h': usage(stdout); return NB_OK;
        default: return cli_bad_option("top", argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage("top", "expected one database file");
    if (!count_only && !q.metric)
        return cli_usage("top", "--by METRIC is required");
    if (!count_only && !nb_metric_is_known(q.metric))
        return cli_usage("top", "unknown metric '%s'", q.metric);
    if (!count_only && (q.limit < 1 || q.limit > 1000000))
        return cli_usage("top", "-n must be between 1 and 1000000");
    nb_bench *b;
    int rc = nb_bench_open(argv[optind], &b);
    if (rc)
        return cli_fail("top", rc);
    if (count_only) {
        int64_t n;
        q.filter.epochs = q.epochs;
        rc = nb_module_count(b, &q.filter, &n);
        if (!rc)
            printf("{\"modules\": %" PRId64 "}\n", n);
    } else {
        nb_top_row *rows = malloc((size_t)q.limit * sizeof *rows);
        int n = 0;
        rc = rows ? nb_top(b, &q, rows, &n) : nb_seterr(NB_ENOMEM, "out of memory");
        for (int i = 0; !rc && i < n; i++)
            print_row(&q, i + 1, &rows[i]);
        free(rows);
    }
    if (rc)
        cli_fail("top", rc);
    nb_bench_close(b);
    return rc;
}
