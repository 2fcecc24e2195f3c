/*
 * Activation and gradient buffers, allocated on the first forward pass so
 * that a net built to count parameters or to load a checkpoint costs no
 * activation memory. Sizes are for cfg.max_batch images.
 *
 * Two passes over the layers: the first only measures (the gradient arena,
 * the im2col workspace, the scratch buffers), the second allocates and
 * points every view.
 */
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_net_internal.h"

typedef struct plan {
    nb_net *net;
    int dry;            /* measuring pass */
    size_t arena_used;  /* floats of the current module's gradient arena */
    size_t arena_max, ws_max, dz_max, boundary_max, dzp_max, dwp_max;
    int failed;
} plan;

static float *block(plan *pl, size_t floats)
{
    nb_net *net = pl->net;
    if (pl->dry || pl->failed)
        return NULL;
    if (net->nallocs == net->allocs_cap) {
        int cap = net->allocs_cap ? 2 * net->allocs_cap : 128;
        void **a = realloc(net->allocs, sizeof *a * cap);
        if (!a) {
            pl->failed = 1;
            return NULL;
        }
        net->allocs = a;
        net->allocs_cap = cap;
    }
    float *p = malloc(sizeof(float) * (floats ? floats : 1));
    if (!p) {
        pl->failed = 1;
        return NULL;
    }
    net->allocs[net->nallocs++] = p;
    return p;
}

/* A gradient inside the current module lives in the shared arena. */
static float *arena_grad(plan *pl, size_t floats)
{
    float *g = pl->dry ? NULL : pl->net->grad_arena + pl->arena_used;
    pl->arena_used += floats;
    return g;
}

static size_t rows_of(const nb_net *net, int h, int w)
{
    return (size_t)net->cfg.max_batch * h * w;
}

static size_t groups_of(const nb_net *net)
{
    int g = net->cfg.bn_group;
    return g > 0 ? (size_t)(net->cfg.max_batch + g - 1) / g : 1;
}

/* conv output (own buffer, or zext with stride zld for a packed
 * projection), BN statistics and, when own_out, the output and its gradient */
static void plan_cbr(plan *pl, nb_cbr *u, int own_out, float *zext, int zld)
{
    nb_net *net = pl->net;
    size_t rows = rows_of(net, u->geom.h, u->geom.w);
    size_t cout = (size_t)u->geom.cout;
    u->zld = zld ? zld : (int)cout;
    u->z = zld ? zext : block(pl, rows * cout);
    u->mean = block(pl, groups_of(net) * cout);
    u->invstd = block(pl, groups_of(net) * cout);
    if (own_out) {
        u->out.p = block(pl, rows * cout);
        u->out.g = arena_grad(pl, rows * cout);
    }
    nb_conv_geom g = u->geom;
    g.n = net->cfg.max_batch;
    size_t ws = nb_conv_workspace(&g, net->cfg.threads);
    if (ws > pl->ws_max)
        pl->ws_max = ws;
    if (!zld && rows * cout > pl->dz_max)
        pl->dz_max = rows * cout;
}

/* The packed projections of a module: width, kernels, raw outputs. */
static void plan_projections(plan *pl, nb_module *m)
{
    size_t rows = rows_of(pl->net, m->h, m->w);
    int width = m->has_out_proj ? m->cout : 0;
    for (int t = 1; t < m->nv - 1; t++)
        width += m->v[t].has_proj ? m->v[t].c : 0;
    m->proj_width = width;
    m->wp = block(pl, (size_t)m->cin * width);
    m->zp = block(pl, rows * width);
    if (rows * width > pl->dzp_max)
        pl->dzp_max = rows * width;
    if ((size_t)m->cin * width > pl->dwp_max)
        pl->dwp_max = (size_t)m->cin * width;
}

/* g: the gradient of the module output (a ping-pong buffer). */
static void plan_module(plan *pl, nb_module *m, float *g)
{
    size_t rows = rows_of(pl->net, m->h, m->w);
    pl->arena_used = 0;
    plan_projections(pl, m);
    int proj_off = 0;
    if (m->has_concat) {
        m->concat.p = block(pl, rows * m->cout);
        m->concat.g = g; /* d(concat) = d(output), with or without projection */
    }
    for (int t = 1; t < m->nv - 1; t++) {
        nb_vertex *v = &m->v[t];
        if (v->has_proj) {
            plan_cbr(pl, &v->proj, 1, pl->dry ? NULL : m->zp + proj_off, m->proj_width);
            proj_off += v->c;
        }
        if (v->sum_owned) {
            v->sum.p = block(pl, rows * v->c);
            v->sum.g = arena_grad(pl, rows * v->c);
        } else if (!pl->dry) {
            /* the single input, used as is: a cut predecessor or the projection */
            nb_view in = v->nsrc ? m->v[v->src[0]].out : v->proj.out;
            v->sum.p = in.p;
            v->sum.g = in.g;
            v->sum.ld = in.ld;
        }
        if (v->to_output) {
            if (!pl->dry) {
                v->out.p = m->concat.p + v->concat_offset;
                v->out.g = g + v->concat_offset;
            }
        } else {
            v->out.p = block(pl, rows * v->c);
            v->out.g = arena_grad(pl, rows * v->c);
        }
        if (v->label != NB_LABEL_MAXPOOL3X3) {
            plan_cbr(pl, &v->conv, 0, NULL, 0);
            v->conv.out = v->out;
        }
    }
    if (m->has_out_proj) {
        plan_cbr(pl, &m->out_proj, 0, pl->dry ? NULL : m->zp + proj_off, m->proj_width);
        m->out_proj.out.p = block(pl, rows * m->cout);
        m->out_proj.out.g = g;
    }
    if (m->has_concat && m->has_out_proj)
        m->out.p = block(pl, rows * m->cout); /* concat + projection */
    else
        m->out.p = m->has_concat ? m->concat.p : m->out_proj.out.p;
    m->out.g = g;
    m->arena = pl->arena_used;
    if (pl->arena_used > pl->arena_max)
        pl->arena_max = pl->arena_used;
    if (rows * m->cout > pl->boundary_max)
        pl->boundary_max = rows * m->cout;
}

static void plan_net(plan *pl)
{
    nb_net *net = pl->net;
    int k = 0; /* boundary tensors so far: their gradients alternate */
    size_t stem_rows = rows_of(net, net->stem.geom.h, net->stem.geom.w);
    plan_cbr(pl, &net->stem, 0, NULL, 0);
    net->stem.out.p = block(pl, stem_rows * net->stem.geom.cout);
    net->stem.out.g = net->grad_ping[k++ % 2];
    if (stem_rows * net->stem.geom.cout > pl->boundary_max)
        pl->boundary_max = stem_rows * net->stem.geom.cout;
    int per = net->cfg.shape.modules_per_stack;
    for (int st = 0; st < net->cfg.shape.num_stacks; st++) {
        if (st > 0) {
            nb_module *first = &net->modules[st * per];
            net->downsample[st].p = block(pl, rows_of(net, first->h, first->w) * first->cin);
            net->downsample[st].g = net->grad_ping[k++ % 2];
        }
        for (int i = 0; i < per; i++)
            plan_module(pl, &net->modules[st * per + i], net->grad_ping[k++ % 2]);
    }
    net->feat = block(pl, (size_t)net->cfg.max_batch * net->final_c);
    net->dfeat = block(pl, (size_t)net->cfg.max_batch * net->final_c);
    net->images = block(pl, stem_rows * NB_NET_IMAGE_CHANNELS);
}

int nb_net_alloc_activations(nb_net *net)
{
    if (net->activations_ready)
        return NB_OK;
    if (!net->alloc_params)
        return nb_seterr(NB_EINVAL, "network: built for counting only");
    plan pl = {.net = net, .dry = 1};
    plan_net(&pl);
    net->grad_arena = malloc(sizeof(float) * (pl.arena_max + 1));
    net->grad_ping[0] = malloc(sizeof(float) * (pl.boundary_max + 1));
    net->grad_ping[1] = malloc(sizeof(float) * (pl.boundary_max + 1));
    net->conv_ws = malloc(sizeof(float) * (pl.ws_max + 1));
    net->dz = malloc(sizeof(float) * (pl.dz_max + 1));
    net->dzp = malloc(sizeof(float) * (pl.dzp_max + 1));
    net->dwp = malloc(sizeof(float) * (pl.dwp_max + 1));
    int ok = net->grad_arena && net->grad_ping[0] && net->grad_ping[1] && net->conv_ws &&
             net->dz && net->dzp && net->dwp;
    plan real = {.net = net};
    if (ok)
        plan_net(&real);
    if (!ok || real.failed) {
        nb_net_free_activations(net);
        return nb_seterr(NB_ENOMEM, "network: out of memory for the activations of batch %d",
                         net->cfg.max_batch);
    }
    net->activations_ready = 1;
    return NB_OK;
}

void nb_net_free_activations(nb_net *net)
{
    for (int i = 0; i < net->nallocs; i++)
        free(net->allocs[i]);
    free(net->allocs);
    net->allocs = NULL;
    net->nallocs = net->allocs_cap = 0;
    free(net->grad_arena);
    free(net->grad_ping[0]);
    free(net->grad_ping[1]);
    free(net->conv_ws);
    free(net->dz);
    free(net->dzp);
    free(net->dwp);
    net->grad_arena = net->grad_ping[0] = net->grad_ping[1] = net->conv_ws = net->dz = NULL;
    net->dzp = net->dwp = NULL;
    net->activations_ready = 0;
    net->last_n = 0;
}
