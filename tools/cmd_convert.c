/* nasbench convert: dataset TFRecord files into a SQLite database. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nasbench/db.h"
#include "nb_convert.h"
#include "nb_json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench convert [--skip-corrupt] DB FILE...\n"
            "\n"
            "Convert NAS-Bench-101 TFRecord files (nasbench_only108.tfrecord,\n"
            "nasbench_full.tfrecord, files written by 'nasbench synth' or 'nasbench export';\n"
            "plain or zstd-compressed) into the SQLite database DB, created when missing.\n"
            "Every CRC, every payload, every spec and every module hash is checked.\n"
            "\n"
            "Each file is one transaction: a bad record stops the conversion with one line\n"
            "naming the file, the record index and the byte offset, and the database is\n"
            "left as it was before that file. Ctrl-C rolls the file back (exit 11).\n"
            "\n"
            "A file already converted (same SHA-256) adds nothing. Converting a file into a\n"
            "database that holds runs adds only the new runs: a run with the same module,\n"
            "budget and values (every field, bit for bit) as a stored run of another file\n"
            "is the same run (see docs/store.md).\n"
            "\n"
            "  --skip-corrupt  skip bad records instead of stopping; they are counted by\n"
            "                  kind and reported. A record whose framing is lost (truncated\n"
            "                  file, bad length CRC) ends the file.\n"
            "  --help          this text\n"
            "\n"
            "Prints one JSON object per file on stdout: file, status (\"converted\" or\n"
            "\"already converted\"), sha256, source_id, records, runs_added, runs_existing,\n"
            "modules_added, raw_records, skipped (by kind), stopped_early, bytes, seconds.\n"
            "Progress goes to stderr when it is a terminal.\n"
            "\n"
            "Exit status: 0 ok, 7 corrupt input, 8 I/O error, 9 database error,\n"
            "11 interrupted, 2 usage.\n");
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void show_progress(void *ctx, const nb_convert_progress *p)
{
    (void)ctx;
    double rate = p->seconds > 0 ? (double)p->records / p->seconds : 0;
    double mb = (double)p->bytes_done / 1e6, total = (double)p->bytes_total / 1e6;
    if (p->bytes_total == 0 || p->bytes_done == 0 || p->bytes_done > p->bytes_total) {
        /* a pipe: no size, so no ETA */
        fprintf(stderr, "\r%s: %.1f MB, %.0f records/s   ", p->file, mb, rate);
    } else {
        double eta = p->seconds * (double)(p->bytes_total - p->bytes_done) / (double)p->bytes_done;
        fprintf(stderr, "\r%s: %.1f / %.1f MB, %.0f records/s, ETA %d:%02d   ", p->file, mb,
                total, rate, (int)eta / 60, (int)eta % 60);
    }
    fflush(stderr);
}

static void print_report(const char *file, const nb_convert_report *r)
{
    printf("{\"file\": ");
    nb_json_put_string(stdout, file);
    printf(", \"status\": \"%s\", \"sha256\": \"%s\", \"source_id\": %lld, \"records\": %lld, "
           "\"runs_added\": %lld, \"runs_existing\": %lld, \"modules_added\": %lld, "
           "\"raw_records\": %lld, \"skipped\": {",
           r->already_converted ? "already converted" : "converted", r->sha256,
           (long long)r->source_id, (long long)r->records, (long long)r->runs_added,
           (long long)r->runs_existing, (long long)r->modules_added, (long long)r->raw_records);
    const char *sep = "";
    for (int k = 1; k < NB_CORRUPT_COUNT; k++) {
        if (!r->skipped_by_kind[k])
            continue;
        printf("%s\"%s\": %lld", sep, nb_corrupt_name(k), (long long)r->skipped_by_kind[k]);
        sep = ", ";
    }
    char secs[32];
    printf("}, \"stopped_early\": %s, \"bytes\": %llu, \"seconds\": %s}\n",
           r->stopped_early ? "true" : "false", (unsigned long long)r->bytes,
           nb_json_fmt_double((double)(long long)(r->seconds * 1000) / 1000, secs));
    fflush(stdout);
}

/* Human notes on stderr: what was skipped, what was already there. */
static void print_notes(const char *file, const nb_convert_report *r)
{
    if (r->already_converted)
        fprintf(stderr, "nasbench convert: %s: already converted (source %lld, same SHA-256), "
                        "nothing added\n", file, (long long)r->source_id);
    if (r->skipped) {
        fprintf(stderr, "nasbench convert: %s: skipped %lld bad record%s:", file,
                (long long)r->skipped, r->skipped == 1 ? "" : "s");
        for (int k = 1; k < NB_CORRUPT_COUNT; k++)
            if (r->skipped_by_kind[k])
                fprintf(stderr, " %s %lld;", nb_corrupt_name(k), (long long)r->skipped_by_kind[k]);
        fprintf(stderr, "%s\n", r->stopped_early ? " the rest of the file was unreadable" : "");
    }
}

int cmd_convert(int argc, char **argv)
{
    static const struct option longopts[] = {{"skip-corrupt", no_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    nb_convert_options opt = {.interrupt = &interrupted};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return NB_OK;
        }
        if (c == 's')
            opt.skip_corrupt = 1;
        else
            return cli_bad_option("convert", argv);
    }
    if (argc - optind < 2)
        return cli_usage("convert", "needs a database and at least one file");
    /* A file that cannot be read at all fails before the database is
     * created or touched: no empty database left behind by a typo. Checked
     * without opening it: opening and closing a pipe would lose what its
     * writer sends meanwhile. */
    for (int i = optind + 1; i < argc; i++) {
        struct stat sb;
        int err = stat(argv[i], &sb) ? errno : S_ISDIR(sb.st_mode) ? EISDIR
                                               : access(argv[i], R_OK) ? errno
                                                                       : 0;
        if (err)
            return cli_fail("convert", nb_seterr(NB_EIO, "%s: cannot open: %s", argv[i],
                                                 strerror(err)));
    }
    if (cli_stderr_is_tty())
        opt.progress = show_progress;

    struct sigaction sa = {.sa_handler = on_sigint}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    nb_db *db;
    int rc = nb_db_open(argv[optind], NB_OPEN_CREATE, &db);
    for (int i = optind + 1; !rc && i < argc; i++) {
        nb_convert_report report;
        rc = nb_convert_file(db, argv[i], &opt, &report);
        if (opt.progress)
            fprintf(stderr, "\r\033[K");
        if (!rc) {
            print_report(argv[i], &report);
            print_notes(argv[i], &report);
        }
    }
    if (rc)
        cli_fail("convert", rc);
    int crc = nb_db_close(db);
    sigaction(SIGINT, &old, NULL);
    if (!rc && crc)
        return cli_fail("convert", crc);
    return rc;
}
