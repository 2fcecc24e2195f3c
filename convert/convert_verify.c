/*
 * The converter's spec and hash check, batched. Recomputing each module's
 * hash (about 56 MD5s) was over half of the parser's time; here the hashes
 * of a whole batch of records are computed together by nb_spec_hash_many
 * (multi-buffer SIMD MD5, 8 or 16 at once) just before the batch goes to the
 * writer. A record is accepted only if it passes the same checks as
 * nb_record_validate; any failure, now or after hashing, is reported by
 * nb_record_validate itself, so kinds and messages are the codec's.
 */
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_convert_internal.h"
#include "nb_record.h"


typedef struct group {
    nb_spec spec;
    char hash[NB_HASH_HEX + 1];
    const nb_conv_item *leader;  /* first item: its strings identify the group */
} group;

struct nb_conv_verifier {
    group *groups;               /* specs waiting for their hash, in file order */
    char (*computed)[NB_HASH_HEX + 1];
    int ngroups;
    nb_conv_item **items;        /* items depending on a group */
    int *item_group;
    char **item_msg;             /* room for their message, in the batch arena */
    int nitems;
    /* the last spec verified: records of a module come together */
    char vhash[NB_HASH_HEX + 1];
    char vadj[NB_MAX_VERTICES * NB_MAX_VERTICES + 1];
    char vops[NB_MAX_VERTICES * NB_OP_NAME_MAX];
    int vvertices, vedges, have_verified;
};

int nb_conv_verifier_new(nb_conv_verifier **out)
{
    nb_conv_verifier *v = calloc(1, sizeof *v);
    if (v) {
        v->groups = malloc(NB_CONV_BATCH_ITEMS * sizeof *v->groups);
        v->computed = malloc(NB_CONV_BATCH_ITEMS * sizeof *v->computed);
        v->items = malloc(NB_CONV_BATCH_ITEMS * sizeof *v->items);
        v->item_group = malloc(NB_CONV_BATCH_ITEMS * sizeof *v->item_group);
        v->item_msg = malloc(NB_CONV_BATCH_ITEMS * sizeof *v->item_msg);
    }
    if (!v || !v->groups || !v->computed || !v->items || !v->item_group || !v->item_msg) {
        nb_conv_verifier_free(v);
        *out = NULL;
        return nb_seterr(NB_ENOMEM, "out of memory");
    }
    *out = v;
    return NB_OK;
}

void nb_conv_verifier_free(nb_conv_verifier *v)
{
    if (!v)
        return;
    free(v->groups);
    free(v->computed);
    free(v->items);
    free(v->item_group);
    free(v->item_msg);
    free(v);
}

static int same_text(const char *s, size_t n, const char *z)
{
    return strlen(z) == n && !memcmp(s, z, n);
}

static int same_as(const nb_record *rec, const char *hash, const char *adj, const char *ops)
{
    return rec->hash_len == NB_HASH_HEX && !memcmp(rec->hash, hash, NB_HASH_HEX) &&
           same_text(rec->adjacency, rec->adjacency_len, adj) &&
           same_text(rec->operations, rec->operations_len, ops);
}

/* The checks of nb_record_validate except the hash. 0 when any fails (the
 * caller then lets nb_record_validate say which). */
static int precheck(const nb_record *rec, nb_spec *spec)
{
    if (rec->hash_len != NB_HASH_HEX)
        return 0;
    int n = 2;
    while ((size_t)(n * n) < rec->adjacency_len && n <= NB_MAX_VERTICES)
        n++;
    if ((size_t)(n * n) != rec->adjacency_len || n > NB_MAX_VERTICES ||
        rec->operations_len >= NB_MAX_VERTICES * NB_OP_NAME_MAX)
        return 0;
    char adj[NB_MAX_VERTICES * NB_MAX_VERTICES + 1], ops[NB_MAX_VERTICES * NB_OP_NAME_MAX];
    memcpy(adj, rec->adjacency, rec->adjacency_len);
    adj[rec->adjacency_len] = '\0';
    memcpy(ops, rec->operations, rec->operations_len);
    ops[rec->operations_len] = '\0';
    if (nb_spec_parse(spec, adj, ops) || spec->num_vertices != n)
        return 0;
    if (strcmp(spec->ops[0], "input") || strcmp(spec->ops[n - 1], "output"))
        return 0;
    for (int i = 1; i < n - 1; i++) {
        int label = nb_op_label(spec->ops[i]);
        if (label < 0 || label > 2)
            return 0;
    }
    return 1;
}

int nb_conv_verify_record(nb_conv_verifier *v, const nb_record *rec, int *grp, int *vertices,
                          int *edges, nb_corrupt_kind *kind)
{
    *grp = -1;
    if (v->have_verified && same_as(rec, v->vhash, v->vadj, v->vops)) {
        *vertices = v->vvertices;
        *edges = v->vedges;
        return NB_OK;
    }
    if (v->ngroups > 0) {
        const nb_conv_item *l = v->groups[v->ngroups - 1].leader;
        if (l && same_as(rec, l->hash, l->adjacency, l->operations)) {
            *grp = v->ngroups - 1;
            return NB_OK;
        }
    }
    group *g = &v->groups[v->ngroups];
    if (v->ngroups < NB_CONV_BATCH_ITEMS && precheck(rec, &g->spec)) {
        memcpy(g->hash, rec->hash, NB_HASH_HEX);
        g->hash[NB_HASH_HEX] = '\0';
        g->leader = NULL; /* set by nb_conv_verify_attach */
        *grp = v->ngroups++;
        return NB_OK;
    }
    /* Not for the fast path: the codec checks it now, and says why. */
    nb_spec spec;
    int rc = nb_record_validate(rec, &spec, kind);
    if (rc)
        return rc;
    *vertices = spec.num_vertices;
    *edges = nb_spec_num_edges(&spec);
    return NB_OK;
}

void nb_conv_verify_attach(nb_conv_verifier *v, int grp, nb_conv_item *item, char *msg)
{
    if (grp < 0)
        return;
    if (!v->groups[grp].leader)
        v->groups[grp].leader = item;
    item->num_vertices = v->groups[grp].spec.num_vertices;
    item->num_edges = nb_spec_num_edges(&v->groups[grp].spec);
    v->items[v->nitems] = item;
    v->item_group[v->nitems] = grp;
    v->item_msg[v->nitems++] = msg;
}

/* A failed record: let the codec check it again for the exact kind and
 * message, and turn the item into a bad one. */
static void reject(nb_conv_item *it, char *msg, const char *path)
{
    nb_record rec = {.hash = it->hash, .hash_len = strlen(it->hash),
                     .adjacency = it->adjacency, .adjacency_len = strlen(it->adjacency),
                     .operations = it->operations, .operations_len = strlen(it->operations)};
    nb_corrupt_kind kind = NB_CORRUPT_HASH_MISMATCH;
    if (!nb_record_validate(&rec, NULL, &kind))
        return; /* the codec accepts it after all */
    snprintf(msg, NB_CONV_VERIFY_MSG, "%s: record %lld at byte %llu: %s", path, (long long)it->index,
             (unsigned long long)it->offset, nb_errmsg());
    it->kind = kind;
    it->message = msg;
}

int nb_conv_verify_flush(nb_conv_verifier *v, const char *path, int *bad)
{
    *bad = 0;
    if (!v || v->ngroups == 0)
        return NB_OK;
    int rc = NB_OK, *ok = calloc((size_t)v->ngroups, sizeof *ok);
    if (!ok)
        return nb_seterr(NB_ENOMEM, "out of memory");
    nb_spec *specs = malloc((size_t)v->ngroups * sizeof *specs);
    if (!specs) {
        free(ok);
        return nb_seterr(NB_ENOMEM, "out of memory");
    }
    for (int g = 0; g < v->ngroups; g++)
        specs[g] = v->groups[g].spec;
    if (nb_spec_hash_many(specs, (size_t)v->ngroups, v->computed) == NB_OK)
        for (int g = 0; g < v->ngroups; g++)
            ok[g] = !strcmp(v->computed[g], v->groups[g].hash);
    free(specs);
    for (int i = 0; i < v->nitems; i++) {
        if (ok[v->item_group[i]])
            continue;
        reject(v->items[i], v->item_msg[i], path);
        *bad += v->items[i]->kind != NB_CORRUPT_NONE;
    }
    /* The last group becomes the verified spec when it passed. */
    const group *last = &v->groups[v->ngroups - 1];
    if (ok[v->ngroups - 1] && last->leader) {
        memcpy(v->vhash, last->hash, sizeof v->vhash);
        snprintf(v->vadj, sizeof v->vadj, "%s", last->leader->adjacency);
        snprintf(v->vops, sizeof v->vops, "%s", last->leader->operations);
        v->vvertices = last->leader->num_vertices;
        v->vedges = last->leader->num_edges;
        v->have_verified = 1;
    }
    free(ok);
    v->ngroups = 0;
    v->nitems = 0;
    return rc;
}
