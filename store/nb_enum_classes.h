/*
 * Internal: isomorphism classes of the matrices of one vertex count, so that
 * the enumeration hashes each labelled graph up to isomorphism only once.
 *
 * Why this is exact: the module hash is a function of the labelled graph up
 * to vertex renumbering (it only uses degrees, labels and sorted multisets of
 * neighbour values). If sigma maps matrix M onto matrix R (edge x -> y of M
 * is edge sigma(x) -> sigma(y) of R, input and output fixed), then (M, L) and
 * (R, L') with L'[sigma(v)] = L[v] are the same labelled graph renumbered and
 * have the same hash, bit for bit. The same holds for the automorphisms of R
 * acting on its own labellings. So only one labelling per orbit of each
 * class representative is hashed; every other digest is a copy.
 */
#ifndef NB_ENUM_CLASSES_H
#define NB_ENUM_CLASSES_H

#include <stdint.h>

#include "nasbench/enumerate.h"

typedef struct nb_enum_classes {
    int n;            /* vertex count */
    int num_labellings; /* 3^(n-2) */
    int num_matrices;
    int num_classes;
    int *class_of;    /* per matrix: its class */
    uint8_t (*sigma)[NB_ENUM_MAX_VERTICES]; /* per matrix: vertex map onto its class's representative */
    int *rep;         /* per class: the matrix index of its representative (the first in order) */
    int *orbit_rep;   /* per class, per labelling: the smallest labelling of its orbit under
                       * the representative's automorphisms (num_classes x num_labellings) */
} nb_enum_classes;

/* Classify `num` matrices of n vertices given as edge bit patterns
 * (reference 5.1 numbering). NB_ENOMEM on failure (nothing to free then). */
int nb_enum_classify(int n, const uint32_t *bits, int num, nb_enum_classes *out);

void nb_enum_classes_free(nb_enum_classes *c);

/* The index of the labelling L' with L'[sigma(v)] = L[v], L being labelling
 * `l` (interior digits base 3, the last interior vertex least significant). */
int nb_enum_relabel(int n, int l, const uint8_t *sigma);

#endif
