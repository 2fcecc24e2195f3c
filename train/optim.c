/* RMSProp with TensorFlow 1.x semantics and the cosine-by-step schedule
 * (reference, sections 7.3 and 7.4). PyTorch's RMSprop differs (epsilon
 * outside the root, ms starting at 0): retraining only matched the dataset
 * after copying these details, so they are kept exactly. */
#include <math.h>

#include "nb_train.h"

void nb_rmsprop_init_slots(float *ms, float *mom, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ms[i] = 1.0f; /* TensorFlow initialises the mean square slot to ones */
        mom[i] = 0.0f;
    }
}

void nb_rmsprop_update(const nb_rmsprop *opt, float lr, float *w, const float *g, float *ms,
                       float *mom, size_t n)
{
    const float one_minus_rho = 1.0f - opt->decay;
    for (size_t i = 0; i < n; i++) {
        /* the L2 term of the loss contributes weight_decay * w to the gradient */
        float grad = g[i] + opt->weight_decay * w[i];
        ms[i] += (grad * grad - ms[i]) * one_minus_rho;
        mom[i] = mom[i] * opt->momentum + grad * lr / sqrtf(ms[i] + opt->epsilon);
        w[i] -= mom[i];
    }
}

float nb_lr_cosine(int64_t step, int64_t total, float base)
{
    if (step == 0 || total <= 0)
        return 0.0f; /* step 0 only initialises BN averages and the ms slots */
    if (step > total)
        step = total;
    /* float32 like the TensorFlow graph: progress = f32(step) / f32(total) */
    float progress = (float)step / (float)total;
    float c = (float)cos((double)(3.14159265358979323846f * progress));
    return 0.5f * base * (1.0f + c);
}
