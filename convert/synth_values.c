/*
 * The synthetic metrics of one run (nb_synth_run). SYNTHETIC NUMBERS: a
 * small model that only imitates the form of the real data, see
 * docs/file-format.md. Only integer arithmetic and the four IEEE operations
 * are used (no libm), so a seed gives the same bytes on every platform.
 */
#include <string.h>

#include "nasbench/error.h"
#include "nb_synth.h"
#include "nb_synth_internal.h"

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(splitmix(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Approximately standard normal: Irwin-Hall with 4 terms (no libm). */
static double gauss(uint64_t *s)
{
    double u = uniform(s) + uniform(s) + uniform(s) + uniform(s);
    return (u - 2.0) * 1.7320508075688772;
}

static uint64_t hash_key(uint64_t seed, const char *hash)
{
    uint64_t h = seed ^ 0x6A09E667F3BCC908ull;
    for (int i = 0; i < NB_HASH_HEX && hash[i]; i++)
        h = (h ^ (uint8_t)hash[i]) * 0x100000001B3ull;
    splitmix(&h);
    return h;
}

/* An accuracy of the form float32(k / 9984), k clamped to [0, 9984]. */
static int acc_k(double a)
{
    double k = a * 9984.0 + 0.5;
    return k < 0 ? 0 : k > 9984 ? 9984 : (int)k;
}

static double acc_value(int k)
{
    return (double)((float)k / 9984.0f);
}

void nb_synth_module_init(nb_synth_module *m, uint64_t seed, const char *hash,
                          const nb_spec *spec, int64_t params)
{
    memcpy(m->hash, hash, NB_HASH_HEX);
    m->hash[NB_HASH_HEX] = 0;
    m->params = params;
    int conv3 = 0, pool = 0;
    for (int v = 1; v < spec->num_vertices - 1; v++) {
        conv3 += strcmp(spec->ops[v], "conv3x3-bn-relu") == 0;
        pool += strcmp(spec->ops[v], "maxpool3x3") == 0;
    }
    uint64_t s = hash_key(seed, hash);
    double p = (double)params;
    /* Final validation accuracy at 108 epochs: more parameters and 3x3
     * convolutions help, many pools hurt, plus a per-module offset. */
    double q = 0.948 - 0.10 * (2.0e6 / (p + 2.0e6)) - 0.006 * pool +
               0.003 * (conv3 < 3 ? conv3 : 3) + 0.010 * gauss(&s);
    m->quality = q > 0.952 ? 0.952 : q < 0.5 ? 0.5 : q;
    /* Seconds per epoch: about 16.5 for 8.5M parameters, 10.7 for 2.7M
     * (the two real reference records). */
    m->sec_per_epoch = (4.5 + 1.0 * p / 1e6 + 0.5 * spec->num_vertices) * (1.0 + 0.04 * gauss(&s));
    m->key = s;
}

/* halfway < final for an accuracy pair, as in every real run. */
static void order_pair(int *half, int *final, uint64_t *s)
{
    if (*final == 0)
        *final = 1;
    if (*half >= *final)
        *half = *final - 1 - (int)(splitmix(s) % 16);
    if (*half < 0)
        *half = 0;
}

void nb_synth_module_run(const nb_synth_module *m, int epochs, int repeat,
                         nb_evaluation evals[3], nb_record *rec)
{
    uint64_t s = m->key ^ ((uint64_t)(uint32_t)epochs << 32 | (uint32_t)repeat);
    splitmix(&s);
    double e = epochs;
    int k[2][3]; /* [halfway, final][train, valid, test] */
    if (uniform(&s) < 0.005) {
        /* A diverged run: chance accuracy everywhere. */
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                k[i][j] = acc_k(0.1 + 0.004 * gauss(&s));
    } else {
        double val = m->quality - (0.76 / e - 0.007) + 0.004 * gauss(&s);
        double vh = val - (0.06 + 0.08 * e / (e + 30.0)) + 0.012 * gauss(&s);
        k[1][1] = acc_k(val);
        k[1][0] = acc_k(val + 0.02 + 0.08 * e / (e + 20.0) + 0.005 * gauss(&s));
        k[1][2] = acc_k(val - 0.004 + 0.003 * gauss(&s));
        k[0][1] = acc_k(vh);
        k[0][0] = acc_k(vh + 0.02 + 0.03 * e / (e + 20.0) + 0.006 * gauss(&s));
        k[0][2] = acc_k(vh - 0.005 + 0.004 * gauss(&s));
    }
    for (int j = 0; j < 3; j++)
        order_pair(&k[0][j], &k[1][j], &s);

    /* Times are float32 counters; halfway is the step ratio of the schedule. */
    double final_t = e * m->sec_per_epoch * (1.0 + 0.003 * gauss(&s));
    float tf = (float)final_t;
    float th = (float)(final_t * 0.49997 * (1.0 + 0.001 * gauss(&s)));
    if (th >= tf)
        th = tf * 0.499f;
    double evals_t = 3.0 * (1.5 + 0.3 * (double)m->params / 1e6);

    memset(evals, 0, 3 * sizeof *evals);
    evals[0].present = NB_EVAL_CURRENT_EPOCH | NB_EVAL_TRAINING_TIME | NB_EVAL_TRAIN_ACCURACY |
                       NB_EVAL_VALIDATION_ACCURACY | NB_EVAL_TEST_ACCURACY;
    evals[1].present = evals[2].present = evals[0].present;
    evals[0].train_accuracy = acc_value(acc_k(0.1 + 0.003 * gauss(&s)));
    evals[0].validation_accuracy = acc_value(acc_k(0.1 + 0.003 * gauss(&s)));
    evals[0].test_accuracy = acc_value(acc_k(0.1 + 0.003 * gauss(&s)));
    for (int i = 0; i < 2; i++) {
        nb_evaluation *ev = &evals[1 + i];
        ev->current_epoch = i ? e : e / 2.0;
        ev->training_time = i ? tf : th;
        ev->train_accuracy = acc_value(k[i][0]);
        ev->validation_accuracy = acc_value(k[i][1]);
        ev->test_accuracy = acc_value(k[i][2]);
    }
    rec->num_evaluations = 3;
    rec->evaluations = evals;
    rec->has_trainable_parameters = 1;
    rec->trainable_parameters = m->params;
    rec->has_total_time = 1;
    rec->total_time = (double)(float)((double)tf + 5.0 + evals_t * (1.0 + 0.05 * uniform(&s)));
}

int nb_synth_run(uint64_t seed, const char hash[NB_HASH_HEX + 1], const nb_spec *pruned,
                 int epochs, int repeat, nb_evaluation evals[3], nb_record *rec)
{
    if (epochs < 1 || repeat < 0)
        return nb_seterr(NB_EUSAGE, "synth: epochs must be >= 1 and repeat >= 0");
    int64_t params;
    int rc = nb_spec_trainable_parameters(pruned, &NB_NET_SHAPE_DEFAULT, &params);
    if (rc)
        return rc;
    nb_synth_module m;
    nb_synth_module_init(&m, seed, hash, pruned, params);
    nb_synth_module_run(&m, epochs, repeat, evals, rec);
    return NB_OK;
}
