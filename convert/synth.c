/*
 * The synthetic dataset writer (nb_synth.h): enumerate the space, sort the
 * modules by hash, and write every (module, budget, repeat) record in the
 * original format. The NUMBERS ARE SYNTHETIC (see synth_values.c).
 */
#include "nb_synth.h"

#include <stdlib.h>
#include <string.h>

#include "nasbench/enumerate.h"
#include "nasbench/error.h"
#include "nb_synth_internal.h"
#include "nb_tfrecord.h"

/* A module in 48 bytes (the whole space is 423,624 of them): hash, size,
 * row-major matrix bits and interior labels. */
typedef struct packed_module {
    char hash[NB_HASH_HEX];
    uint64_t matrix; /* bit i*V+j */
    uint8_t num_vertices;
    uint8_t labels[NB_SPACE_MAX_VERTICES];
} packed_module;

struct nb_synth_space {
    packed_module *items;
    size_t len, cap;
};
typedef struct nb_synth_space module_list;

void nb_synth_defaults(nb_synth_options *o)
{
    memset(o, 0, sizeof *o);
    o->num_budgets = 4;
    o->budgets[0] = 4;
    o->budgets[1] = 12;
    o->budgets[2] = 36;
    o->budgets[3] = 108;
    o->repeats = 3;
}

static int collect(void *ctx, const nb_spec *spec, const char *hash)
{
    module_list *l = ctx;
    if (spec->num_vertices > NB_SPACE_MAX_VERTICES)
        return nb_seterr(NB_EUSAGE, "synth: a module of %d vertices", spec->num_vertices);
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1 << 16;
        packed_module *p = realloc(l->items, cap * sizeof *p);
        if (!p)
            return nb_seterr(NB_ENOMEM, "synth: out of memory for the module list");
        l->items = p;
        l->cap = cap;
    }
    packed_module *m = &l->items[l->len++];
    memset(m, 0, sizeof *m);
    memcpy(m->hash, hash, NB_HASH_HEX);
    int v = spec->num_vertices;
    m->num_vertices = (uint8_t)v;
    for (int i = 0; i < v; i++) {
        for (int j = 0; j < v; j++)
            if (spec->matrix[i][j])
                m->matrix |= 1ull << (i * v + j);
        m->labels[i] = (uint8_t)(nb_op_label(spec->ops[i]) + 3); /* -2..2 -> 1..5 */
    }
    return NB_OK;
}

static int by_hash(const void *a, const void *b)
{
    return memcmp(((const packed_module *)a)->hash, ((const packed_module *)b)->hash,
                  NB_HASH_HEX);
}

static int unpack(const packed_module *m, nb_spec *spec)
{
    uint8_t matrix[NB_MAX_VERTICES][NB_MAX_VERTICES] = {{0}};
    int labels[NB_MAX_VERTICES], v = m->num_vertices;
    for (int i = 0; i < v; i++) {
        for (int j = 0; j < v; j++)
            matrix[i][j] = (uint8_t)((m->matrix >> (i * v + j)) & 1);
        labels[i] = m->labels[i] - 3;
    }
    return nb_spec_from_labels(spec, v, (const uint8_t(*)[NB_MAX_VERTICES])matrix, labels);
}

static int check_options(const nb_synth_options *o)
{
    if (o->num_budgets < 1 || o->num_budgets > NB_SYNTH_MAX_BUDGETS)
        return nb_seterr(NB_EUSAGE, "synth: between 1 and %d budgets", NB_SYNTH_MAX_BUDGETS);
    for (int i = 0; i < o->num_budgets; i++)
        if (o->budgets[i] < 1 || (i && o->budgets[i] <= o->budgets[i - 1]))
            return nb_seterr(NB_EUSAGE, "synth: budgets must be >= 1 and strictly ascending");
    if (o->repeats < 1 || o->repeats > 1000)
        return nb_seterr(NB_EUSAGE, "synth: repeats must be between 1 and 1000");
    return NB_OK;
}

/* All records of one module, budgets ascending, repeats adjacent. */
static int write_module(nb_tfr_writer *w, nb_record_codec *codec, const nb_synth_options *o,
                        const packed_module *pm)
{
    nb_spec spec;
    int64_t params;
    int rc = unpack(pm, &spec);
    if (!rc)
        rc = nb_spec_trainable_parameters(&spec, &NB_NET_SHAPE_DEFAULT, &params);
    if (rc)
        return nb_preferr(rc, "synth: module %.32s", pm->hash);
    nb_synth_module m;
    nb_synth_module_init(&m, o->seed, pm->hash, &spec, params);
    char adj[NB_MAX_VERTICES * NB_MAX_VERTICES + 1], ops[NB_MAX_VERTICES * NB_OP_NAME_MAX];
    nb_record rec = {.hash = m.hash, .hash_len = NB_HASH_HEX, .adjacency = adj, .operations = ops};
    rec.adjacency_len = nb_spec_adjacency_bits(&spec, adj, sizeof adj);
    rec.operations_len = nb_spec_ops_csv(&spec, ops, sizeof ops);
    for (int b = 0; b < o->num_budgets; b++) {
        for (int r = 0; r < o->repeats; r++) {
            nb_evaluation evals[3];
            rec.epochs = o->budgets[b];
            nb_synth_module_run(&m, o->budgets[b], r, evals, &rec);
            const uint8_t *payload;
            size_t len;
            if ((rc = nb_record_encode(codec, &rec, &payload, &len)) ||
                (rc = nb_tfr_write(w, payload, len)))
                return rc;
        }
    }
    return NB_OK;
}

int nb_synth_space_new(int max_vertices, nb_synth_space **out)
{
    *out = NULL;
    nb_enum_options eo;
    nb_enum_options_default(&eo);
    if (max_vertices) {
        if (max_vertices < 2 || max_vertices > NB_SPACE_MAX_VERTICES)
            return nb_seterr(NB_EUSAGE, "synth: max_vertices must be 2 to %d",
                             NB_SPACE_MAX_VERTICES);
        eo.max_vertices = max_vertices;
    }
    module_list *list = calloc(1, sizeof *list);
    if (!list)
        return nb_seterr(NB_ENOMEM, "synth: out of memory");
    nb_enum_callbacks cb = {.on_module = collect, .ctx = list};
    int rc = nb_enumerate(&eo, &cb);
    if (rc) {
        nb_synth_space_free(list);
        return rc;
    }
    qsort(list->items, list->len, sizeof *list->items, by_hash);
    *out = list;
    return NB_OK;
}

void nb_synth_space_free(nb_synth_space *space)
{
    if (space)
        free(space->items);
    free(space);
}

int64_t nb_synth_space_size(const nb_synth_space *space)
{
    return (int64_t)space->len;
}

int nb_synth_write_space(const nb_synth_space *list, const char *path,
                         const nb_synth_options *o, int64_t *records)
{
    if (records)
        *records = 0;
    int rc = check_options(o);
    if (rc)
        return rc;
    size_t n = o->modules > 0 && (size_t)o->modules < list->len ? (size_t)o->modules : list->len;
    int64_t per_module = (int64_t)o->num_budgets * o->repeats, total = (int64_t)n * per_module;

    nb_tfr_writer *w = NULL;
    nb_record_codec *codec = NULL;
    if (!(rc = nb_record_codec_new(&codec)))
        rc = nb_tfr_writer_open(path, o->zstd_level, &w);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = write_module(w, codec, o, &list->items[i]);
        if (!rc && o->progress && (i % 4096 == 4095 || i + 1 == n))
            o->progress(o->progress_ctx, (int64_t)(i + 1) * per_module, total);
    }
    if (rc)
        nb_tfr_writer_abort(w);
    else
        rc = nb_tfr_writer_close(w);
    nb_record_codec_free(codec);
    if (!rc && records)
        *records = total;
    return rc;
}

int nb_synth_write(const char *path, const nb_synth_options *o, int64_t *records)
{
    if (records)
        *records = 0;
    int rc = check_options(o);
    if (rc)
        return rc;
    nb_synth_space *space;
    if ((rc = nb_synth_space_new(o->max_vertices, &space)))
        return rc;
    rc = nb_synth_write_space(space, path, o, records);
    nb_synth_space_free(space);
    return rc;
}
