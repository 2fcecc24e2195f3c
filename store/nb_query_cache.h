/*
 * Internal: the query_cache table (sql/query_cache.sql), a derived copy of
 * what query() reads, one row per module. The writer side (refresh) runs
 * inside the library's write transactions; the reader side decodes a row.
 */
#ifndef NB_QUERY_CACHE_H
#define NB_QUERY_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "nasbench/db.h"
#include "nasbench/spec.h"

/* One run in a row's runs blob, little-endian: int32 epochs, uint32 repeat
 * (NB_QC_FLOAT32 set when the values follow as float32: each of them is a
 * float32 exactly, or NaN, as every value of the dataset is), then the 8
 * values as float32 or float64: 40 or 72 bytes. */
#define NB_QC_FLOAT32 0x80000000u

typedef struct nb_qc_entry {
    int32_t epochs;
    int32_t repeat;
    double halfway[4]; /* training_time, train, validation, test; NaN = NULL */
    double final[4];
} nb_qc_entry;

/* The largest entry. */
#define NB_QC_ENTRY_MAX 72

/* Encode one run (values: halfway time, train, validation, test, then the
 * same four final ones; NaN for NULL); returns the bytes written. */
size_t nb_qc_entry_put(unsigned char out[NB_QC_ENTRY_MAX], int32_t epochs, int32_t repeat,
                       const double v[8]);

/* Read the entry at *pos of blob[0..len) and advance *pos past it; the
 * values are decoded only with want_values. 1 for an entry, 0 at the end,
 * -1 for a malformed blob. */
int nb_qc_entry_next(const unsigned char *blob, size_t len, size_t *pos, nb_qc_entry *e,
                     int want_values);

/* A spec of the search space (at most 7 vertices, input first, output last,
 * the three ops between, matrix upper triangular) in 64 bits: the vertex
 * count, 2 bits per interior op, the upper triangle. NB_EDOMAIN for any
 * other spec. Unpacking gives the spec back with the canonical op names,
 * or NB_EDOMAIN for a code no spec packs to. */
int nb_qc_spec_pack(const nb_spec *spec, uint64_t *code);
int nb_qc_spec_unpack(uint64_t code, nb_spec *spec);

/* Rebuild the rows of every module listed in query_cache_stale, then empty
 * the list. Call inside a write transaction (nb_db_commit does, before
 * COMMIT); NB_OK at once when nothing is listed. */
int nb_db_query_cache_refresh(nb_db *db);

/* List every module as stale (after the migration that adds the table). */
int nb_db_query_cache_mark_all(nb_db *db);

#endif
