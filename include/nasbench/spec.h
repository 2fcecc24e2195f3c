/*
 * nasbench: model specs (a module's adjacency matrix and ops), pruning, the
 * in-space check, the original module hash and the channel / parameter maths.
 *
 * nb_spec is a plain value type: no allocation, copy it freely. All functions
 * follow the error idiom of nasbench/error.h.
 */
#ifndef NASBENCH_SPEC_H
#define NASBENCH_SPEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest matrix accepted before pruning. The search space itself is at most
 * NB_SPACE_MAX_VERTICES vertices and NB_SPACE_MAX_EDGES edges after pruning. */
#define NB_MAX_VERTICES 12
#define NB_OP_NAME_MAX 32
#define NB_SPACE_MAX_VERTICES 7
#define NB_SPACE_MAX_EDGES 9
#define NB_HASH_HEX 32 /* a module hash is 32 lowercase hex characters */

/* Hash labels of section 2.3 of the reference. */
enum {
    NB_LABEL_CONV3X3 = 0,
    NB_LABEL_CONV1X1 = 1,
    NB_LABEL_MAXPOOL3X3 = 2,
    NB_LABEL_INPUT = -1,
    NB_LABEL_OUTPUT = -2,
    NB_LABEL_UNKNOWN = -3
};

typedef struct nb_spec {
    int num_vertices;
    uint8_t matrix[NB_MAX_VERTICES][NB_MAX_VERTICES]; /* 0/1, strictly upper triangular */
    char ops[NB_MAX_VERTICES][NB_OP_NAME_MAX];        /* NUL-terminated op names */
} nb_spec;

/* Parse a spec. `matrix` is a JSON matrix ("[[0,1],[0,0]]") or the dataset's
 * row-major bit string ("0100"); `ops` is comma-separated names
 * ("input,output") or a JSON array of strings. Checks structure only: square,
 * 1..NB_MAX_VERTICES vertices, entries 0/1, one op per vertex, strictly upper
 * triangular. NB_EINVAL for unreadable text, NB_ESPEC for a broken rule. */
int nb_spec_parse(nb_spec *spec, const char *matrix, const char *ops);

/* Build a spec from a matrix and hash labels (-1, 0, 1, 2, -2). */
int nb_spec_from_labels(nb_spec *spec, int num_vertices,
                        const uint8_t matrix[][NB_MAX_VERTICES], const int *labels);

/* Prune exactly as the original: keep the vertices on a path from input to
 * output. `pruned` may alias `spec`. NB_ESPEC ("invalid spec, provided graph
 * is disconnected.") when fewer than 2 vertices remain. */
int nb_spec_prune(const nb_spec *spec, nb_spec *pruned);

/* The original in-space check on a pruned spec, first failing rule wins:
 * disconnected, too many vertices, too many edges, first op, last op,
 * unsupported op. NB_EDOMAIN with the original's message. */
int nb_spec_check(const nb_spec *pruned);

/* The module hash of a pruned spec (any size): 32 hex characters plus NUL
 * into `hash`. NB_EDOMAIN when an interior op is not one of the three. */
int nb_spec_hash(const nb_spec *pruned, char hash[NB_HASH_HEX + 1]);

/* The hashes of `count` pruned specs at once: hashes[i] is what nb_spec_hash
 * gives for specs[i]. Several specs are hashed together with a multi-buffer
 * SIMD MD5 when the CPU has one (AVX-512 or AVX2), which is several times
 * faster than one nb_spec_hash call per spec. On failure (the first spec that
 * nb_spec_hash would refuse; the message names its index) no hash is set. */
int nb_spec_hash_many(const nb_spec *specs, size_t count, char (*hashes)[NB_HASH_HEX + 1]);

/* An exact canonical code of a pruned spec of the search space (at most 7
 * vertices and 9 edges, interior ops among the three, the matrix upper
 * triangular): two specs get the same code if and only if they are the
 * same module, i.e. isomorphic with input, output and ops kept. Nonzero,
 * cheaper than nb_spec_hash (no MD5), but not the original's identifier:
 * store and print hashes. NB_EDOMAIN (code 0) for any other spec. */
int nb_spec_canon(const nb_spec *pruned, uint64_t *code);

/* Prune, check and hash in one call: what a lookup does. `pruned` receives the
 * pruned spec (may be NULL); `hash` may be NULL. */
int nb_spec_resolve(const nb_spec *spec, nb_spec *pruned, char hash[NB_HASH_HEX + 1]);

/* Low level: the hash of a matrix with labels, no checks. Used in hot loops
 * (enumeration). */
void nb_hash_labels(int num_vertices, const uint8_t matrix[][NB_MAX_VERTICES],
                    const int *labels, char hash[NB_HASH_HEX + 1]);

int nb_spec_num_edges(const nb_spec *spec);

/* Label of an op name (NB_LABEL_*), and the name of a label (static). */
int nb_op_label(const char *op);
const char *nb_op_name(int label);

/* Formatting. Each writes a NUL-terminated string and returns its length, or
 * the length it would need when `cap` is too small (like snprintf). */
size_t nb_spec_adjacency_bits(const nb_spec *spec, char *out, size_t cap);  /* "0100" */
size_t nb_spec_ops_csv(const nb_spec *spec, char *out, size_t cap);         /* "input,output" */
size_t nb_spec_matrix_json(const nb_spec *spec, char *out, size_t cap);     /* [[0,1],[0,0]] */
size_t nb_spec_ops_json(const nb_spec *spec, char *out, size_t cap);        /* ["input","output"] */
/* The same two in the style of Python's json.dumps (", " between items), as
 * the command line prints them: [[0, 1], [0, 0]] and ["input", "output"]. */
size_t nb_spec_matrix_pyjson(const nb_spec *spec, char *out, size_t cap);
size_t nb_spec_ops_pyjson(const nb_spec *spec, char *out, size_t cap);

/* Network shape that the channel and parameter maths depend on. */
typedef struct nb_net_shape {
    int stem_channels;     /* 128 */
    int num_stacks;        /* 3 */
    int modules_per_stack; /* 3 */
    int num_labels;        /* 10 */
} nb_net_shape;

/* The original network: 128, 3, 3, 10. */
extern const nb_net_shape NB_NET_SHAPE_DEFAULT;

/* compute_vertex_channels of the original for a pruned spec: channels[v] for
 * every vertex. NB_ESPEC if the original's assertions would fail. */
int nb_vertex_channels(const nb_spec *pruned, int in_channels, int out_channels,
                       int channels[NB_MAX_VERTICES]);

/* Trainable parameters of the whole network built on a pruned, in-space spec;
 * equals the dataset's trainable_parameters for the default shape. */
int nb_spec_trainable_parameters(const nb_spec *pruned, const nb_net_shape *shape,
                                 int64_t *params);

#ifdef __cplusplus
}
#endif
#endif
