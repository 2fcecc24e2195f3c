/*
 * The writer stage of the converter (the calling thread): modules, runs,
 * evaluations and raw payloads of parsed records, inside the file's
 * transaction.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_convert_internal.h"

void nb_conv_writer_free(nb_conv_writer *w)
{
    free(w->adjacency);
    free(w->operations);
    w->adjacency = w->operations = NULL;
    w->hash[0] = '\0';
}

static int remember(nb_conv_writer *w, const char *hash, int64_t id, const char *adjacency,
                    const char *operations, int has_params, int64_t params)
{
    nb_conv_writer_free(w);
    w->adjacency = strdup(adjacency);
    w->operations = strdup(operations);
    if (!w->adjacency || !w->operations)
        return nb_seterr(NB_ENOMEM, "out of memory");
    memcpy(w->hash, hash, NB_HASH_HEX + 1);
    w->module_id = id;
    w->has_params = has_params;
    w->params = params;
    return NB_OK;
}

/* The module of a record: the stored one (the first record of a hash wins,
 * as in the original API), or a new one made from this record. */
static int find_module(nb_conv_writer *w, const nb_conv_item *it)
{
    if (!strcmp(w->hash, it->hash))
        return NB_OK;
    sqlite3_stmt *st;
    int rc = nb_db_stmt(w->db,
                        "SELECT id, adjacency, operations, trainable_parameters FROM modules"
                        " WHERE hash = ?1",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, it->hash, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        rc = remember(w, it->hash, sqlite3_column_int64(st, 0),
                      (const char *)sqlite3_column_text(st, 1),
                      (const char *)sqlite3_column_text(st, 2),
                      sqlite3_column_type(st, 3) != SQLITE_NULL, sqlite3_column_int64(st, 3));
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return nb_seterr(NB_EDB, "looking up module %s: %s", it->hash,
                         sqlite3_errmsg(nb_db_sqlite(w->db)));
    int64_t id;
    int64_t params = it->has_trainable_parameters ? it->trainable_parameters : -1;
    rc = nb_db_add_module(w->db, it->hash, it->adjacency, it->operations, it->num_vertices,
                          it->num_edges, params, &id);
    if (rc)
        return rc;
    w->report->modules_added++;
    return remember(w, it->hash, id, it->adjacency, it->operations,
                    it->has_trainable_parameters, it->trainable_parameters);
}

static int has_nan(const nb_conv_item *it)
{
    if (it->has_total_time && isnan(it->total_time))
        return 1;
    for (int i = 0; i < it->num_evaluations; i++) {
        const nb_evaluation *e = &it->evaluations[i];
        if (isnan(e->current_epoch) || isnan(e->training_time) || isnan(e->train_accuracy) ||
            isnan(e->validation_accuracy) || isnan(e->test_accuracy))
            return 1;
    }
    return 0;
}

/* Whether the exporter rebuilds this record byte for byte from the rows:
 * the codec re-encodes it, and the module row it will be rebuilt from holds
 * this record's adjacency, ops and parameter count. */
static int rebuildable(const nb_conv_writer *w, const nb_conv_item *it)
{
    if (!it->canonical || has_nan(it))
        return 0;
    if (strcmp(w->adjacency, it->adjacency) || strcmp(w->operations, it->operations))
        return 0;
    if (w->has_params != it->has_trainable_parameters)
        return 0;
    return !w->has_params || w->params == it->trainable_parameters;
}

static int count_bad(nb_conv_writer *w, const nb_conv_item *it)
{
    if (!w->skip_corrupt)
        return nb_seterr(NB_ECORRUPT, "%s", it->message);
    w->report->skipped++;
    w->report->skipped_by_kind[it->kind]++;
    if (!nb_corrupt_recoverable(it->kind))
        w->report->stopped_early = 1;
    return NB_OK;
}

int nb_conv_write_item(nb_conv_writer *w, const nb_conv_item *it)
{
    w->report->records++;
    if (it->kind != NB_CORRUPT_NONE)
        return count_bad(w, it);
    int rc = find_module(w, it);
    if (rc)
        return rc;
    nb_run run = {
        .module_id = w->module_id,
        .source_id = w->source_id,
        .epochs = it->epochs,
        .repeat = -1,
        .has_total_time = it->has_total_time,
        .total_time = it->total_time,
        /* the module keeps the first record's count (original API) */
        .has_trainable_parameters = 0,
        .num_evaluations = it->num_evaluations,
        .evaluations = it->evaluations,
    };
    if (w->check_existing) {
        int64_t same = 0;
        rc = nb_db_find_run(w->db, &run, &same);
        if (rc)
            return rc;
        if (same) {
            w->report->runs_existing++;
            return NB_OK;
        }
    }
    int k = w->npending++;
    w->pending[k] = run;
    w->pending_item[k] = it;
    w->pending_raw[k] = !rebuildable(w, it);
    return w->npending == NB_CONV_PENDING ? nb_conv_flush(w) : NB_OK;
}

int nb_conv_flush(nb_conv_writer *w)
{
    int n = w->npending;
    w->npending = 0;
    if (n == 0)
        return NB_OK;
    int64_t ids[NB_CONV_PENDING];
    int rc = nb_db_add_runs(w->db, w->pending, n, ids);
    if (rc)
        return nb_preferr(rc, "records %lld to %lld", (long long)w->pending_item[0]->index,
                          (long long)w->pending_item[n - 1]->index);
    for (int i = 0; !rc && i < n; i++) {
        if (!w->pending_raw[i])
            continue;
        const nb_conv_item *it = w->pending_item[i];
        rc = nb_db_add_raw_record(w->db, ids[i], it->payload, it->payload_len);
        w->report->raw_records++;
    }
    if (!rc)
        w->report->runs_added += n;
    return rc;
}
