/*
 * Internal: the NAS-Bench-101 network (reference section 6) in float32 on
 * OpenBLAS, forward and backward. Used by the trainer (train/), the `params`
 * command and the benchmarks. Not installed.
 *
 * Layout: NHWC (channels last, as the original), so a 1x1 convolution is one
 * GEMM and a 3x3 one is im2col + GEMM with the kernel in TensorFlow's HWIO
 * order. Images are [n][size][size][3] floats, already normalised (7.2).
 *
 * Lifetime: nb_net_create allocates the parameters (and their gradients);
 * activation buffers are allocated lazily by the first nb_net_forward. A net
 * is not thread-safe: one thread drives it (it runs its own worker threads).
 * Results are bit-identical for a given seed, thread count and machine. All fallible functions follow
 * nasbench/error.h.
 */
#ifndef NB_NET_H
#define NB_NET_H

#include <stddef.h>
#include <stdint.h>

#include "nasbench/spec.h"

#define NB_NET_IMAGE_CHANNELS 3

typedef struct nb_net_config {
    nb_net_shape shape;  /* stem channels, stacks, modules per stack, labels */
    int image_size;      /* input height = width; 32 (CIFAR-10) */
    int max_batch;       /* largest n given to forward; activations sized for it; 256 */
    float bn_momentum;   /* moving = momentum * moving + (1 - momentum) * batch; 0.997 */
    float bn_epsilon;    /* 1e-5 */
    /* Batch statistics in training mode are computed over groups of this many
     * consecutive images (the TPU computed them per shard of 128, reference
     * 7.6); 0 = over the whole batch. n must be a multiple of it. The moving
     * averages are updated once per group, in group order. */
    int bn_group;
    /* Threads of the net's pool, which runs the GEMMs (each thread a
     * single-threaded OpenBLAS call on a block of rows) and the element-wise
     * loops; 0 = all cores. Creating a net sets OpenBLAS to one thread for
     * the whole process. */
    int threads;
} nb_net_config;

/* The original's configuration: shape 128/3/3/10, image 32, batch 256, BN
 * 0.997 / 1e-5, bn_group 0, threads 0. */
void nb_net_config_default(nb_net_config *cfg);

/* One tensor of the net. Trainable tensors have a gradient of the same size;
 * non-trainable state (BN moving mean and variance) has grad == NULL. The
 * pointers are owned by the net and valid until nb_net_free. Names are
 * TensorFlow-like paths, unique within a net, e.g. "stem/conv/kernel",
 * "stack1/module0/vertex3/bn/gamma", "stack1/module0/output_proj/bn/moving_mean",
 * "dense/kernel", "dense/bias". Shapes: conv kernels [kh][kw][cin][cout]
 * (HWIO), dense kernel [cin][labels], vectors [c]. */
typedef struct nb_param {
    const char *name;
    float *value;
    float *grad;      /* NULL for non-trainable state */
    size_t count;     /* number of floats */
    int rank;         /* 1, 2 or 4 */
    int dims[4];
} nb_param;

typedef struct nb_net nb_net;

/* Build the network for a pruned, in-space spec (call nb_spec_resolve first)
 * with initial weights drawn deterministically from seed as TensorFlow's
 * defaults (6.2): conv kernels truncated-normal variance scaling (fan in,
 * scale 1), dense kernel Glorot uniform, zero bias, gamma 1, beta 0, moving
 * mean 0, moving variance 1. cfg may be NULL (defaults). Gradients start at
 * zero. *out receives the net; free it with nb_net_free. NB_EINVAL for a bad
 * config, NB_ESPEC / NB_EDOMAIN for a spec that cannot be built, NB_ENOMEM. */
int nb_net_create(const nb_spec *pruned, const nb_net_config *cfg, uint64_t seed,
                  nb_net **out);
void nb_net_free(nb_net *net);

/* The config the net was built with (threads resolved to the real count). */
const nb_net_config *nb_net_get_config(const nb_net *net);

/* All tensors, trainable first (in a fixed build order), then the state.
 * The array is owned by the net. */
const nb_param *nb_net_params(const nb_net *net, int *count);
/* Number of trainable tensors (a prefix of nb_net_params) and of floats in
 * them: the network's trainable_parameters. */
int nb_net_num_trainable(const nb_net *net);
int64_t nb_net_num_params(const nb_net *net);

/* Trainable parameters of the network for a spec, by building its layers
 * and counting its trainable tensors; no memory is allocated behind the
 * tensors (neither parameters nor activations). shape NULL = the original. */
int nb_net_count_params(const nb_spec *pruned, const nb_net_shape *shape, int64_t *params);

/* Forward pass of n images (1 <= n <= max_batch) into logits [n][labels].
 * training != 0: batch-norm uses batch statistics, updates the moving
 * averages and keeps what backward needs; training == 0: moving averages,
 * nothing is kept. The first call allocates the activation buffers
 * (NB_ENOMEM). */
int nb_net_forward(nb_net *net, const float *images, int n, int training, float *logits);

/* Backward pass for the last forward, which must have been a training one
 * (an inference forward in between is an error): dlogits [n][labels] is
 * d(loss)/d(logits). ADDS the parameter gradients into each nb_param.grad
 * (call nb_net_zero_grad before a step). NB_EINVAL without a preceding
 * training forward. dimages may be NULL; otherwise it receives
 * d(loss)/d(images) [n][size][size][3] (used by the gradient checks). */
int nb_net_backward(nb_net *net, const float *dlogits, float *dimages);

void nb_net_zero_grad(nb_net *net);

/* Softmax cross-entropy averaged over the batch: returns through *loss the
 * mean of -log softmax(logits)[label], through *correct (may be NULL) the
 * number of rows whose arg-max equals the label (first maximum wins), and
 * into dlogits (may be NULL) the gradient of the mean loss,
 * (softmax - onehot) / n. labels are 0 .. k-1; NB_EINVAL otherwise. */
int nb_softmax_xent(const float *logits, const int32_t *labels, int n, int k, double *loss,
                    int *correct, float *dlogits);

/* Per-layer wall-clock profile, for the benchmark: when enabled the net
 * accumulates the seconds spent in each kind of layer, forward and backward
 * separately. kinds: NB_PROF_* below. */
enum {
    NB_PROF_CONV3X3, NB_PROF_CONV1X1, NB_PROF_BN_RELU, NB_PROF_MAXPOOL, NB_PROF_DOWNSAMPLE,
    NB_PROF_SUM_CONCAT, NB_PROF_HEAD, NB_PROF_KINDS
};
typedef struct nb_net_profile {
    double forward[NB_PROF_KINDS];   /* seconds */
    double backward[NB_PROF_KINDS];
    double conv_flops_fwd;           /* multiply-adds x 2 of the convolutions */
    double conv_flops_bwd;
} nb_net_profile;
void nb_net_profile_enable(nb_net *net, int on);
/* Copy out the accumulated profile and reset it. */
void nb_net_profile_take(nb_net *net, nb_net_profile *out);
const char *nb_net_profile_kind_name(int kind);

#endif
