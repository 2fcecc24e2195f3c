/*
 * nb_export: the runs of a database back to TFRecords in the original
 * format. Runs are read in id order (file order for a converted file) and
 * their evaluations by a second cursor walking the evaluations table in
 * primary-key order alongside (a merge join: one pass over each table
 * instead of one lookup per run). A run whose original payload was kept in
 * raw_records is written verbatim; every other run is encoded by the record
 * codec exactly as the original writer laid it out.
 */
#include <stdlib.h>
#include <string.h>

#include "nasbench/error.h"
#include "nb_convert.h"
#include "nb_record.h"
#include "nb_tfrecord.h"

static const char SQL_RUNS[] =
    "SELECT r.id, m.hash, r.epochs, m.adjacency, m.operations, m.trainable_parameters,"
    " r.total_time, x.payload FROM runs r JOIN modules m ON m.id = r.module_id"
    " LEFT JOIN raw_records x ON x.run_id = r.id"
    " WHERE ?1 = 0 OR r.source_id = ?1 ORDER BY r.id";

static const char SQL_EVALS[] =
    "SELECT run_id, checkpoint, current_epoch, training_time, train_accuracy,"
    " validation_accuracy, test_accuracy, checkpoint_path FROM evaluations"
    " ORDER BY run_id, checkpoint";

typedef struct exporter {
    sqlite3 *conn;
    sqlite3_stmt *runs, *evals;
    int evals_row;              /* the evals cursor stands on a row */
    nb_evaluation *ev;
    char **paths;               /* copies of checkpoint paths, per checkpoint */
    int ev_cap;
    nb_record_codec *codec;
    nb_tfr_writer *out;
} exporter;

static int db_fail(exporter *x, const char *what)
{
    return nb_seterr(NB_EDB, "exporting: %s: %s", what, sqlite3_errmsg(x->conn));
}

static int grow(exporter *x, int n)
{
    if (n <= x->ev_cap)
        return NB_OK;
    int cap = n < 8 ? 8 : n * 2;
    nb_evaluation *ev = realloc(x->ev, (size_t)cap * sizeof *ev);
    if (ev)
        x->ev = ev;
    char **paths = realloc(x->paths, (size_t)cap * sizeof *paths);
    if (paths) {
        memset(paths + x->ev_cap, 0, (size_t)(cap - x->ev_cap) * sizeof *paths);
        x->paths = paths;
    }
    if (!ev || !paths)
        return nb_seterr(NB_ENOMEM, "out of memory");
    x->ev_cap = cap;
    return NB_OK;
}

static double opt_col(sqlite3_stmt *st, int col, unsigned *present, unsigned bit)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return 0.0;
    *present |= bit;
    return sqlite3_column_double(st, col);
}

/* Evaluations of run `id` into x->ev (index = checkpoint; a missing
 * checkpoint is an empty evaluation). */
static int load_evals(exporter *x, int64_t id, int *count)
{
    *count = 0;
    while (x->evals_row && sqlite3_column_int64(x->evals, 0) <= id) {
        if (sqlite3_column_int64(x->evals, 0) == id) {
            int c = sqlite3_column_int(x->evals, 1);
            if (c < 0 || c > 1000000)
                return nb_seterr(NB_EDB, "exporting: run %lld has checkpoint %d", (long long)id,
                                 c);
            int rc = grow(x, c + 1);
            if (rc)
                return rc;
            for (int i = *count; i <= c; i++)
                memset(&x->ev[i], 0, sizeof x->ev[i]);
            nb_evaluation *e = &x->ev[c];
            sqlite3_stmt *st = x->evals;
            e->current_epoch = opt_col(st, 2, &e->present, NB_EVAL_CURRENT_EPOCH);
            e->training_time = opt_col(st, 3, &e->present, NB_EVAL_TRAINING_TIME);
            e->train_accuracy = opt_col(st, 4, &e->present, NB_EVAL_TRAIN_ACCURACY);
            e->validation_accuracy = opt_col(st, 5, &e->present, NB_EVAL_VALIDATION_ACCURACY);
            e->test_accuracy = opt_col(st, 6, &e->present, NB_EVAL_TEST_ACCURACY);
            if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
                free(x->paths[c]);
                x->paths[c] = strdup((const char *)sqlite3_column_text(st, 7));
                if (!x->paths[c])
                    return nb_seterr(NB_ENOMEM, "out of memory");
                e->checkpoint_path = x->paths[c];
                e->present |= NB_EVAL_CHECKPOINT_PATH;
            }
            *count = c + 1;
        }
        int step = sqlite3_step(x->evals);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            return db_fail(x, "reading evaluations");
        x->evals_row = step == SQLITE_ROW;
    }
    return NB_OK;
}

static int epochs_wanted(const nb_export_options *o, int epochs)
{
    if (!o || o->num_epochs <= 0)
        return 1;
    for (int i = 0; i < o->num_epochs; i++)
        if (o->epochs[i] == epochs)
            return 1;
    return 0;
}

static int write_run(exporter *x)
{
    sqlite3_stmt *st = x->runs;
    int64_t id = sqlite3_column_int64(st, 0);
    int n = 0;
    int rc = load_evals(x, id, &n);
    if (rc)
        return rc;
    if (sqlite3_column_type(st, 7) != SQLITE_NULL) /* kept verbatim */
        return nb_tfr_write(x->out, sqlite3_column_blob(st, 7), (size_t)sqlite3_column_bytes(st, 7));
    nb_record rec = {0};
    rec.hash = (const char *)sqlite3_column_text(st, 1);
    rec.hash_len = (size_t)sqlite3_column_bytes(st, 1);
    rec.epochs = sqlite3_column_int64(st, 2);
    rec.adjacency = (const char *)sqlite3_column_text(st, 3);
    rec.adjacency_len = (size_t)sqlite3_column_bytes(st, 3);
    rec.operations = (const char *)sqlite3_column_text(st, 4);
    rec.operations_len = (size_t)sqlite3_column_bytes(st, 4);
    rec.has_trainable_parameters = sqlite3_column_type(st, 5) != SQLITE_NULL;
    rec.trainable_parameters = sqlite3_column_int64(st, 5);
    rec.has_total_time = sqlite3_column_type(st, 6) != SQLITE_NULL;
    rec.total_time = sqlite3_column_double(st, 6);
    rec.num_evaluations = n;
    rec.evaluations = x->ev;
    const uint8_t *payload;
    size_t len;
    rc = nb_record_encode(x->codec, &rec, &payload, &len);
    if (rc)
        return nb_preferr(rc, "exporting run %lld", (long long)id);
    return nb_tfr_write(x->out, payload, len);
}

static int export_all(exporter *x, const nb_export_options *o, int64_t *records)
{
    int rc = NB_OK, step;
    sqlite3_bind_int64(x->runs, 1, o ? o->source_id : 0);
    int first = sqlite3_step(x->evals);
    if (first != SQLITE_ROW && first != SQLITE_DONE)
        return db_fail(x, "reading evaluations");
    x->evals_row = first == SQLITE_ROW;
    while (!rc && (step = sqlite3_step(x->runs)) == SQLITE_ROW) {
        if (o && o->interrupt && *o->interrupt)
            return nb_seterr(NB_EINTR, "interrupted");
        if (!epochs_wanted(o, sqlite3_column_int(x->runs, 2)))
            continue;
        rc = write_run(x);
        if (!rc)
            (*records)++;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(x, "reading runs");
    return rc;
}

int nb_export(nb_db *db, const char *path, const nb_export_options *options, int64_t *records)
{
    int64_t scratch = 0;
    if (!records)
        records = &scratch;
    *records = 0;
    exporter x = {.conn = nb_db_sqlite(db)};
    /* One read transaction: a consistent snapshot for both cursors. */
    if (sqlite3_exec(x.conn, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(&x, "starting a read transaction");
    int rc = NB_OK;
    if (sqlite3_prepare_v2(x.conn, SQL_RUNS, -1, &x.runs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(x.conn, SQL_EVALS, -1, &x.evals, NULL) != SQLITE_OK)
        rc = db_fail(&x, "preparing");
    if (!rc)
        rc = nb_record_codec_new(&x.codec);
    if (!rc)
        rc = nb_tfr_writer_open(path, 0, &x.out);
    if (!rc)
        rc = export_all(&x, options, records);
    if (!rc) {
        rc = nb_tfr_writer_close(x.out);
        x.out = NULL;
    }
    nb_tfr_writer_abort(x.out);
    sqlite3_finalize(x.runs);
    sqlite3_finalize(x.evals);
    sqlite3_exec(x.conn, "COMMIT", NULL, NULL, NULL);
    nb_record_codec_free(x.codec);
    for (int i = 0; i < x.ev_cap; i++)
        free(x.paths[i]);
    free(x.paths);
    free(x.ev);
    return rc;
}
