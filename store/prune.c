/* Pruning (reference 2.2), the in-space check (2.4) and resolve. */
#include "nasbench/error.h"
#include "nasbench/spec.h"

#include <string.h>

#define DISCONNECTED "invalid spec, provided graph is disconnected."

int nb_spec_prune(const nb_spec *spec, nb_spec *pruned)
{
    int n = spec->num_vertices;
    if (n < 1 || n > NB_MAX_VERTICES)
        return nb_seterr(NB_ESPEC, "spec has %d vertices, outside 1..%d", n, NB_MAX_VERTICES);
    /* Forward reachability from 0 and backward from n-1. Edges only go from
     * lower to higher index, so one sweep in each direction is a full search. */
    uint8_t fwd[NB_MAX_VERTICES] = {0}, bwd[NB_MAX_VERTICES] = {0};
    fwd[0] = 1;
    for (int v = 0; v < n; v++)
        if (fwd[v])
            for (int w = v + 1; w < n; w++)
                if (spec->matrix[v][w])
                    fwd[w] = 1;
    bwd[n - 1] = 1;
    for (int v = n - 1; v >= 0; v--)
        if (bwd[v])
            for (int u = 0; u < v; u++)
                if (spec->matrix[u][v])
                    bwd[u] = 1;
    int keep[NB_MAX_VERTICES], k = 0;
    for (int v = 0; v < n; v++)
        if (fwd[v] && bwd[v])
            keep[k++] = v;
    if (k < 2)
        return nb_seterr(NB_ESPEC, DISCONNECTED);

    nb_spec out;
    memset(&out, 0, sizeof out);
    out.num_vertices = k;
    for (int i = 0; i < k; i++) {
        memcpy(out.ops[i], spec->ops[keep[i]], NB_OP_NAME_MAX);
        for (int j = 0; j < k; j++)
            out.matrix[i][j] = spec->matrix[keep[i]][keep[j]];
    }
    *pruned = out;
    return NB_OK;
}

int nb_spec_check(const nb_spec *pruned)
{
    int n = pruned->num_vertices;
    if (n < 2)
        return nb_seterr(NB_EDOMAIN, DISCONNECTED);
    if (n > NB_SPACE_MAX_VERTICES)
        return nb_seterr(NB_EDOMAIN, "too many vertices, got %d (max vertices = %d)", n,
                         NB_SPACE_MAX_VERTICES);
    int edges = nb_spec_num_edges(pruned);
    if (edges > NB_SPACE_MAX_EDGES)
        return nb_seterr(NB_EDOMAIN, "too many edges, got %d (max edges = %d)", edges,
                         NB_SPACE_MAX_EDGES);
    if (strcmp(pruned->ops[0], "input"))
        return nb_seterr(NB_EDOMAIN, "first operation should be 'input'");
    if (strcmp(pruned->ops[n - 1], "output"))
        return nb_seterr(NB_EDOMAIN, "last operation should be 'output'");
    for (int v = 1; v < n - 1; v++)
        if (nb_op_label(pruned->ops[v]) < 0)
            return nb_seterr(NB_EDOMAIN, "unsupported op %s (available ops = ['conv3x3-bn-relu', "
                             "'conv1x1-bn-relu', 'maxpool3x3'])", pruned->ops[v]);
    return NB_OK;
}

int nb_spec_resolve(const nb_spec *spec, nb_spec *pruned, char hash[NB_HASH_HEX + 1])
{
    nb_spec p;
    int n = spec->num_vertices;
    int rc = nb_spec_prune(spec, &p);
    if (rc)
        /* A disconnected spec fails the first rule of the in-space check. */
        return n >= 1 && n <= NB_MAX_VERTICES ? NB_EDOMAIN : rc;
    rc = nb_spec_check(&p);
    if (rc)
        return rc;
    if (hash) {
        rc = nb_spec_hash(&p, hash);
        if (rc)
            return rc;
    }
    if (pruned)
        *pruned = p;
    return NB_OK;
}
