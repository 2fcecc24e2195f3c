/*
 * Record codec, decoding side (nb_record.h): JSON row -> base64 -> protobuf.
 *
 * Everything a decoded record points to lives in the codec: the JSON DOM
 * (nb_json_doc arena), the base64 output buffer and a bump arena handed to
 * protobuf-c as its allocator, so a warm codec decodes without malloc.
 */
#include "nb_record.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_metrics.pb-c.h"
#include "nasbench/error.h"
#include "nb_base64.h"
#include "nb_json.h"
#include "nb_record_internal.h"

/* ---- a bump arena for protobuf-c --------------------------------------- */

static void *arena_alloc(void *data, size_t size)
{
    nb_arena *a = data;
    size = (size + 15) & ~(size_t)15;
    if (a->used + size > a->cap) {
        /* Spill to the heap; the next reset grows the block so that a warm
         * arena never spills for records of the same size. */
        nb_arena_spill *s = malloc(sizeof *s + size);
        if (!s)
            return NULL;
        s->next = a->spills;
        a->spills = s;
        a->spilled += size;
        return s->data;
    }
    void *p = a->block + a->used;
    a->used += size;
    return p;
}

static void arena_free(void *data, void *ptr)
{
    (void)data; /* everything goes at the next reset */
    (void)ptr;
}

void nb_arena_reset(nb_arena *a)
{
    if (a->spills) {
        while (a->spills) {
            nb_arena_spill *s = a->spills;
            a->spills = s->next;
            free(s);
        }
        size_t cap = (a->cap + a->spilled) * 2;
        uint8_t *b = malloc(cap);
        if (b) {
            free(a->block);
            a->block = b;
            a->cap = cap;
        }
        a->spilled = 0;
    }
    a->used = 0;
}

static void arena_free_all(nb_arena *a)
{
    nb_arena_reset(a);
    free(a->block);
}

/* ---- codec lifetime ------------------------------------------------------ */

int nb_record_codec_new(nb_record_codec **out)
{
    nb_record_codec *c = calloc(1, sizeof *c);
    if (!c || !(c->doc = nb_json_doc_new()))
        goto oom;
    c->arena.cap = 16384;
    if (!(c->arena.block = malloc(c->arena.cap)))
        goto oom;
    *out = c;
    return NB_OK;
oom:
    nb_record_codec_free(c);
    *out = NULL;
    return nb_seterr(NB_ENOMEM, "out of memory for a record codec");
}

void nb_record_codec_free(nb_record_codec *c)
{
    if (!c)
        return;
    nb_json_doc_free(c->doc);
    arena_free_all(&c->arena);
    free(c->bin);
    free(c->evals);
    free(c->out);
    free(c);
}

/* Grow *buf to at least n bytes. */
int nb_grow(void **buf, size_t *cap, size_t n, size_t elem)
{
    if (n <= *cap)
        return NB_OK;
    size_t c = *cap ? *cap : 64;
    while (c < n)
        c *= 2;
    void *b = realloc(*buf, c * elem);
    if (!b)
        return nb_seterr(NB_ENOMEM, "out of memory");
    *buf = b;
    *cap = c;
    return NB_OK;
}

/* ---- decoding ------------------------------------------------------------ */

static int bad(nb_corrupt_kind kind, nb_corrupt_kind *out, const char *what)
{
    if (out)
        *out = kind;
    return nb_seterr(NB_ECORRUPT, "%s: %s", nb_corrupt_name(kind), what);
}

/* The same around the message a callee just set ("JSON: ..." or "base64:
 * ..."): its own short prefix gives way to the kind's name. */
static int bad_from_errmsg(nb_corrupt_kind kind, nb_corrupt_kind *out)
{
    char what[512];
    const char *msg = nb_errmsg(), *colon = strstr(msg, ": ");
    if (colon && colon - msg <= 8)
        msg = colon + 2;
    snprintf(what, sizeof what, "%s", msg); /* a copy: nb_seterr rewrites msg */
    return bad(kind, out, what);
}

static void copy_eval(nb_evaluation *e, const Nasbench__EvaluationData *d)
{
    memset(e, 0, sizeof *e);
    e->present = (d->has_current_epoch ? NB_EVAL_CURRENT_EPOCH : 0) |
                 (d->has_training_time ? NB_EVAL_TRAINING_TIME : 0) |
                 (d->has_train_accuracy ? NB_EVAL_TRAIN_ACCURACY : 0) |
                 (d->has_validation_accuracy ? NB_EVAL_VALIDATION_ACCURACY : 0) |
                 (d->has_test_accuracy ? NB_EVAL_TEST_ACCURACY : 0) |
                 (d->checkpoint_path ? NB_EVAL_CHECKPOINT_PATH : 0);
    e->current_epoch = d->current_epoch;
    e->training_time = d->training_time;
    e->train_accuracy = d->train_accuracy;
    e->validation_accuracy = d->validation_accuracy;
    e->test_accuracy = d->test_accuracy;
    e->checkpoint_path = d->checkpoint_path;
}

int nb_record_decode_metrics(nb_record_codec *c, const uint8_t *bytes, size_t len,
                             nb_record *rec)
{
    nb_arena_reset(&c->arena);
    ProtobufCAllocator alloc = {arena_alloc, arena_free, &c->arena};
    Nasbench__ModelMetrics *m = nasbench__model_metrics__unpack(&alloc, len, bytes);
    if (!m)
        return nb_seterr(NB_ECORRUPT, "bad protobuf: %zu bytes are not a ModelMetrics message",
                         len);
    if (m->n_evaluation_data > INT32_MAX ||
        nb_grow((void **)&c->evals, &c->evals_cap, m->n_evaluation_data, sizeof *c->evals))
        return nb_seterr(NB_ENOMEM, "out of memory for %zu evaluations", m->n_evaluation_data);
    for (size_t i = 0; i < m->n_evaluation_data; i++)
        copy_eval(&c->evals[i], m->evaluation_data[i]);
    rec->num_evaluations = (int)m->n_evaluation_data;
    rec->evaluations = c->evals;
    rec->has_trainable_parameters = m->has_trainable_parameters;
    rec->trainable_parameters = m->trainable_parameters;
    rec->has_total_time = m->has_total_time;
    rec->total_time = m->total_time;
    /* No free: the arena owns the message until the next decode. */
    return NB_OK;
}

/* ---- fast path: the writer's own layout --------------------------------- */

/* A string of plain printable ASCII (no escapes) closed by '"'. Returns the
 * position after the quote, or NULL. */
static const char *scan_plain_string(const char *p, const char *end, const char **s, size_t *n)
{
    const char *q = p;
    while (q < end && *q != '"') {
        unsigned char ch = (unsigned char)*q;
        if (ch < 0x20 || ch > 0x7E || ch == '\\')
            return NULL;
        q++;
    }
    if (q == end)
        return NULL;
    *s = p;
    *n = (size_t)(q - p);
    return q + 1;
}

static const char *expect(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0 ? p + n : NULL;
}

/* Nearly every payload is laid out exactly as the original writer did:
 * ["<str>", <int>, "<str>", "<str>", "<str>"] with no escapes. Such a row
 * is read here directly (the strings point into the payload); anything else
 * returns 0 and goes through the general JSON reader, which gives the same
 * result for these rows and the error messages for bad ones. */
static int scan_canonical(const char *p, size_t len, nb_record *rec, const char **b64,
                          size_t *b64_len)
{
    const char *end = p + len;
    if (!(p = expect(p, end, "[\"")) ||
        !(p = scan_plain_string(p, end, &rec->hash, &rec->hash_len)) || !(p = expect(p, end, ", ")))
        return 0;
    int64_t v = 0;
    const char *d = p;
    while (p < end && *p >= '0' && *p <= '9' && p - d < 10)
        v = v * 10 + (*p++ - '0');
    if (p == d || (*d == '0' && p - d > 1) || v > INT32_MAX)
        return 0;
    rec->epochs = v;
    if (!(p = expect(p, end, ", \"")) ||
        !(p = scan_plain_string(p, end, &rec->adjacency, &rec->adjacency_len)) ||
        !(p = expect(p, end, ", \"")) ||
        !(p = scan_plain_string(p, end, &rec->operations, &rec->operations_len)) ||
        !(p = expect(p, end, ", \"")) || !(p = scan_plain_string(p, end, b64, b64_len)) ||
        !(p = expect(p, end, "]")))
        return 0;
    return p == end;
}

/* The general path: any JSON text. */
static int parse_json(nb_record_codec *c, const void *payload, size_t len, nb_record *rec,
                      const char **b64, size_t *b64_len, nb_corrupt_kind *kind)
{
    const nb_json *root;
    if (nb_json_parse(c->doc, payload, len, &root))
        return bad_from_errmsg(NB_CORRUPT_JSON, kind);
    if (root->type != NB_JSON_ARRAY || root->len != 5)
        return bad(NB_CORRUPT_SHAPE, kind, "the row is not a JSON array of 5 elements");
    const nb_json *it = root->items;
    static const char *const names[5] = {"hash", "epochs", "adjacency", "operations",
                                         "metrics"};
    for (int i = 0; i < 5; i++) {
        int want = i == 1 ? NB_JSON_NUMBER : NB_JSON_STRING;
        if (it[i].type != want) {
            char msg[80];
            snprintf(msg, sizeof msg, "element %d (%s) is not a %s", i, names[i],
                     i == 1 ? "number" : "string");
            return bad(NB_CORRUPT_SHAPE, kind, msg);
        }
    }
    if (!it[1].is_integer || it[1].integer < 0 || it[1].integer > INT32_MAX)
        return bad(NB_CORRUPT_SHAPE, kind, "element 1 (epochs) is not an integer in [0, 2^31)");
    rec->hash = it[0].string;
    rec->hash_len = it[0].len;
    rec->epochs = it[1].integer;
    rec->adjacency = it[2].string;
    rec->adjacency_len = it[2].len;
    rec->operations = it[3].string;
    rec->operations_len = it[3].len;
    *b64 = it[4].string;
    *b64_len = it[4].len;
    return NB_OK;
}

int nb_record_decode(nb_record_codec *c, const void *payload, size_t len, nb_record *rec,
                     nb_corrupt_kind *kind)
{
    if (kind)
        *kind = NB_CORRUPT_NONE;
    memset(rec, 0, sizeof *rec);
    const char *b64 = NULL;
    size_t b64_len = 0;
    if (!scan_canonical(payload, len, rec, &b64, &b64_len)) {
        memset(rec, 0, sizeof *rec);
        int rc = parse_json(c, payload, len, rec, &b64, &b64_len, kind);
        if (rc)
            return rc;
    }
    if (nb_grow((void **)&c->bin, &c->bin_cap, nb_base64_decoded_max(b64_len) + 1, 1))
        return NB_ENOMEM;
    size_t n;
    if (nb_base64_decode(b64, b64_len, c->bin, &n))
        return bad_from_errmsg(NB_CORRUPT_BASE64, kind);
    if (nb_record_decode_metrics(c, c->bin, n, rec)) {
        if (kind)
            *kind = NB_CORRUPT_PROTOBUF;
        return NB_ECORRUPT;
    }
    return NB_OK;
}
