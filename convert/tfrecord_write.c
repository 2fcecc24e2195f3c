/*
 * TFRecord writer (nb_tfrecord.h): plain or zstd, every write checked, the
 * data written to "<path>.partial" and renamed into place on success.
 */
#include "nb_tfrecord.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zstd.h>

#include "nasbench/error.h"
#include "nb_crc32c.h"

#define OUTBUF (1u << 20)

struct nb_tfr_writer {
    FILE *f;
    char *path;
    char *tmp;          /* NULL when writing in place (devices, pipes) */
    ZSTD_CCtx *cz;
    uint8_t *buf;       /* pending uncompressed bytes */
    size_t len;
    uint8_t *zbuf;      /* compressed output */
    int64_t records;
    uint64_t bytes;
    int failed;
};

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

size_t nb_tfr_frame(const void *payload, size_t len, uint8_t *out)
{
    uint64_t n = len;
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(n >> (8 * i));
    put_le32(out + 8, nb_crc32c_mask(nb_crc32c(0, out, 8)));
    memcpy(out + 12, payload, len);
    put_le32(out + 12 + len, nb_crc32c_mask(nb_crc32c(0, payload, len)));
    return len + NB_TFR_OVERHEAD;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int write_file(nb_tfr_writer *w, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, w->f) != n)
        return w->failed = nb_seterr(NB_EIO, "%s: write failed: %s", w->path, strerror(errno));
    return NB_OK;
}

/* Push the pending bytes out (through zstd when compressing); `end` also
 * finishes the zstd frame. */
static int flush_buf(nb_tfr_writer *w, int end)
{
    if (!w->cz) {
        int rc = write_file(w, w->buf, w->len);
        w->len = 0;
        return rc;
    }
    ZSTD_inBuffer ib = {w->buf, w->len, 0};
    ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
        ZSTD_outBuffer ob = {w->zbuf, OUTBUF, 0};
        size_t left = ZSTD_compressStream2(w->cz, &ob, &ib, mode);
        if (ZSTD_isError(left))
            return w->failed = nb_seterr(NB_EIO, "%s: zstd: %s", w->path, ZSTD_getErrorName(left));
        int rc = write_file(w, w->zbuf, ob.pos);
        if (rc)
            return rc;
        if (end ? left == 0 : ib.pos == ib.size)
            break;
    }
    w->len = 0;
    return NB_OK;
}

int nb_tfr_writer_open(const char *path, int zstd_level, nb_tfr_writer **out)
{
    *out = NULL;
    nb_tfr_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path)) || !(w->buf = malloc(OUTBUF)))
        goto oom;
    /* Devices and pipes are written in place; regular files via a rename. */
    struct stat st;
    int in_place = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    if (!in_place) {
        size_t n = strlen(path) + sizeof ".partial";
        if (!(w->tmp = malloc(n)))
            goto oom;
        snprintf(w->tmp, n, "%s.partial", path);
    }
    if (ends_with(path, ".zst")) {
        if (!(w->cz = ZSTD_createCCtx()) || !(w->zbuf = malloc(OUTBUF)))
            goto oom;
        ZSTD_CCtx_setParameter(w->cz, ZSTD_c_compressionLevel, zstd_level ? zstd_level : 3);
        /* Compress on zstd's own worker threads, overlapped with whatever
         * produces the records (ignored by a single-threaded libzstd). */
        ZSTD_CCtx_setParameter(w->cz, ZSTD_c_nbWorkers, 2);
    }
    w->f = fopen(w->tmp ? w->tmp : path, "wb");
    if (!w->f) {
        int rc = nb_seterr(NB_EIO, "%s: cannot create: %s", w->tmp ? w->tmp : path,
                           strerror(errno));
        nb_tfr_writer_abort(w);
        return rc;
    }
    *out = w;
    return NB_OK;
oom:
    nb_tfr_writer_abort(w);
    return nb_seterr(NB_ENOMEM, "%s: out of memory", path);
}

int nb_tfr_write(nb_tfr_writer *w, const void *payload, size_t len)
{
    if (w->failed)
        return w->failed;
    if (len > NB_TFR_MAX_RECORD)
        return nb_seterr(NB_EINVAL, "%s: record of %zu bytes is above the limit", w->path, len);
    size_t total = len + NB_TFR_OVERHEAD;
    if (w->len + total > OUTBUF) {
        int rc = flush_buf(w, 0);
        if (rc)
            return rc;
    }
    if (total > OUTBUF) {
        /* A huge record: frame it on its own. */
        uint8_t *tmp = malloc(total);
        if (!tmp)
            return nb_seterr(NB_ENOMEM, "%s: out of memory", w->path);
        nb_tfr_frame(payload, len, tmp);
        uint8_t *keep = w->buf;
        w->buf = tmp;
        w->len = total;
        int rc = flush_buf(w, 0);
        w->buf = keep;
        free(tmp);
        if (rc)
            return rc;
    } else {
        w->len += nb_tfr_frame(payload, len, w->buf + w->len);
    }
    w->records++;
    w->bytes += total;
    return NB_OK;
}

int64_t nb_tfr_writer_records(const nb_tfr_writer *w)
{
    return w->records;
}

uint64_t nb_tfr_writer_bytes(const nb_tfr_writer *w)
{
    return w->bytes;
}

int nb_tfr_writer_close(nb_tfr_writer *w)
{
    if (!w)
        return NB_OK;
    int rc = w->failed ? w->failed : flush_buf(w, 1);
    if (!rc && fflush(w->f) != 0)
        rc = nb_seterr(NB_EIO, "%s: write failed: %s", w->path, strerror(errno));
    FILE *f = w->f;
    w->f = NULL;
    if (fclose(f) != 0 && !rc)
        rc = nb_seterr(NB_EIO, "%s: close failed: %s", w->path, strerror(errno));
    if (!rc && w->tmp && rename(w->tmp, w->path) != 0)
        rc = nb_seterr(NB_EIO, "%s: cannot rename %s into place: %s", w->path, w->tmp,
                       strerror(errno));
    if (rc && w->tmp)
        remove(w->tmp);
    free(w->tmp);
    w->tmp = NULL;
    nb_tfr_writer_abort(w);
    return rc;
}

void nb_tfr_writer_abort(nb_tfr_writer *w)
{
    if (!w)
        return;
    if (w->f) {
        fclose(w->f);
        if (w->tmp)
            remove(w->tmp);
    }
    ZSTD_freeCCtx(w->cz);
    free(w->zbuf);
    free(w->buf);
    free(w->tmp);
    free(w->path);
    free(w);
}
