/* The attempts of one work unit (reference 7.4): the original re-ran a run
 * from scratch when its loss became NaN (or on a few other errors of the run
 * itself), up to max_attempts tries, and then went on to the next work unit
 * without recording anything for this one.
 *
 * Our runs are seeded, so a retry with the same seed would fail exactly as
 * before: attempt k draws from its own seed, derived from the unit seed and
 * k, and the stored run records both, so it stays reproducible. Each attempt
 * has its own checkpoint, so --resume continues the attempt that was running
 * and never mixes the weights of one attempt with the seed of another. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nasbench/error.h"
#include "nb_train.h"

uint64_t nb_train_attempt_seed(uint64_t unit_seed, int attempt)
{
    if (attempt <= 1)
        return unit_seed;
    /* 53 bits like the unit seeds, so that JSON readers using doubles keep it */
    return nb_mix64(nb_mix64(unit_seed, 0x617474656d7074ULL /* "attempt" */), (uint64_t)attempt) >>
           11;
}

int nb_train_retryable(int code)
{
    switch (code) {
    case NB_ERROR:  /* a non-finite loss (training diverged) */
    case NB_ENOMEM: /* this module's network does not fit (the original's OOM) */
    case NB_ESPEC:  /* this module's network cannot be built at this size */
    case NB_EDOMAIN:
        return 1;
    default: /* usage, configuration, data, I/O, database, interrupt: the job's */
        return 0;
    }
}

/* Attempt 1 keeps the checkpoint names of runs that never failed. */
static void attempt_names(const nb_train_options *o, const char *key, int attempt,
                          char ckpt_key[72], char path[4096])
{
    if (attempt <= 1)
        snprintf(ckpt_key, 72, "%s", key);
    else
        snprintf(ckpt_key, 72, "%s-a%d", key, attempt);
    snprintf(path, 4096, "%s/%s.ckpt", o->checkpoint_dir, ckpt_key);
}

void nb_train_unit_remove_ckpts(const nb_train_options *o, const char *key)
{
    char ckpt_key[72], path[4096];
    for (int k = 1; k <= o->max_attempts || k == 1; k++) {
        attempt_names(o, key, k, ckpt_key, path);
        unlink(path);
    }
}

/* Where a unit starts: attempt 1, or with --resume the latest attempt that
 * left a checkpoint (a failed attempt removes its own, so that is the one
 * that was running when the job stopped). */
static int first_attempt(const nb_train_options *o, const char *key)
{
    char ckpt_key[72], path[4096];
    for (int k = o->max_attempts; k > 1 && o->resume; k--) {
        attempt_names(o, key, k, ckpt_key, path);
        if (access(path, F_OK) == 0)
            return k;
    }
    return 1;
}

static void report_failure(const nb_train_options *o, const nb_run_ctx *ctx, int code,
                           const char *message, int last)
{
    if (!o->failure)
        return;
    nb_train_failure f = {ctx->hash,     o->epochs,     ctx->unit_repeat, ctx->attempt,
                          o->max_attempts, ctx->run_seed, code,             message,
                          last};
    o->failure(&f, o->failure_ctx);
}

int nb_train_unit_attempts(const nb_spec *pruned, const nb_train_data *data,
                           const nb_train_options *o, nb_run_ctx *ctx, const char *key,
                           int *poison, nb_train_result *res, int *skipped, char *err,
                           size_t errlen)
{
    char ckpt_key[72], path[4096];
    *skipped = 0;
    if (o->max_attempts < 1)
        return nb_seterr(NB_EINVAL, "max_attempts is %d, want at least 1", o->max_attempts);
    for (int k = first_attempt(o, key);; k++) {
        attempt_names(o, key, k, ckpt_key, path);
        ctx->attempt = k;
        ctx->run_seed = nb_train_attempt_seed(ctx->unit_seed, k);
        ctx->ckpt_key = ckpt_key;
        ctx->ckpt_path = path;
        ctx->poison = *poison > 0;
        *poison -= ctx->poison;
        int rc = nb_train_one(pruned, data, o, ctx, res);
        ctx->ckpt_key = ctx->ckpt_path = NULL; /* local names */
        if (rc == NB_OK)
            return NB_OK;
        if (!nb_train_retryable(rc))
            return nb_preferr(rc, "module %s", ctx->hash);
        snprintf(err, errlen, "%s", nb_errmsg());
        unlink(path); /* the weights of a failed attempt are of no use */
        int last = k >= o->max_attempts;
        report_failure(o, ctx, rc, err, last);
        if (last) {
            *skipped = 1;
            return NB_OK;
        }
    }
}
