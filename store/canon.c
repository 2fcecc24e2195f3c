/* An exact canonical code of a module, cheaper than its hash: the smallest
 * encoding of the labelled graph over the vertex orders that keep the
 * matrix upper triangular (the topological orders of the DAG). Relabelling
 * the vertices of a spec changes which order gives which encoding, not the
 * set of encodings, so isomorphic specs share the code; the encoding
 * spells out every edge and op, so others never do. In the search space a
 * module has few topological orders (at most 5! = 120, five parallel
 * vertices), against the ~30 dependent MD5 blocks of the hash. */
#include <string.h>

#include "nasbench/error.h"
#include "nasbench/spec.h"

#define CANON_V NB_SPACE_MAX_VERTICES

typedef struct canon {
    int n, num_edges;
    uint16_t pred[CANON_V];           /* predecessors of each vertex, as a mask */
    uint8_t eu[NB_SPACE_MAX_EDGES], ev[NB_SPACE_MAX_EDGES];
    uint8_t label[CANON_V];           /* op label + 1 (interior vertices) */
    uint8_t pos[CANON_V];             /* position of each vertex in the order */
    uint8_t tri[CANON_V][CANON_V];    /* bit of pair (i < j) in the triangle */
    uint64_t best;
} canon;

/* The encoding of the order in c->pos (with `ops`, the labels by position). */
static uint64_t encode(const canon *c, uint64_t ops)
{
    uint64_t adj = 0;
    for (int e = 0; e < c->num_edges; e++)
        adj |= (uint64_t)1 << c->tri[c->pos[c->eu[e]]][c->pos[c->ev[e]]];
    /* 21 triangle bits, then 2 bits per interior position, then n. */
    return (uint64_t)c->n << 40 | ops << 21 | adj;
}

/* Place the vertex at position k, every way the order allows. */
static void place(canon *c, int k, uint16_t placed, uint64_t ops)
{
    if (k == c->n) {
        uint64_t code = encode(c, ops);
        if (code < c->best)
            c->best = code;
        return;
    }
    for (int v = 0; v < c->n; v++) {
        if ((placed >> v & 1) || (c->pred[v] & ~placed))
            continue;
        c->pos[v] = (uint8_t)k;
        uint64_t o = k > 0 && k < c->n - 1 ? ops | (uint64_t)c->label[v] << (2 * (k - 1)) : ops;
        place(c, k + 1, (uint16_t)(placed | 1u << v), o);
    }
}

static int setup(canon *c, const nb_spec *s)
{
    memset(c, 0, sizeof *c);
    c->n = s->num_vertices;
    if (c->n < 2 || c->n > CANON_V)
        return NB_EDOMAIN;
    for (int i = 0, bit = 0; i < c->n; i++)
        for (int j = i + 1; j < c->n; j++)
            c->tri[i][j] = (uint8_t)bit++;
    for (int v = 1; v < c->n - 1; v++) {
        int label = nb_op_label(s->ops[v]);
        if (label < NB_LABEL_CONV3X3 || label > NB_LABEL_MAXPOOL3X3)
            return NB_EDOMAIN;
        c->label[v] = (uint8_t)(label + 1);
    }
    for (int u = 0; u < c->n; u++)
        for (int v = 0; v < c->n; v++) {
            if (!s->matrix[u][v])
                continue;
            if (u >= v || c->num_edges == NB_SPACE_MAX_EDGES)
                return NB_EDOMAIN;
            c->pred[v] |= (uint16_t)(1u << u);
            c->eu[c->num_edges] = (uint8_t)u;
            c->ev[c->num_edges++] = (uint8_t)v;
        }
    /* Input the only source, output the only sink: every order then puts
     * them first and last, where the encoding leaves their labels out. */
    uint16_t has_succ = 0;
    for (int e = 0; e < c->num_edges; e++)
        has_succ |= (uint16_t)(1u << c->eu[e]);
    for (int v = 1; v < c->n; v++)
        if (!c->pred[v] || (v < c->n - 1 && !(has_succ >> v & 1)))
            return NB_EDOMAIN;
    if (strcmp(s->ops[0], "input") || strcmp(s->ops[c->n - 1], "output"))
        return NB_EDOMAIN;
    return NB_OK;
}

int nb_spec_canon(const nb_spec *pruned, uint64_t *code)
{
    canon c;
    *code = 0;
    int rc = setup(&c, pruned);
    if (rc)
        return nb_seterr(rc, "canonical code: not a pruned spec of the search space");
    c.best = UINT64_MAX;
    place(&c, 0, 0, 0);
    *code = c.best;
    return NB_OK;
}
