/* nasbench train: train modules with the original protocol and write the
 * runs into a database. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "nasbench/train.h"
#include "nb_json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nasbench train DB (--hash H... | --hashes F | --specs F |\n"
            "                          --matrix M --ops O | --all-missing)\n"
            "                      --epochs E --data DIR [options]\n"
            "\n"
            "Train modules of the NAS-Bench-101 space on CIFAR-10 (binary edition) with the\n"
            "original protocol (RMSProp, cosine LR 0.2, batch 256, evaluations at step 0,\n"
            "halfway and end) and write each finished run, with its evaluations, its\n"
            "module if new and a 'trainer' source holding the full configuration, into DB\n"
            "(created when missing) in one transaction. Prints one JSON line per run,\n"
            "and one per skipped unit ({\"hash\": ..., \"skipped\": true, ...}).\n"
            "\n"
            "what to train (sorted by hash; unit i = module i mod N, repeat i div N + 1):\n"
            "  --hash H          a module of the database (repeatable; or comma-separated)\n"
            "  --hashes FILE     hashes one per line ('-': stdin)\n"
            "  --specs FILE      JSON lines {\"matrix\": M, \"ops\": O} ('-': stdin), e.g. the\n"
            "                    output of 'nasbench generate'\n"
            "  --matrix M --ops O  a spec (JSON matrix or bit string; ops list)\n"
            "  --all-missing     every module with no run at this budget (this\n"
            "                    campaign's own runs aside, so restarts see the same list)\n"
            "  --from DB2        read modules and the --all-missing list from DB2\n"
            "  --epochs E        the budget (4, 12, 36, 108 in the dataset)\n"
            "  --repeats R       work units per module (1); a rerun skips finished units\n"
            "  --seed S          campaign seed (0); each unit's seed derives from it\n"
            "  --shard I/N       this worker's share: units I, I+N, I+2N, ...\n"
            "\n"
            "data and state:\n"
            "  --data DIR        data_batch_1..5.bin and test_batch.bin\n"
            "  --resume          continue an interrupted run from its checkpoint\n"
            "  --checkpoint-dir D  checkpoints (zstd) go there (default DB.ckpt)\n"
            "  --checkpoint-steps N  every N steps (default: every 300 s)\n"
            "  --threads N       threads (default: all cores; results are deterministic\n"
            "                    for a given seed and thread count)\n"
            "  --progress        progress on stderr even when it is not a terminal\n"
            "  --max-attempts N  tries per work unit (5, the original's, the first\n"
            "                    included): a run whose loss becomes NaN or infinite (or\n"
            "                    that runs out of memory) is retried from scratch with\n"
            "                    the next attempt's seed; after N failures the unit is\n"
            "                    skipped, reported, nothing of it written\n"
            "\n"
            "network and protocol (defaults are the original's):\n"
            "  --stem-channels N (128)  --stacks N (3)  --modules-per-stack N (3)\n"
            "  --batch-size N (256)  --train-images N (40000)  --eval-images N (9984)\n"
            "  --bn-shards N (2: batch-norm statistics per half batch, as the TPU shards)\n"
            "  --learning-rate X (0.2)  --weight-decay X (1e-4)\n"
            "  --bn-momentum X (0.997; runs of a few hundred steps want less, e.g. 0.9)\n"
            "  --max-train-seconds S (14400: training stops once its training_time passes\n"
            "                    S; the evaluations still due are made there; 0: no cap)\n"
            "\n"
            "SIGINT or SIGTERM stop after the current step with a checkpoint (exit 11);\n"
            "a killed process never leaves part of a run in DB.\n"
            "Exit status: 0 ok, 1 work units skipped after failing every attempt (the\n"
            "others are stored), 2 usage, 3 malformed spec or data, 5 out of domain,\n"
            "6 hash not found, 7 corrupt data, 8 I/O, 9 database, 11 interrupted.\n");
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct progress_state {
    int enabled;
    int open; /* a progress line without its newline is on stderr */
    double last;
    int epochs;
} progress_state;

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void on_progress(const nb_train_progress *p, void *ctx)
{
    progress_state *ps = ctx;
    double t = wall();
    if (!ps->enabled || (t - ps->last < 1.0 && p->step != p->steps))
        return;
    ps->last = t;
    ps->open = p->step != p->steps;
    long eta = (long)p->eta_seconds;
    fprintf(stderr,
            "\rtrain %.8s r%d [%d/%d] epoch %.2f step %lld/%lld loss %.4f %.1f img/s "
            "ETA %ld:%02ld:%02ld ",
            p->hash, p->unit_repeat, p->unit, p->units, p->epoch, (long long)p->step,
            (long long)p->steps, p->loss, p->images_per_second, eta / 3600, eta / 60 % 60,
            eta % 60);
    if (p->step == p->steps)
        fputc('\n', stderr);
}

static void on_result(const nb_train_result *r, void *ctx)
{
    progress_state *ps = ctx;
    const int *epochs = &ps->epochs;
    char b[32];
    if (ps->open) /* a run stopped by the time cap ends before its last step */
        fputc('\n', stderr);
    ps->open = 0;
    printf("{\"hash\": \"%s\", \"epochs\": %d, \"repeat\": %d, \"run_id\": %lld, "
           "\"unit_repeat\": %d, \"run_seed\": %llu, \"attempt\": %d, \"unit_seed\": %llu, "
           "\"trainable_parameters\": %lld, ",
           r->hash, *epochs, r->repeat, (long long)r->run_id, r->unit_repeat,
           (unsigned long long)r->run_seed, r->attempt, (unsigned long long)r->unit_seed,
           (long long)r->trainable_parameters);
    printf("\"stopped_early\": %s, \"steps\": %lld, ", r->stopped_early ? "true" : "false",
           (long long)r->steps);
    printf("\"total_time\": %s, \"evaluations\": [", nb_json_fmt_double(r->total_time, b));
    for (int i = 0; i < r->num_evaluations; i++) {
        const nb_evaluation *e = &r->evaluations[i];
        printf("%s{\"current_epoch\": %s, ", i ? ", " : "", nb_json_fmt_double(e->current_epoch, b));
        printf("\"training_time\": %s, ", nb_json_fmt_double(e->training_time, b));
        printf("\"train_accuracy\": %s, ", nb_json_fmt_double(e->train_accuracy, b));
        printf("\"validation_accuracy\": %s, ", nb_json_fmt_double(e->validation_accuracy, b));
        printf("\"test_accuracy\": %s}", nb_json_fmt_double(e->test_accuracy, b));
    }
    printf("]}\n");
    fflush(stdout);
}

/* A failed attempt: a line on stderr; a skipped unit also gets a JSON line on
 * stdout, so that a script reading the results sees every unit of the job. */
static void on_failure(const nb_train_failure *f, void *ctx)
{
    progress_state *ps = ctx;
    if (ps->open)
        fputc('\n', stderr);
    ps->open = 0;
    if (!f->skipped) {
        fprintf(stderr,
                "nasbench train: module %s, %d epochs, unit repeat %d: attempt %d of %d failed "
                "(seed %llu): %s; retrying from scratch\n",
                f->hash, f->epochs, f->unit_repeat, f->attempt, f->max_attempts,
                (unsigned long long)f->run_seed, f->message);
        return;
    }
    fprintf(stderr,
            "nasbench train: skipped module %s, %d epochs, unit repeat %d after %d failed "
            "attempts; last (seed %llu): %s\n",
            f->hash, f->epochs, f->unit_repeat, f->attempt, (unsigned long long)f->run_seed,
            f->message);
    printf("{\"hash\": \"%s\", \"epochs\": %d, \"unit_repeat\": %d, \"skipped\": true, "
           "\"attempts\": %d, \"code\": %d, \"error\": ",
           f->hash, f->epochs, f->unit_repeat, f->attempt, f->code);
    nb_json_put_string(stdout, f->message);
    printf("}\n");
    fflush(stdout);
}

/* Everything the command line said. */
typedef struct args {
    nb_train_options o;
    const char *db, *from, *data, *matrix, *ops, *hashes_file, *specs_file;
    char **hashes;
    int nhashes, all_missing, progress;
    char ckpt_default[4096];
} args;

enum {
    O_HASH = 256, O_HASHES, O_MATRIX, O_OPS, O_ALL, O_FROM, O_EPOCHS, O_REPEATS, O_SEED,
    O_SHARD, O_DATA, O_RESUME, O_CKDIR, O_CKSTEPS, O_THREADS, O_PROGRESS, O_STEM, O_STACKS,
    O_MPS, O_BATCH, O_TRAIN, O_EVAL, O_BNS, O_LR, O_WD, O_BNM, O_SPECS, O_MAXSEC, O_ATTEMPTS,
    O_HELP
};

/* Integer option into *dst, within [lo, hi]. */
static int int_opt(const char *name, const char *text, long long lo, long long hi, int *dst)
{
    long long v;
    int rc = cli_parse_int("train", name, text, &v);
    if (rc != NB_OK)
        return rc;
    if (v < lo || v > hi)
        return cli_usage("train", "%s wants %lld..%lld, got %lld", name, lo, hi, v);
    *dst = (int)v;
    return NB_OK;
}

static int float_opt(const char *name, const char *text, float *dst)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !(v >= 0))
        return cli_usage("train", "%s wants a non-negative number, got '%s'", name, text);
    *dst = (float)v;
    return NB_OK;
}

static int seconds_opt(const char *name, const char *text, double *dst)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !(v >= 0) || v > 1e12)
        return cli_usage("train", "%s wants a number of seconds >= 0, got '%s'", name, text);
    *dst = v;
    return NB_OK;
}

static int parse_option(args *a, int c, const char *arg)
{
    nb_train_config *cf = &a->o.config;
    long long seed;
    int rc = NB_OK;
    switch (c) {
    case O_HASH: {
        char **h = realloc(a->hashes, (size_t)(a->nhashes + 1) * sizeof *h);
        if (!h)
            return cli_usage("train", "out of memory");
        a->hashes = h;
        a->hashes[a->nhashes++] = (char *)arg;
        return NB_OK;
    }
    case O_HASHES: a->hashes_file = arg; return NB_OK;
    case O_SPECS: a->specs_file = arg; return NB_OK;
    case O_MATRIX: a->matrix = arg; return NB_OK;
    case O_OPS: a->ops = arg; return NB_OK;
    case O_ALL: a->all_missing = 1; return NB_OK;
    case O_FROM: a->from = arg; return NB_OK;
    case O_DATA: a->data = arg; return NB_OK;
    case O_RESUME: a->o.resume = 1; return NB_OK;
    case O_CKDIR: a->o.checkpoint_dir = arg; return NB_OK;
    case O_PROGRESS: a->progress = 1; return NB_OK;
    case O_EPOCHS: return int_opt("--epochs", arg, 1, 100000, &a->o.epochs);
    case O_REPEATS: return int_opt("--repeats", arg, 1, 1000, &a->o.repeats);
    case O_ATTEMPTS: return int_opt("--max-attempts", arg, 1, 100, &a->o.max_attempts);
    case O_MAXSEC: return seconds_opt("--max-train-seconds", arg, &cf->max_train_seconds);
    case O_CKSTEPS: return int_opt("--checkpoint-steps", arg, 1, 1 << 30, &a->o.checkpoint_steps);
    case O_THREADS: return int_opt("--threads", arg, 1, 1024, &a->o.threads);
    case O_STEM: return int_opt("--stem-channels", arg, 1, 4096, &cf->stem_channels);
    case O_STACKS: return int_opt("--stacks", arg, 1, 8, &cf->num_stacks);
    case O_MPS: return int_opt("--modules-per-stack", arg, 1, 64, &cf->modules_per_stack);
    case O_BATCH: return int_opt("--batch-size", arg, 1, 65536, &cf->batch_size);
    case O_TRAIN: return int_opt("--train-images", arg, 1, 1 << 30, &cf->train_images);
    case O_EVAL: return int_opt("--eval-images", arg, 1, 1 << 30, &cf->eval_images);
    case O_BNS: return int_opt("--bn-shards", arg, 1, 4096, &cf->bn_shards);
    case O_LR: return float_opt("--learning-rate", arg, &cf->learning_rate);
    case O_WD: return float_opt("--weight-decay", arg, &cf->weight_decay);
    case O_BNM:
        if ((rc = float_opt("--bn-momentum", arg, &cf->bn_momentum)) == NB_OK &&
            cf->bn_momentum >= 1.0f)
            return cli_usage("train", "--bn-momentum wants a value below 1");
        return rc;
    case O_SEED:
        if ((rc = cli_parse_int("train", "--seed", arg, &seed)) == NB_OK && seed < 0)
            return cli_usage("train", "--seed wants a non-negative integer");
        a->o.seed = (uint64_t)seed;
        return rc;
    case O_SHARD:
        if (nb_shard_parse(arg, &a->o.shard_index, &a->o.shard_count) != NB_OK)
            return cli_usage("train", "%s", nb_errmsg());
        return NB_OK;
    default: return cli_usage("train", "unknown option");
    }
}

static int parse_args(args *a, int argc, char **argv, int *help)
{
    static const struct option longopts[] = {
        {"hash", required_argument, NULL, O_HASH}, {"hashes", required_argument, NULL, O_HASHES},
        {"specs", required_argument, NULL, O_SPECS},
        {"bn-momentum", required_argument, NULL, O_BNM},
        {"matrix", required_argument, NULL, O_MATRIX}, {"ops", required_argument, NULL, O_OPS},
        {"all-missing", no_argument, NULL, O_ALL}, {"from", required_argument, NULL, O_FROM},
        {"epochs", required_argument, NULL, O_EPOCHS},
        {"repeats", required_argument, NULL, O_REPEATS}, {"seed", required_argument, NULL, O_SEED},
        {"shard", required_argument, NULL, O_SHARD}, {"data", required_argument, NULL, O_DATA},
        {"resume", no_argument, NULL, O_RESUME},
        {"checkpoint-dir", required_argument, NULL, O_CKDIR},
        {"checkpoint-steps", required_argument, NULL, O_CKSTEPS},
        {"threads", required_argument, NULL, O_THREADS},
        {"progress", no_argument, NULL, O_PROGRESS},
        {"stem-channels", required_argument, NULL, O_STEM},
        {"stacks", required_argument, NULL, O_STACKS},
        {"modules-per-stack", required_argument, NULL, O_MPS},
        {"batch-size", required_argument, NULL, O_BATCH},
        {"train-images", required_argument, NULL, O_TRAIN},
        {"eval-images", required_argument, NULL, O_EVAL},
        {"bn-shards", required_argument, NULL, O_BNS},
        {"learning-rate", required_argument, NULL, O_LR},
        {"weight-decay", required_argument, NULL, O_WD},
        {"max-train-seconds", required_argument, NULL, O_MAXSEC},
        {"max-attempts", required_argument, NULL, O_ATTEMPTS}, {"help", no_argument, NULL, O_HELP},
        {0, 0, 0, 0}};
    optind = 0;
    int c, rc;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == O_HELP) {
            *help = 1;
            return NB_OK;
        }
        if (c == '?')
            return cli_bad_option("train", argv);
        if ((rc = parse_option(a, c, optarg)) != NB_OK)
            return rc;
    }
    if (argc - optind != 1)
        return cli_usage("train", "want exactly one database");
    a->db = argv[optind];
    int kinds = (a->nhashes || a->hashes_file) + (a->matrix || a->ops) + a->all_missing +
                (a->specs_file != NULL);
    if (kinds != 1)
        return cli_usage("train", "say what to train: --hash/--hashes, --matrix with --ops, "
                                  "--specs or --all-missing (one of them)");
    if ((a->matrix != NULL) != (a->ops != NULL))
        return cli_usage("train", "--matrix and --ops go together");
    if (!a->o.epochs || !a->data)
        return cli_usage("train", "--epochs and --data are required");
    if (!a->o.checkpoint_dir) {
        snprintf(a->ckpt_default, sizeof a->ckpt_default, "%s.ckpt", a->db);
        a->o.checkpoint_dir = a->ckpt_default;
    }
    return NB_OK;
}

/* Adds the hashes of --hash (comma-separated allowed) and --hashes. */
static int add_hashes(const args *a, nb_train_work *w, nb_db *src)
{
    int rc = NB_OK;
    for (int i = 0; i < a->nhashes && rc == NB_OK; i++) {
        char *copy = strdup(a->hashes[i]), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t && rc == NB_OK; t = strtok_r(NULL, ",", &save))
            rc = nb_train_work_add_hash(w, src, t);
        free(copy);
    }
    if (rc != NB_OK || !a->hashes_file)
        return rc;
    FILE *f = strcmp(a->hashes_file, "-") ? fopen(a->hashes_file, "r") : stdin;
    if (!f)
        return nb_seterr(NB_EIO, "%s: cannot open", a->hashes_file);
    char *line = NULL;
    size_t cap = 0;
    long n;
    while (rc == NB_OK && (n = cli_getline(&line, &cap, f)) >= 0)
        if (n > 0)
            rc = nb_train_work_add_hash(w, src, line);
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

static int build_work(const args *a, nb_db *src, const nb_train_data *data, nb_train_work *w)
{
    int rc;
    if (a->matrix) {
        nb_spec spec;
        rc = nb_spec_parse(&spec, a->matrix, a->ops);
        if (rc == NB_OK)
            rc = nb_train_work_add_spec(w, &spec);
    } else if (a->specs_file) {
        rc = nb_train_work_add_specs_file(w, a->specs_file);
    } else if (a->all_missing) {
        char key[17];
        rc = nb_train_campaign(&a->o, data, key);
        if (rc == NB_OK)
            rc = nb_train_work_add_missing(w, src, a->o.epochs, key);
    } else {
        rc = add_hashes(a, w, src);
    }
    return rc == NB_OK ? nb_train_work_sort(w) : rc;
}

static int run(args *a)
{
    nb_db *db = NULL, *from = NULL;
    nb_train_data *data = NULL;
    nb_train_work work = {0};
    int rc = nb_db_open(a->db, NB_OPEN_CREATE, &db);
    if (rc == NB_OK && a->from)
        rc = nb_db_open(a->from, NB_OPEN_READONLY, &from);
    if (rc == NB_OK)
        rc = nb_train_data_open(a->data, &a->o.config, &data);
    if (rc == NB_OK)
        rc = build_work(a, from ? from : db, data, &work);
    progress_state ps = {a->progress || cli_stderr_is_tty(), 0, 0.0, a->o.epochs};
    a->o.progress = on_progress;
    a->o.progress_ctx = &ps;
    a->o.failure = on_failure;
    a->o.failure_ctx = &ps;
    a->o.stop = &stop_flag;
    if (rc == NB_OK)
        rc = nb_train_session(db, &work, data, &a->o, on_result, &ps);
    if (ps.open && rc != NB_OK)
        fputc('\n', stderr);
    nb_train_work_free(&work);
    nb_train_data_close(data);
    nb_db_close(from);
    int crc = nb_db_close(db);
    return rc != NB_OK ? rc : crc;
}

int cmd_train(int argc, char **argv)
{
    args a;
    memset(&a, 0, sizeof a);
    nb_train_options_default(&a.o);
    int help = 0;
    int rc = parse_args(&a, argc, argv, &help);
    if (help)
        usage(stdout);
    if (help || rc != NB_OK) {
        free(a.hashes);
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = run(&a);
    free(a.hashes);
    return rc != NB_OK ? cli_fail("train", rc) : NB_OK;
}
