/*
 * Record validation (nb_record_validate): the checks of the converter on a
 * decoded row, each with its own kind so that --skip-corrupt can count them.
 */
#include "nb_record.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nasbench/error.h"

__attribute__((format(printf, 3, 4))) static int fail(nb_corrupt_kind kind,
                                                      nb_corrupt_kind *out, const char *fmt,
                                                      ...)
{
    if (out)
        *out = kind;
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return nb_seterr(NB_ECORRUPT, "%s: %s", nb_corrupt_name(kind), detail);
}

static const char *const known_ops[] = {"input", "output", "conv3x3-bn-relu",
                                        "conv1x1-bn-relu", "maxpool3x3"};

static int op_index(const char *name, size_t len)
{
    for (int i = 0; i < 5; i++)
        if (strlen(known_ops[i]) == len && memcmp(known_ops[i], name, len) == 0)
            return i;
    return -1;
}

/* Printable prefix of a field for messages (fields may hold anything). */
static void excerpt(char *out, size_t cap, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < cap; i++)
        out[k++] = (s[i] >= 0x20 && s[i] < 0x7F) ? s[i] : '?';
    if (k < n && k + 4 >= cap)
        memcpy(out + k, "...", 3), k += 3;
    out[k] = 0;
}

/* Ops: V names from the five, input first, output last, neither inside. */
static int check_ops(const nb_record *rec, int v, nb_corrupt_kind *kind)
{
    const char *s = rec->operations, *end = s + rec->operations_len;
    int n = 1;
    for (const char *p = s; p < end; p++)
        n += *p == ',';
    if (n != v)
        return fail(NB_CORRUPT_BAD_SPEC, kind, "%d ops for %d vertices", n, v);
    for (int i = 0; i < n; i++) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *e = comma ? comma : end;
        int op = op_index(s, (size_t)(e - s));
        if (op < 0) {
            char what[80];
            excerpt(what, sizeof what, s, (size_t)(e - s));
            return fail(NB_CORRUPT_UNKNOWN_OP, kind, "op \"%s\" at position %d", what, i);
        }
        if ((op == 0) != (i == 0) || (op == 1) != (i == n - 1))
            return fail(NB_CORRUPT_BAD_SPEC, kind, "op %s at position %d is misplaced",
                        known_ops[op], i);
        s = e + 1;
    }
    return NB_OK;
}

/* The last record that passed, per thread. Validation is a pure function of
 * (hash, adjacency, ops), and a file repeats the same triple for every run
 * of a module (12 adjacent rows in nasbench_full), so one entry saves
 * almost every hash computation, the expensive part. */
static _Thread_local struct {
    int valid;
    char hash[NB_HASH_HEX];
    size_t adj_len, ops_len;
    char adj[NB_MAX_VERTICES * NB_MAX_VERTICES];
    char ops[NB_MAX_VERTICES * NB_OP_NAME_MAX];
    nb_spec spec;
} memo;

static int memo_hit(const nb_record *rec)
{
    return memo.valid && rec->hash_len == NB_HASH_HEX && rec->adjacency_len == memo.adj_len &&
           rec->operations_len == memo.ops_len && memcmp(rec->hash, memo.hash, NB_HASH_HEX) == 0 &&
           memcmp(rec->adjacency, memo.adj, memo.adj_len) == 0 &&
           memcmp(rec->operations, memo.ops, memo.ops_len) == 0;
}

int nb_record_validate(const nb_record *rec, nb_spec *out_spec, nb_corrupt_kind *kind)
{
    if (kind)
        *kind = NB_CORRUPT_NONE;
    if (memo_hit(rec)) {
        if (out_spec)
            *out_spec = memo.spec;
        return NB_OK;
    }
    int v = 1;
    while ((size_t)(v * v) < rec->adjacency_len && v <= NB_MAX_VERTICES)
        v++;
    if ((size_t)(v * v) != rec->adjacency_len || v > NB_MAX_VERTICES)
        return fail(NB_CORRUPT_NON_SQUARE, kind,
                    "adjacency of %zu characters is not V*V with 1 <= V <= %d",
                    rec->adjacency_len, NB_MAX_VERTICES);
    int rc = check_ops(rec, v, kind);
    if (rc)
        return rc;
    /* nb_spec_parse wants NUL-terminated text; both lengths are bounded now. */
    char adj[NB_MAX_VERTICES * NB_MAX_VERTICES + 1];
    char ops[NB_MAX_VERTICES * NB_OP_NAME_MAX];
    memcpy(adj, rec->adjacency, rec->adjacency_len);
    adj[rec->adjacency_len] = 0;
    memcpy(ops, rec->operations, rec->operations_len);
    ops[rec->operations_len] = 0;
    nb_spec spec;
    if (nb_spec_parse(&spec, adj, ops))
        return fail(NB_CORRUPT_BAD_SPEC, kind, "%s", nb_errmsg());
    char hash[NB_HASH_HEX + 1];
    if (nb_spec_hash(&spec, hash))
        return fail(NB_CORRUPT_BAD_SPEC, kind, "%s", nb_errmsg());
    if (rec->hash_len != NB_HASH_HEX || memcmp(rec->hash, hash, NB_HASH_HEX) != 0) {
        char stored[48];
        excerpt(stored, sizeof stored, rec->hash, rec->hash_len);
        return fail(NB_CORRUPT_HASH_MISMATCH, kind, "stored %s, computed %s", stored, hash);
    }
    memo.valid = 1;
    memcpy(memo.hash, hash, NB_HASH_HEX);
    memo.adj_len = rec->adjacency_len;
    memo.ops_len = rec->operations_len;
    memcpy(memo.adj, rec->adjacency, memo.adj_len);
    memcpy(memo.ops, rec->operations, memo.ops_len);
    memo.spec = spec;
    if (out_spec)
        *out_spec = spec;
    return NB_OK;
}
