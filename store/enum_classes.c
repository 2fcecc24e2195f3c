/* Isomorphism classes of the matrices of one vertex count, their vertex maps
 * and the labelling orbits of each representative (see nb_enum_classes.h for
 * why copying digests along these maps is exact). Canonical form of a matrix:
 * the smallest 64-bit edge key over all renumberings of its interior
 * vertices ((n-2)! <= 720 of them). */
#include "nb_enum_classes.h"

#include "nasbench/error.h"

#include <stdlib.h>
#include <string.h>

#define NMAX NB_ENUM_MAX_VERTICES
#define PERM_MAX 720 /* 6! interior renumberings for 8 vertices */

/* Every permutation of 1..n-2 (0 and n-1 fixed), in lexicographic order. */
static int all_perms(int n, uint8_t (*perms)[NMAX])
{
    uint8_t p[NMAX];
    for (int v = 0; v < n; v++)
        p[v] = (uint8_t)v;
    int count = 0;
    for (;;) {
        memcpy(perms[count++], p, NMAX);
        int i = n - 3; /* next permutation of p[1..n-2] */
        while (i >= 1 && p[i] >= p[i + 1])
            i--;
        if (i < 1)
            return count;
        int j = n - 2;
        while (p[j] <= p[i])
            j--;
        uint8_t t = p[i];
        p[i] = p[j];
        p[j] = t;
        for (int l = i + 1, r = n - 2; l < r; l++, r--) {
            t = p[l];
            p[l] = p[r];
            p[r] = t;
        }
    }
}

/* Edge key of matrix `bits` renumbered by p: bit 8*p[x] + p[y] per edge. */
static uint64_t key_of(int n, uint32_t bits, const uint8_t *p)
{
    uint64_t key = 0;
    for (int y = 1; y < n; y++)
        for (int x = 0; x < y; x++)
            if (bits >> (x + y * (y - 1) / 2) & 1)
                key |= 1ull << (8 * p[x] + p[y]);
    return key;
}

int nb_enum_relabel(int n, int l, const uint8_t *sigma)
{
    int digit[NMAX], out[NMAX];
    for (int v = n - 2; v >= 1; v--, l /= 3)
        digit[v] = l % 3;
    for (int v = 1; v <= n - 2; v++)
        out[sigma[v]] = digit[v];
    int index = 0;
    for (int v = 1; v <= n - 2; v++)
        index = 3 * index + out[v];
    return index;
}

void nb_enum_classes_free(nb_enum_classes *c)
{
    free(c->class_of);
    free(c->sigma);
    free(c->rep);
    free(c->orbit_rep);
    memset(c, 0, sizeof *c);
}

/* Open-addressing map from canonical key to class id. */
typedef struct key_map {
    uint64_t *keys;
    int *ids; /* -1: empty */
    size_t mask;
} key_map;

static int *map_slot(key_map *m, uint64_t key)
{
    size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & m->mask;
    while (m->ids[i] >= 0 && m->keys[i] != key)
        i = (i + 1) & m->mask;
    m->keys[i] = key;
    return &m->ids[i];
}

/* Orbits of the labellings of class c's representative under its
 * automorphisms (the renumberings that leave its key unchanged). */
static void orbits(nb_enum_classes *c, int cls, uint32_t bits, uint8_t (*perms)[NMAX],
                   int num_perms)
{
    int n = c->n, L = c->num_labellings;
    int *orbit = c->orbit_rep + (size_t)cls * (size_t)L;
    uint64_t self = key_of(n, bits, perms[0]); /* perms[0] is the identity */
    for (int l = 0; l < L; l++)
        orbit[l] = l;
    for (int k = 1; k < num_perms; k++) {
        if (key_of(n, bits, perms[k]) != self)
            continue;
        for (int l = 0; l < L; l++) {
            int m = nb_enum_relabel(n, l, perms[k]);
            if (m < orbit[l])
                orbit[l] = m;
        }
    }
    /* one pass of min over single automorphisms reaches the orbit minimum:
     * the automorphisms form a group, so every orbit member is one step away */
}

int nb_enum_classify(int n, const uint32_t *bits, int num, nb_enum_classes *out)
{
    nb_enum_classes c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.num_matrices = num;
    c.num_labellings = 1;
    for (int v = 1; v < n - 1; v++)
        c.num_labellings *= 3;
    size_t cap = 16;
    while (cap < 2 * (size_t)num)
        cap *= 2;
    key_map map = {malloc(cap * sizeof(uint64_t)), malloc(cap * sizeof(int)), cap - 1};
    uint8_t(*perms)[NMAX] = malloc(PERM_MAX * NMAX);
    uint8_t(*canon)[NMAX] = malloc(((size_t)num + 1) * NMAX); /* per matrix: renumbering onto the canonical form */
    c.class_of = malloc(((size_t)num + 1) * sizeof(int));
    c.sigma = malloc(((size_t)num + 1) * NMAX);
    c.rep = malloc(((size_t)num + 1) * sizeof(int));
    if (!map.keys || !map.ids || !perms || !canon || !c.class_of || !c.sigma || !c.rep) {
        free(map.keys), free(map.ids), free(perms), free(canon);
        nb_enum_classes_free(&c);
        return nb_seterr(NB_ENOMEM, "enumerate: out of memory for %d matrix classes", num);
    }
    for (size_t i = 0; i < cap; i++)
        map.ids[i] = -1;
    int num_perms = all_perms(n, perms);

    for (int i = 0; i < num; i++) {
        uint64_t best = UINT64_MAX;
        int arg = 0;
        for (int k = 0; k < num_perms; k++) {
            uint64_t key = key_of(n, bits[i], perms[k]);
            if (key < best) {
                best = key;
                arg = k;
            }
        }
        memcpy(canon[i], perms[arg], NMAX);
        int *id = map_slot(&map, best);
        if (*id < 0) {
            *id = c.num_classes;
            c.rep[c.num_classes++] = i;
        }
        c.class_of[i] = *id;
        /* sigma = canon[rep]^-1 o canon[i]: vertex v of i -> vertex of rep */
        const uint8_t *pr = canon[c.rep[*id]];
        uint8_t inverse[NMAX];
        for (int v = 0; v < n; v++)
            inverse[pr[v]] = (uint8_t)v;
        for (int v = 0; v < n; v++)
            c.sigma[i][v] = inverse[canon[i][v]];
    }
    free(map.keys), free(map.ids), free(canon);

    c.orbit_rep = malloc(((size_t)c.num_classes + 1) * (size_t)c.num_labellings * sizeof(int));
    if (!c.orbit_rep) {
        free(perms);
        nb_enum_classes_free(&c);
        return nb_seterr(NB_ENOMEM, "enumerate: out of memory for labelling orbits");
    }
    for (int k = 0; k < c.num_classes; k++)
        orbits(&c, k, bits[c.rep[k]], perms, num_perms);
    free(perms);
    *out = c;
    return NB_OK;
}
