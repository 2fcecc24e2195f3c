/*
 * Forward and backward passes of the network (reference 6.1-6.3).
 * Backward visits the modules in reverse and, inside a module, the output
 * first and then the vertices from last to first, so that a vertex's
 * gradient is complete (every consumer has added into it) before it is used.
 */
#include <string.h>

#include "nasbench/error.h"
#include "nb_net_internal.h"

static void prof(nb_net *net, int backward, int kind, double t0)
{
    if (!net->profiling)
        return;
    double dt = nb_net_now() - t0;
    if (backward)
        net->prof.backward[kind] += dt;
    else
        net->prof.forward[kind] += dt;
}

static double tick(const nb_net *net)
{
    return net->profiling ? nb_net_now() : 0.0;
}

static long group_rows(const nb_net *net, const nb_cbr *u, long rows)
{
    return net->cfg.bn_group ? (long)net->cfg.bn_group * u->geom.h * u->geom.w : rows;
}

static double conv_flops(const nb_conv_geom *g)
{
    return 2.0 * g->n * g->h * g->w * g->k * g->k * (double)g->cin * g->cout;
}

static void bn_forward(nb_net *net, nb_cbr *u, int n, int training)
{
    long rows = (long)n * u->geom.h * u->geom.w;
    double t0 = tick(net);
    if (training)
        nb_bn_relu_train(net->pool, &u->bn, rows, group_rows(net, u, rows), net->cfg.bn_momentum,
                         net->cfg.bn_epsilon, u->z, u->zld, u->out.p, u->out.ld, u->mean,
                         u->invstd);
    else
        nb_bn_relu_infer(net->pool, &u->bn, rows, net->cfg.bn_epsilon, u->z, u->zld, u->out.p,
                         u->out.ld);
    prof(net, 0, NB_PROF_BN_RELU, t0);
}

/* d(raw conv output) into dz (row stride ld) */
static void bn_backward(nb_net *net, nb_cbr *u, int n, float *dz, int ld)
{
    long rows = (long)n * u->geom.h * u->geom.w;
    double t0 = tick(net);
    nb_bn_relu_backward(net->pool, &u->bn, rows, group_rows(net, u, rows), u->z, u->zld,
                        u->out.p, u->out.ld, u->out.g, u->out.ld, u->mean, u->invstd, dz, ld);
    prof(net, 1, NB_PROF_BN_RELU, t0);
}

static void cbr_forward(nb_net *net, nb_cbr *u, nb_view in, int n, int training)
{
    nb_conv_geom g = u->geom;
    g.n = n;
    double t0 = tick(net);
    nb_conv_forward(net->pool, &g, in.p, in.ld, u->w, u->z, u->zld, net->conv_ws);
    prof(net, 0, g.k == 3 ? NB_PROF_CONV3X3 : NB_PROF_CONV1X1, t0);
    net->prof.conv_flops_fwd += net->profiling ? conv_flops(&g) : 0;
    bn_forward(net, u, n, training);
}

/* in.g may be NULL (no input gradient wanted). */
static void cbr_backward(nb_net *net, nb_cbr *u, nb_view in, int n)
{
    nb_conv_geom g = u->geom;
    g.n = n;
    bn_backward(net, u, n, net->dz, g.cout);
    double t0 = tick(net);
    nb_conv_backward(net->pool, &g, in.p, in.ld, u->w, net->dz, g.cout, u->dw, in.g, in.ld,
                     net->conv_ws);
    prof(net, 1, g.k == 3 ? NB_PROF_CONV3X3 : NB_PROF_CONV1X1, t0);
    net->prof.conv_flops_bwd += net->profiling ? conv_flops(&g) * (in.g ? 2 : 1) : 0;
}

/* The module's projections in packing order. */
static int projections(nb_module *m, nb_cbr **list)
{
    int k = 0;
    for (int t = 1; t < m->nv - 1; t++)
        if (m->v[t].has_proj)
            list[k++] = &m->v[t].proj;
    if (m->has_out_proj)
        list[k++] = &m->out_proj;
    return k;
}

/* All projections of the module input: one GEMM, then each one's BN. */
static void projections_forward(nb_net *net, nb_module *m, nb_view in, int n, int training)
{
    nb_cbr *list[NB_MAX_VERTICES];
    int np = projections(m, list), width = m->proj_width, rows = n * m->h * m->w;
    if (!np)
        return;
    double t0 = tick(net);
    for (int i = 0, off = 0; i < np; off += list[i]->geom.cout, i++)
        for (int r = 0; r < m->cin; r++) /* kernels are [cin][c]: rows of the packed matrix */
            memcpy(m->wp + (size_t)r * width + off, list[i]->w + (size_t)r * list[i]->geom.cout,
                   sizeof(float) * list[i]->geom.cout);
    nb_gemm(net->pool, 0, 0, rows, width, m->cin, in.p, in.ld, m->wp, width, 0.0f, m->zp, width);
    prof(net, 0, NB_PROF_CONV1X1, t0);
    net->prof.conv_flops_fwd += net->profiling ? 2.0 * rows * m->cin * width : 0;
    for (int i = 0; i < np; i++)
        bn_forward(net, list[i], n, training);
}

/* The BN half of a projection's backward: into its columns of dzp. */
static void projection_bn_backward(nb_net *net, nb_module *m, nb_cbr *u, int n)
{
    bn_backward(net, u, n, net->dzp + (u->z - m->zp), m->proj_width);
}

/* The GEMM half, once every projection's BN backward is done. */
static void projections_backward(nb_net *net, nb_module *m, nb_view in, int n)
{
    nb_cbr *list[NB_MAX_VERTICES];
    int np = projections(m, list), width = m->proj_width, rows = n * m->h * m->w;
    if (!np)
        return;
    double t0 = tick(net);
    nb_gemm(net->pool, 1, 0, m->cin, width, rows, in.p, in.ld, net->dzp, width, 0.0f, net->dwp,
            width);
    for (int i = 0, off = 0; i < np; off += list[i]->geom.cout, i++) {
        int c = list[i]->geom.cout;
        for (int r = 0; r < m->cin; r++)
            for (int k = 0; k < c; k++)
                list[i]->dw[(size_t)r * c + k] += net->dwp[(size_t)r * width + off + k];
    }
    nb_gemm(net->pool, 0, 1, rows, m->cin, width, net->dzp, width, m->wp, width, 1.0f, in.g,
            in.ld);
    prof(net, 1, NB_PROF_CONV1X1, t0);
    net->prof.conv_flops_bwd += net->profiling ? 4.0 * rows * m->cin * width : 0;
}

static void module_forward(nb_net *net, nb_module *m, nb_view in, int n, int training)
{
    long rows = (long)n * m->h * m->w;
    projections_forward(net, m, in, n, training);
    for (int t = 1; t < m->nv - 1; t++) {
        nb_vertex *v = &m->v[t];
        if (v->sum_owned) {
            const float *xs[NB_MAX_VERTICES];
            int lds[NB_MAX_VERTICES], k = 0;
            for (int i = 0; i < v->nsrc; i++) {
                xs[k] = m->v[v->src[i]].out.p;
                lds[k++] = m->v[v->src[i]].out.ld;
            }
            if (v->has_proj) { /* the projection is added last */
                xs[k] = v->proj.out.p;
                lds[k++] = v->proj.out.ld;
            }
            double t0 = tick(net);
            nb_sum_forward(net->pool, rows, v->c, k, xs, lds, v->sum.p);
            prof(net, 0, NB_PROF_SUM_CONCAT, t0);
        }
        if (v->label == NB_LABEL_MAXPOOL3X3) {
            double t0 = tick(net);
            nb_maxpool3_forward(net->pool, n, m->h, m->w, v->c, v->sum.p, v->sum.ld, v->out.p,
                                v->out.ld);
            prof(net, 0, NB_PROF_MAXPOOL, t0);
        } else {
            cbr_forward(net, &v->conv, v->sum, n, training);
        }
    }
    if (m->has_concat && m->has_out_proj) {
        const float *xs[2] = {m->concat.p, m->out_proj.out.p};
        int lds[2] = {m->cout, m->cout};
        double t0 = tick(net);
        nb_sum_forward(net->pool, rows, m->cout, 2, xs, lds, m->out.p);
        prof(net, 0, NB_PROF_SUM_CONCAT, t0);
    }
}

/* Expects d(output) in m->out.g; writes d(input) into in.g (zeroed here). */
static void module_backward(nb_net *net, nb_module *m, nb_view in, int n)
{
    long rows = (long)n * m->h * m->w;
    double t0 = tick(net);
    memset(net->grad_arena, 0, sizeof(float) * m->arena);
    memset(in.g, 0, sizeof(float) * rows * in.ld);
    prof(net, 1, NB_PROF_SUM_CONCAT, t0);
    /* the output projection reads d(output) before the vertices add their
     * cut-gradients into the concatenation slices that share its memory */
    if (m->has_out_proj)
        projection_bn_backward(net, m, &m->out_proj, n);
    for (int t = m->nv - 2; t >= 1; t--) {
        nb_vertex *v = &m->v[t];
        if (v->label == NB_LABEL_MAXPOOL3X3) {
            t0 = tick(net);
            nb_maxpool3_backward(net->pool, n, m->h, m->w, v->c, v->sum.p, v->sum.ld, v->out.p,
                                 v->out.ld, v->out.g, v->out.ld, v->sum.g, v->sum.ld);
            prof(net, 1, NB_PROF_MAXPOOL, t0);
        } else {
            cbr_backward(net, &v->conv, v->sum, n);
        }
        if (v->sum_owned) {
            t0 = tick(net);
            for (int i = 0; i < v->nsrc; i++) {
                nb_view *s = &m->v[v->src[i]].out;
                nb_add_into(net->pool, rows, v->c, v->sum.g, v->c, s->g, s->ld);
            }
            if (v->has_proj)
                nb_add_into(net->pool, rows, v->c, v->sum.g, v->c, v->proj.out.g, v->proj.out.ld);
            prof(net, 1, NB_PROF_SUM_CONCAT, t0);
        }
        if (v->has_proj)
            projection_bn_backward(net, m, &v->proj, n);
    }
    projections_backward(net, m, in, n);
}

/* The tensor a module reads: the stem, a downsample or the previous module. */
static nb_view module_input(nb_net *net, int index)
{
    int per = net->cfg.shape.modules_per_stack;
    if (index % per == 0)
        return index == 0 ? net->stem.out : net->downsample[index / per];
    return net->modules[index - 1].out;
}

int nb_net_forward(nb_net *net, const float *images, int n, int training, float *logits)
{
    const nb_net_config *cfg = &net->cfg;
    if (n < 1 || n > cfg->max_batch)
        return nb_seterr(NB_EINVAL, "network: batch of %d images (1 .. %d)", n, cfg->max_batch);
    if (training && cfg->bn_group && n % cfg->bn_group)
        return nb_seterr(NB_EINVAL, "network: batch of %d is not a multiple of the BN group %d",
                         n, cfg->bn_group);
    int rc = nb_net_alloc_activations(net);
    if (rc)
        return rc;
    net->last_n = 0;
    int size = cfg->image_size, per = cfg->shape.modules_per_stack;
    memcpy(net->images, images, sizeof(float) * n * size * size * NB_NET_IMAGE_CHANNELS);
    nb_view in = {net->images, NULL, NB_NET_IMAGE_CHANNELS, NB_NET_IMAGE_CHANNELS};
    cbr_forward(net, &net->stem, in, n, training);
    nb_view cur = net->stem.out;
    for (int i = 0; i < net->nmodules; i++) {
        nb_module *m = &net->modules[i];
        if (i % per == 0 && i > 0) {
            double t0 = tick(net);
            nb_maxpool2_forward(net->pool, n, net->modules[i - 1].h, net->modules[i - 1].w,
                                cur.c, cur.p, net->downsample[i / per].p);
            prof(net, 0, NB_PROF_DOWNSAMPLE, t0);
        }
        module_forward(net, m, module_input(net, i), n, training);
        cur = m->out;
    }
    double t0 = tick(net);
    nb_gap_forward(n, net->final_hw, net->final_c, cur.p, net->feat);
    nb_dense_forward(n, net->final_c, cfg->shape.num_labels, net->feat, net->dense_w,
                     net->dense_b, logits);
    prof(net, 0, NB_PROF_HEAD, t0);
    if (training)
        net->last_n = n;
    return NB_OK;
}

int nb_net_backward(nb_net *net, const float *dlogits, float *dimages)
{
    int n = net->last_n, per = net->cfg.shape.modules_per_stack;
    if (!n)
        return nb_seterr(NB_EINVAL, "network: backward without a training forward");
    nb_view last = net->modules[net->nmodules - 1].out;
    double t0 = tick(net);
    nb_dense_backward(n, net->final_c, net->cfg.shape.num_labels, net->feat, net->dense_w,
                      dlogits, net->dense_dw, net->dense_db, net->dfeat);
    nb_gap_backward(n, net->final_hw, net->final_c, net->dfeat, last.g);
    prof(net, 1, NB_PROF_HEAD, t0);
    for (int i = net->nmodules - 1; i >= 0; i--) {
        nb_module *m = &net->modules[i];
        module_backward(net, m, module_input(net, i), n);
        if (i % per == 0 && i > 0) {
            nb_view prev = net->modules[i - 1].out, ds = net->downsample[i / per];
            t0 = tick(net);
            memset(prev.g, 0, sizeof(float) * n * net->modules[i - 1].h * net->modules[i - 1].w *
                                  prev.ld);
            nb_maxpool2_backward(net->pool, n, net->modules[i - 1].h, net->modules[i - 1].w,
                                 prev.c, prev.p, ds.p, ds.g, prev.g);
            prof(net, 1, NB_PROF_DOWNSAMPLE, t0);
        }
    }
    int size = net->cfg.image_size;
    nb_view in = {net->images, dimages, NB_NET_IMAGE_CHANNELS, NB_NET_IMAGE_CHANNELS};
    if (dimages)
        memset(dimages, 0, sizeof(float) * n * size * size * NB_NET_IMAGE_CHANNELS);
    cbr_backward(net, &net->stem, in, n);
    return NB_OK;
}

void nb_net_profile_enable(nb_net *net, int on)
{
    net->profiling = on;
}

void nb_net_profile_take(nb_net *net, nb_net_profile *out)
{
    *out = net->prof;
    memset(&net->prof, 0, sizeof net->prof);
}

const char *nb_net_profile_kind_name(int kind)
{
    static const char *names[NB_PROF_KINDS] = {"conv3x3", "conv1x1", "bn+relu", "maxpool3x3",
                                               "downsample", "sum/concat", "gap+dense"};
    return kind >= 0 && kind < NB_PROF_KINDS ? names[kind] : "?";
}
