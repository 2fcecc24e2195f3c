/* The module hash of the original (reference section 3), bit for bit.
 *
 * Speed matters (enumeration hashes 1.3 M graphs), so: vertex values are kept
 * as raw 16-byte digests (their hex sorts exactly like the bytes, so sorting
 * uses memcmp), each round's hex is produced once per vertex, messages are
 * assembled with memcpy into a stack buffer, and the MD5 of every possible
 * initial tuple "(out, in, label)" is computed once. */
#include "nasbench/error.h"
#include "nasbench/spec.h"
#include "nb_hash.h"
#include "nb_hash_util.h"
#include "nb_md5.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define N NB_MAX_VERTICES
#define LABEL_MIN (-2)
#define LABEL_MAX 2

/* Initial digests for out, in in 0..N-1 and labels -2..2. */
static uint8_t init_table[N][N][LABEL_MAX - LABEL_MIN + 1][16];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Python's text of the tuple (out, in, label). */
static void initial_digest(int out, int in, int label, uint8_t digest[16])
{
    char text[48];
    int len = snprintf(text, sizeof text, "(%d, %d, %d)", out, in, label);
    nb_md5(text, (size_t)len, digest);
}

static void fill_init_table(void)
{
    for (int o = 0; o < N; o++)
        for (int i = 0; i < N; i++)
            for (int l = LABEL_MIN; l <= LABEL_MAX; l++)
                initial_digest(o, i, l, init_table[o][i][l - LABEL_MIN]);
}

void nb_hash_init_digest(int out, int in, int label, uint8_t digest[16])
{
    pthread_once(&init_once, fill_init_table);
    if (label >= LABEL_MIN && label <= LABEL_MAX && out < N && in < N)
        memcpy(digest, init_table[out][in][label - LABEL_MIN], 16);
    else
        initial_digest(out, in, label, digest);
}

/* Bit i set iff byte i of the 8 at p is nonzero: fold each byte onto its
 * low bit (shifts of 1 + 2 + 4 never carry a neighbour's bit to bit 0),
 * then one multiply gathers the 8 low bits into the top byte. */
static inline unsigned nonzero_bytes8(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    x |= x >> 4;
    x |= x >> 2;
    x |= x >> 1;
    x &= 0x0101010101010101ull;
    return (unsigned)((x * 0x0102040810204080ull) >> 56);
}

/* Row by row, 8 entries at a time (a row is NB_MAX_VERTICES = 12 bytes),
 * instead of a branch per entry. */
void nb_hash_succ_masks(int n, const uint8_t matrix[][NB_MAX_VERTICES], uint16_t succ[])
{
    _Static_assert(NB_MAX_VERTICES == 12, "rows are read as 8 + 4 bytes");
    unsigned keep = (1u << n) - 1;
    for (int v = 0; v < n; v++) {
        uint8_t tail[8] = {0};
        memcpy(tail, matrix[v] + 8, 4);
        succ[v] = (uint16_t)((nonzero_bytes8(matrix[v]) | nonzero_bytes8(tail) << 8) & keep);
    }
}

void nb_hash_rounds(int n, const uint16_t succ[], const int *labels, int rounds,
                    uint8_t h[][16])
{
    uint16_t pred[N];
    uint8_t nh[N][16];
    char hex[N][32];
    int order[N], rank[N];
    char buf[NB_HASH_MSG_MAX];

    nb_hash_pred_masks(n, succ, pred);
    for (int v = 0; v < n; v++)
        nb_hash_init_digest(__builtin_popcount(succ[v]), __builtin_popcount(pred[v]), labels[v],
                            h[v]);
    for (int round = 0; round < rounds; round++) {
        nb_hash_sort_order(n, (const uint8_t(*)[16])h, order);
        nb_hash_ranks(n, order, rank);
        for (int v = 0; v < n; v++)
            nb_md5_hex(h[v], hex[v]);
        for (int v = 0; v < n; v++) {
            size_t len = nb_hash_message(v, pred[v], succ[v], order, rank, (const char(*)[32])hex,
                                         buf);
            nb_md5(buf, len, nh[v]);
        }
        memcpy(h, nh, sizeof(h[0]) * (size_t)n);
    }
}

void nb_hash_graph_scalar(int n, const uint16_t succ[], const int *labels, uint8_t digest[16])
{
    uint8_t h[N][16];
    char buf[NB_HASH_MSG_MAX];
    nb_hash_rounds(n, succ, labels, n, h);
    nb_md5(buf, nb_hash_final_text(n, (const uint8_t(*)[16])h, buf), digest);
}

void nb_hash_graph_batch_scalar(int n, const uint16_t succ[], int count, const int8_t *labels,
                                uint8_t (*digests)[16])
{
    int lab[N];
    for (int i = 0; i < count; i++) {
        for (int v = 0; v < n; v++)
            lab[v] = labels[i * n + v];
        nb_hash_graph_scalar(n, succ, lab, digests[i]);
    }
}

void nb_hash_labels(int num_vertices, const uint8_t matrix[][NB_MAX_VERTICES], const int *labels,
                    char hash[NB_HASH_HEX + 1])
{
    uint16_t succ[N];
    uint8_t digest[16];
    nb_hash_succ_masks(num_vertices, matrix, succ);
    nb_hash_graph(num_vertices, succ, labels, digest);
    nb_md5_hex(digest, hash);
    hash[NB_HASH_HEX] = '\0';
}

/* nb_op_label for the three interior ops, as fixed-size compares of the
 * whole name with its NUL (the op buffers are NB_OP_NAME_MAX bytes), which
 * the compiler turns into two 8-byte compares each instead of strcmp calls;
 * anything else goes to nb_op_label. */
static int op_label(const char op[NB_OP_NAME_MAX])
{
    _Static_assert(NB_OP_NAME_MAX >= 16, "the names are compared as 16 bytes");
    if (!memcmp(op, "conv3x3-bn-relu", 16))
        return NB_LABEL_CONV3X3;
    if (!memcmp(op, "conv1x1-bn-relu", 16))
        return NB_LABEL_CONV1X1;
    if (!memcmp(op, "maxpool3x3", 11))
        return NB_LABEL_MAXPOOL3X3;
    return nb_op_label(op);
}

int nb_spec_hash(const nb_spec *pruned, char hash[NB_HASH_HEX + 1])
{
    int n = pruned->num_vertices;
    if (n < 2 || n > N)
        return nb_seterr(NB_ESPEC, "cannot hash a spec of %d vertices (need 2..%d)", n, N);
    /* The first and last op strings are not looked at (always -1 and -2). */
    int labels[N];
    labels[0] = NB_LABEL_INPUT;
    labels[n - 1] = NB_LABEL_OUTPUT;
    for (int v = 1; v < n - 1; v++) {
        labels[v] = op_label(pruned->ops[v]);
        if (labels[v] < 0)
            return nb_seterr(NB_EDOMAIN, "cannot hash: op '%s' of vertex %d is not one of "
                             "conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3", pruned->ops[v], v);
    }
    nb_hash_labels(n, pruned->matrix, labels, hash);
    return NB_OK;
}
