/* nasbench info: what a database holds, as JSON. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "nasbench/db.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench info [--migrate] DB\n"
            "\n"
            "Print a summary of the database DB as one JSON object:\n"
            "  schema_version, modules, runs, evaluations,\n"
            "  budgets: [{epochs, runs, modules, evaluations}, ...] (ascending epochs),\n"
            "  sources: [{id, kind, file_name, sha256, record_count, created_at,\n"
            "             program_version, runs}, ...]\n"
            "The database is opened read-only.\n"
            "\n"
            "  --migrate  first open it read-write, which brings a database of an\n"
            "             older schema version to the current one (in one transaction)\n"
            "             and builds what the new version adds (the query cache)\n"
            "  --help     this text\n"
            "\n"
            "Exit status: 0 ok, 8 cannot open, 9 database error, 2 usage.\n");
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                             {"migrate", no_argument, NULL, 'm'},
                                             {NULL, 0, NULL, 0}};
    int c, migrate = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return NB_OK;
        }
        if (c == 'm') {
            migrate = 1;
            continue;
        }
        return cli_bad_option("info", argv);
    }
    if (argc - optind != 1)
        return cli_usage("info", "needs one database");
    nb_db *db;
    int rc = migrate ? nb_db_open(argv[optind], NB_OPEN_READWRITE, &db) : NB_OK;
    if (migrate && !rc)
        nb_db_close(db);
    if (!rc)
        rc = nb_db_open(argv[optind], NB_OPEN_READONLY, &db);
    if (!rc)
        rc = nb_db_write_info(db, stdout);
    nb_db_close(db);
    return rc ? cli_fail("info", rc) : NB_OK;
}
