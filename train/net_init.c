/*
 * The tensors of a net: registry, and TensorFlow's default initialisers
 * (reference 6.2) drawn from a seeded xoshiro256** generator, so that a seed
 * gives the same weights on every machine.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nasbench/error.h"
#include "nb_net_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void nb_rng_seed(nb_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next(nb_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double nb_rng_uniform(nb_rng *rng)
{
    return (next(rng) >> 11) * 0x1.0p-53;
}

/* Standard normal restricted to [-2, 2] by redrawing, as TensorFlow's
 * truncated_normal. Box-Muller, one value per pair (simple and
 * deterministic). */
static double truncated_normal(nb_rng *rng)
{
    for (;;) {
        double u1 = nb_rng_uniform(rng), u2 = nb_rng_uniform(rng);
        double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
        if (fabs(z) <= 2.0)
            return z;
    }
}

static void fill(float *v, size_t count, char init, int rank, const int *dims, nb_rng *rng)
{
    if (init == '0' || init == '1') {
        for (size_t i = 0; i < count; i++)
            v[i] = init == '1' ? 1.0f : 0.0f;
        return;
    }
    if (init == 'n') {
        /* variance_scaling_initializer(scale 1, fan_in, truncated normal):
         * the stddev is corrected for the truncation at 2 sigma. */
        size_t fan_in = count / (size_t)dims[rank - 1];
        double stddev = sqrt(1.0 / (double)fan_in) / 0.87962566103423978;
        for (size_t i = 0; i < count; i++)
            v[i] = (float)(truncated_normal(rng) * stddev);
        return;
    }
    /* 'g': glorot_uniform on a [fan_in][fan_out] matrix */
    double limit = sqrt(6.0 / (double)(dims[0] + dims[1]));
    for (size_t i = 0; i < count; i++)
        v[i] = (float)((2.0 * nb_rng_uniform(rng) - 1.0) * limit);
}

int nb_net_tensor(nb_net *net, nb_rng *rng, int trainable, char init, const char *name,
                  int rank, const int *dims, float **value, float **grad)
{
    nb_tensor_list *list = trainable ? &net->trainable : &net->state;
    if (list->count == list->cap) {
        int cap = list->cap ? 2 * list->cap : 64;
        nb_param *items = realloc(list->items, sizeof *items * cap);
        if (!items)
            return nb_seterr(NB_ENOMEM, "network: out of memory for the tensor list");
        list->items = items;
        list->cap = cap;
    }
    nb_param *p = &list->items[list->count];
    memset(p, 0, sizeof *p);
    p->rank = rank;
    p->count = 1;
    for (int i = 0; i < rank; i++) {
        p->dims[i] = dims[i];
        p->count *= (size_t)dims[i];
    }
    if (!(p->name = strdup(name)))
        return nb_seterr(NB_ENOMEM, "network: out of memory");
    list->count++;
    if (trainable)
        net->trainable_floats += (int64_t)p->count;
    *value = NULL;
    if (grad)
        *grad = NULL;
    if (!net->alloc_params)
        return NB_OK;
    p->value = malloc(sizeof(float) * p->count);
    if (trainable)
        p->grad = calloc(p->count, sizeof(float));
    if (!p->value || (trainable && !p->grad))
        return nb_seterr(NB_ENOMEM, "network: out of memory for %s (%zu floats)", name,
                         p->count);
    fill(p->value, p->count, init, rank, dims, rng);
    *value = p->value;
    if (grad)
        *grad = p->grad;
    return NB_OK;
}

double nb_net_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
