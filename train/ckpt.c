/* Training checkpoints: the whole state of a run (weights, batch-norm
 * averages, optimiser slots, step, timers, evaluations so far) in one zstd
 * frame with a content checksum, replaced atomically by rename. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "nasbench/error.h"
#include "nb_train.h"

static const char ckpt_magic[8] = "NBCKPT1";

/* A growing byte buffer for the uncompressed image. */
typedef struct buf {
    unsigned char *p;
    size_t len, cap;
    int oom;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_header(buf *b, const nb_ckpt_header *h, int n)
{
    put(b, ckpt_magic, sizeof ckpt_magic);
    put(b, h->key, sizeof h->key);
    put(b, &h->step, sizeof h->step);
    put(b, &h->training_time, sizeof h->training_time);
    put(b, &h->elapsed, sizeof h->elapsed);
    put(b, &h->num_evaluations, sizeof h->num_evaluations);
    for (int i = 0; i < 3; i++) {
        const nb_evaluation *e = &h->evaluations[i];
        put(b, &e->present, sizeof e->present);
        put(b, &e->current_epoch, sizeof e->current_epoch);
        put(b, &e->training_time, sizeof e->training_time);
        put(b, &e->train_accuracy, sizeof e->train_accuracy);
        put(b, &e->validation_accuracy, sizeof e->validation_accuracy);
        put(b, &e->test_accuracy, sizeof e->test_accuracy);
    }
    put(b, &n, sizeof n);
}

static int write_file(const char *path, const void *data, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return nb_seterr(NB_EINVAL, "checkpoint path too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return nb_seterr(NB_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    const unsigned char *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return nb_seterr(NB_EIO, "%s: write failed: %s", tmp, strerror(e));
        }
        done += (size_t)w;
    }
    /* data on disk before the rename makes it visible */
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        return nb_seterr(NB_EIO, "%s: sync failed: %s", tmp, strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return nb_seterr(NB_EIO, "%s: rename failed: %s", path, strerror(e));
    }
    return NB_OK;
}

int nb_ckpt_save(const char *path, const nb_ckpt_header *h, const nb_ckpt_array *arrays, int n)
{
    buf b = {0};
    put_header(&b, h, n);
    for (int i = 0; i < n; i++) {
        uint64_t count = arrays[i].count;
        put(&b, &count, sizeof count);
        put(&b, arrays[i].data, arrays[i].count * sizeof(float));
    }
    if (b.oom) {
        free(b.p);
        return nb_seterr(NB_ENOMEM, "out of memory writing checkpoint %s", path);
    }
    size_t bound = ZSTD_compressBound(b.len);
    void *z = malloc(bound);
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    int rc = NB_OK;
    if (!z || !cctx) {
        rc = nb_seterr(NB_ENOMEM, "out of memory compressing checkpoint %s", path);
    } else {
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
        size_t zlen = ZSTD_compress2(cctx, z, bound, b.p, b.len);
        if (ZSTD_isError(zlen))
            rc = nb_seterr(NB_ERROR, "%s: zstd: %s", path, ZSTD_getErrorName(zlen));
        else
            rc = write_file(path, z, zlen);
    }
    ZSTD_freeCCtx(cctx);
    free(z);
    free(b.p);
    return rc;
}

/* A cursor over the decompressed image. */
typedef struct reader {
    const unsigned char *p;
    size_t len, at;
} reader;

static int get(reader *r, void *out, size_t n)
{
    if (r->len - r->at < n)
        return -1;
    memcpy(out, r->p + r->at, n);
    r->at += n;
    return 0;
}

static int parse(const char *path, reader *r, nb_ckpt_header *h, const nb_ckpt_array *arrays,
                 int n)
{
    char magic[8];
    nb_ckpt_header got;
    memset(&got, 0, sizeof got);
    int narrays = -1, bad = 0;
    bad |= get(r, magic, sizeof magic) || memcmp(magic, ckpt_magic, sizeof magic) != 0;
    bad |= get(r, got.key, sizeof got.key);
    bad |= get(r, &got.step, sizeof got.step);
    bad |= get(r, &got.training_time, sizeof got.training_time);
    bad |= get(r, &got.elapsed, sizeof got.elapsed);
    bad |= get(r, &got.num_evaluations, sizeof got.num_evaluations);
    for (int i = 0; i < 3; i++) {
        nb_evaluation *e = &got.evaluations[i];
        bad |= get(r, &e->present, sizeof e->present);
        bad |= get(r, &e->current_epoch, sizeof e->current_epoch);
        bad |= get(r, &e->training_time, sizeof e->training_time);
        bad |= get(r, &e->train_accuracy, sizeof e->train_accuracy);
        bad |= get(r, &e->validation_accuracy, sizeof e->validation_accuracy);
        bad |= get(r, &e->test_accuracy, sizeof e->test_accuracy);
    }
    bad |= get(r, &narrays, sizeof narrays);
    if (bad)
        return nb_seterr(NB_ECORRUPT, "%s: not a nasbench checkpoint", path);
    got.key[sizeof got.key - 1] = '\0';
    if (strcmp(got.key, h->key) != 0)
        return nb_seterr(NB_ECORRUPT, "%s: belongs to %s, not %s", path, got.key, h->key);
    if (narrays != n || got.num_evaluations < 0 || got.num_evaluations > 3 || got.step < 0)
        return nb_seterr(NB_ECORRUPT, "%s: layout differs from this network", path);
    for (int i = 0; i < n; i++) {
        uint64_t count;
        if (get(r, &count, sizeof count) || count != arrays[i].count)
            return nb_seterr(NB_ECORRUPT, "%s: array %d differs from this network", path, i);
        if (get(r, arrays[i].data, arrays[i].count * sizeof(float)))
            return nb_seterr(NB_ECORRUPT, "%s: truncated", path);
    }
    if (r->at != r->len)
        return nb_seterr(NB_ECORRUPT, "%s: trailing bytes", path);
    *h = got;
    return NB_OK;
}

int nb_ckpt_load(const char *path, nb_ckpt_header *h, const nb_ckpt_array *arrays, int n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return nb_seterr(NB_ENOTFOUND, "%s: no checkpoint", path);
        return nb_seterr(NB_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat sb;
    unsigned char *z = NULL, *raw = NULL;
    int rc = NB_OK;
    size_t zlen = 0;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size <= 0) {
        rc = nb_seterr(NB_ECORRUPT, "%s: empty checkpoint", path);
    } else {
        zlen = (size_t)sb.st_size;
        z = malloc(zlen);
        if (!z)
            rc = nb_seterr(NB_ENOMEM, "out of memory reading %s", path);
        else if (fread(z, 1, zlen, f) != zlen)
            rc = nb_seterr(NB_EIO, "%s: read failed", path);
    }
    fclose(f);
    unsigned long long rawlen = 0;
    if (rc == NB_OK) {
        rawlen = ZSTD_getFrameContentSize(z, zlen);
        if (rawlen == ZSTD_CONTENTSIZE_ERROR || rawlen == ZSTD_CONTENTSIZE_UNKNOWN ||
            rawlen > ((unsigned long long)1 << 36))
            rc = nb_seterr(NB_ECORRUPT, "%s: not a zstd checkpoint", path);
    }
    if (rc == NB_OK && !(raw = malloc(rawlen ? rawlen : 1)))
        rc = nb_seterr(NB_ENOMEM, "out of memory reading %s", path);
    if (rc == NB_OK) {
        size_t got = ZSTD_decompress(raw, rawlen, z, zlen); /* verifies the checksum */
        if (ZSTD_isError(got) || got != rawlen)
            rc = nb_seterr(NB_ECORRUPT, "%s: damaged: %s", path,
                           ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short frame");
    }
    if (rc == NB_OK) {
        reader r = {raw, (size_t)rawlen, 0};
        rc = parse(path, &r, h, arrays, n);
    }
    free(raw);
    free(z);
    return rc;
}
