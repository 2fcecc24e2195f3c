/* Exact isomorphism of two specs under the hash's labelling (input and
 * output fixed, interior vertices matched by op), by backtracking with
 * degree pruning. Used to verify that equal hashes mean equal modules. */
#include "nasbench/enumerate.h"

#include <string.h>

typedef struct iso {
    const nb_spec *a, *b;
    int n;
    int in_a[NB_MAX_VERTICES], out_a[NB_MAX_VERTICES];
    int in_b[NB_MAX_VERTICES], out_b[NB_MAX_VERTICES];
    int map[NB_MAX_VERTICES]; /* vertex of a -> vertex of b */
    int used[NB_MAX_VERTICES];
} iso;

static void degrees(const nb_spec *s, int *in, int *out)
{
    for (int v = 0; v < s->num_vertices; v++)
        in[v] = out[v] = 0;
    for (int v = 0; v < s->num_vertices; v++)
        for (int w = 0; w < s->num_vertices; w++)
            if (s->matrix[v][w]) {
                out[v]++;
                in[w]++;
            }
}

/* Edges between v (mapped to w) and every vertex mapped so far agree. */
static int consistent(const iso *c, int v, int w)
{
    for (int u = 0; u < c->n; u++) {
        if (c->map[u] < 0)
            continue;
        int x = c->map[u];
        if (c->a->matrix[u][v] != c->b->matrix[x][w] || c->a->matrix[v][u] != c->b->matrix[w][x])
            return 0;
    }
    return 1;
}

static int extend(iso *c, int v)
{
    if (v == c->n - 1)
        return 1;
    for (int w = 1; w < c->n - 1; w++) {
        if (c->used[w] || c->in_a[v] != c->in_b[w] || c->out_a[v] != c->out_b[w] ||
            strcmp(c->a->ops[v], c->b->ops[w]) || !consistent(c, v, w))
            continue;
        c->map[v] = w;
        c->used[w] = 1;
        if (extend(c, v + 1))
            return 1;
        c->map[v] = -1;
        c->used[w] = 0;
    }
    return 0;
}

int nb_spec_isomorphic(const nb_spec *a, const nb_spec *b)
{
    int n = a->num_vertices;
    if (n != b->num_vertices || n < 2 || n > NB_MAX_VERTICES ||
        nb_spec_num_edges(a) != nb_spec_num_edges(b))
        return 0;
    iso c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.b = b;
    c.n = n;
    degrees(a, c.in_a, c.out_a);
    degrees(b, c.in_b, c.out_b);
    for (int v = 0; v < n; v++)
        c.map[v] = -1;
    /* The ends carry the unique labels -1 and -2, so they map to themselves. */
    c.map[0] = 0;
    c.map[n - 1] = n - 1;
    c.used[0] = c.used[n - 1] = 1;
    if (a->matrix[0][n - 1] != b->matrix[0][n - 1])
        return 0;
    return extend(&c, 1);
}
