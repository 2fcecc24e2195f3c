/* One training run with the protocol of the original (reference, 7.3-7.7):
 * a zero-LR step then evaluation, training to halfway then evaluation,
 * training to the end then evaluation; the time cap (7.4) may end training
 * early, and a non-finite loss fails the run (trainer_attempts.c retries
 * it). Everything random is drawn from the run seed, so a run is
 * reproducible for a given thread count, and a run resumed from a
 * checkpoint continues exactly as if never stopped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nasbench/error.h"
#include "nb_net.h"
#include "nb_train.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The net, its optimiser slots and the batch buffers of one run. */
typedef struct run_state {
    nb_net *net;
    const nb_param *params;
    int nparams, ntrain;
    size_t trainable; /* floats in the trainable tensors */
    float *ms, *mom;  /* one slot each per trainable float, in tensor order */
    float *x, *logits, *dlogits;
    int32_t *labels;
    nb_ckpt_array *arrays; /* every tensor, then ms and mom */
    nb_ckpt_header h;      /* the run's progress (what a checkpoint saves) */
} run_state;

static void run_free(run_state *rs)
{
    nb_net_free(rs->net);
    free(rs->ms);
    free(rs->mom);
    free(rs->x);
    free(rs->logits);
    free(rs->dlogits);
    free(rs->labels);
    free(rs->arrays);
    memset(rs, 0, sizeof *rs);
}

static int run_init(run_state *rs, const nb_spec *pruned, const nb_train_options *o, uint64_t seed)
{
    const nb_train_config *c = &o->config;
    memset(rs, 0, sizeof *rs);
    nb_net_config nc;
    nb_net_config_default(&nc);
    nc.shape.stem_channels = c->stem_channels;
    nc.shape.num_stacks = c->num_stacks;
    nc.shape.modules_per_stack = c->modules_per_stack;
    nc.max_batch = c->batch_size;
    nc.bn_momentum = c->bn_momentum;
    nc.bn_epsilon = c->bn_epsilon;
    if (c->bn_shards > 1) {
        if (c->batch_size % c->bn_shards)
            return nb_seterr(NB_EINVAL, "batch size %d is not a multiple of %d batch-norm shards",
                             c->batch_size, c->bn_shards);
        nc.bn_group = c->batch_size / c->bn_shards;
    }
    nc.threads = o->threads;
    int rc = nb_net_create(pruned, &nc, seed, &rs->net);
    if (rc != NB_OK)
        return rc;
    rs->params = nb_net_params(rs->net, &rs->nparams);
    rs->ntrain = nb_net_num_trainable(rs->net);
    rs->trainable = (size_t)nb_net_num_params(rs->net);
    size_t b = (size_t)c->batch_size, k = (size_t)nc.shape.num_labels;
    rs->ms = malloc(rs->trainable * sizeof(float));
    rs->mom = malloc(rs->trainable * sizeof(float));
    rs->x = malloc(b * NB_CIFAR_PIXELS * sizeof(float));
    rs->logits = malloc(b * k * sizeof(float));
    rs->dlogits = malloc(b * k * sizeof(float));
    rs->labels = malloc(b * sizeof(int32_t));
    rs->arrays = malloc(((size_t)rs->nparams + 2) * sizeof *rs->arrays);
    if (!rs->ms || !rs->mom || !rs->x || !rs->logits || !rs->dlogits || !rs->labels || !rs->arrays) {
        run_free(rs);
        return nb_seterr(NB_ENOMEM, "out of memory for the training state");
    }
    nb_rmsprop_init_slots(rs->ms, rs->mom, rs->trainable);
    for (int i = 0; i < rs->nparams; i++)
        rs->arrays[i] = (nb_ckpt_array){rs->params[i].value, rs->params[i].count};
    rs->arrays[rs->nparams] = (nb_ckpt_array){rs->ms, rs->trainable};
    rs->arrays[rs->nparams + 1] = (nb_ckpt_array){rs->mom, rs->trainable};
    return NB_OK;
}

/* "nan" rather than printf's "-nan" for a NaN with its sign bit set. */
static const char *nonfinite(double v)
{
    return isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

/* One training step: batch `step` of the stream, forward, loss, backward,
 * RMSProp on every trainable tensor. */
static int train_step(run_state *rs, nb_cifar_stream *stream, const nb_train_options *o,
                      int64_t step, int64_t total, double *loss)
{
    const nb_train_config *c = &o->config;
    int b = c->batch_size, k = NB_CIFAR_LABELS;
    nb_cifar_stream_batch(stream, step, b, NB_LAYOUT_NHWC, rs->x, rs->labels);
    nb_net_zero_grad(rs->net);
    int rc = nb_net_forward(rs->net, rs->x, b, 1, rs->logits);
    if (rc == NB_OK)
        rc = nb_softmax_xent(rs->logits, rs->labels, b, k, loss, NULL, rs->dlogits);
    if (rc != NB_OK)
        return rc;
    /* the original's NanLossDuringTrainingError: NB_ERROR marks it as a
     * failure of this run, which the session retries (trainer_attempts.c) */
    if (!isfinite(*loss))
        return nb_seterr(NB_ERROR, "training diverged: loss is %s at step %lld",
                         nonfinite(*loss), (long long)step);
    if ((rc = nb_net_backward(rs->net, rs->dlogits, NULL)) != NB_OK)
        return rc;
    nb_rmsprop opt = {c->rms_decay, c->rms_momentum, c->rms_epsilon, c->weight_decay};
    float lr = nb_lr_cosine(step, total, c->learning_rate);
    size_t at = 0;
    for (int i = 0; i < rs->ntrain; i++) {
        const nb_param *p = &rs->params[i];
        nb_rmsprop_update(&opt, lr, p->value, p->grad, rs->ms + at, rs->mom + at, p->count);
        at += p->count;
    }
    return NB_OK;
}

/* Accuracy on the first n images of a split, BN in inference mode:
 * float32(correct / n) as the original's accuracies. */
static int evaluate_split(run_state *rs, const nb_cifar_split *split, const char *name, int n,
                          int batch, double *acc)
{
    int correct = 0;
    for (int first = 0; first < n; first += batch) {
        int m = n - first < batch ? n - first : batch;
        nb_cifar_eval_batch(split, first, m, NB_LAYOUT_NHWC, rs->x, rs->labels);
        int rc = nb_net_forward(rs->net, rs->x, m, 0, rs->logits);
        int hits = 0;
        double loss;
        if (rc == NB_OK)
            rc = nb_softmax_xent(rs->logits, rs->labels, m, NB_CIFAR_LABELS, &loss, &hits, NULL);
        if (rc != NB_OK)
            return rc;
        /* weights blown up by the very last update, which no training loss
         * saw: a diverged run too, not accuracies to store */
        if (!isfinite(loss))
            return nb_seterr(NB_ERROR,
                             "training diverged: loss is %s on the %s images at step %lld",
                             nonfinite(loss), name, (long long)rs->h.step);
        correct += hits;
    }
    *acc = (double)((float)correct / (float)n);
    return NB_OK;
}

static int evaluate(run_state *rs, const nb_train_data *data, const nb_train_options *o,
                    double epoch)
{
    int n = o->config.eval_images, b = o->config.batch_size;
    nb_evaluation *e = &rs->h.evaluations[rs->h.num_evaluations];
    memset(e, 0, sizeof *e);
    int rc = evaluate_split(rs, &data->train_eval, "train-eval", n, b, &e->train_accuracy);
    if (rc == NB_OK)
        rc = evaluate_split(rs, &data->valid, "validation", n, b, &e->validation_accuracy);
    if (rc == NB_OK)
        rc = evaluate_split(rs, &data->test, "test", n, b, &e->test_accuracy);
    if (rc != NB_OK)
        return rc;
    e->current_epoch = epoch;
    e->training_time = rs->h.training_time; /* float32 counter, stored exactly */
    e->present = NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME | NB_EVAL_TRAIN_ACCURACY |
                 NB_EVAL_VALIDATION_ACCURACY | NB_EVAL_TEST_ACCURACY;
    rs->h.num_evaluations++;
    return NB_OK;
}

static int save_ckpt(run_state *rs, const nb_run_ctx *ctx, double session_start)
{
    nb_ckpt_header h = rs->h;
    h.elapsed += now_seconds() - session_start;
    return nb_ckpt_save(ctx->ckpt_path, &h, rs->arrays, rs->nparams + 2);
}

/* Builds the run's state, from the checkpoint when resuming and it fits. */
static int start_run(run_state *rs, const nb_spec *pruned, const nb_train_options *o,
                     const nb_run_ctx *ctx)
{
    int rc = run_init(rs, pruned, o, ctx->run_seed);
    if (rc != NB_OK || !o->resume)
        return rc;
    nb_ckpt_header h;
    memset(&h, 0, sizeof h);
    snprintf(h.key, sizeof h.key, "%s", ctx->ckpt_key);
    rc = nb_ckpt_load(ctx->ckpt_path, &h, rs->arrays, rs->nparams + 2);
    if (rc == NB_OK) {
        rs->h = h;
        return NB_OK;
    }
    /* unusable or absent: restart cleanly, from freshly initialised weights */
    run_free(rs);
    return run_init(rs, pruned, o, ctx->run_seed);
}

/* The original's safety cap (reference 7.4, training_time.py): after a step
 * that takes the training_time counter past the cap, no more steps. The
 * counter is in the checkpoint, so a resumed run stops where it would have. */
static int capped(const run_state *rs, const nb_train_config *c)
{
    return c->max_train_seconds > 0 && (double)rs->h.training_time > c->max_train_seconds;
}

static void report(const nb_train_options *o, const nb_run_ctx *ctx, const run_state *rs,
                   int64_t total, double loss, double session_train_s, int64_t session_steps)
{
    if (!o->progress)
        return;
    const nb_train_config *c = &o->config;
    nb_train_progress p = {ctx->hash, ctx->unit_repeat, ctx->unit, ctx->units, 0, 0, 0, 0, 0, 0};
    p.step = rs->h.step;
    p.steps = total;
    p.epoch = (double)rs->h.step * c->batch_size / c->train_images;
    p.loss = loss;
    double per_step = session_steps > 0 ? session_train_s / session_steps : 0.0;
    p.images_per_second = per_step > 0 ? c->batch_size / per_step : 0.0;
    p.eta_seconds = per_step * (double)(total - rs->h.step);
    o->progress(&p, o->progress_ctx);
}

static void fill_result(const run_state *rs, const nb_run_ctx *ctx, int64_t total,
                        double total_time, nb_train_result *res)
{
    memset(res, 0, sizeof *res);
    snprintf(res->hash, sizeof res->hash, "%s", ctx->hash);
    res->unit_repeat = ctx->unit_repeat;
    res->unit_seed = ctx->unit_seed;
    res->attempt = ctx->attempt;
    res->run_seed = ctx->run_seed;
    res->steps = rs->h.step;
    res->stopped_early = rs->h.step < total; /* only the time cap ends a run early */
    res->trainable_parameters = nb_net_num_params(rs->net);
    res->threads = nb_net_get_config(rs->net)->threads;
    res->total_time = total_time;
    res->num_evaluations = 3;
    memcpy(res->evaluations, rs->h.evaluations, sizeof res->evaluations);
}

int nb_train_one(const nb_spec *pruned, const nb_train_data *data, const nb_train_options *o,
                 const nb_run_ctx *ctx, nb_train_result *res)
{
    const nb_train_config *c = &o->config;
    int64_t total, halfway;
    int rc = nb_train_steps(c, o->epochs, &total, &halfway);
    if (rc != NB_OK)
        return rc;
    const int64_t eval_at[3] = {1, halfway, total};
    const double eval_epoch[3] = {0.0, o->epochs / 2.0, (double)o->epochs};
    double session_start = now_seconds();
    run_state rs;
    nb_cifar_stream stream;
    if ((rc = start_run(&rs, pruned, o, ctx)) != NB_OK)
        return rc;
    if ((rc = nb_cifar_stream_init(&stream, &data->train, ctx->run_seed)) != NB_OK) {
        run_free(&rs);
        return rc;
    }
    double last_ckpt = now_seconds(), session_train_s = 0.0;
    int64_t session_steps = 0;
    while (rc == NB_OK && rs.h.num_evaluations < 3) {
        int due_now = rs.h.step == eval_at[rs.h.num_evaluations];
        if (due_now || capped(&rs, c)) {
            /* at the cap, the evaluations still due are made where training
             * stopped, with the epochs actually trained */
            double epoch = due_now ? eval_epoch[rs.h.num_evaluations]
                                   : (double)rs.h.step * c->batch_size / c->train_images;
            rc = evaluate(&rs, data, o, epoch);
            if (rc == NB_OK && rs.h.num_evaluations < 3) {
                rc = save_ckpt(&rs, ctx, session_start); /* an evaluation is costly */
                last_ckpt = now_seconds();
            }
            continue;
        }
        if (o->stop && *o->stop) {
            rc = save_ckpt(&rs, ctx, session_start);
            if (rc == NB_OK)
                rc = nb_seterr(NB_EINTR, "interrupted at step %lld of %s; checkpoint %s",
                               (long long)rs.h.step, ctx->hash, ctx->ckpt_path);
            break;
        }
        if (o->crash_after_steps && session_steps == o->crash_after_steps) {
            rc = nb_seterr(NB_EINTR, "simulated crash at step %lld", (long long)rs.h.step);
            break;
        }
        if (ctx->poison && rs.h.step == 1) /* test hook: the next loss is not finite */
            rs.params[rs.ntrain - 1].value[0] = NAN; /* the classifier's (a ReLU eats NaN) */
        double loss, t0 = now_seconds();
        rc = train_step(&rs, &stream, o, rs.h.step, total, &loss);
        double dt = now_seconds() - t0;
        if (rc != NB_OK)
            break;
        rs.h.training_time += (float)dt; /* the original's float32 counter */
        rs.h.step++;
        session_train_s += dt;
        session_steps++;
        report(o, ctx, &rs, total, loss, session_train_s, session_steps);
        int due = o->checkpoint_steps > 0 ? rs.h.step % o->checkpoint_steps == 0
                                          : now_seconds() - last_ckpt >= o->checkpoint_seconds;
        if (due && rs.h.step < total) {
            rc = save_ckpt(&rs, ctx, session_start);
            last_ckpt = now_seconds();
        }
    }
    if (rc == NB_OK)
        fill_result(&rs, ctx, total, rs.h.elapsed + (now_seconds() - session_start), res);
    nb_cifar_stream_free(&stream);
    run_free(&rs);
    return rc;
}
