/* Channel counts per vertex (reference 6.4, the original's
 * compute_vertex_channels including its assertions) and the trainable
 * parameter count of the whole network (6.5). */
#include "nasbench/error.h"
#include "nasbench/spec.h"

const nb_net_shape NB_NET_SHAPE_DEFAULT = {128, 3, 3, 10};

int nb_vertex_channels(const nb_spec *pruned, int in_channels, int out_channels,
                       int channels[NB_MAX_VERTICES])
{
    int n = pruned->num_vertices;
    const uint8_t(*m)[NB_MAX_VERTICES] = pruned->matrix;
    if (n < 2 || n > NB_MAX_VERTICES)
        return nb_seterr(NB_ESPEC, "vertex channels: spec has %d vertices", n);
    if (in_channels <= 0 || out_channels <= 0)
        return nb_seterr(NB_EUSAGE, "vertex channels: channel counts must be positive");
    for (int v = 0; v < n; v++)
        channels[v] = 0;
    channels[0] = in_channels;
    channels[n - 1] = out_channels;
    if (n == 2)
        return NB_OK;

    /* The input -> output edge does not take a share of the channels. */
    int k = 0;
    for (int v = 1; v < n - 1; v++)
        k += m[v][n - 1] != 0;
    if (k == 0)
        return nb_seterr(NB_ESPEC, "vertex channels: no interior vertex feeds the output");
    int share = out_channels / k, extra = out_channels % k;
    for (int v = 1; v < n - 1; v++)
        if (m[v][n - 1]) {
            channels[v] = share + (extra > 0);
            if (extra > 0)
                extra--;
        }
    /* Vertices not feeding the output take the widest of their successors. */
    for (int v = n - 3; v >= 1; v--) {
        if (!m[v][n - 1])
            for (int d = v + 1; d < n - 1; d++)
                if (m[v][d] && channels[d] > channels[v])
                    channels[v] = channels[d];
        if (channels[v] <= 0)
            return nb_seterr(NB_ESPEC, "vertex channels: vertex %d gets no channels", v);
    }
    int fan_in = 0;
    for (int v = 1; v < n - 1; v++) {
        if (m[v][n - 1])
            fan_in += channels[v];
        for (int d = v + 1; d < n - 1; d++)
            if (m[v][d] && channels[v] < channels[d])
                return nb_seterr(NB_ESPEC, "vertex channels: vertex %d has fewer channels than "
                                 "its successor %d", v, d);
    }
    if (fan_in != out_channels)
        return nb_seterr(NB_ESPEC, "vertex channels: output fan-in %d != %d", fan_in,
                         out_channels);
    return NB_OK;
}

/* One module C_in -> C (reference 6.5). */
static int module_parameters(const nb_spec *p, const int labels[], int c_in, int c_out,
                             int64_t *params)
{
    int ch[NB_MAX_VERTICES];
    int rc = nb_vertex_channels(p, c_in, c_out, ch);
    if (rc)
        return rc;
    int n = p->num_vertices;
    int64_t total = 0;
    for (int t = 1; t < n - 1; t++) {
        int64_t c = ch[t];
        if (p->matrix[0][t])
            total += (int64_t)c_in * c + 2 * c; /* projection of the input */
        if (labels[t] == NB_LABEL_CONV3X3)
            total += 9 * c * c + 2 * c;
        else if (labels[t] == NB_LABEL_CONV1X1)
            total += c * c + 2 * c;
    }
    if (p->matrix[0][n - 1])
        total += (int64_t)c_in * c_out + 2 * (int64_t)c_out;
    *params = total;
    return NB_OK;
}

int nb_spec_trainable_parameters(const nb_spec *pruned, const nb_net_shape *shape,
                                 int64_t *params)
{
    int n = pruned->num_vertices;
    if (!shape)
        shape = &NB_NET_SHAPE_DEFAULT;
    if (shape->stem_channels <= 0 || shape->num_stacks <= 0 || shape->modules_per_stack <= 0 ||
        shape->num_labels <= 0)
        return nb_seterr(NB_EUSAGE, "trainable parameters: network shape values must be "
                         "positive");
    if (n < 2 || n > NB_MAX_VERTICES)
        return nb_seterr(NB_ESPEC, "trainable parameters: spec has %d vertices", n);
    int labels[NB_MAX_VERTICES];
    for (int t = 1; t < n - 1; t++) {
        labels[t] = nb_op_label(pruned->ops[t]);
        if (labels[t] < 0)
            return nb_seterr(NB_EDOMAIN, "trainable parameters: op '%s' of vertex %d is not in "
                             "the search space", pruned->ops[t], t);
    }
    int64_t stem = shape->stem_channels;
    int64_t total = 27 * stem + 2 * stem; /* 3x3 conv on 3 input channels + BN */
    int channels = shape->stem_channels;
    for (int s = 0; s < shape->num_stacks; s++) {
        int out = s > 0 ? 2 * channels : channels; /* downsampling doubles the width */
        for (int i = 0; i < shape->modules_per_stack; i++) {
            int64_t module;
            int rc = module_parameters(pruned, labels, channels, out, &module);
            if (rc)
                return rc;
            total += module;
            channels = out;
        }
    }
    total += (int64_t)channels * shape->num_labels + shape->num_labels; /* dense with bias */
    *params = total;
    return NB_OK;
}
