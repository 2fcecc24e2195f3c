/* A training session: this worker's work units, one run each, every run
 * written with its module, evaluations and provenance in one transaction.
 * A unit is identified by (campaign, module, unit repeat); a unit already in
 * the database is skipped, which makes a restarted session continue where
 * the last one stopped and a repeated command add nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nasbench/error.h"
#include "nb_json.h"
#include "nb_train.h"

/* Shortest decimal that reads back as the same float ("0.2", not
 * "0.20000000298023224"). */
static const char *fmt_float(float v, char buf[32])
{
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, 32, "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v)
            break;
    }
    return buf;
}

/* The fields that define a campaign: what was trained, how, on which data.
 * The thread count is left out: it changes the float rounding, not the
 * experiment. */
static void put_campaign_fields(FILE *f, const nb_train_options *o, const nb_train_data *d)
{
    const nb_train_config *c = &o->config;
    char b[32];
    fprintf(f, "\"seed\":%llu,\"epochs\":%d,", (unsigned long long)o->seed, o->epochs);
    fprintf(f,
            "\"config\":{\"stem_channels\":%d,\"num_stacks\":%d,\"modules_per_stack\":%d,"
            "\"batch_size\":%d,\"train_images\":%d,\"eval_images\":%d,\"bn_shards\":%d,",
            c->stem_channels, c->num_stacks, c->modules_per_stack, c->batch_size, c->train_images,
            c->eval_images, c->bn_shards);
    fprintf(f, "\"learning_rate\":%s,\"lr_schedule\":\"cosine_by_step\",",
            fmt_float(c->learning_rate, b));
    fprintf(f, "\"weight_decay\":%s,\"optimizer\":\"rmsprop\",", fmt_float(c->weight_decay, b));
    fprintf(f, "\"rms_decay\":%s,", fmt_float(c->rms_decay, b));
    fprintf(f, "\"rms_momentum\":%s,", fmt_float(c->rms_momentum, b));
    fprintf(f, "\"rms_epsilon\":%s,", fmt_float(c->rms_epsilon, b));
    fprintf(f, "\"bn_momentum\":%s,", fmt_float(c->bn_momentum, b));
    fprintf(f, "\"bn_epsilon\":%s,", fmt_float(c->bn_epsilon, b));
    /* the cap is part of the experiment: a run that reached it is another run */
    fprintf(f, "\"max_train_seconds\":%s},\"data\":{", nb_json_fmt_double(c->max_train_seconds, b));
    for (int i = 0; i < NB_CIFAR_FILES; i++)
        fprintf(f, "%s\"%s\":\"%s\"", i ? "," : "", nb_cifar_file_names[i], d->sha256[i]);
    fputc('}', f);
}

int nb_train_campaign(const nb_train_options *o, const nb_train_data *d, char key[17])
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return nb_seterr(NB_ENOMEM, "out of memory for the campaign description");
    put_campaign_fields(f, o, d);
    fclose(f);
    /* 64-bit digest of the canonical text, chained through the mixer */
    uint64_t h = 0x6e617362656e6368ULL;
    for (size_t i = 0; i < len; i++)
        h = nb_mix64(h, (unsigned char)text[i]);
    free(text);
    snprintf(key, 17, "%016llx", (unsigned long long)h);
    return NB_OK;
}

/* The sources.config of one run: the campaign plus the unit and its seed. */
static char *run_config(const nb_train_options *o, const nb_train_data *d, const char *key,
                        const nb_run_ctx *ctx, const nb_train_result *res)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fprintf(f, "{\"trainer\":\"nasbench train\",\"program_version\":\"%s\",\"campaign\":\"%s\",",
            NB_VERSION, key);
    fprintf(f, "\"hash\":\"%s\",\"unit_repeat\":%d,\"run_seed\":%llu,\"threads\":%d,", ctx->hash,
            ctx->unit_repeat, (unsigned long long)res->run_seed, res->threads);
    /* how the run came about: which attempt (its seed is run_seed, derived
     * from unit_seed and the attempt) and whether the time cap ended it */
    fprintf(f, "\"unit_seed\":%llu,\"attempt\":%d,\"max_attempts\":%d,",
            (unsigned long long)res->unit_seed, res->attempt, o->max_attempts);
    fprintf(f, "\"stopped_early\":%s,\"steps\":%lld,", res->stopped_early ? "true" : "false",
            (long long)res->steps);
    fputs("\"hardware\":\"cpu\",\"data_dir\":", f);
    nb_json_put_string(f, d->dir);
    /* the network trained; the module row keeps the full network's count */
    fprintf(f, ",\"network_trainable_parameters\":%lld,", (long long)res->trainable_parameters);
    put_campaign_fields(f, o, d);
    fputc('}', f);
    fclose(f);
    return text;
}

static int unit_done(nb_db *db, const char *key, const char *hash, int epochs, int unit_repeat,
                     int *done)
{
    static const char sql[] =
        "SELECT 1 FROM runs r JOIN modules m ON m.id = r.module_id"
        " JOIN sources s ON s.id = r.source_id"
        " WHERE m.hash = ?1 AND r.epochs = ?2 AND s.kind = 'trainer'"
        " AND json_extract(s.config, '$.campaign') = ?3"
        " AND json_extract(s.config, '$.unit_repeat') = ?4 LIMIT 1";
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db, sql, &st);
    if (rc != NB_OK)
        return rc;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, epochs);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, unit_repeat);
    int s = sqlite3_step(st);
    *done = s == SQLITE_ROW;
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = nb_seterr(NB_EDB, "looking up trained units: %s", sqlite3_errmsg(nb_db_sqlite(db)));
    sqlite3_reset(st);
    return rc;
}

/* A module stored without its parameter count (a generated list) gets the
 * full network's, which the formula of the spec core gives exactly. */
static int fill_module_params(nb_db *db, int64_t module_id, int64_t params)
{
    sqlite3_stmt *st;
    int rc = nb_db_stmt(db,
                        "UPDATE modules SET trainable_parameters = ?1"
                        " WHERE id = ?2 AND trainable_parameters IS NULL",
                        &st);
    if (rc != NB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, params);
    sqlite3_bind_int64(st, 2, module_id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = nb_seterr(NB_EDB, "filling a parameter count: %s", sqlite3_errmsg(nb_db_sqlite(db)));
    sqlite3_reset(st);
    return rc;
}

static int store_run_tx(nb_db *db, const nb_spec *pruned, const nb_train_options *o,
                        const char *config, nb_train_result *res)
{
    char bits[NB_MAX_VERTICES * NB_MAX_VERTICES + 1], ops[NB_MAX_VERTICES * (NB_OP_NAME_MAX + 1)];
    nb_spec_adjacency_bits(pruned, bits, sizeof bits);
    nb_spec_ops_csv(pruned, ops, sizeof ops);
    int64_t params = -1, module_id, source_id;
    if (nb_spec_trainable_parameters(pruned, &NB_NET_SHAPE_DEFAULT, &params) != NB_OK)
        params = -1; /* the module's dataset value; the run records its own below */
    nb_source src = {"trainer", NULL, NULL, 1, config};
    int rc = nb_db_add_source(db, &src, &source_id);
    if (rc == NB_OK)
        rc = nb_db_add_module(db, res->hash, bits, ops, pruned->num_vertices,
                              nb_spec_num_edges(pruned), params, &module_id);
    if (rc == NB_OK && params >= 0)
        rc = fill_module_params(db, module_id, params);
    if (rc != NB_OK)
        return rc;
    /* A reduced network's count must never become the module's (the store
     * fills an unknown module count from the run's): record it only when
     * the network trained is the original's. */
    int full_network = params >= 0 && res->trainable_parameters == params;
    nb_run run = {module_id, source_id, o->epochs, -1, 1, res->total_time, full_network,
                  res->trainable_parameters, res->num_evaluations, res->evaluations};
    if ((rc = nb_db_add_run(db, &run, &res->run_id)) != NB_OK)
        return rc;
    sqlite3_stmt *st;
    if ((rc = nb_db_stmt(db, "SELECT repeat FROM runs WHERE id = ?1", &st)) != NB_OK)
        return rc;
    sqlite3_bind_int64(st, 1, res->run_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        res->repeat = sqlite3_column_int(st, 0);
    else
        rc = nb_seterr(NB_EDB, "run %lld vanished", (long long)res->run_id);
    sqlite3_reset(st);
    return rc;
}

/* Module (if new), source and run with its evaluations: all or nothing. */
static int store_run(nb_db *db, const nb_spec *pruned, const nb_train_options *o,
                     const char *config, nb_train_result *res)
{
    int rc = nb_db_begin(db);
    if (rc != NB_OK)
        return rc;
    rc = store_run_tx(db, pruned, o, config, res);
    if (rc == NB_OK)
        rc = nb_db_commit(db);
    if (rc != NB_OK) {
        nb_db_rollback(db);
        return nb_preferr(rc, "storing the run of %s", res->hash);
    }
    return NB_OK;
}

static int check_session(const nb_train_work *work, const nb_train_options *o)
{
    if (o->repeats < 1 || o->shard_count < 1 || o->shard_index < 0 ||
        o->shard_index >= o->shard_count)
        return nb_seterr(NB_EINVAL, "bad repeats (%d) or shard (%d/%d)", o->repeats,
                         o->shard_index, o->shard_count);
    if (!o->checkpoint_dir)
        return nb_seterr(NB_EINVAL, "no checkpoint directory");
    if (o->max_attempts < 1 || o->max_attempts > 100 || !(o->config.max_train_seconds >= 0))
        return nb_seterr(NB_EINVAL, "bad max_attempts (%d, want 1..100) or max_train_seconds (%g)",
                         o->max_attempts, o->config.max_train_seconds);
    for (int i = 1; i < work->count; i++)
        if (strcmp(work->hashes[i - 1], work->hashes[i]) >= 0)
            return nb_seterr(NB_EINVAL, "work list not sorted and unique (nb_train_work_sort)");
    if (mkdir(o->checkpoint_dir, 0755) != 0 && errno != EEXIST)
        return nb_seterr(NB_EIO, "%s: cannot create checkpoint directory: %s", o->checkpoint_dir,
                         strerror(errno));
    return NB_OK;
}

/* Each unit's seed: a pure function of (seed, module, budget, unit repeat),
 * 53 bits so that it survives JSON readers that use doubles. */
static uint64_t unit_seed(uint64_t seed, const char *hash, int epochs, int unit_repeat)
{
    char head[17]; /* the first 64 bits of the module hash */
    memcpy(head, hash, 16);
    head[16] = '\0';
    uint64_t h = strtoull(head, NULL, 16);
    return nb_mix64(nb_mix64(seed, h), (uint64_t)epochs * 1000003u + (uint64_t)unit_repeat) >> 11;
}

/* What the session keeps across units: skipped units and the test hook. */
typedef struct session_state {
    int skipped, poison;
    char first_skip[640]; /* the first skipped unit and its last error */
} session_state;

static int train_unit(nb_db *db, const nb_train_work *work, const nb_train_data *data,
                      const nb_train_options *o, const char *key, nb_run_ctx *ctx, int model,
                      session_state *ss, nb_train_result_fn result, void *cb_ctx)
{
    char unit_key[72];
    snprintf(unit_key, sizeof unit_key, "%s-%s-e%d-r%d", key, ctx->hash, o->epochs,
             ctx->unit_repeat);
    int done = 0;
    int rc = unit_done(db, key, ctx->hash, o->epochs, ctx->unit_repeat, &done);
    if (rc != NB_OK || done) {
        if (done) /* left by a kill between the commit and its removal */
            nb_train_unit_remove_ckpts(o, unit_key);
        return rc;
    }
    nb_train_result res;
    int skipped;
    char err[512];
    rc = nb_train_unit_attempts(&work->specs[model], data, o, ctx, unit_key, &ss->poison, &res,
                                &skipped, err, sizeof err);
    if (rc != NB_OK)
        return rc;
    if (skipped) { /* nothing of it is written; a rerun tries it again */
        if (ss->skipped++ == 0)
            snprintf(ss->first_skip, sizeof ss->first_skip, "module %s, unit repeat %d: %s",
                     ctx->hash, ctx->unit_repeat, err);
        return NB_OK;
    }
    char *config = run_config(o, data, key, ctx, &res);
    if (!config)
        return nb_seterr(NB_ENOMEM, "out of memory for the run configuration");
    rc = store_run(db, &work->specs[model], o, config, &res);
    free(config);
    if (rc != NB_OK)
        return rc;
    nb_train_unit_remove_ckpts(o, unit_key);
    if (result)
        result(&res, cb_ctx);
    return NB_OK;
}

int nb_train_session(nb_db *db, const nb_train_work *work, const nb_train_data *data,
                     const nb_train_options *o, nb_train_result_fn result, void *cb_ctx)
{
    int rc = check_session(work, o);
    char key[17];
    if (rc == NB_OK)
        rc = nb_train_campaign(o, data, key);
    if (rc != NB_OK)
        return rc;
    int64_t units = (int64_t)work->count * o->repeats;
    int mine = units > o->shard_index
                   ? (int)((units - o->shard_index + o->shard_count - 1) / o->shard_count)
                   : 0;
    int k = 0;
    session_state ss = {0, o->diverge_attempts, ""};
    for (int64_t i = o->shard_index; i < units && rc == NB_OK; i += o->shard_count) {
        int model, repeat;
        nb_shard_unit(i, work->count, &model, &repeat);
        nb_run_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.hash = work->hashes[model];
        ctx.unit_repeat = repeat;
        ctx.unit = ++k;
        ctx.units = mine;
        ctx.unit_seed = unit_seed(o->seed, ctx.hash, o->epochs, repeat);
        rc = train_unit(db, work, data, o, key, &ctx, model, &ss, result, cb_ctx);
    }
    /* the original went on past a unit that failed all its attempts; so do
     * we, and say so at the end, after the other units are stored */
    if (rc == NB_OK && ss.skipped)
        rc = nb_seterr(NB_ERROR,
                       "%d of %d work units skipped after %d failed attempts (first: %s); "
                       "nothing of them was written, a rerun tries them again",
                       ss.skipped, mine, o->max_attempts, ss.first_skip);
    return rc;
}
