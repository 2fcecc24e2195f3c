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

/* One run in a row's runs blob: 4 + 4 + 8 * 8 bytes, little-endian. */
#define NB_QC_ENTRY_SIZE 72

typedef struct nb_qc_entry {
    int32_t epochs;
    int32_t repeat;
    double halfway[4]; /* training_time, train, validation, test; NaN = NULL */
    double final[4];
} nb_qc_entry;

/* Decode entry i of a blob of `len` bytes (i < len / NB_QC_ENTRY_SIZE). */
void nb_qc_entry_decode(const unsigned char *blob, size_t i, nb_qc_entry *e);

/* Only the budget of entry i (the query path skips the other budgets'
 * entries without decoding their values). */
int32_t nb_qc_entry_epochs(const unsigned char *blob, size_t i);

/* Rebuild the rows of every module listed in query_cache_stale, then empty
 * the list. Call inside a write transaction (nb_db_commit does, before
 * COMMIT); NB_OK at once when nothing is listed. */
int nb_db_query_cache_refresh(nb_db *db);

/* List every module as stale (after the migration that adds the table). */
int nb_db_query_cache_mark_all(nb_db *db);

#endif
