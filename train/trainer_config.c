/* The defaults of the training protocol (the original's) and the step
 * arithmetic of the budgets (reference, section 7.4). */
#include <string.h>

#include "nasbench/error.h"
#include "nb_train.h"

void nb_train_config_default(nb_train_config *c)
{
    c->stem_channels = 128;
    c->num_stacks = 3;
    c->modules_per_stack = 3;
    c->batch_size = 256;
    c->train_images = 40000;
    c->eval_images = 9984;
    c->bn_shards = 2;
    c->learning_rate = 0.2f;
    c->weight_decay = 1e-4f;
    c->rms_decay = 0.9f;
    c->rms_momentum = 0.9f;
    c->rms_epsilon = 1.0f;
    c->bn_momentum = 0.997f;
    c->bn_epsilon = 1e-5f;
    c->max_train_seconds = 4.0 * 60 * 60; /* the original's train_seconds */
}

void nb_train_options_default(nb_train_options *o)
{
    memset(o, 0, sizeof *o);
    nb_train_config_default(&o->config);
    o->repeats = 1;
    o->shard_count = 1;
    o->max_attempts = 5; /* the original's max_attempts: tries, the first included */
    o->checkpoint_seconds = 300.0;
}

int nb_train_steps(const nb_train_config *c, int epochs, int64_t *total, int64_t *halfway)
{
    if (epochs < 1 || c->batch_size < 1 || c->train_images < 1)
        return nb_seterr(NB_EINVAL, "epochs, batch size and training images must be positive");
    /* the original: int(E * 40000 / 256) in floating point, halfway with E / 2 */
    double per_epoch = (double)c->train_images / c->batch_size;
    *total = (int64_t)(epochs * per_epoch);
    *halfway = (int64_t)(epochs / 2.0 * per_epoch);
    if (*halfway <= 1 || *halfway >= *total)
        return nb_seterr(NB_EINVAL,
                         "%d epochs of %d images in batches of %d give %lld steps: too few for "
                         "the three evaluations",
                         epochs, c->train_images, c->batch_size, (long long)*total);
    return NB_OK;
}
