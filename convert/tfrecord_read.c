/*
 * TFRecord reader (nb_tfrecord.h): streaming, constant memory, plain or zstd.
 *
 * The decompressed stream goes through one window buffer `buf`; a record is
 * returned in place (no copy, no allocation) unless it straddles the end of
 * the window, in which case the unread tail is moved to the front first.
 */
#include "nb_tfrecord.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "nasbench/error.h"
#include "nb_crc32c.h"

#define WINDOW (1u << 20)

struct nb_tfr_reader {
    FILE *f;
    int own_f;
    char *name;
    /* zstd: compressed input buffer */
    ZSTD_DStream *ds;
    uint8_t *in;
    size_t in_pos, in_len;
    size_t zret;      /* last ZSTD_decompressStream result: 0 at a frame end */
    int src_eof;      /* the file has no more bytes */
    /* the decompressed (or plain) stream window */
    uint8_t *buf;
    size_t cap, pos, len;
    uint64_t bytes_in;  /* file bytes read */
    uint64_t offset;    /* stream offset of buf[pos] */
    int64_t index;      /* index of the next record */
    int failed;         /* sticky result code after an unrecoverable error */
    nb_corrupt_kind kind;
    char failmsg[512];
};

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Read up to n raw file bytes into dst. */
static int read_file(nb_tfr_reader *r, uint8_t *dst, size_t n, size_t *got)
{
    *got = 0;
    if (r->src_eof)
        return NB_OK;
    size_t k = fread(dst, 1, n, r->f);
    if (k < n) {
        if (ferror(r->f))
            return nb_seterr(NB_EIO, "%s: read error after byte %llu: %s", r->name,
                             (unsigned long long)r->bytes_in, strerror(errno));
        r->src_eof = 1;
    }
    r->bytes_in += k;
    *got = k;
    return NB_OK;
}

/* Append decompressed bytes to the window until it is full or the input
 * ends. */
static int fill_zstd(nb_tfr_reader *r)
{
    while (r->len < r->cap) {
        if (r->in_pos == r->in_len) {
            size_t got;
            int rc = read_file(r, r->in, WINDOW, &got);
            if (rc)
                return rc;
            r->in_pos = 0;
            r->in_len = got;
            if (got == 0) {
                if (r->zret != 0)
                    return nb_seterr(NB_ECORRUPT, "%s: record %lld at byte %llu: %s", r->name,
                                     (long long)r->index,
                                     (unsigned long long)r->offset,
                                     "bad zstd stream (truncated frame)");
                return NB_OK;
            }
        }
        ZSTD_inBuffer ib = {r->in, r->in_len, r->in_pos};
        ZSTD_outBuffer ob = {r->buf, r->cap, r->len};
        size_t ret = ZSTD_decompressStream(r->ds, &ob, &ib);
        if (ZSTD_isError(ret))
            return nb_seterr(NB_ECORRUPT, "%s: record %lld at byte %llu: bad zstd stream (%s)",
                             r->name, (long long)r->index,
                             (unsigned long long)r->offset,
                             ZSTD_getErrorName(ret));
        r->zret = ret;
        r->in_pos = ib.pos;
        r->len = ob.pos;
    }
    return NB_OK;
}

/* Make at least n bytes available at buf[pos] if the stream has them;
 * *avail gets what is available (< n only at the end of the stream). */
static int need(nb_tfr_reader *r, size_t n, size_t *avail)
{
    if (r->len - r->pos < n) {
        if (n > r->cap) {
            /* One record larger than the window: grow it (rare, bounded by
             * NB_TFR_MAX_RECORD). */
            size_t cap = r->cap;
            while (cap < n)
                cap *= 2;
            uint8_t *b = realloc(r->buf, cap);
            if (!b)
                return nb_seterr(NB_ENOMEM, "%s: out of memory for a %zu-byte record", r->name, n);
            r->buf = b;
            r->cap = cap;
        }
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
        int rc;
        if (r->ds) {
            rc = fill_zstd(r);
        } else {
            size_t got;
            rc = NB_OK;
            while (rc == NB_OK && r->len < n && !r->src_eof) {
                rc = read_file(r, r->buf + r->len, r->cap - r->len, &got);
                r->len += got;
            }
        }
        if (rc)
            return rc;
    }
    *avail = r->len - r->pos;
    return NB_OK;
}

static int setup(nb_tfr_reader *r)
{
    r->cap = WINDOW;
    r->buf = malloc(r->cap);
    if (!r->buf)
        return nb_seterr(NB_ENOMEM, "%s: out of memory", r->name);
    /* Sniff the zstd frame magic (28 b5 2f fd) from the first bytes. */
    size_t got;
    int rc = read_file(r, r->buf, r->cap, &got);
    if (rc)
        return rc;
    r->len = got;
    if (got >= 4 && le32(r->buf) == ZSTD_MAGICNUMBER) {
        r->ds = ZSTD_createDStream();
        r->in = malloc(WINDOW);
        if (!r->ds || !r->in)
            return nb_seterr(NB_ENOMEM, "%s: out of memory", r->name);
        ZSTD_initDStream(r->ds);
        memcpy(r->in, r->buf, got);
        r->in_len = got;
        r->in_pos = 0;
        r->len = 0;
        r->zret = 1; /* decompression starts at the first nb_tfr_next */
    }
    return NB_OK;
}

int nb_tfr_open_stream(FILE *f, const char *name, nb_tfr_reader **out)
{
    *out = NULL;
    nb_tfr_reader *r = calloc(1, sizeof *r);
    if (!r)
        return nb_seterr(NB_ENOMEM, "%s: out of memory", name);
    r->f = f;
    r->name = strdup(name ? name : "(stream)");
    if (!r->name) {
        free(r);
        return nb_seterr(NB_ENOMEM, "out of memory");
    }
    int rc = setup(r);
    if (rc) {
        nb_tfr_close(r);
        return rc;
    }
    *out = r;
    return NB_OK;
}

int nb_tfr_open(const char *path, nb_tfr_reader **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return nb_seterr(NB_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = nb_tfr_open_stream(f, path, out);
    if (rc) {
        fclose(f);
        return rc;
    }
    (*out)->own_f = 1;
    return NB_OK;
}

void nb_tfr_close(nb_tfr_reader *r)
{
    if (!r)
        return;
    if (r->own_f)
        fclose(r->f);
    ZSTD_freeDStream(r->ds);
    free(r->in);
    free(r->buf);
    free(r->name);
    free(r);
}

/* Record an error about the record at the current position. A sticky error
 * makes every later call fail the same way. */
static int corrupt(nb_tfr_reader *r, nb_corrupt_kind kind, int sticky, const char *detail)
{
    r->kind = kind;
    int rc = nb_seterr(NB_ECORRUPT, "%s: record %lld at byte %llu: %s%s", r->name,
                       (long long)r->index, (unsigned long long)r->offset,
                       nb_corrupt_name(kind), detail);
    if (sticky) {
        r->failed = rc;
        snprintf(r->failmsg, sizeof r->failmsg, "%s", nb_errmsg());
    }
    return rc;
}

static int fail_sticky(nb_tfr_reader *r, int rc)
{
    if (rc == NB_ECORRUPT)
        r->kind = NB_CORRUPT_ZSTD;
    r->failed = rc;
    snprintf(r->failmsg, sizeof r->failmsg, "%s", nb_errmsg());
    return rc;
}

int nb_tfr_next(nb_tfr_reader *r, nb_tfr_record *rec, int *got)
{
    char detail[96];
    size_t avail;
    *got = 0;
    if (r->failed)
        return nb_seterr(r->failed, "%s", r->failmsg);
    r->kind = NB_CORRUPT_NONE;
    int rc = need(r, 12, &avail);
    if (rc)
        return fail_sticky(r, rc);
    if (avail == 0)
        return NB_OK; /* clean end of file: at a record boundary */
    if (avail < 12) {
        snprintf(detail, sizeof detail, " (%zu of 12 header bytes)", avail);
        return corrupt(r, NB_CORRUPT_TRUNCATED, 1, detail);
    }
    const uint8_t *h = r->buf + r->pos;
    uint64_t len = le64(h);
    uint32_t want = nb_crc32c_unmask(le32(h + 8)), have = nb_crc32c(0, h, 8);
    if (want != have)
        return corrupt(r, NB_CORRUPT_LENGTH_CRC, 1, "");
    if (len > NB_TFR_MAX_RECORD) {
        snprintf(detail, sizeof detail, " (%llu bytes, limit %u)", (unsigned long long)len,
                 NB_TFR_MAX_RECORD);
        return corrupt(r, NB_CORRUPT_TOO_LARGE, 1, detail);
    }
    size_t total = (size_t)len + NB_TFR_OVERHEAD;
    rc = need(r, total, &avail);
    if (rc)
        return fail_sticky(r, rc);
    if (avail < total) {
        snprintf(detail, sizeof detail, " (%zu of %zu bytes)", avail, total);
        return corrupt(r, NB_CORRUPT_TRUNCATED, 1, detail);
    }
    const uint8_t *p = r->buf + r->pos + 12;
    want = nb_crc32c_unmask(le32(p + len));
    have = nb_crc32c(0, p, (size_t)len);
    int bad = want != have;
    if (bad)
        rc = corrupt(r, NB_CORRUPT_DATA_CRC, 0, "");
    rec->data = p;
    rec->len = (size_t)len;
    rec->index = r->index;
    rec->offset = r->offset;
    /* Step over the record either way: the length was sound. */
    r->pos += total;
    r->offset += total;
    r->index++;
    if (bad)
        return rc;
    *got = 1;
    return NB_OK;
}

nb_corrupt_kind nb_tfr_corrupt_kind(const nb_tfr_reader *r)
{
    return r->kind;
}

uint64_t nb_tfr_bytes_in(const nb_tfr_reader *r)
{
    /* Plain: what was consumed; zstd: what the decompressor has taken. */
    if (r->ds)
        return r->bytes_in - (r->in_len - r->in_pos);
    return r->offset;
}

uint64_t nb_tfr_bytes_out(const nb_tfr_reader *r)
{
    return r->offset;
}

int nb_tfr_is_zstd(const nb_tfr_reader *r)
{
    return r->ds != NULL;
}
