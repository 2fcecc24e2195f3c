/*
 * Internal to the network files (train/net*.c): the layout of an nb_net.
 *
 * Activations are "views" (nb_layer.h): a pointer, a row stride and a
 * channel count, with a gradient of the same layout. Truncating a vertex
 * output is a view with fewer channels; vertex outputs that feed the module
 * output are slices of the concatenation buffer, so neither costs a copy.
 *
 * Gradient memory: boundary tensors (stem output, module outputs, downsample
 * outputs) use two ping-pong buffers; the gradients inside one module live
 * in an arena that every module reuses, since backward finishes one module
 * before it starts the previous one.
 */
#ifndef NB_NET_INTERNAL_H
#define NB_NET_INTERNAL_H

#include "nb_layer.h"
#include "nb_net.h"

typedef struct nb_view {
    float *p;    /* activation */
    float *g;    /* gradient, same layout */
    int ld;      /* floats between pixels */
    int c;       /* channels in the view */
} nb_view;

/* conv (1x1 or 3x3) + batch norm + ReLU: the ops and the projections. */
typedef struct nb_cbr {
    nb_conv_geom geom; /* geom.n is set per call */
    float *w, *dw;     /* [k][k][cin][cout] */
    nb_bn bn;
    float *z;          /* raw convolution output [rows][cout], row stride zld */
    int zld;           /* cout, or the module's projection width (projections) */
    float *mean, *invstd; /* [groups][cout] of the last training forward */
    nb_view out;       /* after BN + ReLU */
} nb_cbr;

typedef struct nb_vertex {
    int label;         /* NB_LABEL_CONV3X3 / CONV1X1 / MAXPOOL3X3 */
    int c;             /* channels (6.4) */
    int nsrc;          /* interior predecessors, increasing */
    int src[NB_MAX_VERTICES];
    int has_proj;      /* M[0][t]: projection of the module input, added last */
    nb_cbr proj;
    int sum_owned;     /* more than one input: own buffer, else alias */
    nb_view sum;
    nb_cbr conv;       /* conv ops */
    int to_output;     /* M[t][V-1]: out is a slice of the concatenation */
    int concat_offset;
    nb_view out;
} nb_vertex;

typedef struct nb_module {
    int cin, cout, h, w;
    int nv;
    nb_vertex v[NB_MAX_VERTICES]; /* interior vertices 1 .. nv-2 are used */
    int has_concat;               /* some interior vertex feeds the output */
    nb_view concat;
    int has_out_proj;             /* M[0][V-1] */
    nb_cbr out_proj;
    nb_view out;                  /* concat, concat + projection, or projection */
    /* All projections read the module input, so they run as one GEMM whose
     * output columns are the projections side by side (vertex order, then the
     * output projection): fewer passes over the input and a wider GEMM. */
    int proj_width;               /* sum of the projections' channels */
    float *wp;                    /* packed kernels [cin][proj_width] */
    float *zp;                    /* packed raw outputs [rows][proj_width] */
    size_t arena;                 /* floats of gradient arena the module uses */
} nb_module;

typedef struct nb_tensor_list {
    nb_param *items;
    int count, cap;
} nb_tensor_list;

struct nb_net {
    nb_net_config cfg;
    nb_spec spec;
    int alloc_params;   /* 0: built only to count (no memory behind tensors) */
    nb_pool *pool;

    nb_cbr stem;
    int nmodules;
    nb_module *modules;   /* stack-major */
    nb_view *downsample;  /* [num_stacks]; entry 0 unused */
    int final_c, final_hw;
    float *dense_w, *dense_dw, *dense_b, *dense_db;

    /* tensors: trainable and state collected separately while building, then
     * joined into params (trainable first) */
    nb_tensor_list trainable, state;
    nb_param *params;
    int nparams, ntrainable;
    int64_t trainable_floats;

    /* activations, allocated by the first forward */
    int activations_ready;
    void **allocs;          /* every activation / gradient block, freed together */
    int nallocs, allocs_cap;
    float *conv_ws;         /* im2col workspace */
    float *dz;              /* BN backward -> conv backward scratch */
    float *dzp, *dwp;       /* the same for a module's packed projections */
    float *grad_ping[2];    /* boundary gradients */
    float *grad_arena;
    float *feat, *dfeat;    /* [max_batch][final_c] */
    float *images;          /* copy of the last forward's input (stem backward) */

    int last_n;             /* n of the last training forward, 0 = none */

    int profiling;
    nb_net_profile prof;
};

/* net_build.c */
int nb_net_build(const nb_spec *pruned, const nb_net_config *cfg, uint64_t seed,
                 int alloc_params, nb_net **out);
/* net_alloc.c: activation and gradient buffers (idempotent). */
int nb_net_alloc_activations(nb_net *net);
void nb_net_free_activations(nb_net *net);
/* net_init.c: tensor registry and TensorFlow-default initialisers. */
typedef struct nb_rng {
    uint64_t s[4];
} nb_rng;
void nb_rng_seed(nb_rng *rng, uint64_t seed);
double nb_rng_uniform(nb_rng *rng); /* [0, 1) */
/* Register a tensor; allocates value and (for trainable) grad unless the net
 * only counts. init: 'n' truncated normal fan-in, 'g' Glorot uniform,
 * '0' zeros, '1' ones. Returns the value pointer (NULL when counting) and
 * sets *grad. NB_ENOMEM. */
int nb_net_tensor(nb_net *net, nb_rng *rng, int trainable, char init, const char *name,
                  int rank, const int *dims, float **value, float **grad);
/* Profiling clock (seconds). */
double nb_net_now(void);

#endif
