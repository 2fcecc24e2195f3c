/*
 * The encodings of a query_cache row: the runs blob (little-endian on every
 * host, so a database file moves between machines unchanged; float32 where
 * that loses nothing, which halves the dataset's rows) and the stored spec
 * in 64 bits (the text columns of modules cost more than the runs of a
 * 108-only row).
 */
#include <math.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_query_cache.h"

#define HEADER 8

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static int float_exact(double v)
{
    return isnan(v) || (double)(float)v == v;
}

size_t nb_qc_entry_put(unsigned char out[NB_QC_ENTRY_MAX], int32_t epochs, int32_t repeat,
                       const double v[8])
{
    int narrow = 1;
    for (int k = 0; k < 8; k++)
        narrow &= float_exact(v[k]);
    put_le32(out, (uint32_t)epochs);
    put_le32(out + 4, (uint32_t)repeat | (narrow ? NB_QC_FLOAT32 : 0));
    for (int k = 0; k < 8; k++) {
        if (narrow) {
            float f = (float)v[k];
            uint32_t bits;
            memcpy(&bits, &f, sizeof bits);
            put_le32(out + HEADER + 4 * k, bits);
        } else {
            uint64_t bits;
            memcpy(&bits, &v[k], sizeof bits);
            put_le64(out + HEADER + 8 * k, bits);
        }
    }
    return HEADER + (narrow ? 32 : 64);
}

static double value_at(const unsigned char *p, int narrow, int k)
{
    if (narrow) {
        uint32_t bits = get_le32(p + 4 * k);
        float f;
        memcpy(&f, &bits, sizeof f);
        return (double)f;
    }
    uint64_t bits = get_le64(p + 8 * k);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

int nb_qc_entry_next(const unsigned char *blob, size_t len, size_t *pos, nb_qc_entry *e,
                     int want_values)
{
    if (*pos == len)
        return 0;
    if (len - *pos < HEADER)
        return -1;
    const unsigned char *p = blob + *pos;
    uint32_t word = get_le32(p + 4);
    int narrow = (word & NB_QC_FLOAT32) != 0;
    size_t size = HEADER + (narrow ? 32 : 64);
    if (len - *pos < size)
        return -1;
    e->epochs = (int32_t)get_le32(p);
    e->repeat = (int32_t)(word & ~NB_QC_FLOAT32);
    if (want_values)
        for (int k = 0; k < 4; k++) {
            e->halfway[k] = value_at(p + HEADER, narrow, k);
            e->final[k] = value_at(p + HEADER, narrow, 4 + k);
        }
    *pos += size;
    return 1;
}

/* Bit layout: [0, 21) the upper triangle row by row, [21, 31) the interior
 * ops (label + 1, 2 bits each), [31, 35) the vertex count. */
int nb_qc_spec_pack(const nb_spec *spec, uint64_t *code)
{
    int n = spec->num_vertices;
    *code = 0;
    if (n < 2 || n > NB_SPACE_MAX_VERTICES || strcmp(spec->ops[0], "input") ||
        strcmp(spec->ops[n - 1], "output"))
        return NB_EDOMAIN;
    uint64_t c = (uint64_t)n << 31;
    for (int v = 1; v < n - 1; v++) {
        int label = nb_op_label(spec->ops[v]);
        if (label < NB_LABEL_CONV3X3 || label > NB_LABEL_MAXPOOL3X3)
            return NB_EDOMAIN;
        c |= (uint64_t)(label + 1) << (21 + 2 * (v - 1));
    }
    for (int i = 0, bit = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (j <= i) {
                if (spec->matrix[i][j])
                    return NB_EDOMAIN; /* not upper triangular */
                continue;
            }
            c |= (uint64_t)(spec->matrix[i][j] != 0) << bit++;
        }
    *code = c;
    return NB_OK;
}

int nb_qc_spec_unpack(uint64_t code, nb_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    int n = (int)(code >> 31 & 15);
    if (n < 2 || n > NB_SPACE_MAX_VERTICES || code >> 35)
        return NB_EDOMAIN; /* not one of ours: a damaged row */
    spec->num_vertices = n;
    strcpy(spec->ops[0], "input");
    strcpy(spec->ops[n - 1], "output");
    for (int v = 1; v < n - 1; v++) {
        int label = (int)(code >> (21 + 2 * (v - 1)) & 3) - 1;
        if (label < NB_LABEL_CONV3X3)
            return NB_EDOMAIN;
        strcpy(spec->ops[v], nb_op_name(label));
    }
    for (int i = 0, bit = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            spec->matrix[i][j] = (uint8_t)(code >> bit++ & 1);
    return NB_OK;
}
