/* Softmax cross-entropy, the loss of the original (mean over the batch). */
#include <math.h>

#include "nasbench/error.h"
#include "nb_net.h"

int nb_softmax_xent(const float *logits, const int32_t *labels, int n, int k, double *loss,
                    int *correct, float *dlogits)
{
    if (n <= 0 || k <= 0)
        return nb_seterr(NB_EINVAL, "softmax cross-entropy: %d rows of %d logits", n, k);
    double total = 0.0;
    int hits = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        int y = labels[i];
        if (y < 0 || y >= k)
            return nb_seterr(NB_EINVAL, "softmax cross-entropy: label %d of row %d not in 0..%d",
                             y, i, k - 1);
        /* Subtract the maximum so that exp never overflows; sums in double so
         * that the loss of a confident net is not rounded to zero. */
        int arg = 0;
        for (int j = 1; j < k; j++)
            if (z[j] > z[arg])
                arg = j;
        double sum = 0.0;
        for (int j = 0; j < k; j++)
            sum += exp((double)z[j] - z[arg]);
        double log_sum = log(sum);
        total += log_sum - ((double)z[y] - z[arg]);
        hits += arg == y;
        if (dlogits)
            for (int j = 0; j < k; j++) {
                double p = exp((double)z[j] - z[arg] - log_sum);
                dlogits[(size_t)i * k + j] = (float)((p - (j == y)) / n);
            }
    }
    *loss = total / n;
    if (correct)
        *correct = hits;
    return NB_OK;
}
