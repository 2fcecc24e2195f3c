/* nasbench merge: merge databases (training shards, converted stores) into one. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "nasbench/db.h"
#include "nasbench/merge.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench merge OUT IN...\n"
            "\n"
            "Merge the databases IN... into OUT (created when missing), in one transaction:\n"
            "on any error OUT is left exactly as it was. Idempotent: a run already in OUT\n"
            "(same module, budget, total_time and evaluations, bit for bit) is not added\n"
            "again, so merging the same input twice adds nothing. Every source row is kept\n"
            "with its provenance; an added run takes the next free repeat of its module and\n"
            "budget. Prints one JSON line:\n"
            "  {\"sources_added\": N, \"modules_added\": N, \"runs_added\": N, \"runs_skipped\": N}\n"
            "\n"
            "  --help  this text\n"
            "\n"
            "Exit status: 0 ok, 2 usage (or an input that is OUT itself), 7 corrupt input,\n"
            "8 I/O, 9 database.\n");
}

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return NB_OK;
        }
        return cli_bad_option("merge", argv);
    }
    if (argc - optind < 2)
        return cli_usage("merge", "want OUT and at least one IN");
    nb_db *out;
    int rc = nb_db_open(argv[optind], NB_OPEN_CREATE, &out);
    if (rc != NB_OK)
        return cli_fail("merge", rc);
    nb_merge_stats st;
    rc = nb_merge(out, (const char *const *)argv + optind + 1, argc - optind - 1, &st);
    int crc = nb_db_close(out);
    if (rc == NB_OK)
        rc = crc;
    if (rc != NB_OK)
        return cli_fail("merge", rc);
    printf("{\"sources_added\": %lld, \"modules_added\": %lld, \"runs_added\": %lld, "
           "\"runs_skipped\": %lld}\n",
           (long long)st.sources_added, (long long)st.modules_added, (long long)st.runs_added,
           (long long)st.runs_skipped);
    return NB_OK;
}
