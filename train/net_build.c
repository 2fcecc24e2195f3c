/*
 * Building the network of reference 6.1-6.3 for a pruned spec: the layer
 * structure and the parameters (no activations; see net_alloc.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "nasbench/error.h"
#include "nb_net_internal.h"

void nb_net_config_default(nb_net_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->shape = NB_NET_SHAPE_DEFAULT;
    cfg->image_size = 32;
    cfg->max_batch = 256;
    cfg->bn_momentum = 0.997f;
    cfg->bn_epsilon = 1e-5f;
    cfg->bn_group = 0;
    cfg->threads = 0;
}

static int check_config(const nb_net_config *c)
{
    const nb_net_shape *s = &c->shape;
    if (s->stem_channels < 1 || s->num_stacks < 1 || s->modules_per_stack < 1 ||
        s->num_labels < 2 || s->stem_channels > (1 << 16) || s->num_stacks > 16)
        return nb_seterr(NB_EINVAL, "network: bad shape (stem %d, stacks %d, modules %d, labels %d)",
                         s->stem_channels, s->num_stacks, s->modules_per_stack, s->num_labels);
    if (c->image_size < 1 || c->image_size > 4096 || c->max_batch < 1 || c->threads < 0 ||
        c->bn_group < 0 || c->bn_epsilon <= 0 || c->bn_momentum < 0 || c->bn_momentum > 1)
        return nb_seterr(NB_EINVAL, "network: bad config (image %d, batch %d, bn group %d, "
                         "threads %d)", c->image_size, c->max_batch, c->bn_group, c->threads);
    return NB_OK;
}

/* conv + BN + ReLU named "<prefix>/conv/kernel", "<prefix>/bn/gamma", ... */
static int make_cbr(nb_net *net, nb_rng *rng, nb_cbr *u, const char *prefix, int k, int cin,
                    int cout, int h, int w)
{
    char name[160];
    u->geom = (nb_conv_geom){0, h, w, k, cin, cout};
    u->bn.c = cout;
    int kdims[4] = {k, k, cin, cout}, vdims[1] = {cout};
    struct {
        const char *suffix;
        int trainable, rank;
        char init;
        const int *dims;
        float **value, **grad;
    } t[] = {
        {"conv/kernel", 1, 4, 'n', kdims, &u->w, &u->dw},
        {"bn/gamma", 1, 1, '1', vdims, &u->bn.gamma, &u->bn.dgamma},
        {"bn/beta", 1, 1, '0', vdims, &u->bn.beta, &u->bn.dbeta},
        {"bn/moving_mean", 0, 1, '0', vdims, &u->bn.moving_mean, NULL},
        {"bn/moving_variance", 0, 1, '1', vdims, &u->bn.moving_var, NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        snprintf(name, sizeof name, "%s/%s", prefix, t[i].suffix);
        int rc = nb_net_tensor(net, rng, t[i].trainable, t[i].init, name, t[i].rank, t[i].dims,
                               t[i].value, t[i].grad);
        if (rc)
            return rc;
    }
    u->out.c = u->out.ld = cout;
    return NB_OK;
}

static int make_module(nb_net *net, nb_rng *rng, nb_module *m, const char *prefix)
{
    const nb_spec *s = &net->spec;
    int V = s->num_vertices, ch[NB_MAX_VERTICES];
    char name[160];
    int rc = nb_vertex_channels(s, m->cin, m->cout, ch);
    if (rc)
        return nb_preferr(rc, "network: %s", prefix);
    m->nv = V;
    int offset = 0;
    for (int t = 1; t < V - 1; t++) {
        nb_vertex *v = &m->v[t];
        v->label = nb_op_label(s->ops[t]);
        v->c = ch[t];
        for (int u = 1; u < t; u++)
            if (s->matrix[u][t]) {
                if (ch[u] < ch[t])
                    return nb_seterr(NB_ESPEC, "network: vertex %d (%d channels) cannot be cut "
                                     "to the %d channels of vertex %d", u, ch[u], ch[t], t);
                v->src[v->nsrc++] = u;
            }
        v->has_proj = s->matrix[0][t];
        if (v->has_proj) {
            snprintf(name, sizeof name, "%s/vertex%d/projection", prefix, t);
            if ((rc = make_cbr(net, rng, &v->proj, name, 1, m->cin, v->c, m->h, m->w)))
                return rc;
        }
        int inputs = v->nsrc + v->has_proj;
        if (inputs == 0)
            return nb_seterr(NB_ESPEC, "network: vertex %d has no input (spec not pruned?)", t);
        v->sum_owned = inputs > 1;
        v->sum.c = v->sum.ld = v->c;
        if (v->label == NB_LABEL_CONV3X3 || v->label == NB_LABEL_CONV1X1) {
            snprintf(name, sizeof name, "%s/vertex%d", prefix, t);
            int k = v->label == NB_LABEL_CONV3X3 ? 3 : 1;
            if ((rc = make_cbr(net, rng, &v->conv, name, k, v->c, v->c, m->h, m->w)))
                return rc;
        } else if (v->label != NB_LABEL_MAXPOOL3X3) {
            return nb_seterr(NB_EDOMAIN, "network: unsupported op '%s' at vertex %d", s->ops[t], t);
        }
        v->to_output = s->matrix[t][V - 1];
        v->out.c = v->c;
        v->out.ld = v->c;
        if (v->to_output) {
            v->concat_offset = offset;
            v->out.ld = m->cout;
            offset += v->c;
            m->has_concat = 1;
        }
    }
    if (m->has_concat && offset != m->cout)
        return nb_seterr(NB_ESPEC, "network: %s: output channels add up to %d, not %d", prefix,
                         offset, m->cout);
    m->has_out_proj = s->matrix[0][V - 1];
    if (!m->has_concat && !m->has_out_proj)
        return nb_seterr(NB_ESPEC, "network: %s: nothing feeds the output", prefix);
    if (m->has_out_proj) {
        snprintf(name, sizeof name, "%s/output_projection", prefix);
        if ((rc = make_cbr(net, rng, &m->out_proj, name, 1, m->cin, m->cout, m->h, m->w)))
            return rc;
    }
    m->concat.c = m->concat.ld = m->cout;
    m->out.c = m->out.ld = m->cout;
    return NB_OK;
}

static int check_ops(const nb_spec *s)
{
    int V = s->num_vertices;
    if (V < 2)
        return nb_seterr(NB_ESPEC, "network: a spec needs at least 2 vertices");
    if (nb_op_label(s->ops[0]) != NB_LABEL_INPUT || nb_op_label(s->ops[V - 1]) != NB_LABEL_OUTPUT)
        return nb_seterr(NB_EDOMAIN, "network: the first op must be input and the last output");
    return NB_OK;
}

static int build_layers(nb_net *net, uint64_t seed)
{
    const nb_net_shape *sh = &net->cfg.shape;
    nb_rng rng;
    nb_rng_seed(&rng, seed);
    int c = sh->stem_channels, size = net->cfg.image_size, rc;
    if ((rc = make_cbr(net, &rng, &net->stem, "stem", 3, NB_NET_IMAGE_CHANNELS, c, size, size)))
        return rc;
    net->nmodules = sh->num_stacks * sh->modules_per_stack;
    net->modules = calloc(net->nmodules ? net->nmodules : 1, sizeof *net->modules);
    net->downsample = calloc(sh->num_stacks, sizeof *net->downsample);
    if (!net->modules || !net->downsample)
        return nb_seterr(NB_ENOMEM, "network: out of memory");
    char prefix[64];
    for (int st = 0; st < sh->num_stacks; st++) {
        int cin = c;
        if (st > 0) {
            size = (size + 1) / 2; /* max-pool 2x2 stride 2 "same" */
            net->downsample[st].c = net->downsample[st].ld = c;
            c *= 2;
        }
        for (int i = 0; i < sh->modules_per_stack; i++) {
            nb_module *m = &net->modules[st * sh->modules_per_stack + i];
            *m = (nb_module){.cin = i == 0 ? cin : c, .cout = c, .h = size, .w = size};
            snprintf(prefix, sizeof prefix, "stack%d/module%d", st, i);
            if ((rc = make_module(net, &rng, m, prefix)))
                return rc;
        }
    }
    net->final_c = c;
    net->final_hw = size * size;
    int ddims[2] = {net->final_c, sh->num_labels}, bdims[1] = {sh->num_labels};
    if ((rc = nb_net_tensor(net, &rng, 1, 'g', "dense/kernel", 2, ddims, &net->dense_w,
                            &net->dense_dw)) ||
        (rc = nb_net_tensor(net, &rng, 1, '0', "dense/bias", 1, bdims, &net->dense_b,
                            &net->dense_db)))
        return rc;
    return NB_OK;
}

/* Join the two tensor lists: trainable first, then the state. */
static int join_tensors(nb_net *net)
{
    net->ntrainable = net->trainable.count;
    net->nparams = net->trainable.count + net->state.count;
    net->params = malloc(sizeof *net->params * (net->nparams ? net->nparams : 1));
    if (!net->params)
        return nb_seterr(NB_ENOMEM, "network: out of memory");
    memcpy(net->params, net->trainable.items, sizeof *net->params * net->trainable.count);
    memcpy(net->params + net->trainable.count, net->state.items,
           sizeof *net->params * net->state.count);
    free(net->trainable.items);
    free(net->state.items);
    net->trainable = net->state = (nb_tensor_list){0};
    return NB_OK;
}

int nb_net_build(const nb_spec *pruned, const nb_net_config *cfg, uint64_t seed,
                 int alloc_params, nb_net **out)
{
    *out = NULL;
    nb_net_config def;
    if (!cfg) {
        nb_net_config_default(&def);
        cfg = &def;
    }
    int rc = check_config(cfg);
    if (rc || (rc = check_ops(pruned)))
        return rc;
    nb_net *net = calloc(1, sizeof *net);
    if (!net)
        return nb_seterr(NB_ENOMEM, "network: out of memory");
    net->cfg = *cfg;
    net->spec = *pruned;
    net->alloc_params = alloc_params;
    if (net->cfg.threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        net->cfg.threads = cores > 0 ? (int)cores : 1;
    }
    if ((rc = build_layers(net, seed)) || (rc = join_tensors(net))) {
        nb_net_free(net);
        return rc;
    }
    if (alloc_params) {
        net->pool = nb_pool_create(net->cfg.threads);
        if (!net->pool) {
            nb_net_free(net);
            return nb_seterr(NB_ENOMEM, "network: cannot start %d threads", net->cfg.threads);
        }
        /* process-wide: the net runs its GEMMs on its own threads (gemm.c),
         * each calling a single-threaded OpenBLAS */
        openblas_set_num_threads(1);
    }
    *out = net;
    return NB_OK;
}

int nb_net_create(const nb_spec *pruned, const nb_net_config *cfg, uint64_t seed, nb_net **out)
{
    return nb_net_build(pruned, cfg, seed, 1, out);
}

int nb_net_count_params(const nb_spec *pruned, const nb_net_shape *shape, int64_t *params)
{
    nb_net_config cfg;
    nb_net_config_default(&cfg);
    if (shape)
        cfg.shape = *shape;
    nb_net *net;
    int rc = nb_net_build(pruned, &cfg, 0, 0, &net);
    if (rc)
        return rc;
    *params = net->trainable_floats;
    nb_net_free(net);
    return NB_OK;
}

void nb_net_free(nb_net *net)
{
    if (!net)
        return;
    nb_net_free_activations(net);
    nb_tensor_list *lists[2] = {&net->trainable, &net->state};
    for (int l = 0; l < 2; l++) /* only non-empty when building failed */
        for (int i = 0; i < lists[l]->count; i++) {
            free((char *)lists[l]->items[i].name);
            free(lists[l]->items[i].value);
            free(lists[l]->items[i].grad);
        }
    free(net->trainable.items);
    free(net->state.items);
    for (int i = 0; i < net->nparams; i++) {
        free((char *)net->params[i].name);
        free(net->params[i].value);
        free(net->params[i].grad);
    }
    free(net->params);
    free(net->modules);
    free(net->downsample);
    nb_pool_free(net->pool);
    free(net);
}

const nb_net_config *nb_net_get_config(const nb_net *net)
{
    return &net->cfg;
}

const nb_param *nb_net_params(const nb_net *net, int *count)
{
    *count = net->nparams;
    return net->params;
}

int nb_net_num_trainable(const nb_net *net)
{
    return net->ntrainable;
}

int64_t nb_net_num_params(const nb_net *net)
{
    return net->trainable_floats;
}

void nb_net_zero_grad(nb_net *net)
{
    for (int i = 0; i < net->ntrainable; i++)
        memset(net->params[i].grad, 0, sizeof(float) * net->params[i].count);
}
