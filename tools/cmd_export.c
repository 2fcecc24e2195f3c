/* nasbench export: a database's runs back to TFRecords in the original format. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nasbench/db.h"
#include "nb_convert.h"
#include "nb_json.h"

#define MAX_EPOCHS 64

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench export [--epochs LIST] [--source ID] DB OUT\n"
            "\n"
            "Write the runs of DB to OUT as a TFRecord file in the original NAS-Bench-101\n"
            "format (zstd-compressed when OUT ends in .zst), in stored order. For a\n"
            "database made from one file this gives that file back byte for byte. OUT is\n"
            "written as OUT.partial and renamed when complete.\n"
            "\n"
            "  --epochs LIST  only these budgets, comma-separated (e.g. 108 or 4,12)\n"
            "  --source ID    only the runs of this source (sources.id, see 'nasbench info')\n"
            "  --help         this text\n"
            "\n"
            "Prints {\"file\": OUT, \"records\": N} on stdout.\n"
            "Exit status: 0 ok, 8 I/O error, 9 database error, 11 interrupted, 2 usage.\n");
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int parse_epochs(const char *text, int *epochs, int *count)
{
    char *copy = strdup(text), *save = NULL;
    int rc = copy ? NB_OK : NB_ENOMEM;
    *count = 0;
    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; !rc && tok;
         tok = strtok_r(NULL, ",", &save)) {
        long long v;
        rc = cli_parse_int("export", "--epochs", tok, &v);
        if (!rc && (v < 1 || v > 1000000 || *count == MAX_EPOCHS))
            rc = cli_usage("export", "--epochs: bad budget '%s'", tok);
        if (!rc)
            epochs[(*count)++] = (int)v;
    }
    if (!rc && *count == 0)
        rc = cli_usage("export", "--epochs wants a list such as 4,12,36,108");
    free(copy);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {{"epochs", required_argument, NULL, 'e'},
                                             {"source", required_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int epochs[MAX_EPOCHS];
    nb_export_options opt = {.epochs = epochs, .interrupt = &interrupted};
    int c, rc;
    long long v;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return NB_OK;
        case 'e':
            if ((rc = parse_epochs(optarg, epochs, &opt.num_epochs)))
                return rc;
            break;
        case 's':
            if ((rc = cli_parse_int("export", "--source", optarg, &v)))
                return rc;
            if (v < 1)
                return cli_usage("export", "--source wants a positive id");
            opt.source_id = v;
            break;
        default:
            return cli_bad_option("export", argv);
        }
    }
    if (argc - optind != 2)
        return cli_usage("export", "needs a database and an output file");
    struct sigaction sa = {.sa_handler = on_sigint}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    nb_db *db;
    int64_t records = 0;
    rc = nb_db_open(argv[optind], NB_OPEN_READONLY, &db);
    if (!rc)
        rc = nb_export(db, argv[optind + 1], &opt, &records);
    nb_db_close(db);
    sigaction(SIGINT, &old, NULL);
    if (rc)
        return cli_fail("export", rc);
    printf("{\"file\": ");
    nb_json_put_string(stdout, argv[optind + 1]);
    printf(", \"records\": %lld}\n", (long long)records);
    return NB_OK;
}
