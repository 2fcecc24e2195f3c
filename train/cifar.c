/* CIFAR-10 binary files: reading, the augmented training stream, and the
 * normalisation of reference section 7.2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_sha256.h"
#include "nb_train.h"

/* Per-channel mean and standard deviation of the original (0..255 scale). */
static const float cifar_mean[3] = {125.31f, 122.95f, 113.87f};
static const float cifar_std[3] = {62.99f, 62.09f, 66.70f};

#define PAD 4

uint64_t nb_mix64(uint64_t a, uint64_t b)
{
    uint64_t z = a + 0x9e3779b97f4a7c15ULL * (b + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void nb_cifar_free(nb_cifar_split *split)
{
    if (!split)
        return;
    free(split->labels);
    free(split->pixels);
    memset(split, 0, sizeof *split);
}

static int grow_split(nb_cifar_split *split, int extra)
{
    size_t n = (size_t)split->count + (size_t)extra;
    uint8_t *labels = realloc(split->labels, n ? n : 1);
    if (!labels)
        return nb_seterr(NB_ENOMEM, "out of memory for %zu CIFAR-10 images", n);
    split->labels = labels;
    uint8_t *pixels = realloc(split->pixels, n ? n * NB_CIFAR_PIXELS : 1);
    if (!pixels)
        return nb_seterr(NB_ENOMEM, "out of memory for %zu CIFAR-10 images", n);
    split->pixels = pixels;
    return NB_OK;
}

/* Reads the whole file (hashing it) and keeps the first max_images rows. */
int nb_cifar_read(const char *path, int max_images, nb_cifar_split *split, char *sha256_hex)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nb_seterr(NB_EIO, "%s: cannot open: %s", path, strerror(errno));
    nb_sha256 sha;
    nb_sha256_init(&sha);
    uint8_t row[NB_CIFAR_ROW];
    long long rows = 0;
    int rc = NB_OK;
    for (;;) {
        size_t got = fread(row, 1, sizeof row, f);
        if (got == 0)
            break;
        nb_sha256_update(&sha, row, got);
        if (got < sizeof row) {
            rc = nb_seterr(NB_ECORRUPT,
                           "%s: truncated: row %lld has %zu of %d bytes (not a CIFAR-10 binary file?)",
                           path, rows, got, NB_CIFAR_ROW);
            break;
        }
        if (row[0] >= NB_CIFAR_LABELS) {
            rc = nb_seterr(NB_ECORRUPT, "%s: row %lld: label %d is not 0..9", path, rows, row[0]);
            break;
        }
        if (max_images < 0 || rows < max_images) {
            if ((rc = grow_split(split, 1)) != NB_OK)
                break;
            split->labels[split->count] = row[0];
            memcpy(split->pixels + (size_t)split->count * NB_CIFAR_PIXELS, row + 1, NB_CIFAR_PIXELS);
            split->count++;
        }
        rows++;
    }
    if (rc == NB_OK && ferror(f))
        rc = nb_seterr(NB_EIO, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    if (rc == NB_OK && rows == 0)
        rc = nb_seterr(NB_ECORRUPT, "%s: empty file", path);
    if (rc == NB_OK && sha256_hex)
        nb_sha256_final(&sha, NULL, sha256_hex);
    return rc;
}

/* Writes one normalised pixel. Planar source (c, y, x). */
static inline void put_pixel(float *x, int layout, int c, int y, int xx, float v)
{
    size_t at = layout == NB_LAYOUT_NCHW
                    ? ((size_t)c * NB_CIFAR_SIDE + (size_t)y) * NB_CIFAR_SIDE + (size_t)xx
                    : ((size_t)y * NB_CIFAR_SIDE + (size_t)xx) * 3 + (size_t)c;
    x[at] = (v - cifar_mean[c]) / cifar_std[c];
}

void nb_cifar_eval_batch(const nb_cifar_split *split, int first, int n, int layout, float *x,
                         int32_t *labels)
{
    for (int i = 0; i < n; i++) {
        const uint8_t *img = split->pixels + (size_t)(first + i) * NB_CIFAR_PIXELS;
        float *out = x + (size_t)i * NB_CIFAR_PIXELS;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < NB_CIFAR_SIDE; y++)
                for (int xx = 0; xx < NB_CIFAR_SIDE; xx++)
                    put_pixel(out, layout, c, y, xx,
                              (float)img[(c * NB_CIFAR_SIDE + y) * NB_CIFAR_SIDE + xx]);
        labels[i] = split->labels[first + i];
    }
}

/* Pad 4 with zeros (raw value 0, before normalisation), crop at (dy, dx) of
 * the 40x40 padded image, mirror when flip. */
static void augment_one(const uint8_t *img, int dy, int dx, int flip, int layout, float *out)
{
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < NB_CIFAR_SIDE; y++) {
            int sy = y + dy - PAD;
            for (int xx = 0; xx < NB_CIFAR_SIDE; xx++) {
                int cx = flip ? NB_CIFAR_SIDE - 1 - xx : xx; /* column in the crop */
                int sx = cx + dx - PAD;
                float v = 0.0f;
                if (sy >= 0 && sy < NB_CIFAR_SIDE && sx >= 0 && sx < NB_CIFAR_SIDE)
                    v = (float)img[(c * NB_CIFAR_SIDE + sy) * NB_CIFAR_SIDE + sx];
                put_pixel(out, layout, c, y, xx, v);
            }
        }
}

int nb_cifar_stream_init(nb_cifar_stream *st, const nb_cifar_split *split, uint64_t seed)
{
    memset(st, 0, sizeof *st);
    if (split->count <= 0)
        return nb_seterr(NB_EINVAL, "training split is empty");
    st->perm = malloc((size_t)split->count * sizeof *st->perm);
    if (!st->perm)
        return nb_seterr(NB_ENOMEM, "out of memory for a permutation of %d images", split->count);
    st->split = split;
    st->seed = seed;
    st->perm_epoch = -1;
    return NB_OK;
}

void nb_cifar_stream_free(nb_cifar_stream *st)
{
    free(st->perm);
    st->perm = NULL;
}

/* Fisher-Yates shuffle of epoch e, drawn from (seed, e) alone. */
static void make_perm(nb_cifar_stream *st, int64_t epoch)
{
    int n = st->split->count;
    for (int i = 0; i < n; i++)
        st->perm[i] = i;
    uint64_t state = nb_mix64(st->seed ^ 0x5348554646ULL, (uint64_t)epoch);
    for (int i = n - 1; i > 0; i--) {
        state = nb_mix64(state, (uint64_t)i);
        int j = (int)(state % (uint64_t)(i + 1));
        int t = st->perm[i];
        st->perm[i] = st->perm[j];
        st->perm[j] = t;
    }
    st->perm_epoch = epoch;
}

void nb_cifar_stream_batch(nb_cifar_stream *st, int64_t step, int batch, int layout, float *x,
                           int32_t *labels)
{
    int64_t n = st->split->count;
    for (int i = 0; i < batch; i++) {
        int64_t pos = step * batch + i;
        int64_t epoch = pos / n;
        if (epoch != st->perm_epoch)
            make_perm(st, epoch);
        int idx = st->perm[pos % n];
        /* one 64-bit draw per image: 9 x 9 crop offsets and the flip bit */
        uint64_t r = nb_mix64(st->seed ^ 0x41554730ULL, (uint64_t)pos);
        int dy = (int)((r & 0xffff) % 9), dx = (int)(((r >> 16) & 0xffff) % 9);
        int flip = (int)((r >> 32) & 1);
        augment_one(st->split->pixels + (size_t)idx * NB_CIFAR_PIXELS, dy, dx, flip, layout,
                    x + (size_t)i * NB_CIFAR_PIXELS);
        labels[i] = st->split->labels[idx];
    }
}
