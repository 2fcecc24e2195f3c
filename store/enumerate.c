/* Enumeration of all unique modules (reference section 5).
 *
 * For each vertex count the full-DAG matrices are listed in `bits` order.
 * Their labelled graphs are hashed in parallel into positional digest arrays
 * (so thread scheduling cannot change anything): by default one hash per
 * labelled graph up to isomorphism, copied to its renumberings
 * (nb_enum_classes.h), or, with hash_every_graph, every labelled graph a
 * window at a time. Then one thread walks the labelled graphs in generator
 * order, inserting their digests into an open-addressing set of 128-bit
 * keys; the first labelled graph of each digest is the canonical
 * representative. */
#include "nasbench/enumerate.h"
#include "nasbench/error.h"
#include "nb_enum_classes.h"
#include "nb_hash.h"
#include "nb_md5.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW_LABELLED (1 << 19) /* labelled graphs hashed per window */
#define MAX_THREADS 64

void nb_enum_options_default(nb_enum_options *options)
{
    options->max_vertices = NB_SPACE_MAX_VERTICES;
    options->max_edges = NB_SPACE_MAX_EDGES;
    options->verify_isomorphism = 0;
    options->threads = 0;
    options->hash_every_graph = 0;
}

/* ---- the set of digests ----------------------------------------------- */

typedef struct slot {
    uint8_t key[16];
    uint32_t bits; /* canonical matrix */
    uint32_t meta; /* num_vertices | labelling << 4; 0 = empty slot */
} slot;

typedef struct digest_set {
    slot *slots;
    size_t cap; /* power of two */
    size_t count;
} digest_set;

static size_t slot_index(const uint8_t key[16], size_t mask)
{
    uint64_t x;
    memcpy(&x, key, sizeof x); /* MD5 output is uniform: its bytes are the hash */
    return (size_t)x & mask;
}

static int set_grow(digest_set *s)
{
    size_t cap = s->cap ? s->cap * 2 : (size_t)1 << 16;
    slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return nb_seterr(NB_ENOMEM, "enumerate: out of memory for %zu set slots", cap);
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].meta)
            continue;
        size_t j = slot_index(s->slots[i].key, cap - 1);
        while (slots[j].meta)
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return NB_OK;
}

/* The slot of `key`: an occupied one, or the empty one where it belongs. */
static slot *set_lookup(digest_set *s, const uint8_t key[16])
{
    size_t mask = s->cap - 1, j = slot_index(key, mask);
    while (s->slots[j].meta && memcmp(s->slots[j].key, key, 16))
        j = (j + 1) & mask;
    return &s->slots[j];
}

/* ---- matrices and labellings ------------------------------------------- */

static void succ_of_bits(int n, uint32_t bits, uint16_t succ[])
{
    for (int v = 0; v < n; v++)
        succ[v] = 0;
    for (int y = 1; y < n; y++)
        for (int x = 0; x < y; x++)
            if (bits >> (x + y * (y - 1) / 2) & 1)
                succ[x] |= (uint16_t)(1u << y);
}

/* Every vertex but the output has a successor, every vertex but the input a
 * predecessor: valid and unchanged by pruning. */
static int full_dag(int n, const uint16_t succ[])
{
    uint16_t has_pred = 0;
    for (int v = 0; v < n - 1; v++) {
        if (!succ[v])
            return 0;
        has_pred |= succ[v];
    }
    uint16_t want = (uint16_t)(((1u << n) - 1) & ~1u);
    return (has_pred & want) == want;
}

static void spec_of(int n, uint32_t bits, const int8_t *labels, nb_spec *spec)
{
    uint16_t succ[NB_MAX_VERTICES];
    memset(spec, 0, sizeof *spec);
    spec->num_vertices = n;
    succ_of_bits(n, bits, succ);
    for (int v = 0; v < n; v++) {
        strcpy(spec->ops[v], nb_op_name(labels[v]));
        for (int w = 0; w < n; w++)
            spec->matrix[v][w] = (uint8_t)(succ[v] >> w & 1);
    }
}

/* ---- parallel hashing of a window -------------------------------------- */

typedef struct window {
    int n, num_labellings;
    const uint32_t *bits; /* matrices of this window */
    int num_matrices;
    const int8_t *labels; /* num_labellings x n */
    uint8_t (*digests)[16];
    atomic_int next;
} window;

static void *hash_worker(void *arg)
{
    window *w = arg;
    int i;
    while ((i = atomic_fetch_add(&w->next, 1)) < w->num_matrices) {
        uint16_t succ[NB_MAX_VERTICES];
        succ_of_bits(w->n, w->bits[i], succ);
        nb_hash_graph_batch(w->n, succ, w->num_labellings, w->labels,
                            w->digests + (size_t)i * (size_t)w->num_labellings);
    }
    return NULL;
}

/* Run fn(arg) on `threads` threads (this one included) and wait for all. */
static void run_parallel(void *(*fn)(void *), void *arg, int threads)
{
    pthread_t tid[MAX_THREADS];
    int started = 0;
    for (; started < threads - 1; started++)
        if (pthread_create(&tid[started], NULL, fn, arg))
            break; /* fewer threads is still correct */
    fn(arg);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}

/* ---- hashing by isomorphism class ------------------------------------- */

typedef struct class_work {
    const nb_enum_classes *cl;
    const uint32_t *bits;
    const int8_t *labels;    /* every labelling, num_labellings x n */
    uint8_t (*digests)[16];  /* per class, per labelling */
    atomic_int next;
} class_work;

/* One class: hash the smallest labelling of each orbit of its
 * representative, then give every labelling its orbit's digest. */
static void hash_class(const class_work *w, int k)
{
    const nb_enum_classes *cl = w->cl;
    int n = cl->n, L = cl->num_labellings, m = 0;
    const int *orbit = cl->orbit_rep + (size_t)k * (size_t)L;
    int8_t labels[729 * NB_ENUM_MAX_VERTICES];
    uint8_t digests[729][16];
    int slot[729];
    for (int l = 0; l < L; l++)
        if (orbit[l] == l) {
            memcpy(labels + (size_t)m * (size_t)n, w->labels + (size_t)l * (size_t)n, (size_t)n);
            slot[l] = m++;
        }
    uint16_t succ[NB_MAX_VERTICES];
    succ_of_bits(n, w->bits[cl->rep[k]], succ);
    nb_hash_graph_batch(n, succ, m, labels, digests);
    uint8_t(*out)[16] = w->digests + (size_t)k * (size_t)L;
    for (int l = 0; l < L; l++)
        memcpy(out[l], digests[slot[orbit[l]]], 16);
}

static void *class_worker(void *arg)
{
    class_work *w = arg;
    int k;
    while ((k = atomic_fetch_add(&w->next, 1)) < w->cl->num_classes)
        hash_class(w, k);
    return NULL;
}

/* ---- the walk in generator order --------------------------------------- */

typedef struct run {
    const nb_enum_options *opt;
    const nb_enum_callbacks *cb;
    digest_set set;
    nb_enum_vertex_stats stats;
    int8_t labels[729 * NB_ENUM_MAX_VERTICES]; /* every labelling of this n */
} run;

static int visit(run *r, int n, uint32_t bits, int l, const uint8_t digest[16])
{
    if (2 * (r->set.count + 1) > r->set.cap) {
        int rc = set_grow(&r->set);
        if (rc)
            return rc;
    }
    slot *s = set_lookup(&r->set, digest);
    const int8_t *labels = r->labels + (size_t)l * (size_t)n;
    char hex[NB_HASH_HEX + 1];
    if (!s->meta) {
        memcpy(s->key, digest, 16);
        s->bits = bits;
        s->meta = (uint32_t)n | (uint32_t)l << 4;
        r->set.count++;
        r->stats.new_unique++;
        r->stats.cumulative_unique++;
        if (!r->cb->on_module)
            return NB_OK;
        nb_spec spec;
        spec_of(n, bits, labels, &spec);
        nb_md5_hex(digest, hex);
        hex[NB_HASH_HEX] = '\0';
        return r->cb->on_module(r->cb->ctx, &spec, hex);
    }
    if (!r->opt->verify_isomorphism)
        return NB_OK;
    nb_spec spec, canonical;
    int cn = (int)(s->meta & 15);
    spec_of(n, bits, labels, &spec);
    /* The canonical's labelling is stored as its index among the labellings
     * of its own vertex count, which is this one unless the hash crossed
     * vertex counts (then it cannot be isomorphic anyway). */
    if (cn == n) {
        spec_of(cn, s->bits, r->labels + (size_t)(s->meta >> 4) * (size_t)n, &canonical);
        if (nb_spec_isomorphic(&spec, &canonical))
            return NB_OK;
    } else {
        memset(&canonical, 0, sizeof canonical);
        canonical.num_vertices = cn;
    }
    r->stats.false_collisions++;
    if (!r->cb->on_collision)
        return NB_OK;
    nb_md5_hex(digest, hex);
    hex[NB_HASH_HEX] = '\0';
    return r->cb->on_collision(r->cb->ctx, &spec, &canonical, hex);
}

/* labellings in lexicographic order, the last interior vertex fastest */
static int fill_labellings(int8_t *labels, int n)
{
    int count = 1;
    for (int v = 1; v < n - 1; v++)
        count *= 3;
    for (int l = 0; l < count; l++) {
        int8_t *lab = labels + (size_t)l * (size_t)n;
        lab[0] = NB_LABEL_INPUT;
        lab[n - 1] = NB_LABEL_OUTPUT;
        for (int v = n - 2, x = l; v >= 1; v--, x /= 3)
            lab[v] = (int8_t)(x % 3);
    }
    return count;
}

/* The kept matrices, collected in ascending `bits` order. Column y of the
 * matrix (the edges into vertex y) is the bit field starting at y(y-1)/2, and
 * higher columns are more significant, so choosing the columns from the last
 * one down, each in ascending order, lists the patterns in ascending order.
 * Every column must be non-empty (each vertex but the input has a
 * predecessor), which prunes the search to a tiny part of 2^(n(n-1)/2). */
typedef struct matrix_list {
    int n, max_edges;
    uint32_t *list;
    size_t len, cap;
} matrix_list;

static int add_columns(matrix_list *m, int y, uint32_t bits, int edges)
{
    if (y == 0) {
        uint16_t succ[NB_MAX_VERTICES];
        succ_of_bits(m->n, bits, succ);
        if (!full_dag(m->n, succ))
            return NB_OK;
        if (m->len == m->cap) {
            size_t cap = m->cap ? 2 * m->cap : 1024;
            uint32_t *grown = realloc(m->list, cap * sizeof *grown);
            if (!grown)
                return nb_seterr(NB_ENOMEM, "enumerate: out of memory");
            m->list = grown;
            m->cap = cap;
        }
        m->list[m->len++] = bits;
        return NB_OK;
    }
    for (uint32_t c = 1; c < (1u << y); c++) {
        int e = edges + __builtin_popcount(c);
        if (e + (y - 1) > m->max_edges) /* the lower columns need an edge each */
            continue;
        int rc = add_columns(m, y - 1, bits | c << (y * (y - 1) / 2), e);
        if (rc)
            return rc;
    }
    return NB_OK;
}

/* All kept matrices of n vertices, ascending bits; *out is malloc'd. */
static int list_matrices(int n, int max_edges, uint32_t **out, int *count)
{
    matrix_list m = {n, max_edges, NULL, 0, 0};
    int rc = add_columns(&m, n - 1, 0, 0);
    if (rc) {
        free(m.list);
        return rc;
    }
    *out = m.list;
    *count = (int)m.len;
    return NB_OK;
}

/* Hash every labelled graph (like the original), a window at a time. */
static int walk_every_graph(run *r, int n, const uint32_t *mats, int num_mats, int L, int threads)
{
    int rc = NB_OK;
    r->stats.hashed = (int64_t)num_mats * L;
    int per_window = WINDOW_LABELLED / L > 0 ? WINDOW_LABELLED / L : 1;
    size_t cap = (size_t)(per_window < num_mats ? per_window : num_mats) * (size_t)L;
    uint8_t(*digests)[16] = malloc((cap ? cap : 1) * 16);
    if (!digests)
        return nb_seterr(NB_ENOMEM, "enumerate: out of memory for %zu digests", cap);
    for (int first = 0; first < num_mats && !rc; first += per_window) {
        window w = {n, L, mats + first, num_mats - first, r->labels, digests, 0};
        if (w.num_matrices > per_window)
            w.num_matrices = per_window;
        atomic_init(&w.next, 0);
        run_parallel(hash_worker, &w, threads);
        for (int i = 0; i < w.num_matrices && !rc; i++)
            for (int l = 0; l < L && !rc; l++)
                rc = visit(r, n, w.bits[i], l, digests[(size_t)i * (size_t)L + (size_t)l]);
    }
    free(digests);
    return rc;
}

/* One hash per labelled graph up to isomorphism (nb_enum_classes.h), then
 * the walk in generator order with every digest looked up in its class. */
static int walk_by_class(run *r, int n, const uint32_t *mats, int num_mats, int L, int threads)
{
    nb_enum_classes cl;
    int rc = nb_enum_classify(n, mats, num_mats, &cl);
    if (rc)
        return rc;
    class_work w = {&cl, mats, r->labels, NULL, 0};
    w.digests = malloc(((size_t)cl.num_classes * (size_t)L + 1) * 16);
    if (!w.digests) {
        nb_enum_classes_free(&cl);
        return nb_seterr(NB_ENOMEM, "enumerate: out of memory for %d classes", cl.num_classes);
    }
    atomic_init(&w.next, 0);
    run_parallel(class_worker, &w, threads);
    for (size_t k = 0; k < (size_t)cl.num_classes * (size_t)L; k++)
        r->stats.hashed += cl.orbit_rep[k] == (int)(k % (size_t)L);
    for (int i = 0; i < num_mats && !rc; i++) {
        const uint8_t(*d)[16] = (const uint8_t(*)[16])(w.digests + (size_t)cl.class_of[i] * (size_t)L);
        int identity = cl.rep[cl.class_of[i]] == i;
        for (int l = 0; l < L && !rc; l++)
            rc = visit(r, n, mats[i], l, d[identity ? l : nb_enum_relabel(n, l, cl.sigma[i])]);
    }
    free(w.digests);
    nb_enum_classes_free(&cl);
    return rc;
}

static int one_vertex_count(run *r, int n, int threads)
{
    uint32_t *mats = NULL;
    int num_mats = 0, rc = list_matrices(n, r->opt->max_edges, &mats, &num_mats);
    if (rc)
        return rc;
    int L = fill_labellings(r->labels, n);
    memset(&r->stats, 0, sizeof r->stats);
    r->stats.num_vertices = n;
    r->stats.cumulative_unique = (int64_t)r->set.count;
    r->stats.graphs = num_mats;
    r->stats.labelled_graphs = (int64_t)num_mats * L;

    rc = r->opt->hash_every_graph ? walk_every_graph(r, n, mats, num_mats, L, threads)
                                  : walk_by_class(r, n, mats, num_mats, L, threads);
    free(mats);
    if (!rc && r->cb->on_vertex_count)
        rc = r->cb->on_vertex_count(r->cb->ctx, &r->stats);
    return rc;
}

int nb_enumerate(const nb_enum_options *options, const nb_enum_callbacks *callbacks)
{
    nb_enum_options defaults;
    nb_enum_callbacks none = {NULL, NULL, NULL, NULL};
    if (!options) {
        nb_enum_options_default(&defaults);
        options = &defaults;
    }
    if (!callbacks)
        callbacks = &none;
    if (options->max_vertices < 2 || options->max_vertices > NB_ENUM_MAX_VERTICES)
        return nb_seterr(NB_EUSAGE, "enumerate: max vertices must be in 2..%d, got %d",
                         NB_ENUM_MAX_VERTICES, options->max_vertices);
    if (options->max_edges < 1)
        return nb_seterr(NB_EUSAGE, "enumerate: max edges must be at least 1, got %d",
                         options->max_edges);
    if (options->threads < 0 || options->threads > MAX_THREADS)
        return nb_seterr(NB_EUSAGE, "enumerate: threads must be in 0..%d", MAX_THREADS);
    int threads = options->threads;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
    }
    run *r = calloc(1, sizeof *r);
    if (!r)
        return nb_seterr(NB_ENOMEM, "enumerate: out of memory");
    r->opt = options;
    r->cb = callbacks;
    int rc = set_grow(&r->set);
    for (int n = 2; n <= options->max_vertices && !rc; n++)
        rc = one_vertex_count(r, n, threads);
    free(r->set.slots);
    free(r);
    return rc;
}
