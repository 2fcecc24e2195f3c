/*
 * The parser stage of the converter (runs on its own thread): reads records,
 * decodes and checks them, and hands them to the writer in batches. Nothing
 * here touches the database.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nasbench/error.h"
#include "nb_convert_internal.h"
#include "nb_record.h"
#include "nb_tfrecord.h"

int nb_conv_pipe_init(nb_conv_pipe *p)
{
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    for (int i = 0; i < NB_CONV_BATCHES; i++) {
        nb_conv_batch *b = &p->batches[i];
        b->items = malloc(NB_CONV_BATCH_ITEMS * sizeof *b->items);
        b->arena = malloc(NB_CONV_BATCH_ARENA);
        b->cap = NB_CONV_BATCH_ARENA;
        if (!b->items || !b->arena)
            return nb_seterr(NB_ENOMEM, "out of memory");
    }
    return NB_OK;
}

void nb_conv_pipe_free(nb_conv_pipe *p)
{
    for (int i = 0; i < NB_CONV_BATCHES; i++) {
        free(p->batches[i].items);
        free(p->batches[i].arena);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
}

/* ---- the queue ----------------------------------------------------------- */

/* The next empty batch for the parser, or NULL when the writer stopped. */
static nb_conv_batch *acquire(nb_conv_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->full[p->next_fill] && !p->stop)
        pthread_cond_wait(&p->changed, &p->lock);
    nb_conv_batch *b = p->stop ? NULL : &p->batches[p->next_fill];
    pthread_mutex_unlock(&p->lock);
    if (b) {
        b->count = 0;
        b->used = 0;
        b->last = 0;
        b->status = NB_OK;
        b->message[0] = '\0';
    }
    return b;
}

static void push(nb_conv_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    p->full[p->next_fill] = 1;
    p->next_fill = (p->next_fill + 1) % NB_CONV_BATCHES;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

nb_conv_batch *nb_conv_take(nb_conv_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    while (!p->full[p->next_take])
        pthread_cond_wait(&p->changed, &p->lock);
    nb_conv_batch *b = &p->batches[p->next_take];
    pthread_mutex_unlock(&p->lock);
    return b;
}

void nb_conv_release(nb_conv_pipe *p, nb_conv_batch *b)
{
    (void)b;
    pthread_mutex_lock(&p->lock);
    p->full[p->next_take] = 0;
    p->next_take = (p->next_take + 1) % NB_CONV_BATCHES;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

void nb_conv_stop(nb_conv_pipe *p)
{
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

/* ---- filling a batch ------------------------------------------------------ */

typedef struct parser {
    nb_conv_pipe *pipe;
    nb_tfr_reader *reader;
    nb_record_codec *codec;
    nb_conv_batch *batch;
    nb_conv_verifier *verifier; /* the spec and hash checks, batched */
    int failed;                 /* a batch handed over held a bad record */
} parser;

/* Settle the deferred checks of the current batch, then hand it over. */
static int hand_over(parser *ps)
{
    int bad = 0;
    int rc = nb_conv_verify_flush(ps->verifier, ps->pipe->path, &bad);
    if (rc) {
        /* unchecked records must not be stored: fail the whole file */
        ps->batch->status = rc;
        snprintf(ps->batch->message, sizeof ps->batch->message, "%s", nb_errmsg());
        ps->failed = 1;
    }
    if (bad && !ps->pipe->skip_corrupt)
        ps->failed = 1;
    ps->batch->bytes_in = ps->reader ? nb_tfr_bytes_in(ps->reader) : 0;
    push(ps->pipe);
    return rc;
}

/* Room for `need` bytes in the current batch: pushes it and takes the next
 * when full. NULL when the writer stopped. */
static nb_conv_batch *room(parser *ps, size_t need)
{
    nb_conv_batch *b = ps->batch;
    if (b->count < NB_CONV_BATCH_ITEMS && b->used + need <= b->cap)
        return b;
    if (b->count > 0) {
        if (hand_over(ps)) {
            ps->batch = NULL; /* handed over with its failure: the writer stops there */
            return NULL;
        }
        b = ps->batch = acquire(ps->pipe);
        if (!b)
            return NULL;
    }
    if (need > b->cap) {
        /* an empty batch: nothing points into its arena yet */
        uint8_t *bigger = realloc(b->arena, need);
        if (!bigger) {
            nb_seterr(NB_ENOMEM, "out of memory");
            return NULL;
        }
        b->arena = bigger;
        b->cap = need;
    }
    return b;
}

static void *take(nb_conv_batch *b, size_t n)
{
    size_t at = (b->used + 15) & ~(size_t)15;
    b->used = at + n;
    return b->arena + at;
}

static char *take_str(nb_conv_batch *b, const char *s, size_t n)
{
    char *d = take(b, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int add_bad(parser *ps, nb_corrupt_kind kind, const char *message, int64_t index,
                   uint64_t offset)
{
    size_t len = strlen(message);
    nb_conv_batch *b = room(ps, len + 32);
    if (!b)
        return ps->batch ? NB_ENOMEM : NB_EINTR;
    nb_conv_item *it = &b->items[b->count++];
    memset(it, 0, sizeof *it);
    it->index = index;
    it->offset = offset;
    it->kind = kind;
    it->message = take_str(b, message, len);
    return NB_OK;
}

/* Arena bytes a record's item needs. */
static size_t item_size(const nb_record *rec, const nb_tfr_record *tr)
{
    size_t need = rec->adjacency_len + rec->operations_len + tr->len + 96 + NB_CONV_VERIFY_MSG +
                  (size_t)rec->num_evaluations * (sizeof(nb_evaluation) + 16);
    for (int i = 0; i < rec->num_evaluations; i++)
        if (rec->evaluations[i].checkpoint_path)
            need += strlen(rec->evaluations[i].checkpoint_path) + 16;
    return need;
}

/* The item of a decoded record in the current batch (room was made). */
static void add_good(parser *ps, const nb_record *rec, const nb_tfr_record *tr, int canonical,
                     int grp, int vertices, int edges)
{
    nb_conv_batch *b = ps->batch;
    nb_conv_item *it = &b->items[b->count++];
    memset(it, 0, sizeof *it);
    it->index = tr->index;
    it->offset = tr->offset;
    memcpy(it->hash, rec->hash, NB_HASH_HEX);
    it->hash[NB_HASH_HEX] = '\0';
    it->epochs = (int)rec->epochs;
    it->adjacency = take_str(b, rec->adjacency, rec->adjacency_len);
    it->operations = take_str(b, rec->operations, rec->operations_len);
    it->num_vertices = vertices;
    it->num_edges = edges;
    it->has_trainable_parameters = rec->has_trainable_parameters;
    it->trainable_parameters = rec->trainable_parameters;
    it->has_total_time = rec->has_total_time;
    it->total_time = rec->total_time;
    it->num_evaluations = rec->num_evaluations;
    it->evaluations = take(b, (size_t)rec->num_evaluations * sizeof(nb_evaluation));
    for (int i = 0; i < rec->num_evaluations; i++) {
        it->evaluations[i] = rec->evaluations[i];
        const char *path = rec->evaluations[i].checkpoint_path;
        if (path)
            it->evaluations[i].checkpoint_path = take_str(b, path, strlen(path));
    }
    it->canonical = canonical;
    it->payload = take(b, tr->len);
    memcpy((uint8_t *)it->payload, tr->data, tr->len);
    it->payload_len = tr->len;
    if (grp >= 0)
        nb_conv_verify_attach(ps->verifier, grp, it, take(b, NB_CONV_VERIFY_MSG));
}

/* One record: decoded and checked into a good item, or a bad item. Returns
 * NB_OK to go on, NB_ECORRUPT to end the stream after a bad record, other
 * codes for failures of our own. */
static int parse_one(parser *ps, const nb_tfr_record *tr)
{
    nb_record rec;
    nb_corrupt_kind kind = NB_CORRUPT_NONE;
    int rc = nb_record_decode(ps->codec, tr->data, tr->len, &rec, &kind);
    /* Room first: handing a batch over settles its checks, and this
     * record's group must belong to the batch that holds its item. */
    if (!rc && !room(ps, item_size(&rec, tr)))
        return ps->batch ? NB_ENOMEM : NB_EINTR;
    int grp = -1, vertices = 0, edges = 0, canonical = 0;
    if (!rc)
        rc = nb_conv_verify_record(ps->verifier, &rec, &grp, &vertices, &edges, &kind);
    if (!rc)
        rc = nb_record_is_canonical(ps->codec, &rec, tr->data, tr->len, &canonical);
    if (rc == NB_EINVAL) {
        /* not encodable (e.g. a value outside its wire type): keep it raw */
        canonical = 0;
        rc = NB_OK;
    }
    if (!rc) {
        add_good(ps, &rec, tr, canonical, grp, vertices, edges);
        return NB_OK;
    }
    if (rc != NB_ECORRUPT)
        return rc;
    nb_preferr(rc, "%s: record %lld at byte %llu", ps->pipe->path, (long long)tr->index,
               (unsigned long long)tr->offset);
    int added = add_bad(ps, kind, nb_errmsg(), tr->index, tr->offset);
    if (added)
        return added;
    return ps->pipe->skip_corrupt ? NB_OK : NB_ECORRUPT;
}

static void finish(parser *ps, int status)
{
    nb_conv_batch *b = ps->batch;
    if (!b)
        return;
    b->last = 1;
    if (status != NB_OK && status != NB_ECORRUPT) {
        b->status = status;
        snprintf(b->message, sizeof b->message, "%s", nb_errmsg());
    }
    int rc = hand_over(ps);
    (void)rc; /* out of memory while checking: the bad items stay unsettled */
}

static int run(parser *ps)
{
    nb_conv_pipe *p = ps->pipe;
    int rc = nb_tfr_open_stream(p->file, p->path, &ps->reader);
    if (!rc)
        rc = nb_record_codec_new(&ps->codec);
    if (!rc)
        rc = nb_conv_verifier_new(&ps->verifier);
    while (!rc) {
        if (p->interrupt && *p->interrupt)
            return nb_seterr(NB_EINTR, "interrupted");
        if (ps->failed)
            return NB_ECORRUPT; /* a batch handed over holds the first bad record */
        nb_tfr_record tr;
        int got = 0;
        rc = nb_tfr_next(ps->reader, &tr, &got);
        if (rc == NB_ECORRUPT) {
            nb_corrupt_kind kind = nb_tfr_corrupt_kind(ps->reader);
            int added = add_bad(ps, kind, nb_errmsg(), -1, 0);
            if (added)
                return added;
            if (p->skip_corrupt && nb_corrupt_recoverable(kind))
                rc = NB_OK;
            continue;
        }
        if (rc || !got)
            break;
        rc = parse_one(ps, &tr);
    }
    return rc;
}

void *nb_conv_parse_main(void *arg)
{
    parser ps = {.pipe = arg};
    ps.batch = acquire(ps.pipe);
    if (ps.batch) {
        int rc = run(&ps);
        if (ps.batch)
            finish(&ps, rc);
    }
    nb_record_codec_free(ps.codec);
    nb_tfr_close(ps.reader);
    nb_conv_verifier_free(ps.verifier);
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    ps.pipe->parser_cpu = (double)ts.tv_sec + ts.tv_nsec / 1e9; /* read after join */
    return NULL;
}
